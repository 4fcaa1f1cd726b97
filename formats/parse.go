package formats

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
)

// Item is one thing read from a file: exactly one of the pointer fields
// (or PrivateKey/PublicKey) is set, according to Kind.
type Item struct {
	Kind     Kind
	Encoding Encoding
	// PEMType is the PEM block type ("CERTIFICATE"), "" for DER.
	PEMType string
	// PEMHeaders are the block's headers (OpenSSL's legacy key encryption
	// keeps its parameters there), nil for DER.
	PEMHeaders map[string]string
	// Raw is the DER of the item (for PEM, the decoded block body).
	Raw []byte

	Certificate *x509.Certificate
	CSR         *x509.CertificateRequest
	CRL         *x509.RevocationList
	// PrivateKey is set for KindPrivateKey, and for KindEncryptedPrivateKey
	// once decrypted. It is an *rsa.PrivateKey, *ecdsa.PrivateKey or
	// ed25519.PrivateKey, or a *DSAKey (RSASSA-PSS keys are *rsa.PrivateKey).
	PrivateKey crypto.Signer
	// KeyFormat is the encoding the private key was stored in.
	KeyFormat KeyFormat
	// Encryption describes how an encrypted private key is protected.
	Encryption *Encryption
	PublicKey  crypto.PublicKey
	PKCS7      *PKCS7
	PKCS12     *PKCS12
	// Partial is set instead of Certificate, with [ParseOptions].Partial,
	// for a legal certificate crypto/x509 cannot read (explicit curve
	// parameters, a name attribute that is not a string): only its
	// identifying fields are filled in (Raw, Version, SerialNumber,
	// Subject, Issuer and their raw forms, NotBefore, NotAfter,
	// RawSubjectPublicKeyInfo, PublicKeyAlgorithm, Signature); its
	// extensions are not read, so it must not be used to build or verify
	// chains. Unsupported says what pkit cannot use (wraps ErrUnsupported).
	Partial     *x509.Certificate
	Unsupported error
	// Indexed is set instead of Certificate, with [ParseOptions].Index:
	// the certificate read lazily ([IndexCertificate]).
	Indexed *PileCert
}

// ParseOptions configures [Parse]. The zero value reads everything that is
// not encrypted and leaves encrypted private keys encrypted.
type ParseOptions struct {
	// Password returns the password for encrypted content. It is called at
	// most once per Parse, only when encrypted content is found. If it is
	// nil, or returns an error wrapping [ErrPasswordRequired], encrypted
	// private keys stay encrypted (Item.PrivateKey nil) and a PKCS#12 file
	// is tried with the empty password only. Any other error stops Parse.
	Password func() ([]byte, error)
	// Skipped, when not nil, makes a PEM bundle readable around its bad
	// blocks: a block that cannot be read (a certificate with an invalid
	// public key, a broken key block) is passed to Skipped as a
	// [*ParseError] naming it (Block) and left out, and parsing goes on
	// with the next. A wrong or missing password still fails the parse.
	// Without Skipped, or in a file of one block, such a block fails the
	// whole parse.
	Skipped func(*ParseError)
	// Partial keeps legal certificates crypto/x509 cannot read as items
	// with [Item].Partial set, for display; without it they fail the parse
	// with an error wrapping ErrUnsupported that names what is not
	// supported (never ErrCorrupt).
	Partial bool
	// KDFBudget, when not nil, is key-derivation work shared with other
	// parses (see [KDFBudget]); every parse is capped at
	// [MaxPKCS12KDFIterations] either way.
	KDFBudget *KDFBudget
	// ParseCRL, when not nil, reads CRLs instead of crypto/x509's
	// ParseRevocationList, which refuses version 1 CRLs; callers pass
	// revoke.ParseCRL (formats cannot import revoke, which imports it).
	ParseCRL func(der []byte) (*x509.RevocationList, error)
	// PasswordForPKCS12 uses Password only when the file holds a PKCS#12
	// item (a DER .p12, or a PKCS12 PEM block): in any other file
	// encrypted private keys stay encrypted without asking. For readers
	// that want certificates and must not prompt for a key they do not
	// use, without reading the file twice to find out what it holds.
	PasswordForPKCS12 bool
	// PasswordFirst, for a Password that answers without asking (a file,
	// the environment), tries it on a PKCS#12 file before the empty
	// password: one key derivation for the MAC instead of three. Without
	// it the empty password is tried first, so that a file that has none
	// never makes the user type one.
	PasswordFirst bool
	// Index reads certificates lazily ([IndexCertificate]): an item of
	// KindCertificate has [Item].Indexed set instead of Certificate, and
	// a certificate that is well-formed DER but that crypto/x509 refuses
	// for its contents is found out only when [PileCert.Certificate]
	// parses it. For chain build, which needs the full parse of few of
	// the certificates of a pile.
	Index bool
}

// passwords caches the answer of ParseOptions.Password.
type passwords struct {
	fn    func() ([]byte, error)
	asked bool
	pw    []byte
	err   error
	work  *kdfWork // the parse's key-derivation budget
	// partial is ParseOptions.Partial (this struct is the parse's context).
	partial bool
	// first is ParseOptions.PasswordFirst.
	first bool
	// parseCRL is ParseOptions.ParseCRL.
	parseCRL func([]byte) (*x509.RevocationList, error)
	// index is ParseOptions.Index.
	index bool
}

func (p *passwords) get() ([]byte, error) {
	if !p.asked {
		p.asked = true
		if p.fn == nil {
			p.err = ErrPasswordRequired
		} else if p.pw, p.err = p.fn(); p.err != nil && !errors.Is(p.err, ErrPasswordRequired) {
			p.err = &passwordSourceError{p.err}
		}
	}
	return p.pw, p.err
}

// passwordSourceError is a failure of the password source itself (an
// unreadable password file): it is not about the data, so parsers pass it
// on as it is instead of calling the file damaged.
type passwordSourceError struct{ err error }

func (e *passwordSourceError) Error() string { return e.err.Error() }
func (e *passwordSourceError) Unwrap() error { return e.err }

// Parse reads every item in data, detected as [Detect] does: a DER
// certificate, CSR, CRL, key, PKCS#7 or PKCS#12 file, or a PEM file with
// any number and mix of blocks, returned in file order. Every error is a
// [*ParseError]; Block tells which PEM block failed.
func Parse(data []byte, o ParseOptions) ([]Item, error) {
	var items []Item
	err := ParseEach(data, o, func(it Item, _, total int) error {
		if items == nil {
			items = make([]Item, 0, total)
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// ParseEach is [Parse] for large files: it calls f with each item as it
// is read (index is 1-based, total the number of items in the file)
// instead of returning them all, so a bundle of many certificates needs
// memory for one parsed item at a time. The PEM structure of the whole
// file is checked before f is first called; an item that fails to parse
// stops ParseEach after f has seen the items before it (unless
// [ParseOptions].Skipped takes it). An error f returns is returned as it
// is; every other error is a [*ParseError].
func ParseEach(data []byte, o ParseOptions, f func(it Item, index, total int) error) error {
	var fErr error
	err := parse(data, o, func(it Item, i, n int) error {
		if fErr = f(it, i, n); fErr != nil {
			return errStop
		}
		return nil
	})
	if err == errStop {
		return fErr
	}
	var se *passwordSourceError
	if errors.As(err, &se) {
		return se.err // about the password source, not the data
	}
	return err
}

var errStop = errors.New("stopped")

func parse(data []byte, o ParseOptions, f func(Item, int, int) error) error {
	pw := &passwords{fn: o.Password, work: newKDFWork(o.KDFBudget), partial: o.Partial, parseCRL: o.ParseCRL, first: o.PasswordFirst, index: o.Index}
	if err := checkSize(data); err != nil {
		return err
	}
	if err := refuseKnown(data); err != nil {
		return err
	}
	k, err := detectDER(data)
	if err != nil {
		return err
	}
	if k != KindUnknown {
		if o.PasswordForPKCS12 && k != KindPKCS12 {
			pw.fn = nil
		}
		it, err := parseDER(k, data, "", pw)
		if err != nil {
			return parseErr(k, 0, err)
		}
		it.Encoding = EncodingDER
		return f(it, 1, 1)
	}
	// The structure of the whole file is checked before the first item
	// is handed over. A file of up to keepPEMBlocks is decoded once, its
	// blocks kept for parsing (a chain build of a 1000-certificate bundle
	// decoded each block three times before); a larger one is decoded
	// twice, a block at a time, so that a bundle of many thousand
	// certificates never holds all their DER at once besides the file.
	var blocks []pemBlock
	var total int
	if len(data) <= keepPEMBlocks {
		blocks, err = splitPEM(data)
		total = len(blocks)
	} else {
		total, err = eachPEM(data, nil)
	}
	if err != nil {
		return err
	}
	if o.PasswordForPKCS12 && !holdsPKCS12(data, blocks) {
		pw.fn = nil
	}
	i := 0
	item := func(b pemBlock) error {
		i++
		it, err := parsePEMBlock(b, pw)
		if err != nil {
			var se *passwordSourceError
			if errors.As(err, &se) {
				return err
			}
			pe := parseErr(b.kind, i, err)
			if total == 1 {
				pe.Block = 0
			}
			if o.Skipped != nil && total > 1 && skippable(err) {
				o.Skipped(pe)
				return nil
			}
			return pe
		}
		if it.Indexed != nil && total > 1 {
			it.Indexed.Block = i
		}
		it.Encoding = EncodingPEM
		it.PEMType = b.block.Type
		if len(b.block.Headers) > 0 {
			it.PEMHeaders = b.block.Headers
		}
		return f(it, i, total)
	}
	if blocks == nil {
		_, err = eachPEM(data, item)
		return err
	}
	for n := range blocks {
		b := blocks[n]
		blocks[n] = pemBlock{} // its memory may go once the item is used
		if err := item(b); err != nil {
			return err
		}
	}
	return nil
}

// keepPEMBlocks is the largest PEM file [Parse] decodes in one pass,
// keeping every decoded block until it is parsed (about three quarters of
// the file's size more); larger files are decoded twice, a block at a time.
const keepPEMBlocks = 4 << 20

// holdsPKCS12 reports whether a PEM file holds a PKCS12 block: from its
// decoded blocks when they were kept, else from its BEGIN lines.
func holdsPKCS12(data []byte, blocks []pemBlock) bool {
	if blocks != nil {
		return slices.ContainsFunc(blocks, func(b pemBlock) bool { return b.kind == KindPKCS12 })
	}
	return bytes.Contains(data, []byte("-----BEGIN PKCS12-----"))
}

// skippable tells which item failures [ParseOptions].Skipped may take:
// an item that is damaged or of an unsupported kind, not a wrong or
// missing password or a file over the work limits.
func skippable(err error) bool {
	return !errors.Is(err, ErrWrongPassword) && !errors.Is(err, ErrPasswordRequired) &&
		!errors.Is(err, ErrTooMuchWork) && !errors.Is(err, ErrUnsafeIntegrity)
}

func parsePEMBlock(b pemBlock, pw *passwords) (Item, error) {
	if b.kind == KindEncryptedPrivateKey && b.block.Headers["Proc-Type"] != "" {
		return parseLegacyEncryptedKey(b.block, pw)
	}
	der := b.block.Bytes
	if b.block.Type == "TRUSTED CERTIFICATE" {
		// OpenSSL's trusted certificate: the DER certificate followed by
		// its trust settings.
		if e, _, err := readElement(der, 0); err == nil {
			der = e.full
		}
	}
	if b.kind == KindPKCS7 || b.kind == KindPKCS12 {
		// The body is a whole DER file; it must match the block type.
		if k := classifyTop(der); k != b.kind {
			return Item{}, corrupt("the PEM %q block does not hold %s", b.block.Type, b.kind)
		}
	}
	return parseDER(b.kind, der, b.block.Type, pw)
}

func classifyTop(der []byte) Kind {
	e, rest, err := readElement(der, 0)
	if err != nil || len(rest) > 0 {
		return KindUnknown
	}
	return classifyDER(e)
}

// parseDER parses one DER item of kind k. pemType, when not empty, pins
// the key encoding.
func parseDER(k Kind, der []byte, pemType string, pw *passwords) (Item, error) {
	it := Item{Kind: k, Raw: der}
	var err error
	switch k {
	case KindCertificate:
		if pw.index {
			it.Indexed, err = indexCertificate(der)
		} else if it.Certificate, err = parseCertificate(der); errors.Is(err, ErrUnsupported) && pw.partial {
			c, _, _ := readPartialCertificate(der, nil)
			it.Partial, it.Unsupported, err = c, err, nil
		}
	case KindCSR:
		it.CSR, err = x509.ParseCertificateRequest(der)
	case KindCRL:
		if pw.parseCRL != nil {
			it.CRL, err = pw.parseCRL(der)
		} else {
			it.CRL, err = x509.ParseRevocationList(der)
		}
	case KindPrivateKey:
		it.PrivateKey, it.KeyFormat, err = parsePrivateKeyDER(der, pemType)
	case KindEncryptedPrivateKey:
		return parseEncryptedPKCS8(der, pw)
	case KindPublicKey:
		it.PublicKey, err = parsePublicKeyDER(der, pemType)
	case KindPKCS7:
		it.PKCS7, err = decodePKCS7(der)
	case KindPKCS12:
		it.PKCS12, err = decodePKCS12(der, pw)
	default:
		err = ErrUnknownFormat
	}
	if err != nil {
		var pe *ParseError
		var se *passwordSourceError
		if errors.As(err, &pe) {
			return it, pe.Err
		}
		if errors.As(err, &se) {
			return it, se
		}
		if knownCause(err) {
			return it, err
		}
		return it, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return it, nil
}

// Certificates returns every certificate in items, in order, including
// those inside PKCS#7 and PKCS#12 items (for PKCS#12: the leaf, then the
// chain).
func Certificates(items []Item) []*x509.Certificate {
	var out []*x509.Certificate
	for _, it := range items {
		switch {
		case it.Certificate != nil:
			out = append(out, it.Certificate)
		case it.PKCS7 != nil:
			out = append(out, it.PKCS7.Certificates...)
		case it.PKCS12 != nil:
			out = append(out, it.PKCS12.Certificates()...)
		}
	}
	return out
}

// PrivateKeys returns every readable private key in items, including
// those inside PKCS#12 items.
func PrivateKeys(items []Item) []crypto.Signer {
	var out []crypto.Signer
	for _, it := range items {
		switch {
		case it.PrivateKey != nil:
			out = append(out, it.PrivateKey)
		case it.PKCS12 != nil:
			for _, k := range it.PKCS12.Keys {
				out = append(out, k.Key)
			}
		}
	}
	return out
}

// ParseCertificates reads the certificates in data: a PEM bundle, a DER
// certificate, or a PKCS#7 bundle (PEM or DER). Other items make it fail.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	items, err := Parse(data, ParseOptions{})
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.Kind != KindCertificate && it.Kind != KindPKCS7 {
			return nil, parseErr(it.Kind, i+1, fmt.Errorf("expected certificates, found %s", it.Kind))
		}
	}
	certs := Certificates(items)
	if len(certs) == 0 {
		return nil, parseErr(KindPKCS7, 0, errors.New("no certificates in the file"))
	}
	return certs, nil
}

// CertificatePile is what [ParseCertificatePile] read from one file.
type CertificatePile struct {
	// Certificates are the certificates read, in file order, including
	// those inside PKCS#7 and PKCS#12 items.
	Certificates []*x509.Certificate
	// Skipped are the certificates left out, one [*ParseError] each,
	// naming its block (Block 0 in a file of one item): damaged, or legal
	// but not readable by pkit (see [Item].Partial).
	Skipped []*ParseError
	// Others are the kinds of the other items found (keys, CSRs, CRLs, a
	// PKCS#7 message without certificates), each once, in file order: they
	// hold no certificate.
	Others []Kind
	// Indexed holds the certificates instead of Certificates when
	// [ParseOptions].Index is set: read lazily, except those of PKCS#7
	// and PKCS#12 items (parsed with their container). A certificate
	// crypto/x509 refuses for its contents is not in Skipped then: its
	// [PileCert.Certificate] says so when called.
	Indexed []*PileCert
}

func (p *CertificatePile) add(index bool, certs []*x509.Certificate) {
	if !index {
		p.Certificates = append(p.Certificates, certs...)
		return
	}
	for _, c := range certs {
		p.Indexed = append(p.Indexed, PileCertOf(c))
	}
}

// ParseCertificatePile reads the certificates of a file that is one of
// several in a pile (chain build and verify) in one pass, as [Parse] with
// o: a certificate that cannot be read, in a bundle or alone in its file,
// is left out and listed in [CertificatePile].Skipped instead of failing
// the file, so that one broken certificate does not hide the others.
// Anything else that cannot be read (a damaged key block, a PKCS#12 file
// without its password, a broken PEM structure) fails the whole file, as
// in [Parse]; o.Skipped is not used. A file holding no certificate is not
// an error here: the result says what it holds instead.
func ParseCertificatePile(data []byte, o ParseOptions) (CertificatePile, error) {
	var p CertificatePile
	var failed error
	o.Skipped = func(pe *ParseError) {
		if pe.Kind == KindCertificate {
			p.Skipped = append(p.Skipped, pe)
		} else if failed == nil {
			failed = pe
		}
	}
	err := ParseEach(data, o, func(it Item, _, _ int) error {
		if failed != nil {
			return failed
		}
		switch {
		case it.Certificate != nil:
			p.Certificates = append(p.Certificates, it.Certificate)
		case it.Indexed != nil:
			p.Indexed = append(p.Indexed, it.Indexed)
		case it.PKCS7 != nil && len(it.PKCS7.Certificates) > 0:
			p.add(o.Index, it.PKCS7.Certificates)
		case it.PKCS12 != nil:
			p.add(o.Index, it.PKCS12.Certificates())
		case !slices.Contains(p.Others, it.Kind):
			p.Others = append(p.Others, it.Kind)
		}
		return nil
	})
	if err == nil {
		err = failed
	}
	var pe *ParseError
	if err != nil && errors.As(err, &pe) && pe.Kind == KindCertificate && pe.Block == 0 && skippable(pe.Err) {
		// The file's only item, a certificate: left out like one of many.
		p.Skipped, err = append(p.Skipped, pe), nil
	}
	if err != nil {
		return CertificatePile{}, err
	}
	return p, nil
}

// parseOne parses data and returns its only item of kind k.
func parseOne(data []byte, k Kind, o ParseOptions) (Item, error) {
	items, err := Parse(data, o)
	if err != nil {
		return Item{}, err
	}
	var found []Item
	for _, it := range items {
		if it.Kind == k || (k == KindPrivateKey && it.Kind == KindEncryptedPrivateKey) {
			found = append(found, it)
		}
	}
	switch {
	case len(found) == 0:
		return Item{}, parseErr(k, 0, fmt.Errorf("no %s in the file (found %s)", k, items[0].Kind))
	case len(found) > 1:
		return Item{}, parseErr(k, 0, fmt.Errorf("%d of them in the file, expected one", len(found)))
	}
	return found[0], nil
}

// ParseCSR reads one certificate request, PEM or DER. It does not check
// the request's signature. Errors are [*ParseError].
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	it, err := parseOne(data, KindCSR, ParseOptions{})
	return it.CSR, err
}

// ParseCRL reads one CRL, PEM or DER, without checking its signature.
// Errors are [*ParseError].
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	it, err := parseOne(data, KindCRL, ParseOptions{})
	return it.CRL, err
}

// ParsePrivateKey reads one private key, PEM or DER, in PKCS#8, PKCS#1 or
// SEC 1, encrypted (PKCS#8, or OpenSSL's legacy PEM encryption) or not;
// password is asked for only when the key is encrypted and may be nil.
// Errors are [*ParseError]; a wrong password wraps [ErrWrongPassword], a
// missing one [ErrPasswordRequired].
func ParsePrivateKey(data []byte, password func() ([]byte, error)) (crypto.Signer, error) {
	it, err := parseOne(data, KindPrivateKey, ParseOptions{Password: password})
	if err != nil {
		return nil, err
	}
	if it.PrivateKey == nil {
		return nil, parseErr(it.Kind, 0, ErrPasswordRequired)
	}
	return it.PrivateKey, nil
}

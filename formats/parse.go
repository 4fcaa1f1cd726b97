package formats

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
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
	// ed25519.PrivateKey.
	PrivateKey crypto.Signer
	// KeyFormat is the encoding the private key was stored in.
	KeyFormat KeyFormat
	// Encryption describes how an encrypted private key is protected.
	Encryption *Encryption
	PublicKey  crypto.PublicKey
	PKCS7      *PKCS7
	PKCS12     *PKCS12
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
	// KDFBudget, when not nil, is key-derivation work shared with other
	// parses (see [KDFBudget]); every parse is capped at
	// [MaxPKCS12KDFIterations] either way.
	KDFBudget *KDFBudget
}

// passwords caches the answer of ParseOptions.Password.
type passwords struct {
	fn    func() ([]byte, error)
	asked bool
	pw    []byte
	err   error
	work  *kdfWork // the parse's key-derivation budget
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
	items, err := parse(data, o)
	var se *passwordSourceError
	if errors.As(err, &se) {
		return nil, se.err // about the password source, not the data
	}
	return items, err
}

func parse(data []byte, o ParseOptions) ([]Item, error) {
	pw := &passwords{fn: o.Password, work: newKDFWork(o.KDFBudget)}
	if err := checkSize(data); err != nil {
		return nil, err
	}
	if err := refuseKnown(data); err != nil {
		return nil, err
	}
	k, err := detectDER(data)
	if err != nil {
		return nil, err
	}
	if k != KindUnknown {
		it, err := parseDER(k, data, "", pw)
		if err != nil {
			return nil, parseErr(k, 0, err)
		}
		it.Encoding = EncodingDER
		return []Item{it}, nil
	}
	blocks, err := splitPEM(data)
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(blocks))
	for i, b := range blocks {
		it, err := parsePEMBlock(b, pw)
		if err != nil {
			if len(blocks) == 1 {
				return nil, parseErr(b.kind, 0, err)
			}
			return nil, parseErr(b.kind, i+1, err)
		}
		it.Encoding = EncodingPEM
		it.PEMType = b.block.Type
		if len(b.block.Headers) > 0 {
			it.PEMHeaders = b.block.Headers
		}
		items = append(items, it)
	}
	return items, nil
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
		it.Certificate, err = x509.ParseCertificate(der)
	case KindCSR:
		it.CSR, err = x509.ParseCertificateRequest(der)
	case KindCRL:
		it.CRL, err = x509.ParseRevocationList(der)
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

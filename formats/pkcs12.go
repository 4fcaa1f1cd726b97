package formats

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"
)

// PKCS#12 (RFC 7292). pkit reads and writes it itself rather than through
// go-pkcs12, because importers want what go-pkcs12 does not write: a
// friendlyName on the key and certificate bags (the alias keytool shows,
// the nickname NSS gives), and because reading must cope with what
// Windows, Java, NSS and OpenSSL 1.x wrote: BER encodings, RC2, nested
// safe contents, chains in any order, a friendly name per bag.

// PKCS12Iterations is the KDF iteration count pkit writes, for the
// encryption and the MAC alike: 2048, the count OpenSSL 3 ("openssl
// pkcs12 -export", PKCS12_DEFAULT_ITER) and go-pkcs12's Modern2023 use.
// Legacy files use it too (OpenSSL's -legacy does; go-pkcs12's LegacyDES
// uses 1 MAC iteration).
const PKCS12Iterations = 2048

// PKCS12Options configures [EncodePKCS12] and [EncodeTrustStore]. The zero
// value writes the modern encoding with 2048 iterations.
type PKCS12Options struct {
	// Legacy writes PBE-SHA1-3DES with a SHA-1 MAC for importers that
	// refuse AES (old Windows, macOS, iOS, Java before 12). Not RC2-40,
	// which OpenSSL 3 refuses without -legacy.
	Legacy bool
	// FriendlyName labels the key and certificate in the importer's UI
	// (keytool's alias, NSS's nickname). Empty means the certificate's
	// common name, or its subject when it has no common name.
	FriendlyName string
	// Iterations overrides [PKCS12Iterations] when positive.
	Iterations int
}

func (o PKCS12Options) iterations() int {
	if o.Iterations > 0 {
		return o.Iterations
	}
	return PKCS12Iterations
}

var (
	oidKeyBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidCRLBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 4}
	oidSecretBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 5}
	oidSafeContentsBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidCertTypeX509    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidJavaTrustedCert = asn1.ObjectIdentifier{2, 16, 840, 1, 113894, 746875, 1, 1}
	oidAnyExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
)

type pfxPDU struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type encryptedData struct {
	Version              int
	EncryptedContentInfo encryptedContentInfo
}

type encryptedContentInfo struct {
	ContentType                asn1.ObjectIdentifier
	ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedContent           asn1.RawValue `asn1:"tag:0,optional"`
}

type macData struct {
	Mac        digestInfo
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue     `asn1:"tag:0,explicit"`
	Attributes []pkcs12Attribute `asn1:"set,optional"`
}

type pkcs12Attribute struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

type certBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

type pbmac1Params struct {
	KDF pkix.AlgorithmIdentifier
	MAC pkix.AlgorithmIdentifier
}

// PKCS12 is what a PKCS#12 file holds.
type PKCS12 struct {
	// Key is the private key, nil in a trust store. In a keystore with
	// several keys it is the first; Keys has them all.
	Key crypto.Signer
	// KeyFriendlyName and KeyLocalKeyID are the key bag's attributes.
	KeyFriendlyName string
	KeyLocalKeyID   []byte
	// Leaf is the certificate of Key (matched by localKeyID, else by
	// public key), nil when there is no key or no matching certificate.
	Leaf *PKCS12Cert
	// Chain holds the other certificates: those that chain up from Leaf
	// in issuer order, then any others in file order. It never holds the
	// certificate of a key in Keys.
	Chain []*PKCS12Cert
	// Keys holds every private key in file order, each with its
	// certificate (a keytool keystore may hold several entries); Keys[0]
	// is Key, Leaf and KeyFriendlyName.
	Keys []*PKCS12Key
	// MAC is the integrity algorithm ("HMAC-SHA256", "PBMAC1-HMAC-SHA256";
	// "" for a file without integrity protection) and MACIterations its
	// KDF iteration count.
	MAC           string
	MACIterations int
	// KeyEncryption and CertEncryption tell how the key bag and the
	// certificates were encrypted (nil when they were not).
	KeyEncryption  *Encryption
	CertEncryption *Encryption
	// EmptyPassword is true when the file opened with the empty password.
	EmptyPassword bool
}

// PKCS12Key is one private key of a PKCS#12 file and its certificate.
type PKCS12Key struct {
	Key          crypto.Signer
	FriendlyName string
	LocalKeyID   []byte
	// Leaf is the key's certificate (matched by localKeyID, else by public
	// key), nil when the file has none for it.
	Leaf *PKCS12Cert
	// Chain is the certificates of the file that chain up from Leaf, in
	// issuer order (shared with other keys' chains).
	Chain []*PKCS12Cert
	// Encryption tells how the key bag was encrypted (nil when it was not).
	Encryption *Encryption
}

// PKCS12Cert is one certificate bag.
type PKCS12Cert struct {
	Certificate  *x509.Certificate
	FriendlyName string
	LocalKeyID   []byte
	// JavaTrusted is true when the bag carries Java's trusted-certificate
	// attribute (a keytool trustedCertEntry).
	JavaTrusted bool
}

// Certificates returns the leaf of every key (Leaf first), then the
// chain.
func (p *PKCS12) Certificates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, k := range p.Keys {
		if k.Leaf != nil {
			out = append(out, k.Leaf.Certificate)
		}
	}
	for _, c := range p.Chain {
		out = append(out, c.Certificate)
	}
	return out
}

// DecodePKCS12 reads a PKCS#12 file (DER or BER). The empty password is
// tried first; then password is asked for (it may be nil). A password
// that fails the MAC gives an error wrapping [ErrWrongPassword]; a file
// that is damaged wraps [ErrCorrupt]. Every error is a [*ParseError].
func DecodePKCS12(data []byte, password func() ([]byte, error)) (*PKCS12, error) {
	p, err := decodePKCS12(data, &passwords{fn: password, work: newKDFWork(nil)})
	if err != nil {
		var pe *ParseError
		var se *passwordSourceError
		if errors.As(err, &pe) {
			return nil, pe
		}
		if errors.As(err, &se) {
			return nil, se.err // the password file, not the .p12
		}
		if !knownCause(err) {
			err = fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return nil, parseErr(KindPKCS12, 0, err)
	}
	return p, nil
}

// p12Password is one candidate password: raw for PBES2, bmp for the
// PKCS#12 KDF.
type p12Password struct{ raw, bmp []byte }

func decodePKCS12(data []byte, pw *passwords) (*PKCS12, error) {
	data, rest, err := toDER(data, 0)
	if err != nil {
		return nil, corrupt("%v", err)
	}
	if len(rest) > 0 {
		return nil, ErrTrailingData
	}
	var pfx pfxPDU
	if err := unmarshalDER(data, &pfx); err != nil {
		return nil, err
	}
	if pfx.Version != 3 {
		return nil, fmt.Errorf("%w: PFX version %d", ErrUnsupported, pfx.Version)
	}
	if !pfx.AuthSafe.ContentType.Equal(oidPKCS7Data) {
		return nil, fmt.Errorf("%w: public-key integrity mode (only password-protected PKCS#12 is read)", ErrUnsupported)
	}
	var authSafe []byte
	if err := unmarshalDER(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, err
	}
	out := &PKCS12{}
	var cis []contentInfo
	if err := unmarshalDER(authSafe, &cis); err != nil {
		return nil, err
	}
	if err := checkDeclaredWork(&pfx.MacData, cis, pw.work); err != nil {
		return nil, err
	}
	pass, err := pkcs12Password(&pfx, authSafe, pw, out)
	if err != nil {
		return nil, err
	}
	r := &p12Reader{pass: pass, pw: pw, out: out, macVerified: out.MAC != ""}
	for _, ci := range cis {
		if err := r.contentInfo(ci); err != nil {
			return nil, err
		}
	}
	return r.finish()
}

// checkDeclaredWork refuses a file whose MAC and encrypted parts visible
// before decryption (encrypted safes, shrouded keys in plain safes)
// together ask for more key-derivation iterations than work allows, before
// any key is derived. Parts hidden inside encrypted safes are charged when
// they are reached.
func checkDeclaredWork(md *macData, cis []contentInfo, work *kdfWork) error {
	if work == nil {
		return nil
	}
	total := int64(0)
	add := func(alg pkix.AlgorithmIdentifier) {
		if enc, err := describeEncryption(alg); enc != nil && err == nil {
			total += int64(enc.Iterations)
		}
	}
	if md.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
		if _, _, kp, err := pbmac1Check(md.Mac.Algorithm.Parameters.FullBytes); err == nil {
			total += int64(kp.Iterations)
		}
	} else if len(md.Mac.Algorithm.Algorithm) > 0 {
		total += int64(md.Iterations)
	}
	for _, ci := range cis {
		switch {
		case ci.ContentType.Equal(oidPKCS7Encrypted):
			var ed encryptedData
			if unmarshalDER(ci.Content.Bytes, &ed) == nil {
				add(ed.EncryptedContentInfo.ContentEncryptionAlgorithm)
			}
		case ci.ContentType.Equal(oidPKCS7Data):
			var data []byte
			var bags []safeBag
			if unmarshalDER(ci.Content.Bytes, &data) != nil || unmarshalDER(data, &bags) != nil {
				continue
			}
			for _, b := range bags {
				var info encryptedPrivateKeyInfo
				if b.ID.Equal(oidShroudedKeyBag) && unmarshalDER(b.Value.Bytes, &info) == nil {
					add(info.Algorithm)
				}
			}
		}
	}
	if total > work.left {
		return work.spend(int(min(total, 1<<40)))
	}
	return nil
}

// pkcs12Password finds the password: it verifies the MAC with the empty
// password (both encodings in use: BMP "\0\0" and no bytes at all), then
// with the one asked for.
func pkcs12Password(pfx *pfxPDU, authSafe []byte, pw *passwords, out *PKCS12) (*p12Password, error) {
	empty := []*p12Password{{raw: []byte{}, bmp: []byte{0, 0}}, {raw: []byte{}, bmp: nil}}
	if len(pfx.MacData.Mac.Algorithm.Algorithm) == 0 {
		// No MAC: try the empty password, the real one is checked when
		// decrypting.
		out.EmptyPassword = true
		return empty[0], nil
	}
	verify, err := macVerifier(&pfx.MacData, authSafe, out)
	if err != nil {
		return nil, err
	}
	if err := pw.work.spend(out.MACIterations); err != nil {
		return nil, err
	}
	// The password given first, when it comes without asking: most
	// files have one, and each try is a full key derivation. A file with
	// the empty password still opens when another was given.
	triedGiven := false
	if pw.first {
		if raw, err := pw.get(); err == nil {
			triedGiven = true
			if p := (&p12Password{raw: raw, bmp: bmpPassword(raw)}); verify(p) {
				out.EmptyPassword = len(raw) == 0
				return p, nil
			}
		}
	}
	for _, p := range empty {
		if verify(p) {
			out.EmptyPassword = true
			return p, nil
		}
	}
	raw, err := pw.get()
	if err != nil {
		return nil, err
	}
	p := &p12Password{raw: raw, bmp: bmpPassword(raw)}
	if triedGiven || !verify(p) {
		if opensContent(authSafe, p) {
			return nil, corrupt("the password opens the content, but the integrity check (MAC) fails: the file is damaged")
		}
		return nil, ErrWrongPassword
	}
	return p, nil
}

// opensContent tells a damaged file from a wrong password once the MAC
// has failed: the password is right when it decrypts every encrypted part
// (and there is at least one) into well-formed content.
func opensContent(authSafe []byte, p *p12Password) bool {
	var cis []contentInfo
	if err := unmarshalDER(authSafe, &cis); err != nil {
		return false
	}
	r := &p12Reader{pass: p, pw: &passwords{}, out: &PKCS12{}, macVerified: true}
	for _, ci := range cis {
		if err := r.contentInfo(ci); err != nil {
			return false
		}
	}
	return r.decrypted > 0
}

// macVerifier returns a function that checks the MAC with a password.
func macVerifier(md *macData, authSafe []byte, out *PKCS12) (func(*p12Password) bool, error) {
	alg := md.Mac.Algorithm
	if alg.Algorithm.Equal(oidPBMAC1) {
		h, name, kp, err := pbmac1Check(alg.Parameters.FullBytes)
		if err != nil {
			return nil, err
		}
		out.MAC, out.MACIterations = "PBMAC1-HMAC-"+name, kp.Iterations
		return func(pw *p12Password) bool {
			key, err := pbkdf2.Key(kp.prf, string(pw.raw), kp.Salt, kp.Iterations, kp.KeyLength)
			if err != nil {
				return false
			}
			m := hmac.New(h, key)
			m.Write(authSafe)
			return hmac.Equal(m.Sum(nil), md.Mac.Digest)
		}, nil
	}
	h, name, ok := hashByOID(alg.Algorithm)
	if !ok {
		return nil, fmt.Errorf("%w: MAC algorithm %v", ErrUnsupported, alg.Algorithm)
	}
	if md.Iterations < 1 || md.Iterations > maxKDFIterations {
		return nil, errTooManyRounds
	}
	out.MAC, out.MACIterations = "HMAC-"+name, md.Iterations
	return func(pw *p12Password) bool {
		return hmac.Equal(pkcs12MAC(h, md.MacSalt, pw.bmp, md.Iterations, authSafe), md.Mac.Digest)
	}, nil
}

// pbmac1KDF is the PBKDF2 half of PBMAC1 parameters, checked.
type pbmac1KDF struct {
	Salt       []byte
	Iterations int
	KeyLength  int
	prf        func() hash.Hash
}

// pbmac1Check reads PBMAC1 parameters (RFC 9579) and refuses those that
// make the MAC forgeable or are not what RFC 9579 allows: the PBKDF2
// keyLength must be present and equal to the HMAC's output size (a 1-byte
// key opens with one wrong password in 256), and the PRF and the MAC must
// both be known HMACs.
func pbmac1Check(params []byte) (func() hash.Hash, string, *pbmac1KDF, error) {
	var p pbmac1Params
	if err := unmarshalDER(params, &p); err != nil {
		return nil, "", nil, err
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, "", nil, fmt.Errorf("%w: PBMAC1 with key derivation %v", ErrUnsupported, p.KDF.Algorithm)
	}
	h, name, ok := hmacByOID(p.MAC.Algorithm)
	if !ok {
		return nil, "", nil, fmt.Errorf("%w: PBMAC1 with MAC algorithm %v", ErrUnsupported, p.MAC.Algorithm)
	}
	var kp pbkdf2Params
	if err := unmarshalDER(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, "", nil, err
	}
	prfOID := kp.PRF.Algorithm
	if len(prfOID) == 0 {
		prfOID = pbes2DefaultPRF.Algorithm
	}
	prf, _, ok := hmacByOID(prfOID)
	if !ok {
		return nil, "", nil, fmt.Errorf("%w: PBMAC1 with PBKDF2 PRF %v", ErrUnsupported, prfOID)
	}
	if n := h().Size(); kp.KeyLength != n {
		what := fmt.Sprintf("a %d-byte", kp.KeyLength)
		if kp.KeyLength == 0 {
			what = "a key of unstated length (RFC 9579 requires keyLength), not a"
		}
		return nil, "", nil, fmt.Errorf("%w: PBMAC1 derives %s HMAC-%s key where %d bytes are needed, so its MAC could be forged", ErrUnsafeIntegrity, what, name, n)
	}
	if kp.Iterations < 1 || kp.Iterations > maxKDFIterations {
		return nil, "", nil, errTooManyRounds
	}
	return h, name, &pbmac1KDF{Salt: kp.Salt, Iterations: kp.Iterations, KeyLength: kp.KeyLength, prf: prf}, nil
}

// hmacByOID is [hashByOID] for HMAC algorithm identifiers only.
func hmacByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, string, bool) {
	for _, o := range []asn1.ObjectIdentifier{oidHMACSHA1, oidHMACSHA224, oidHMACSHA256, oidHMACSHA384, oidHMACSHA512} {
		if oid.Equal(o) {
			return hashByOID(oid)
		}
	}
	return nil, "", false
}

// p12Reader collects the bags of a PKCS#12 file.
type p12Reader struct {
	pass        *p12Password
	pw          *passwords
	out         *PKCS12
	macVerified bool
	decrypted   int // parts decrypted with a well-formed result
	certs       []*PKCS12Cert
	depth       int
}

func (r *p12Reader) contentInfo(ci contentInfo) error {
	var data []byte
	switch {
	case ci.ContentType.Equal(oidPKCS7Data):
		if err := unmarshalDER(ci.Content.Bytes, &data); err != nil {
			return err
		}
	case ci.ContentType.Equal(oidPKCS7Encrypted):
		var ed encryptedData
		if err := unmarshalDER(ci.Content.Bytes, &ed); err != nil {
			return err
		}
		eci := ed.EncryptedContentInfo
		content, err := implicitOctets(eci.EncryptedContent)
		if err != nil {
			return err
		}
		plain, enc, err := r.decrypt(eci.ContentEncryptionAlgorithm, content)
		if err != nil {
			return err
		}
		r.out.CertEncryption = enc
		data = plain
	default:
		return fmt.Errorf("%w: authenticated safe content type %v", ErrUnsupported, ci.ContentType)
	}
	return r.safeContents(data)
}

// implicitOctets returns the bytes of an [0] IMPLICIT OCTET STRING, which
// BER encoders may split into segments.
func implicitOctets(v asn1.RawValue) ([]byte, error) {
	if !v.IsCompound {
		return v.Bytes, nil
	}
	var out []byte
	b := v.Bytes
	for len(b) > 0 {
		e, rest, err := readElement(b, 1)
		if err != nil || !e.is(classUniversal, tagOctetString) || e.constructed {
			return nil, corrupt("segmented encrypted content")
		}
		out = append(out, e.content...)
		b = rest
	}
	return out, nil
}

// decrypt decrypts with the verified password. Without a MAC, a failure
// with the empty password asks for the real one.
func (r *p12Reader) decrypt(alg pkix.AlgorithmIdentifier, data []byte) ([]byte, *Encryption, error) {
	plain, enc, err := pbDecrypt(alg, data, r.pass.raw, r.pass.bmp, r.pw.work)
	if errors.Is(err, errBadPadding) && !r.macVerified && r.out.EmptyPassword {
		raw, perr := r.pw.get()
		if perr != nil {
			return nil, enc, perr
		}
		r.pass = &p12Password{raw: raw, bmp: bmpPassword(raw)}
		r.out.EmptyPassword = false
		plain, enc, err = pbDecrypt(alg, data, r.pass.raw, r.pass.bmp, r.pw.work)
		if errors.Is(err, errBadPadding) {
			return nil, enc, ErrWrongPassword
		}
	}
	if errors.Is(err, errBadPadding) {
		return nil, enc, corrupt("the MAC checks but the content does not decrypt")
	}
	if err == nil {
		r.decrypted++
	}
	return plain, enc, err
}

func (r *p12Reader) safeContents(data []byte) error {
	var bags []safeBag
	if err := unmarshalDER(data, &bags); err != nil {
		return err
	}
	for _, b := range bags {
		if err := r.bag(b); err != nil {
			return err
		}
	}
	return nil
}

func (r *p12Reader) bag(b safeBag) error {
	name, keyID, trusted, err := bagAttributes(b.Attributes)
	if err != nil {
		return err
	}
	switch {
	case b.ID.Equal(oidKeyBag), b.ID.Equal(oidShroudedKeyBag):
		if len(r.out.Keys) >= maxPKCS12Keys {
			return fmt.Errorf("%w: more than %d private keys in one file", ErrUnsupported, maxPKCS12Keys)
		}
		pkcs8 := b.Value.Bytes
		var enc *Encryption
		if b.ID.Equal(oidShroudedKeyBag) {
			var info encryptedPrivateKeyInfo
			if err := unmarshalDER(b.Value.Bytes, &info); err != nil {
				return err
			}
			plain, e, err := r.decrypt(info.Algorithm, info.Data)
			if err != nil {
				return err
			}
			enc, pkcs8 = e, plain
		}
		key, _, err := parsePrivateKeyDER(pkcs8, "PRIVATE KEY")
		if err != nil {
			if len(r.out.Keys) > 0 {
				return fmt.Errorf("private key %d: %w", len(r.out.Keys)+1, err)
			}
			return err
		}
		r.out.Keys = append(r.out.Keys, &PKCS12Key{Key: key, FriendlyName: name, LocalKeyID: keyID, Encryption: enc})
	case b.ID.Equal(oidCertBag):
		var cb certBag
		if err := unmarshalDER(b.Value.Bytes, &cb); err != nil {
			return err
		}
		if !cb.ID.Equal(oidCertTypeX509) {
			return nil // SDSI certificates: nobody uses them
		}
		c, err := parseCertificate(cb.Data)
		if err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		r.certs = append(r.certs, &PKCS12Cert{Certificate: c, FriendlyName: name, LocalKeyID: keyID, JavaTrusted: trusted})
	case b.ID.Equal(oidSafeContentsBag):
		if r.depth++; r.depth > 8 {
			return corrupt("safe contents nested too deep")
		}
		err := r.safeContents(b.Value.Bytes)
		r.depth--
		return err
	case b.ID.Equal(oidCRLBag), b.ID.Equal(oidSecretBag):
		// Not certificates or keys; pkit has no use for them.
	default:
		return fmt.Errorf("%w: bag type %v", ErrUnsupported, b.ID)
	}
	return nil
}

// bagAttributes reads friendlyName, localKeyID and Java's trusted flag.
func bagAttributes(attrs []pkcs12Attribute) (name string, keyID []byte, trusted bool, err error) {
	for _, a := range attrs {
		switch {
		case a.ID.Equal(oidFriendlyName):
			var raw asn1.RawValue
			if err := unmarshalDER(a.Value.Bytes, &raw); err != nil {
				return "", nil, false, err
			}
			if raw.Tag != asn1.TagBMPString || len(raw.Bytes)%2 != 0 {
				return "", nil, false, corrupt("friendlyName is not a BMPString")
			}
			u := make([]uint16, len(raw.Bytes)/2)
			for i := range u {
				u[i] = uint16(raw.Bytes[2*i])<<8 | uint16(raw.Bytes[2*i+1])
			}
			name = string(utf16.Decode(u))
		case a.ID.Equal(oidLocalKeyID):
			if err := unmarshalDER(a.Value.Bytes, &keyID); err != nil {
				return "", nil, false, err
			}
		case a.ID.Equal(oidJavaTrustedCert):
			trusted = true
		}
	}
	return name, keyID, trusted, nil
}

// maxPKCS12Keys bounds the keys of one file (each costs a key parse).
const maxPKCS12Keys = 1000

// finish pairs every key with its certificate (by localKeyID and public
// key, else by public key alone) and orders the chains.
func (r *p12Reader) finish() (*PKCS12, error) {
	out := r.out
	rest := slices.Clone(r.certs)
	take := func(match func(*PKCS12Cert) bool) *PKCS12Cert {
		i := slices.IndexFunc(rest, match)
		if i < 0 {
			return nil
		}
		c := rest[i]
		rest = slices.Delete(rest, i, i+1)
		return c
	}
	for _, k := range out.Keys {
		pub := k.Key.Public()
		if len(k.LocalKeyID) > 0 {
			k.Leaf = take(func(c *PKCS12Cert) bool {
				cpub, _ := CertificatePublicKey(c.Certificate)
				return bytes.Equal(c.LocalKeyID, k.LocalKeyID) && PublicKeysEqual(cpub, pub)
			})
		}
		if k.Leaf == nil {
			k.Leaf = take(func(c *PKCS12Cert) bool {
				cpub, _ := CertificatePublicKey(c.Certificate)
				return PublicKeysEqual(cpub, pub)
			})
		}
	}
	certs := make([]*x509.Certificate, len(rest))
	for i, c := range rest {
		certs[i] = c.Certificate
	}
	for _, k := range out.Keys {
		if k.Leaf == nil {
			continue
		}
		for _, i := range chainOrder(k.Leaf.Certificate, certs) {
			if !issuesUp(k.Leaf.Certificate, certs, i, k.Chain) {
				break
			}
			k.Chain = append(k.Chain, rest[i])
		}
	}
	if len(out.Keys) > 0 {
		k := out.Keys[0]
		out.Key, out.KeyFriendlyName, out.KeyLocalKeyID, out.Leaf, out.KeyEncryption = k.Key, k.FriendlyName, k.LocalKeyID, k.Leaf, k.Encryption
	}
	if out.Leaf == nil {
		out.Chain = rest
		return out, nil
	}
	for _, i := range chainOrder(out.Leaf.Certificate, certs) {
		out.Chain = append(out.Chain, rest[i])
	}
	return out, nil
}

// issuesUp reports whether pile[i] is the next issuer of chain (of leaf
// when chain is empty): whether chainOrder's next index is still part of
// the chain rather than the unrelated rest.
func issuesUp(leaf *x509.Certificate, pile []*x509.Certificate, i int, chain []*PKCS12Cert) bool {
	cur := leaf
	if len(chain) > 0 {
		cur = chain[len(chain)-1].Certificate
	}
	return !SelfIssued(cur) && NamesIssuer(pile[i], cur)
}

// OrderChain returns the certificates of pile that chain up from leaf, in
// issuer order (leaf's issuer first), then the others in their original
// order. Each issuer is found by [Issued] (names, key identifiers and
// signature), else, when no certificate's signature checks (an algorithm
// pkit cannot verify), by [NamesIssuer]; chain.Build does the full job.
func OrderChain(leaf *x509.Certificate, pile []*x509.Certificate) []*x509.Certificate {
	out := make([]*x509.Certificate, 0, len(pile))
	for _, i := range chainOrder(leaf, pile) {
		out = append(out, pile[i])
	}
	return out
}

// chainOrder returns the indexes of pile in OrderChain's order.
func chainOrder(leaf *x509.Certificate, pile []*x509.Certificate) []int {
	used := make([]bool, len(pile))
	var out []int
	cur := leaf
	for !SelfIssued(cur) {
		i := nextIssuer(pile, used, cur, Issued)
		if i < 0 {
			i = nextIssuer(pile, used, cur, NamesIssuer)
		}
		if i < 0 {
			break
		}
		used[i] = true
		out = append(out, i)
		cur = pile[i]
	}
	for i := range pile {
		if !used[i] {
			out = append(out, i)
		}
	}
	return out
}

// nextIssuer is the index of the first unused certificate of pile that
// issued child by the rule given, or -1.
func nextIssuer(pile []*x509.Certificate, used []bool, child *x509.Certificate, issued func(parent, child *x509.Certificate) bool) int {
	for i, c := range pile {
		if !used[i] && issued(c, child) {
			return i
		}
	}
	return -1
}

// EncodePKCS12 writes key, its certificate and the chain (issuer order,
// leaf's issuer first) as a PKCS#12 file protected by password. The layout
// is OpenSSL's: one encrypted safe with the certificate bags (leaf first,
// then the chain in the order given) and one plain safe with the shrouded
// key bag; the key and leaf bags carry a friendlyName (o.FriendlyName) and
// a localKeyID (the leaf's SHA-1 fingerprint) that tie them together.
//
// By default the key and the certificates are encrypted with AES-256-CBC
// under PBKDF2-HMAC-SHA256 and the MAC is HMAC-SHA256, each with
// [PKCS12Iterations] iterations: what OpenSSL 3 and go-pkcs12's
// Modern2023 write, read by OpenSSL 1.1.1+, Java 12+, NSS and Windows
// Server 2019+. With o.Legacy, both use PBE-SHA1-3DES and the MAC is
// HMAC-SHA1. An empty password is allowed (the caller decides whether to
// permit it).
func EncodePKCS12(key crypto.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate, password string, o PKCS12Options) ([]byte, error) {
	w := &PKCS12Writer{o: o, pw: []byte(password)}
	return w.Encode(key, cert, chain)
}

// PKCS12Writer writes one PKCS#12 file as [EncodePKCS12] does, with the
// keys its password gives (three derivations of [PKCS12Iterations]
// iterations each: the key's encryption, the certificates' and the MAC's,
// most of the cost of a .p12) derived ahead by [PreparePKCS12].
type PKCS12Writer struct {
	o    PKCS12Options
	pw   []byte
	keys chan *pkcs12Keys // the keys derived ahead, taken once
}

// PreparePKCS12 starts deriving, each in a goroutine of its own, the keys
// of a PKCS#12 file protected by password with o, and returns at once:
// the derivations need neither the private key nor the certificate, so
// they run while the caller makes them. [PKCS12Writer.Encode] waits for
// them. The file is the one EncodePKCS12 would write, with other salts.
func PreparePKCS12(password string, o PKCS12Options) *PKCS12Writer {
	w := &PKCS12Writer{o: o, pw: []byte(password), keys: make(chan *pkcs12Keys, 1)}
	go func() { w.keys <- derivePKCS12Keys(w.alg(), w.pw, true) }()
	return w
}

func (w *PKCS12Writer) alg() pbEncryptAlgorithm {
	return pbEncryptAlgorithm{legacy: w.o.Legacy, iterations: w.o.iterations()}
}

// Encode writes key, cert and chain as [EncodePKCS12] does. The keys
// derived ahead protect one file: a second call derives new ones (each
// file has its own salts). A PKCS12Writer is for one goroutine.
func (w *PKCS12Writer) Encode(key crypto.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate) ([]byte, error) {
	if key == nil || cert == nil {
		return nil, errors.New("a PKCS#12 file needs a private key and its certificate")
	}
	if !PublicKeysEqual(cert.PublicKey, publicOf(key)) {
		return nil, errors.New("the private key does not belong to the certificate")
	}
	name := w.o.FriendlyName
	if name == "" {
		name = certName(cert)
	}
	fp := sha1.Sum(cert.Raw)
	attrs, err := bagAttrs(name, fp[:], false)
	if err != nil {
		return nil, err
	}
	leafBag, err := makeCertBag(cert, attrs)
	if err != nil {
		return nil, err
	}
	certBags := []safeBag{leafBag}
	for _, c := range chain {
		b, err := makeCertBag(c, nil)
		if err != nil {
			return nil, err
		}
		certBags = append(certBags, b)
	}
	plainKey, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	var k *pkcs12Keys
	if w.keys != nil {
		k = <-w.keys
		w.keys = nil
	} else {
		k = derivePKCS12Keys(w.alg(), w.pw, false)
	}
	if k.err != nil {
		return nil, k.err
	}
	shrouded, err := asn1.Marshal(encryptedPrivateKeyInfo{Algorithm: k.key.alg, Data: k.key.encrypt(plainKey)})
	if err != nil {
		return nil, err
	}
	keyBag := safeBag{ID: oidShroudedKeyBag, Value: explicit0(shrouded), Attributes: attrs}
	certSafe, err := encryptedSafeWith(k.certs, certBags)
	if err != nil {
		return nil, err
	}
	keySafe, err := plainSafe([]safeBag{keyBag})
	if err != nil {
		return nil, err
	}
	return finishPFXWith([]contentInfo{certSafe, keySafe}, k.alg, k.macSalt, k.macKey)
}

// pkcs12Keys are the password-derived keys of one PKCS#12 file with a
// key: the shrouded key bag's, the certificate safe's, and the MAC's
// with its salt.
type pkcs12Keys struct {
	alg             pbEncryptAlgorithm
	key, certs      pbeKey
	macSalt, macKey []byte
	err             error
}

// derivePKCS12Keys derives the keys of a file protected by pw with alg,
// with concurrent, each derivation in a goroutine of its own.
func derivePKCS12Keys(alg pbEncryptAlgorithm, pw []byte, concurrent bool) *pkcs12Keys {
	k := &pkcs12Keys{alg: alg}
	var keyErr, certsErr error
	steps := []func(){
		func() { k.key, keyErr = derivePBE(alg, pw) },
		func() { k.certs, certsErr = derivePBE(alg, pw) },
		func() { k.macSalt, k.macKey = deriveMACKey(alg, pw) },
	}
	if concurrent {
		var wg sync.WaitGroup
		for _, f := range steps[1:] {
			wg.Go(f)
		}
		steps[0]()
		wg.Wait()
	} else {
		for _, f := range steps {
			f()
		}
	}
	k.err = errors.Join(keyErr, certsErr)
	return k
}

// EncodeTrustStore writes certs as a PKCS#12 trust store: certificate bags
// only, each with a friendlyName (its common name, made unique) and Java's
// trusted-certificate attribute for any purpose, so keytool lists them as
// trustedCertEntry. Encryption and MAC follow o as in [EncodePKCS12];
// o.FriendlyName is not used.
func EncodeTrustStore(certs []*x509.Certificate, password string, o PKCS12Options) ([]byte, error) {
	if len(certs) == 0 {
		return nil, errors.New("a trust store needs at least one certificate")
	}
	alg := pbEncryptAlgorithm{legacy: o.Legacy, iterations: o.iterations()}
	used := map[string]bool{}
	var bags []safeBag
	for _, c := range certs {
		name := certName(c)
		base := name
		for i := 2; used[lower(name)]; i++ {
			name = fmt.Sprintf("%s (%d)", base, i)
		}
		used[lower(name)] = true
		attrs, err := bagAttrs(name, nil, true)
		if err != nil {
			return nil, err
		}
		b, err := makeCertBag(c, attrs)
		if err != nil {
			return nil, err
		}
		bags = append(bags, b)
	}
	safe, err := encryptedSafe(alg, bags, []byte(password))
	if err != nil {
		return nil, err
	}
	return finishPFX([]contentInfo{safe}, alg, []byte(password))
}

// lower folds case, as keytool does with aliases.
func lower(s string) string { return strings.ToLower(s) }

// certName is the name people know a certificate by: its common name, else
// its whole subject.
func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

func explicit0(b []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b}
}

// bagAttrs builds a bag's attribute set, DER-sorted.
func bagAttrs(name string, keyID []byte, javaTrusted bool) ([]pkcs12Attribute, error) {
	var attrs []pkcs12Attribute
	add := func(id asn1.ObjectIdentifier, v []byte) {
		attrs = append(attrs, pkcs12Attribute{ID: id, Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: v}})
	}
	if name != "" {
		var bmp []byte
		for _, r := range utf16.Encode([]rune(name)) {
			bmp = append(bmp, byte(r>>8), byte(r))
		}
		v, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagBMPString, Bytes: bmp})
		if err != nil {
			return nil, err
		}
		add(oidFriendlyName, v)
	}
	if keyID != nil {
		v, err := asn1.Marshal(keyID)
		if err != nil {
			return nil, err
		}
		add(oidLocalKeyID, v)
	}
	if javaTrusted {
		v, err := asn1.Marshal(oidAnyExtKeyUsage)
		if err != nil {
			return nil, err
		}
		add(oidJavaTrustedCert, v)
	}
	enc := make([][]byte, len(attrs))
	for i, a := range attrs {
		b, err := asn1.Marshal(a)
		if err != nil {
			return nil, err
		}
		enc[i] = b
	}
	idx := make([]int, len(attrs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return bytes.Compare(enc[a], enc[b]) })
	sorted := make([]pkcs12Attribute, len(attrs))
	for i, j := range idx {
		sorted[i] = attrs[j]
	}
	return sorted, nil
}

func makeCertBag(c *x509.Certificate, attrs []pkcs12Attribute) (safeBag, error) {
	v, err := asn1.Marshal(certBag{ID: oidCertTypeX509, Data: c.Raw})
	if err != nil {
		return safeBag{}, err
	}
	return safeBag{ID: oidCertBag, Value: explicit0(v), Attributes: attrs}, nil
}

func plainSafe(bags []safeBag) (contentInfo, error) {
	data, err := asn1.Marshal(bags)
	if err != nil {
		return contentInfo{}, err
	}
	octets, err := asn1.Marshal(data)
	if err != nil {
		return contentInfo{}, err
	}
	return contentInfo{ContentType: oidPKCS7Data, Content: explicit0(octets)}, nil
}

func encryptedSafe(alg pbEncryptAlgorithm, bags []safeBag, pw []byte) (contentInfo, error) {
	k, err := derivePBE(alg, pw)
	if err != nil {
		return contentInfo{}, err
	}
	return encryptedSafeWith(k, bags)
}

// encryptedSafeWith is an encrypted safe of bags, encrypted with k.
func encryptedSafeWith(k pbeKey, bags []safeBag) (contentInfo, error) {
	data, err := asn1.Marshal(bags)
	if err != nil {
		return contentInfo{}, err
	}
	ed, err := asn1.Marshal(encryptedData{Version: 0, EncryptedContentInfo: encryptedContentInfo{
		ContentType:                oidPKCS7Data,
		ContentEncryptionAlgorithm: k.alg,
		EncryptedContent:           asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: k.encrypt(data)},
	}})
	if err != nil {
		return contentInfo{}, err
	}
	return contentInfo{ContentType: oidPKCS7Encrypted, Content: explicit0(ed)}, nil
}

// finishPFX wraps the safes in the authenticated safe and adds the MAC.
func finishPFX(safes []contentInfo, alg pbEncryptAlgorithm, pw []byte) ([]byte, error) {
	salt, key := deriveMACKey(alg, pw)
	return finishPFXWith(safes, alg, salt, key)
}

// macHash is the hash of the MAC of files written with alg.
func macHash(alg pbEncryptAlgorithm) (func() hash.Hash, asn1.ObjectIdentifier) {
	if alg.legacy {
		return sha1.New, oidSHA1
	}
	return sha256.New, oidSHA256
}

// deriveMACKey picks a new MAC salt and derives the MAC key from pw.
func deriveMACKey(alg pbEncryptAlgorithm, pw []byte) (salt, key []byte) {
	h, _ := macHash(alg)
	saltLen := 16
	if alg.legacy {
		saltLen = 8
	}
	salt = randomBytes(saltLen)
	return salt, pkcs12MACKey(h, salt, bmpPassword(pw), alg.iterations)
}

// finishPFXWith wraps the safes in the authenticated safe and adds the
// MAC, keyed with macKey (derived with macSalt).
func finishPFXWith(safes []contentInfo, alg pbEncryptAlgorithm, macSalt, macKey []byte) ([]byte, error) {
	authSafe, err := asn1.Marshal(safes)
	if err != nil {
		return nil, err
	}
	octets, err := asn1.Marshal(authSafe)
	if err != nil {
		return nil, err
	}
	h, macOID := macHash(alg)
	pfx := pfxPDU{
		Version:  3,
		AuthSafe: contentInfo{ContentType: oidPKCS7Data, Content: explicit0(octets)},
		MacData: macData{
			Mac:        digestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: macOID, Parameters: nullParams}, Digest: hmacSum(h, macKey, authSafe)},
			MacSalt:    macSalt,
			Iterations: alg.iterations,
		},
	}
	return asn1.Marshal(pfx)
}

package formats

import (
	"bytes"
	"encoding/asn1"
	"fmt"
)

// Kind is what one item in a file is.
type Kind int

// The kinds of item this package reads.
const (
	KindUnknown Kind = iota
	KindCertificate
	KindCSR
	KindCRL
	KindPrivateKey          // PKCS#1, SEC 1 or PKCS#8, not encrypted
	KindEncryptedPrivateKey // encrypted PKCS#8, or legacy OpenSSL "Proc-Type: 4,ENCRYPTED" PEM
	KindPublicKey           // SubjectPublicKeyInfo or PKCS#1 RSA public key
	KindPKCS7               // PKCS#7 SignedData, usually certificates only (.p7b, .p7c)
	KindPKCS12              // PKCS#12 / PFX (.p12, .pfx)
)

var kindNames = [...]struct{ human, id string }{
	{"unknown", "unknown"},
	{"certificate", "certificate"},
	{"CSR", "csr"},
	{"CRL", "crl"},
	{"private key", "private_key"},
	{"encrypted private key", "encrypted_private_key"},
	{"public key", "public_key"},
	{"PKCS#7", "pkcs7"},
	{"PKCS#12", "pkcs12"},
}

// String returns the kind for people: "certificate", "PKCS#12".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k].human
}

// ID returns the kind as a stable lowercase identifier used in JSON:
// "certificate", "csr", "crl", "private_key", "encrypted_private_key",
// "public_key", "pkcs7", "pkcs12" or "unknown".
func (k Kind) ID() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k].id
}

// MarshalText encodes k as its [Kind.ID].
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.ID()), nil }

// Encoding is how a file is stored.
type Encoding int

// The encodings [Detect] tells apart.
const (
	EncodingDER Encoding = iota + 1 // binary ASN.1 (BER accepted for PKCS#7 and PKCS#12)
	EncodingPEM                     // one or more "-----BEGIN" blocks, text around them allowed
)

// String returns "DER" or "PEM".
func (e Encoding) String() string {
	switch e {
	case EncodingDER:
		return "DER"
	case EncodingPEM:
		return "PEM"
	}
	return "unknown"
}

// MarshalText encodes e as "der" or "pem".
func (e Encoding) MarshalText() ([]byte, error) {
	return bytes.ToLower([]byte(e.String())), nil
}

// Format is what [Detect] found: the encoding and the kind of each item,
// in order (a DER file holds one item, a PEM file one per block).
type Format struct {
	Encoding Encoding
	Kinds    []Kind
}

// Detect tells what data is by its content, never by a file name. It tries
// DER first (a DER structure may contain the text "-----BEGIN"), telling
// certificates, CSRs, CRLs, keys, PKCS#7 and PKCS#12 apart by their ASN.1
// shape; then PEM, tolerating a byte-order mark, CRLF line endings and text
// before, between and after the blocks. Detect does not check signatures
// or decrypt anything. Every error is a [*ParseError]: [ErrEmpty],
// [ErrTooLarge], [ErrTrailingData] after a recognised DER structure, or
// [ErrUnknownFormat].
func Detect(data []byte) (Format, error) {
	if err := checkSize(data); err != nil {
		return Format{}, err
	}
	if err := refuseKnown(data); err != nil {
		return Format{}, err
	}
	if k, err := detectDER(data); err != nil || k != KindUnknown {
		if err != nil {
			return Format{}, err
		}
		return Format{Encoding: EncodingDER, Kinds: []Kind{k}}, nil
	}
	blocks, err := splitPEM(data)
	if err != nil {
		return Format{}, err
	}
	f := Format{Encoding: EncodingPEM}
	for _, b := range blocks {
		f.Kinds = append(f.Kinds, b.kind)
	}
	return f, nil
}

// refuseKnown names binary formats people mistake for the ones pkit
// reads, so the error can say what to do.
func refuseKnown(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfe, 0xed}) || bytes.HasPrefix(data, []byte{0xce, 0xce, 0xce, 0xce}) {
		return parseErr(KindUnknown, 0, fmt.Errorf("%w: a Java JKS/JCEKS keystore; convert it with \"keytool -importkeystore -srckeystore FILE -destkeystore FILE.p12 -deststoretype PKCS12\"", ErrUnsupported))
	}
	return nil
}

func checkSize(data []byte) error {
	if len(data) > MaxInputSize {
		return parseErr(KindUnknown, 0, ErrTooLarge)
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))) == 0 {
		return parseErr(KindUnknown, 0, ErrEmpty)
	}
	return nil
}

// detectDER returns the kind of a DER (or BER) structure at the start of
// data, KindUnknown when data does not look like one, and an error when it
// is one followed by trailing bytes.
func detectDER(data []byte) (Kind, error) {
	if len(data) < 2 || data[0] != 0x30 {
		return KindUnknown, nil
	}
	e, rest, err := readElement(data, 0)
	if err != nil {
		if !bytes.Contains(data, pemBegin) && len(data) > 16 && data[1] >= 0x80 {
			// Binary data that starts like a long DER SEQUENCE but ends
			// early: a truncated or damaged file.
			return KindUnknown, parseErr(KindUnknown, 0, fmt.Errorf("%w: truncated or damaged DER (the data ends before the structure it starts)", ErrCorrupt))
		}
		return KindUnknown, nil
	}
	k := classifyDER(e)
	if k == KindUnknown {
		return KindUnknown, nil
	}
	if len(rest) > 0 {
		return k, parseErr(k, 0, ErrTrailingData)
	}
	return k, nil
}

var (
	oidPKCS7Data       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidPKCS7SignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidPKCS7Encrypted  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	// The same OIDs as DER content bytes, to match without decoding.
	derOIDPKCS7Prefix     = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07}
	derOIDPKCS7Data       = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
	derOIDPKCS7SignedData = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
)

// classifyDER tells the kind of a top-level SEQUENCE by its shape.
func classifyDER(e element) Kind {
	if !e.is(classUniversal, tagSequence) || !e.constructed {
		return KindUnknown
	}
	c, err := e.children()
	if err != nil || len(c) == 0 {
		return KindUnknown
	}
	isInt := func(i int) bool { return i < len(c) && c[i].is(classUniversal, tagInteger) && !c[i].constructed }
	isSeq := func(i int) bool { return i < len(c) && c[i].is(classUniversal, tagSequence) && c[i].constructed }
	intIs := func(i int, v byte) bool { return isInt(i) && len(c[i].content) == 1 && c[i].content[0] == v }
	switch {
	case c[0].is(classUniversal, tagOID) && bytes.HasPrefix(c[0].content, derOIDPKCS7Prefix) && len(c) <= 2:
		return KindPKCS7
	case intIs(0, 3) && isSeq(1) && len(c) <= 3:
		if ci, err := c[1].children(); err == nil && len(ci) >= 1 && ci[0].is(classUniversal, tagOID) &&
			(bytes.Equal(ci[0].content, derOIDPKCS7Data) || bytes.Equal(ci[0].content, derOIDPKCS7SignedData)) {
			return KindPKCS12
		}
	case len(c) == 3 && isSeq(0) && isSeq(1) && c[2].is(classUniversal, tagBitString):
		return classifySigned(c[0])
	case len(c) == 2 && isSeq(0) && c[1].is(classUniversal, tagOctetString):
		return KindEncryptedPrivateKey
	case len(c) == 2 && isSeq(0) && c[1].is(classUniversal, tagBitString):
		return KindPublicKey
	case len(c) == 2 && isInt(0) && isInt(1):
		return KindPublicKey // PKCS#1 RSAPublicKey
	case len(c) >= 3 && (intIs(0, 0) || intIs(0, 1)) && isSeq(1) && c[2].is(classUniversal, tagOctetString):
		return KindPrivateKey // PKCS#8
	case len(c) >= 2 && intIs(0, 1) && c[1].is(classUniversal, tagOctetString):
		return KindPrivateKey // SEC 1
	case len(c) == 9 && intIs(0, 0) && isInt(8):
		return KindPrivateKey // PKCS#1
	}
	return KindUnknown
}

// classifySigned tells a certificate, CRL and CSR apart by the shape of
// the signed part.
func classifySigned(tbs element) Kind {
	c, err := tbs.children()
	if err != nil || len(c) < 3 {
		return KindUnknown
	}
	isTime := func(i int) bool {
		return i < len(c) && (c[i].is(classUniversal, tagUTCTime) || c[i].is(classUniversal, tagGenTime))
	}
	isSeq := func(i int) bool { return i < len(c) && c[i].is(classUniversal, tagSequence) }
	isInt := func(i int) bool { return i < len(c) && c[i].is(classUniversal, tagInteger) }
	switch {
	case c[0].is(classContext, 0) && c[0].constructed:
		return KindCertificate // v2/v3 certificate: [0] version first
	case isInt(0) && isSeq(1) && isSeq(2) && isTime(3):
		return KindCRL // v2 CRL
	case isSeq(0) && isSeq(1) && isTime(2):
		return KindCRL // v1 CRL
	case isInt(0) && isSeq(1) && isSeq(2) && len(c) == 4 && c[3].is(classContext, 0):
		return KindCSR
	case isInt(0) && isSeq(1) && isSeq(2) && isSeq(3):
		return KindCertificate // v1 certificate
	}
	return KindUnknown
}

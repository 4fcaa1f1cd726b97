package formats

import (
	"bytes"
	"crypto/x509"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PileCert is a certificate of a pile (chain build) read lazily: the
// fields that finding issuers needs are read from its DER at once, with
// cryptobyte and without allocating, and the full crypto/x509 parse (its
// names, key, every extension) runs only when [PileCert.Certificate] is
// first called. Of a thousand certificates in a bundle, path building
// needs the full parse of the few on the path and the candidates whose
// signatures it checks: parsing them all with crypto/x509 was most of
// "pkit chain build"'s work (about 2.8 KB and 33 allocations each).
//
// The fields are those of crypto/x509's [x509.Certificate] of the same
// name, and equal to them whenever crypto/x509 accepts the certificate
// (FuzzIndexCertificate checks it). A PileCert is not safe for
// concurrent use.
type PileCert struct {
	Raw                     []byte
	RawSubject              []byte
	RawIssuer               []byte
	RawSubjectPublicKeyInfo []byte
	SubjectKeyId            []byte
	AuthorityKeyId          []byte
	// Version is 1, 2 or 3, as in [x509.Certificate].
	Version int
	// BasicConstraintsValid and IsCA are those of the basic constraints
	// extension.
	BasicConstraintsValid bool
	IsCA                  bool
	// Block is the certificate's position in its file, for errors: as
	// [ParseError].Block (0 in a file of one item).
	Block int

	// validity is the Validity SEQUENCE's contents, read into notBefore
	// and notAfter on first use (times: 1 read, -1 unreadable).
	validity            []byte
	notBefore, notAfter time.Time
	times               int8

	cert *x509.Certificate
	err  error
	done bool
}

// IndexCertificate reads the fields of [PileCert] from a DER certificate.
// What the quick read refuses is parsed with crypto/x509 for the exact
// reason (or, should crypto/x509 accept it after all, taken from that
// parse), so it refuses exactly what [Parse] refuses as damaged, with
// the same error (a [*ParseError] of [KindCertificate]); a certificate
// that reads but that crypto/x509 refuses for its contents (a bad key,
// a malformed extension) is found out by [PileCert.Certificate].
func IndexCertificate(der []byte) (*PileCert, error) {
	p, err := indexCertificate(der)
	if err != nil {
		return nil, parseErr(KindCertificate, 0, err)
	}
	return p, nil
}

// indexCertificate is [IndexCertificate] with the cause as it is, for
// parseDER.
func indexCertificate(der []byte) (*PileCert, error) {
	p := &PileCert{Raw: der}
	if p.read() {
		return p, nil
	}
	c, err := parseCertificate(der)
	if err != nil {
		return nil, err
	}
	return PileCertOf(c), nil
}

// PileCertOf returns c as a [PileCert], already parsed.
func PileCertOf(c *x509.Certificate) *PileCert {
	return &PileCert{Raw: c.Raw, RawSubject: c.RawSubject, RawIssuer: c.RawIssuer, RawSubjectPublicKeyInfo: c.RawSubjectPublicKeyInfo,
		SubjectKeyId: c.SubjectKeyId, AuthorityKeyId: c.AuthorityKeyId, notBefore: c.NotBefore, notAfter: c.NotAfter, times: 1,
		Version: c.Version, BasicConstraintsValid: c.BasicConstraintsValid, IsCA: c.IsCA, cert: c, done: true}
}

// Validity returns the certificate's validity period, as [x509.Certificate]'s
// NotBefore and NotAfter, read on first use (a search reads the times of
// few of a pile's certificates). Both are zero when they do not read:
// crypto/x509 refuses such a certificate.
func (p *PileCert) Validity() (notBefore, notAfter time.Time) {
	if p.times == 0 {
		p.times = -1
		v := cryptobyte.String(p.validity)
		nb, ok1 := ReadASN1Time(&v)
		na, ok2 := ReadASN1Time(&v)
		if ok1 && ok2 {
			p.notBefore, p.notAfter, p.times = nb, na, 1
		}
	}
	return p.notBefore, p.notAfter
}

// Certificate parses the certificate with crypto/x509 (as [Parse] does)
// on the first call and returns the result of that parse on every call.
// Its error is a [*ParseError] naming the certificate's Block.
func (p *PileCert) Certificate() (*x509.Certificate, error) {
	if !p.done {
		p.done = true
		if c, err := parseCertificate(p.Raw); err != nil {
			p.err = parseErr(KindCertificate, p.Block, err)
		} else {
			p.cert = c
		}
	}
	return p.cert, p.err
}

// Broken returns the error of a parse [PileCert.Certificate] has made and
// that failed, without parsing: nil when the certificate parsed or was
// not parsed yet.
func (p *PileCert) Broken() error { return p.err }

// Parsed reports whether [PileCert.Certificate] has been called (or the
// PileCert came from [PileCertOf]).
func (p *PileCert) Parsed() bool { return p.done }

// DER encodings of the extension identifiers read: id-ce 14, 19 and 35
// (RFC 5280 4.2.1). DER has one encoding of an OID, so comparing the
// bytes is comparing the identifiers.
var (
	oidBytesSKI = []byte{0x55, 0x1d, 0x0e}
	oidBytesBC  = []byte{0x55, 0x1d, 0x13}
	oidBytesAKI = []byte{0x55, 0x1d, 0x23}
)

// read fills p from p.Raw, reading the certificate in crypto/x509's order
// and as leniently or strictly as it does for these fields, and reports
// whether it could. It allocates nothing: the byte fields point into Raw.
// The validity is read when asked for ([PileCert.Validity]).
func (p *PileCert) read() bool {
	in := cryptobyte.String(p.Raw)
	var cert, tbs, tbsFull, sigAlg, validity cryptobyte.String
	if !in.ReadASN1Element(&cert, cbasn1.SEQUENCE) || !in.Empty() {
		return false
	}
	if !cert.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1Element(&tbsFull, cbasn1.SEQUENCE) ||
		!tbsFull.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return false
	}
	var v int
	if !tbs.ReadOptionalASN1Integer(&v, cbasn1.Tag(0).Constructed().ContextSpecific(), 0) || v < 0 || v > 2 {
		return false
	}
	p.Version = v + 1
	var serial, issuer, subject, spki cryptobyte.String
	if !tbs.ReadASN1(&serial, cbasn1.INTEGER) || !tbs.ReadASN1(&sigAlg, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return false
	}
	p.validity = validity
	p.RawIssuer, p.RawSubject, p.RawSubjectPublicKeyInfo = issuer, subject, spki
	if p.Version > 1 {
		if !tbs.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific()) || !tbs.SkipOptionalASN1(cbasn1.Tag(2).ContextSpecific()) {
			return false
		}
		if p.Version == 3 {
			var exts cryptobyte.String
			var present bool
			if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(3).Constructed().ContextSpecific()) {
				return false
			}
			if present && !p.readExtensions(exts) {
				return false
			}
		}
	}
	// The outer signature algorithm and the signature: crypto/x509
	// refuses a certificate without them.
	var sig cryptobyte.String
	var sigTag cbasn1.Tag
	return cert.ReadASN1(&sigAlg, cbasn1.SEQUENCE) && cert.ReadAnyASN1(&sig, &sigTag) && sigTag == cbasn1.BIT_STRING
}

// readExtensions reads the key identifiers and basic constraints from
// the extensions (RFC 5280 4.2.1.1, 4.2.1.2, 4.2.1.9), as crypto/x509
// does: a critical key identifier is refused, absent fields stay zero.
func (p *PileCert) readExtensions(exts cryptobyte.String) bool {
	if !exts.ReadASN1(&exts, cbasn1.SEQUENCE) {
		return false
	}
	for !exts.Empty() {
		var ext, oid, val cryptobyte.String
		critical := false
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
			return false
		}
		if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
			return false
		}
		if !ext.ReadASN1(&val, cbasn1.OCTET_STRING) {
			return false
		}
		switch {
		case bytes.Equal(oid, oidBytesSKI):
			if critical || !val.ReadASN1(&val, cbasn1.OCTET_STRING) {
				return false
			}
			p.SubjectKeyId = val
		case bytes.Equal(oid, oidBytesAKI):
			var akid cryptobyte.String
			if critical || !val.ReadASN1(&akid, cbasn1.SEQUENCE) {
				return false
			}
			if akid.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
				if !akid.ReadASN1(&akid, cbasn1.Tag(0).ContextSpecific()) {
					return false
				}
				p.AuthorityKeyId = akid
			}
		case bytes.Equal(oid, oidBytesBC):
			isCA := false
			if !val.ReadASN1(&val, cbasn1.SEQUENCE) {
				return false
			}
			if val.PeekASN1Tag(cbasn1.BOOLEAN) && !val.ReadASN1Boolean(&isCA) {
				return false
			}
			if val.PeekASN1Tag(cbasn1.INTEGER) {
				var n uint
				if !val.ReadASN1Integer(&n) || n > uint(^uint(0)>>1) {
					return false
				}
			}
			p.IsCA, p.BasicConstraintsValid = isCA, true
		}
	}
	return true
}

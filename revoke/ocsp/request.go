package ocsp

import (
	"bytes"
	"crypto"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxRequestSize is the largest OCSP request pkit reads, in bytes. A
// request for one certificate with a nonce is about 100 bytes; a signed
// request with its signer's chain a few kilobytes.
const MaxRequestSize = 16 << 10

// MaxCertsPerRequest is the most certificates one request may ask about.
// RFC 5019 clients ask about one; openssl ocsp with several -cert asks
// about each.
const MaxCertsPerRequest = 32

// MaxNonceSize is the longest nonce accepted (RFC 8954 section 2.1: 1 to
// 32 octets).
const MaxNonceSize = 32

// RequestError is an OCSP request that cannot be parsed or is not one
// pkit answers; the responder answers it with malformedRequest.
type RequestError struct {
	Msg string
}

func (e *RequestError) Error() string { return "malformed OCSP request: " + e.Msg }

func malformed(format string, args ...any) error {
	return &RequestError{Msg: fmt.Sprintf(format, args...)}
}

// CertID names one certificate as RFC 6960 section 4.1.1 does: hashes of
// its issuer's name and public key, and its serial number.
type CertID struct {
	Hash     crypto.Hash // SHA-1, SHA-256, SHA-384 or SHA-512
	NameHash []byte      // hash of the issuer's DER subject
	KeyHash  []byte      // hash of the issuer's subjectPublicKey bits
	Serial   *big.Int
	// Raw is the CertID as the request encoded it; the response repeats
	// it as it was, so clients that compare bytes find their answer.
	Raw []byte
}

// Request is a parsed OCSPRequest (RFC 6960 section 4.1.1).
type Request struct {
	Certs []CertID
	// Nonce is the value (extnValue) of the nonce extension, nil when
	// there is none; the response carries it back unchanged.
	Nonce []byte
}

// Object identifiers, as the content bytes of their DER encoding.
var (
	oidSHA1       = []byte{0x2b, 0x0e, 0x03, 0x02, 0x1a}                         // 1.3.14.3.2.26
	oidSHA256     = []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01} // 2.16.840.1.101.3.4.2.1
	oidSHA384     = []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02} // 2.16.840.1.101.3.4.2.2
	oidSHA512     = []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03} // 2.16.840.1.101.3.4.2.3
	oidNonce      = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02} // 1.3.6.1.5.5.7.48.1.2
	oidBasic      = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01} // 1.3.6.1.5.5.7.48.1.1
	oidPrefRS     = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x08} // 1.3.6.1.5.5.7.48.1.8 preferred signature algorithms
	oidAcResp     = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x04} // 1.3.6.1.5.5.7.48.1.4 acceptable responses
	oidSvcLoc     = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x07} // 1.3.6.1.5.5.7.48.1.7 service locator
	oidInvalidity = []byte{0x55, 0x1d, 0x18}                                     // 2.5.29.24 invalidityDate
	hashOIDs      = map[crypto.Hash][]byte{crypto.SHA1: oidSHA1, crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512}
)

// OIDNoCheck is id-pkix-ocsp-nocheck (RFC 6960 section 4.2.2.2.1), the
// extension of a delegated OCSP signing certificate that tells clients
// not to check its own revocation status.
var OIDNoCheck = []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

func hashOf(oid []byte) crypto.Hash {
	for h, o := range hashOIDs {
		if bytes.Equal(o, oid) {
			return h
		}
	}
	return 0
}

// ParseRequest parses a DER OCSPRequest. Errors are [*RequestError]. A
// signature on the request is read past, not checked: pkit answers
// unsigned requests, as RFC 5019 clients send them. An unknown critical
// request extension is refused; unknown non-critical ones are ignored.
func ParseRequest(der []byte) (*Request, error) {
	if len(der) > MaxRequestSize {
		return nil, malformed("%d bytes, more than the %d accepted", len(der), MaxRequestSize)
	}
	in := cryptobyte.String(der)
	var req, tbs cryptobyte.String
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("not a DER OCSPRequest")
	}
	if !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, malformed("no tbsRequest")
	}
	if !req.Empty() {
		var sig cryptobyte.String
		if !req.ReadASN1(&sig, cbasn1.Tag(0).Constructed().ContextSpecific()) || !req.Empty() {
			return nil, malformed("bytes after tbsRequest")
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var v cryptobyte.String
		var version int64
		if !tbs.ReadASN1(&v, cbasn1.Tag(0).Constructed().ContextSpecific()) || !v.ReadASN1Integer(&version) || !v.Empty() {
			return nil, malformed("bad version")
		}
		if version != 0 {
			return nil, malformed("version %d (only v1, 0, exists)", version)
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var name cryptobyte.String
		if !tbs.ReadASN1(&name, cbasn1.Tag(1).Constructed().ContextSpecific()) {
			return nil, malformed("bad requestorName")
		}
	}
	var list cryptobyte.String
	if !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, malformed("no requestList")
	}
	r := &Request{}
	for !list.Empty() {
		if len(r.Certs) == MaxCertsPerRequest {
			return nil, malformed("more than %d certificates in one request", MaxCertsPerRequest)
		}
		var one, exts cryptobyte.String
		if !list.ReadASN1(&one, cbasn1.SEQUENCE) {
			return nil, malformed("bad Request in requestList")
		}
		id, err := parseCertID(&one)
		if err != nil {
			return nil, err
		}
		if one.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
			if !one.ReadASN1(&exts, cbasn1.Tag(0).Constructed().ContextSpecific()) {
				return nil, malformed("bad singleRequestExtensions")
			}
			if err := readExtensions(exts, func(oid []byte, critical bool, _ []byte) error {
				if critical && !bytes.Equal(oid, oidSvcLoc) {
					return malformed("unknown critical extension in a single request")
				}
				return nil
			}); err != nil {
				return nil, err
			}
		}
		if !one.Empty() {
			return nil, malformed("bytes after a Request")
		}
		r.Certs = append(r.Certs, id)
	}
	if len(r.Certs) == 0 {
		return nil, malformed("no certificate asked about")
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(2).Constructed().ContextSpecific()) {
		var wrap cryptobyte.String
		if !tbs.ReadASN1(&wrap, cbasn1.Tag(2).Constructed().ContextSpecific()) {
			return nil, malformed("bad requestExtensions")
		}
		if err := readExtensions(wrap, func(oid []byte, critical bool, value []byte) error {
			switch {
			case bytes.Equal(oid, oidNonce):
				if r.Nonce != nil {
					return malformed("two nonces")
				}
				if err := checkNonce(value); err != nil {
					return err
				}
				r.Nonce = value
			case critical && !bytes.Equal(oid, oidAcResp) && !bytes.Equal(oid, oidPrefRS):
				return malformed("unknown critical request extension")
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if !tbs.Empty() {
		return nil, malformed("bytes after the tbsRequest's fields")
	}
	return r, nil
}

// checkNonce accepts a nonce extension value: an OCTET STRING of 1 to 32
// octets (RFC 8954), or, from older clients that put the bytes in the
// extension value directly, 1 to 32 bytes that are not one.
func checkNonce(value []byte) error {
	s := cryptobyte.String(value)
	var n cryptobyte.String
	if s.ReadASN1(&n, cbasn1.OCTET_STRING) && s.Empty() {
		if len(n) == 0 || len(n) > MaxNonceSize {
			return malformed("nonce of %d octets (RFC 8954: 1 to %d)", len(n), MaxNonceSize)
		}
		return nil
	}
	if len(value) == 0 || len(value) > MaxNonceSize {
		return malformed("nonce of %d octets (RFC 8954: 1 to %d)", len(value), MaxNonceSize)
	}
	return nil
}

func parseCertID(s *cryptobyte.String) (CertID, error) {
	var id CertID
	var raw, alg, oid cryptobyte.String
	if !s.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
		return id, malformed("bad CertID")
	}
	id.Raw = raw
	var body cryptobyte.String
	raw.ReadASN1(&body, cbasn1.SEQUENCE)
	if !body.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
		return id, malformed("bad hashAlgorithm")
	}
	if !alg.Empty() {
		var null cryptobyte.String
		if !alg.ReadASN1(&null, cbasn1.NULL) || len(null) != 0 || !alg.Empty() {
			return id, malformed("hashAlgorithm parameters are not NULL")
		}
	}
	if id.Hash = hashOf(oid); id.Hash == 0 {
		return id, malformed("unsupported hash algorithm (pkit answers SHA-1, SHA-256, SHA-384 and SHA-512)")
	}
	var nameHash, keyHash cryptobyte.String
	if !body.ReadASN1(&nameHash, cbasn1.OCTET_STRING) || !body.ReadASN1(&keyHash, cbasn1.OCTET_STRING) {
		return id, malformed("bad issuer hashes")
	}
	if len(nameHash) != id.Hash.Size() || len(keyHash) != id.Hash.Size() {
		return id, malformed("issuer hashes of the wrong length for %v", id.Hash)
	}
	id.NameHash, id.KeyHash = nameHash, keyHash
	id.Serial = new(big.Int)
	if !body.ReadASN1Integer(id.Serial) || !body.Empty() {
		return id, malformed("bad serialNumber")
	}
	return id, nil
}

// readExtensions calls fn for each Extension in the DER SEQUENCE OF
// Extension held in wrap.
func readExtensions(wrap cryptobyte.String, fn func(oid []byte, critical bool, value []byte) error) error {
	var exts cryptobyte.String
	if !wrap.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrap.Empty() {
		return malformed("bad extensions")
	}
	for !exts.Empty() {
		var ext, oid, value cryptobyte.String
		critical := false
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
			return malformed("bad extension")
		}
		if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
			return malformed("bad extension")
		}
		if !ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return malformed("bad extension")
		}
		if err := fn(oid, critical, value); err != nil {
			return err
		}
	}
	return nil
}

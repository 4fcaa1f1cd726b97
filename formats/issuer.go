package formats

import (
	"bytes"
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 DSA certificates still exist in old PKIs; they must chain (and be reported as weak), not look unsigned
	"crypto/ecdsa"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// This file is the one place pkit decides whether one certificate issued
// another: [SameName] compares distinguished names as RFC 5280 section
// 7.1 and OpenSSL do, [CheckSignature] checks a certificate's signature
// with any key pkit meets (including the SHA-1, MD5, DSA and RSASSA-PSS
// signatures Go's crypto/x509 refuses or leaves unverified), and [Issued]
// puts the two together with the key identifiers. Chain building, the CA
// directory and PKCS#12 ordering all use it.

// SameName reports whether the DER-encoded distinguished names a and b
// are the same name under RFC 5280 section 7.1, as OpenSSL compares them
// (X509_NAME_cmp): attribute values of the directory string types
// (UTF8String, PrintableString, IA5String, VisibleString, T61String,
// BMPString, UniversalString) compare as UTF-8 text with leading and
// trailing white space removed, inner runs of white space folded to one
// space and ASCII letters compared without case, whatever string type
// encodes them; the attributes of a multi-valued RDN compare in any
// order; everything else compares byte for byte. A name that does not
// parse equals only the same bytes.
func SameName(a, b []byte) bool {
	return sameName(a, b, true)
}

// SameNameOpenSSL reports whether OpenSSL (and so nginx and HAProxy)
// takes the DER-encoded names a and b for the same name: as [SameName],
// but folding the case of ASCII letters only, where RFC 4518 (which RFC
// 5280 7.1 follows) folds every letter and normalises to NFKC. Where the
// two differ, a chain that is valid by the RFC still fails in OpenSSL.
func SameNameOpenSSL(a, b []byte) bool {
	return sameName(a, b, false)
}

func sameName(a, b []byte, unicode bool) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ka, oka := canonicalNameMode(a, unicode)
	kb, okb := canonicalNameMode(b, unicode)
	return oka && okb && bytes.Equal(ka, kb)
}

// NameKey returns a key for the DER-encoded name der such that two names
// have the same key exactly when [SameName] says they are the same: for
// indexing certificates by subject.
func NameKey(der []byte) string {
	if k, ok := canonicalName(der); ok {
		return "c" + string(k)
	}
	return "r" + string(der)
}

// SelfIssued reports whether c's subject and issuer are the same name
// (RFC 5280 section 6.1: a self-issued certificate, whoever signed it).
func SelfIssued(c *x509.Certificate) bool {
	return SameName(c.RawSubject, c.RawIssuer)
}

// Issued reports whether parent issued child: parent's subject is
// child's issuer name ([SameName]), parent's subject key identifier
// equals child's authority key identifier when both are present, and
// parent's key verifies child's signature ([CheckSignature]). Whether
// parent may issue certificates (a CA, keyCertSign) is for path
// validation to say, not this function.
func Issued(parent, child *x509.Certificate) bool {
	return NamesIssuer(parent, child) && CheckSignature(parent, child) == nil
}

// NamesIssuer reports whether parent could be child's issuer by names and
// key identifiers alone, without checking the signature: the cheap part of
// [Issued].
func NamesIssuer(parent, child *x509.Certificate) bool {
	return namesIssuer(parent.RawSubject, parent.SubjectKeyId, child.RawIssuer, child.AuthorityKeyId)
}

// PileNamesIssuer is [NamesIssuer] for certificates read lazily.
func PileNamesIssuer(parent, child *PileCert) bool {
	return namesIssuer(parent.RawSubject, parent.SubjectKeyId, child.RawIssuer, child.AuthorityKeyId)
}

func namesIssuer(subject, ski, issuer, aki []byte) bool {
	if !SameName(subject, issuer) {
		return false
	}
	return len(aki) == 0 || len(ski) == 0 || bytes.Equal(aki, ski)
}

// ErrBadSignature is returned (wrapped) by [CheckSignature] when the
// signature does not verify with the parent's key.
var ErrBadSignature = errors.New("signature does not verify")

// CheckSignature checks that parent's public key made child's signature
// over its TBSCertificate. Beyond [x509.Certificate.CheckSignature] it
// verifies SHA-1 and MD5 RSA signatures and SHA-1 ECDSA signatures (which
// Go refuses as insecure; pkit finds such chains and reports them as
// weak), DSA signatures (DSA with SHA-1 or SHA-256), and RSASSA-PSS with
// any hash, salt length and key form (including a key marked
// id-RSASSA-PSS), as OpenSSL does. It does not check that parent is a CA.
func CheckSignature(parent, child *x509.Certificate) error {
	pub := parent.PublicKey
	fromSPKI := false
	if pub == nil {
		if k := pssPublicKey(parent.RawSubjectPublicKeyInfo); k != nil {
			pub, fromSPKI = k, true
		}
	}
	if pub == nil {
		return x509.ErrUnsupportedAlgorithm
	}
	tbs, sig := child.RawTBSCertificate, child.Signature
	if !fromSPKI {
		err := parent.CheckSignature(child.SignatureAlgorithm, tbs, sig)
		var insecure x509.InsecureAlgorithmError
		if err == nil || (!errors.As(err, &insecure) && !errors.Is(err, x509.ErrUnsupportedAlgorithm)) {
			return err
		}
	}
	switch child.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.MD5WithRSA:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return x509.ErrUnsupportedAlgorithm
		}
		h := crypto.SHA1
		if child.SignatureAlgorithm == x509.MD5WithRSA {
			h = crypto.MD5
		}
		return wrapBad(rsa.VerifyPKCS1v15(k, h, digest(h, tbs), sig))
	case x509.ECDSAWithSHA1:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return x509.ErrUnsupportedAlgorithm
		}
		if !ecdsa.VerifyASN1(k, digest(crypto.SHA1, tbs), sig) {
			return ErrBadSignature
		}
		return nil
	case x509.DSAWithSHA1, x509.DSAWithSHA256:
		k, ok := pub.(*dsa.PublicKey)
		if !ok {
			return x509.ErrUnsupportedAlgorithm
		}
		h := crypto.SHA1
		if child.SignatureAlgorithm == x509.DSAWithSHA256 {
			h = crypto.SHA256
		}
		return verifyDSA(k, digest(h, tbs), sig)
	}
	// RSASSA-PSS with parameters Go does not map to an algorithm (a salt
	// length other than the hash's, SHA-1, OpenSSL's "max" salt), or with
	// a PSS-only key.
	if p, ok := pssParams(child.Raw); ok {
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return x509.ErrUnsupportedAlgorithm
		}
		return wrapBad(rsa.VerifyPSS(k, p.hash, digest(p.hash, tbs), sig, &rsa.PSSOptions{SaltLength: p.salt, Hash: p.hash}))
	}
	return x509.ErrUnsupportedAlgorithm
}

func wrapBad(err error) error {
	if err != nil {
		return ErrBadSignature
	}
	return nil
}

func digest(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.MD5:
		s := md5.Sum(data)
		return s[:]
	case crypto.SHA1:
		s := sha1.Sum(data)
		return s[:]
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(data)
		return s[:]
	}
	return nil
}

// verifyDSA checks a DER Dss-Sig-Value over a digest, truncated to the
// size of the subgroup as FIPS 186 says.
func verifyDSA(k *dsa.PublicKey, sum, sig []byte) error {
	if k.Q == nil || k.P == nil || k.G == nil || k.Y == nil || k.Q.Sign() <= 0 {
		return x509.ErrUnsupportedAlgorithm
	}
	s := cryptobyte.String(sig)
	r, ss := new(big.Int), new(big.Int)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1Integer(r) || !seq.ReadASN1Integer(ss) || !seq.Empty() {
		return ErrBadSignature
	}
	if n := (k.Q.BitLen() + 7) / 8; len(sum) > n {
		sum = sum[:n]
	}
	if !dsa.Verify(k, sum, r, ss) {
		return ErrBadSignature
	}
	return nil
}

var (
	oidRSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidMGF1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidHashes = map[string]crypto.Hash{
		"1.3.14.3.2.26":          crypto.SHA1,
		"2.16.840.1.101.3.4.2.1": crypto.SHA256,
		"2.16.840.1.101.3.4.2.2": crypto.SHA384,
		"2.16.840.1.101.3.4.2.3": crypto.SHA512,
	}
)

type pss struct {
	hash crypto.Hash
	salt int
}

// pssParams reads the RSASSA-PSS-params (RFC 4055) of the signature
// algorithm of the certificate in der. The MGF1 hash must be the message
// hash (Go's rsa package uses one hash for both) and the trailer field 1.
func pssParams(der []byte) (pss, bool) {
	in := cryptobyte.String(der)
	var cert, alg, params cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.SkipASN1(cbasn1.SEQUENCE) ||
		!cert.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidRSAPSS) ||
		!alg.ReadASN1(&params, cbasn1.SEQUENCE) {
		return pss{}, false
	}
	p := pss{hash: crypto.SHA1, salt: 20}
	mgfHash := crypto.SHA1
	var f cryptobyte.String
	var present bool
	if !params.ReadOptionalASN1(&f, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return pss{}, false
	}
	if present {
		h, ok := hashAlg(f)
		if !ok {
			return pss{}, false
		}
		p.hash = h
	}
	if !params.ReadOptionalASN1(&f, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return pss{}, false
	}
	if present {
		var mgf, inner cryptobyte.String
		var moid asn1.ObjectIdentifier
		if !f.ReadASN1(&mgf, cbasn1.SEQUENCE) || !mgf.ReadASN1ObjectIdentifier(&moid) || !moid.Equal(oidMGF1) || !mgf.ReadASN1Element(&inner, cbasn1.SEQUENCE) {
			return pss{}, false
		}
		h, ok := hashAlg(inner)
		if !ok {
			return pss{}, false
		}
		mgfHash = h
	}
	if !params.ReadOptionalASN1(&f, &present, cbasn1.Tag(2).Constructed().ContextSpecific()) {
		return pss{}, false
	}
	if present {
		var n int64
		if !f.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) || n < 0 || n > 1<<16 {
			return pss{}, false
		}
		p.salt = int(n)
	}
	if !params.ReadOptionalASN1(&f, &present, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return pss{}, false
	}
	if present {
		var n int64
		if !f.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) || n != 1 {
			return pss{}, false
		}
	}
	if mgfHash != p.hash {
		return pss{}, false
	}
	if p.salt == 0 {
		// rsa.PSSOptions reads 0 as "auto"; a zero salt is
		// rsa.PSSSaltLengthEqualsHash's opposite, which Go cannot ask
		// for. Auto-detection accepts it.
		p.salt = rsa.PSSSaltLengthAuto
	}
	return p, true
}

// hashAlg reads an AlgorithmIdentifier naming a hash function.
func hashAlg(s cryptobyte.String) (crypto.Hash, bool) {
	var ai cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&ai, cbasn1.SEQUENCE) || !ai.ReadASN1ObjectIdentifier(&oid) {
		return 0, false
	}
	h, ok := oidHashes[oid.String()]
	return h, ok
}

// pssPublicKey returns the RSA key of a SubjectPublicKeyInfo marked
// id-RSASSA-PSS (an RSA key restricted to PSS), which Go leaves unparsed;
// nil for anything else.
func pssPublicKey(spki []byte) *rsa.PublicKey {
	in := cryptobyte.String(spki)
	var info, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	var bits asn1.BitString
	if !in.ReadASN1(&info, cbasn1.SEQUENCE) || !info.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!(oid.Equal(oidRSAPSS) || oid.Equal(oidRSA)) || !info.ReadASN1BitString(&bits) {
		return nil
	}
	key := cryptobyte.String(bits.RightAlign())
	var seq cryptobyte.String
	n := new(big.Int)
	var e int64
	if !key.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(n) || !seq.ReadASN1Int64WithTag(&e, cbasn1.INTEGER) ||
		n.Sign() <= 0 || e <= 1 || e > 1<<31-1 {
		return nil
	}
	return &rsa.PublicKey{N: n, E: int(e)}
}

// String tags of the directory string types OpenSSL compares as text
// (ASN1_MASK_CANON).
const (
	tagUTF8      = 12
	tagPrintable = 19
	tagT61       = 20
	tagIA5       = 22
	tagVisible   = 26
	tagUniversal = 28
	tagBMP       = 30
)

// canonicalName returns the canonical encoding of a DER Name (OpenSSL's
// x509_name_canon): each RDN a SET of its attributes in DER order, string
// values re-encoded as UTF8String in canonical text form.
func canonicalName(der []byte) ([]byte, bool) { return canonicalNameMode(der, true) }

// canonicalNameMode is canonicalName; unicode false folds ASCII case only,
// as OpenSSL does.
func canonicalNameMode(der []byte, unicode bool) ([]byte, bool) {
	if out, ok := canonicalASCIIName(der); ok {
		return out, true
	}
	return canonicalNameGeneral(der, unicode)
}

// canonicalNameGeneral is canonicalNameMode for any name.
func canonicalNameGeneral(der []byte, unicode bool) ([]byte, bool) {
	in := cryptobyte.String(der)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	var b cryptobyte.Builder
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) || set.Empty() {
			return nil, false
		}
		var atvs [][]byte
		for !set.Empty() {
			var atv cryptobyte.String
			var oid cryptobyte.String
			var val cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
				!atv.ReadAnyASN1Element(&val, &tag) || !atv.Empty() {
				return nil, false
			}
			var e cryptobyte.Builder
			e.AddASN1(cbasn1.SEQUENCE, func(e *cryptobyte.Builder) {
				e.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(e *cryptobyte.Builder) { e.AddBytes(oid) })
				if s, ok := canonicalString(val, tag, unicode); ok {
					e.AddASN1(cbasn1.UTF8String, func(e *cryptobyte.Builder) { e.AddBytes(s) })
				} else {
					e.AddBytes(val)
				}
			})
			enc, err := e.Bytes()
			if err != nil {
				return nil, false
			}
			atvs = append(atvs, enc)
		}
		sort.Slice(atvs, func(i, j int) bool { return bytes.Compare(atvs[i], atvs[j]) < 0 })
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, a := range atvs {
				b.AddBytes(a)
			}
		})
	}
	out, err := b.Bytes()
	return out, err == nil
}

// canonicalASCIIName is canonicalNameMode for the names most certificates
// carry, without re-encoding them: every RDN a single attribute whose
// value is a UTF8String, PrintableString, IA5String or VisibleString of
// printable ASCII without leading, trailing or doubled spaces, or of
// another type that is not a directory string. Canonical text then has
// the length of the original, so the canonical form is the name's RDNs
// as they are, with those strings re-tagged UTF8String and their letters
// lowered (what the general path builds, one chain build computing it
// for every certificate of a pile). ok is false for any other name, which
// the general path then reads.
func canonicalASCIIName(der []byte) ([]byte, bool) {
	in := cryptobyte.String(der)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	base := len(der) - len(rdns) // where rdns starts in der
	out := append([]byte(nil), rdns...)
	for !rdns.Empty() {
		var set, atv, oid, val cryptobyte.String
		var tag cbasn1.Tag
		if !rdns.ReadASN1(&set, cbasn1.SET) || !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !set.Empty() ||
			!atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !atv.ReadAnyASN1Element(&val, &tag) || !atv.Empty() {
			return nil, false
		}
		switch tag {
		case tagUTF8, tagPrintable, tagIA5, tagVisible:
		case tagT61, tagBMP, tagUniversal:
			return nil, false
		default:
			continue // not a directory string: kept as it is
		}
		elem := len(val)
		var text cryptobyte.String
		if !val.ReadASN1(&text, tag) || len(text) == 0 || text[0] == ' ' || text[len(text)-1] == ' ' {
			return nil, false
		}
		// val ends where its RDN ends: at len(der) - len(rdns) in der.
		end := len(der) - len(rdns) - base
		start := end - len(text)
		for i := start; i < end; i++ {
			c := out[i]
			switch {
			case c < ' ' || c > '~' || c == ' ' && out[i-1] == ' ':
				return nil, false
			case c >= 'A' && c <= 'Z':
				out[i] = c + 'a' - 'A'
			}
		}
		out[end-elem] = tagUTF8 // the tag byte, before the (unchanged) length
	}
	return out, true
}

// canonicalString turns a directory string element into OpenSSL's
// canonical text (asn1_string_canon): UTF-8, no leading or trailing white
// space, inner white space runs as one space, ASCII in lower case; with
// unicode, text beyond ASCII is also case folded and NFKC normalised, as
// RFC 4518 2.2 and 2.3 prepare it. ok is false for other types and for
// text that does not decode.
func canonicalString(elem cryptobyte.String, tag cbasn1.Tag, unicode bool) ([]byte, bool) {
	var v cryptobyte.String
	if !elem.ReadASN1(&v, tag) {
		return nil, false
	}
	var text []byte
	switch tag {
	case tagUTF8, tagPrintable, tagIA5, tagVisible:
		if !utf8.Valid(v) {
			return nil, false
		}
		text = v
	case tagT61:
		// OpenSSL reads T61String one byte per character (Latin-1).
		for _, c := range v {
			text = utf8.AppendRune(text, rune(c))
		}
	case tagBMP:
		if len(v)%2 != 0 {
			return nil, false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		for _, r := range utf16.Decode(u) {
			text = utf8.AppendRune(text, r)
		}
	case tagUniversal:
		if len(v)%4 != 0 {
			return nil, false
		}
		for i := 0; i < len(v); i += 4 {
			r := rune(uint32(v[i])<<24 | uint32(v[i+1])<<16 | uint32(v[i+2])<<8 | uint32(v[i+3]))
			if !utf8.ValidRune(r) {
				return nil, false
			}
			text = utf8.AppendRune(text, r)
		}
	default:
		return nil, false
	}
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
	for len(text) > 0 && isSpace(text[0]) {
		text = text[1:]
	}
	for len(text) > 0 && isSpace(text[len(text)-1]) {
		text = text[:len(text)-1]
	}
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case isSpace(c):
			out = append(out, ' ')
			for i < len(text) && isSpace(text[i]) {
				i++
			}
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		out = append(out, c)
		i++
	}
	if unicode && !isASCII(out) {
		out = norm.NFKC.Bytes(cases.Fold().Bytes(out))
	}
	return out, true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

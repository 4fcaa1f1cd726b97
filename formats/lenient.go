package formats

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Certificates crypto/x509 refuses although they are legal: a key with
// explicit elliptic-curve parameters instead of a named curve, a name
// attribute that is not a string (x500UniqueIdentifier is a BIT STRING).
// pkit cannot use them (it cannot check what they sign, or compare their
// names the way crypto/x509 does), but must not call them damaged:
// readPartialCertificate reads what identifies them, for inspect to show
// and for other commands to name what is unsupported.

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidX500UID     = asn1.ObjectIdentifier{2, 5, 4, 45}
)

// readPartialCertificate reads the identifying fields of a certificate
// crypto/x509 refused with goErr: Raw, RawTBSCertificate, Version,
// SerialNumber, Issuer, Subject (and their raw forms), NotBefore,
// NotAfter, RawSubjectPublicKeyInfo, PublicKeyAlgorithm (PublicKey stays
// nil) and Signature. It returns why pkit cannot use the certificate (an
// error wrapping ErrUnsupported), or ok false when the certificate is not
// one of the legal kinds it knows, and is damaged after all.
func readPartialCertificate(der []byte, goErr error) (*x509.Certificate, error, bool) {
	in := cryptobyte.String(der)
	var cert, tbs, sigAlg, spki, validity cryptobyte.String
	var tbsFull cryptobyte.String
	c := &x509.Certificate{Raw: der, Version: 1, SerialNumber: new(big.Int)}
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !in.Empty() ||
		!cert.ReadASN1Element(&tbsFull, cbasn1.SEQUENCE) || !cert.ReadASN1(&sigAlg, cbasn1.SEQUENCE) {
		return nil, nil, false
	}
	var sig asn1.BitString
	if !cert.ReadASN1BitString(&sig) || !cert.Empty() {
		return nil, nil, false
	}
	c.Signature = sig.RightAlign()
	c.RawTBSCertificate = tbsFull
	if !tbsFull.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, nil, false
	}
	var version cryptobyte.String
	var hasVersion bool
	if !tbs.ReadOptionalASN1(&version, &hasVersion, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, nil, false
	}
	if hasVersion {
		var v int
		if !version.ReadASN1Integer(&v) || v < 0 || v > 2 {
			return nil, nil, false
		}
		c.Version = v + 1
	}
	var issuer, subject, tbsSigAlg cryptobyte.String
	if !tbs.ReadASN1Integer(c.SerialNumber) || !tbs.ReadASN1(&tbsSigAlg, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return nil, nil, false
	}
	var ok bool
	var odd []string
	c.RawIssuer, c.RawSubject, c.RawSubjectPublicKeyInfo = issuer, subject, spki
	if c.Issuer, ok = lenientName(issuer, &odd); !ok {
		return nil, nil, false
	}
	if c.Subject, ok = lenientName(subject, &odd); !ok {
		return nil, nil, false
	}
	if c.NotBefore, ok = ReadASN1Time(&validity); !ok {
		return nil, nil, false
	}
	if c.NotAfter, ok = ReadASN1Time(&validity); !ok || !validity.Empty() {
		return nil, nil, false
	}
	// What pkit cannot use: a non-string name attribute, or a key with
	// explicit curve parameters.
	var reasons []string
	if len(odd) > 0 {
		reasons = append(reasons, "a name attribute that is not a string ("+strings.Join(odd, ", ")+")")
	}
	var info, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !spki.ReadASN1(&info, cbasn1.SEQUENCE) || !info.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, nil, false
	}
	if oid.Equal(oidECPublicKey) {
		c.PublicKeyAlgorithm = x509.ECDSA
		if alg.PeekASN1Tag(cbasn1.SEQUENCE) {
			reasons = append(reasons, "an elliptic-curve key with explicit curve parameters instead of a named curve")
		}
	}
	if len(reasons) == 0 {
		return nil, nil, false
	}
	if goErr != nil {
		return c, fmt.Errorf("%w: a certificate with %s (%v)", ErrUnsupported, strings.Join(reasons, " and "), goErr), true
	}
	return c, fmt.Errorf("%w: a certificate with %s", ErrUnsupported, strings.Join(reasons, " and ")), true
}

// ReadASN1Time reads an X.509 Time (UTCTime or GeneralizedTime, RFC 5280
// 4.1.2.5) from s, reporting whether it was one.
func ReadASN1Time(s *cryptobyte.String) (time.Time, bool) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		return t, s.ReadASN1UTCTime(&t)
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		return t, s.ReadASN1GeneralizedTime(&t)
	}
	return t, false
}

// lenientName reads a Name whose attribute values may be of any type:
// strings become text, other values (a BIT STRING) their DER as "#hex",
// as RFC 4514 writes them; their attribute types are added to odd.
func lenientName(der []byte, odd *[]string) (pkix.Name, bool) {
	var name pkix.Name
	var rdns pkix.RDNSequence
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return name, false
	}
	for !seq.Empty() {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return name, false
		}
		var rdn pkix.RelativeDistinguishedNameSET
		for !set.Empty() {
			var atv, value cryptobyte.String
			var oid asn1.ObjectIdentifier
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&oid) {
				return name, false
			}
			full := atv
			if !atv.ReadAnyASN1(&value, &tag) || !atv.Empty() {
				return name, false
			}
			s, isString := asn1Text(tag, value)
			if !isString {
				s = "#" + hex.EncodeToString(full)
				what := oid.String()
				if oid.Equal(oidX500UID) {
					what = "x500UniqueIdentifier"
				}
				*odd = append(*odd, what)
			}
			rdn = append(rdn, pkix.AttributeTypeAndValue{Type: oid, Value: s})
		}
		rdns = append(rdns, rdn)
	}
	name.FillFromRDNSequence(&rdns)
	return name, true
}

// asn1Text decodes the string types names use.
func asn1Text(tag cbasn1.Tag, v []byte) (string, bool) {
	switch tag {
	case cbasn1.UTF8String, cbasn1.PrintableString, cbasn1.IA5String, cbasn1.T61String, cbasn1.Tag(26): // VisibleString
		if !utf8.Valid(v) {
			return string([]rune(string(v))), true
		}
		return string(v), true
	case cbasn1.Tag(30): // BMPString
		if len(v)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		return string(utf16.Decode(u)), true
	}
	return "", false
}

// extensionNames maps the words of crypto/x509's errors to the names of
// the certificate extensions they are about.
var extensionNames = []struct{ in, name string }{
	{"authority key identifier", "authorityKeyIdentifier"},
	{"subject key identifier", "subjectKeyIdentifier"},
	{"basic constraints", "basicConstraints"},
	{"subject alternative name", "subjectAltName"},
	{"SAN ", "subjectAltName"},
	{"NameConstraints", "nameConstraints"},
	{"name constraints", "nameConstraints"},
	{"inhibit any policy", "inhibitAnyPolicy"},
	{"policy constraints", "policyConstraints"},
	{"policy mappings", "policyMappings"},
	{"certificate policies", "certificatePolicies"},
	{"extended key usage", "extKeyUsage"},
	{"key usage", "keyUsage"},
	{"CRL distribution point", "cRLDistributionPoints"},
	{"authority info access", "authorityInfoAccess"},
}

// certificateError is a crypto/x509 parse error as pkit says it: a damaged
// certificate (ErrCorrupt), naming the extension when one is malformed.
func certificateError(err error) error {
	msg := err.Error()
	for _, e := range extensionNames {
		if strings.Contains(msg, e.in) {
			return corrupt("the certificate's %s extension is malformed (%v)", e.name, err)
		}
	}
	return corrupt("%v", err)
}

var (
	oidExtSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtInhibitAnyPolicy = asn1.ObjectIdentifier{2, 5, 29, 54}
)

// checkExtensions refuses extension contents crypto/x509 accepts or
// skips although they are malformed: a negative inhibitAnyPolicy
// (SkipCerts is 0..MAX) and a subjectAltName directoryName that is not a
// Name.
func checkExtensions(c *x509.Certificate) error {
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidExtInhibitAnyPolicy):
			in := cryptobyte.String(e.Value)
			var n big.Int
			if !in.ReadASN1Integer(&n) || !in.Empty() || n.Sign() < 0 {
				return corrupt("the certificate's inhibitAnyPolicy extension is malformed (a negative or unreadable count)")
			}
		case e.Id.Equal(oidExtSAN):
			in := cryptobyte.String(e.Value)
			var names cryptobyte.String
			if !in.ReadASN1(&names, cbasn1.SEQUENCE) || !in.Empty() {
				return corrupt("the certificate's subjectAltName extension is malformed")
			}
			for !names.Empty() {
				var gn cryptobyte.String
				var tag cbasn1.Tag
				if !names.ReadAnyASN1(&gn, &tag) {
					return corrupt("the certificate's subjectAltName extension is malformed")
				}
				if tag != cbasn1.Tag(4).Constructed().ContextSpecific() {
					continue
				}
				var odd []string
				if _, ok := lenientName(gn, &odd); !ok || !cryptobyte.String(gn).PeekASN1Tag(cbasn1.SEQUENCE) || !wholeElement(gn) {
					return corrupt("the certificate's subjectAltName extension is malformed (a directoryName that is not a name)")
				}
			}
		}
	}
	return nil
}

// wholeElement reports whether b is exactly one DER element.
func wholeElement(b []byte) bool {
	s := cryptobyte.String(b)
	var e cryptobyte.String
	var tag cbasn1.Tag
	return s.ReadAnyASN1Element(&e, &tag) && s.Empty()
}

// parseCertificate is crypto/x509's parser with pkit's errors: a damaged
// certificate wraps ErrCorrupt and names a malformed extension; a legal
// one crypto/x509 cannot read wraps ErrUnsupported and says why.
func parseCertificate(der []byte) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		if _, why, ok := readPartialCertificate(der, err); ok {
			return nil, why
		}
		return nil, certificateError(err)
	}
	if err := checkExtensions(c); err != nil {
		return nil, err
	}
	return c, nil
}

package chain

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net"
	"strings"

	"github.com/pkit/pkit/formats"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/net/publicsuffix"
)

// The kinds of profile problems: rules of RFC 5280's certificate profile
// (and of the CA/Browser Forum's, for server certificates) that path
// validation does not need but strict consumers enforce. Under
// [VerifyOptions.Lenient] they are warnings.
const (
	// MissingAKI: a certificate other than a self-signed root has no
	// authority key identifier.
	MissingAKI Kind = "missing-authority-key-id"
	// MissingSKI: a CA has no subject key identifier.
	MissingSKI Kind = "missing-subject-key-id"
	// AKIMismatch: a certificate's authority key identifier is not its
	// issuer's subject key identifier.
	AKIMismatch Kind = "authority-key-id-mismatch"
	// AKIIssuerSerial: a root's authority key identifier names an issuer
	// and serial number.
	AKIIssuerSerial Kind = "authority-key-id-issuer-serial"
	// CNNotInSAN: a server leaf's host-like common name is not among its
	// subject alternative names.
	CNNotInSAN Kind = "common-name-not-in-san"
	// NoSAN: a server leaf has a host-like common name and no DNS or IP
	// subject alternative names.
	NoSAN Kind = "san-missing"
	// EmptySAN: a subject alternative name extension holds no name.
	EmptySAN Kind = "san-empty"
	// NoServerEKU: a server leaf has no extended key usage extension.
	NoServerEKU Kind = "server-eku-missing"
	// AnyEKU: a server leaf has anyExtendedKeyUsage.
	AnyEKU Kind = "any-extended-key-usage"
	// BadEKUExtension: an extended key usage extension is empty, or
	// critical in a server leaf.
	BadEKUExtension Kind = "bad-eku-extension"
	// EKUOnRoot: a root has an extended key usage extension.
	EKUOnRoot Kind = "eku-on-root"
	// BadSerial: a serial number is 0, negative or longer than 20
	// octets.
	BadSerial Kind = "bad-serial"
	// EmptyName: an empty issuer, or an empty subject in a CA or without
	// a critical subject alternative name.
	EmptyName Kind = "empty-name"
	// BasicConstraintsNC: a CA's basic constraints are not critical.
	BasicConstraintsNC Kind = "basic-constraints-not-critical"
	// CAKeyUsageMissing: a CA has no key usage extension.
	CAKeyUsageMissing Kind = "ca-key-usage-missing"
	// LeafCA: the leaf is a CA or has keyCertSign.
	LeafCA Kind = "leaf-is-ca"
	// PathLenNotCA: a certificate that is not a CA has a path length
	// constraint.
	PathLenNotCA Kind = "pathlen-without-ca"
	// PolicyExtNotCrit: policy constraints or inhibitAnyPolicy are not
	// critical.
	PolicyExtNotCrit Kind = "policy-extension-not-critical"
	// NameConstraintsForm: name constraints that are not critical or are
	// in a certificate that is not a CA.
	NameConstraintsForm Kind = "name-constraints-form"
	// BadDNSName: a DNS subject alternative name is not a valid host
	// name (or leftmost wildcard).
	BadDNSName Kind = "bad-dns-name"
	// PublicSuffixWild: a wildcard DNS name over a public suffix
	// (*.com, *.co.uk).
	PublicSuffixWild Kind = "wildcard-public-suffix"
	// RSAModulusSize: an RSA modulus whose size is not a multiple of 8
	// bits.
	RSAModulusSize Kind = "rsa-modulus-size"
)

// A profileRule is one rule of the profile: the kind of problem, the rule
// it breaks, the consumers checked to refuse a chain breaking it (see
// profile_test.go, which checks each claim against openssl verify and
// Go), and the check of certificate i, which returns what is wrong ("" if
// nothing) and the fix.
type profileRule struct {
	kind    Kind
	rule    string
	refused []string
	check   func(v *verifier, i int) (detail, fix string)
}

// profileRules are the rules, one line each (a kind may have several
// lines when consumers treat its cases differently). In the refused
// lists, "OpenSSL" is openssl verify for the same purpose (-purpose
// sslserver) and, for the name rules, -verify_hostname with the common
// name; "OpenSSL -x509_strict" is the same with -x509_strict (and only
// with it); "Go" is crypto/x509's Certificate.Verify with KeyUsages for
// the purpose and, for the name rules, DNSName the common name.
var profileRules = []profileRule{
	{MissingAKI, "RFC 5280 4.2.1.1", []string{"OpenSSL -x509_strict"}, missingAKIv3},
	{MissingAKI, "RFC 5280 4.2.1.1", nil, missingAKIv1},
	{MissingAKI, "RFC 5280 4.2.1.1", []string{"OpenSSL"}, missingAKISelfIssued},
	{MissingSKI, "RFC 5280 4.2.1.2", []string{"OpenSSL -x509_strict"}, missingSKI},
	{AKIMismatch, "RFC 5280 4.2.1.1", []string{"OpenSSL"}, akiMismatch},
	{AKIIssuerSerial, "RFC 5280 4.2.1.1", nil, akiIssuerSerial},
	{CNNotInSAN, "RFC 6125 6.4.4", []string{"Go", "OpenSSL"}, cnNotInSAN},
	{NoSAN, "RFC 6125 6.4.4", []string{"Go"}, noSAN},
	{NoServerEKU, "CA/B Forum BR 7.1.2.7.10", nil, noServerEKU},
	{AnyEKU, "CA/B Forum BR 7.1.2.7.10", []string{"OpenSSL"}, anyEKUOnly},
	{AnyEKU, "CA/B Forum BR 7.1.2.7.10", nil, anyEKUBeside},
	{BadEKUExtension, "RFC 5280 4.2.1.12", []string{"OpenSSL"}, emptyServerEKU},
	{BadEKUExtension, "RFC 5280 4.2.1.12", nil, emptyOtherEKU},
	{BadEKUExtension, "CA/B Forum BR 7.1.2.7.10", nil, criticalEKU},
	{EKUOnRoot, "CA/B Forum BR 7.1.2.1", nil, ekuOnRoot},
	{BadSerial, "RFC 5280 4.1.2.2", nil, badSerial},
	{EmptyName, "RFC 5280 4.1.2.4", []string{"OpenSSL -x509_strict"}, emptyName},
	{BasicConstraintsNC, "RFC 5280 4.2.1.9", []string{"OpenSSL -x509_strict"}, basicConstraintsNotCritical},
	{CAKeyUsageMissing, "RFC 5280 4.2.1.3", []string{"OpenSSL -x509_strict"}, caKeyUsageMissing},
	{LeafCA, "RFC 5280 4.2.1.9", nil, leafIsCA},
	{LeafCA, "RFC 5280 4.2.1.3", []string{"OpenSSL -x509_strict"}, leafCertSign},
	{PathLenNotCA, "RFC 5280 4.2.1.9", []string{"OpenSSL -x509_strict"}, pathLenNotCA},
	{EmptySAN, "RFC 5280 4.2.1.6", []string{"OpenSSL -x509_strict"}, emptySAN},
	{PolicyExtNotCrit, "RFC 5280 4.2.1.11", nil, policyConstraintsNotCritical},
	{PolicyExtNotCrit, "RFC 5280 4.2.1.14", nil, inhibitAnyNotCritical},
	{NameConstraintsForm, "RFC 5280 4.2.1.10", nil, nameConstraintsForm},
	{BadDNSName, "RFC 5280 4.2.1.6", nil, badDNSName},
	{PublicSuffixWild, "CA/B Forum BR 3.2.2.6", nil, publicSuffixWildcard},
	{RSAModulusSize, "CA/B Forum BR 6.1.5", nil, rsaModulus},
}

// profile checks the certificates of the path against the certificate
// profile of RFC 5280 section 4 (rules a validator need not enforce but
// strict consumers do).
func (v *verifier) profile() {
	for i := range v.chain {
		for _, r := range profileRules {
			detail, fix := r.check(v, i)
			if detail == "" {
				continue
			}
			v.addRule(r.kind, i, r.rule, r.refused, "%s", fix, detail)
			v.problems[len(v.problems)-1].Warning = v.o.Lenient
		}
	}
}

var (
	oidExtAKI             = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtSAN             = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtBasicConstraint = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKeyUsage        = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtEKU             = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtNameConstraints = asn1.ObjectIdentifier{2, 5, 29, 30}
)

func extension(c *x509.Certificate, id asn1.ObjectIdentifier) (e struct {
	present, critical bool
	value             []byte
}) {
	for _, x := range c.Extensions {
		if x.Id.Equal(id) {
			e.present, e.critical, e.value = true, x.Critical, x.Value
			return e
		}
	}
	return e
}

// selfSigned reports (and caches: a signature check is most of a rule's
// cost, and several rules ask) whether certificate i of the path signed
// itself.
func (v *verifier) selfSigned(i int) bool {
	if v.ss == nil {
		v.ss = make([]int8, len(v.chain))
	}
	if v.ss[i] == 0 {
		c := v.chain[i]
		v.ss[i] = -1
		if SelfSigned(c) {
			v.ss[i] = 1
		}
	}
	return v.ss[i] > 0
}

// isRoot: the top of a complete path, self-signed.
func (v *verifier) isRoot(i int) bool {
	return i == len(v.chain)-1 && v.selfSigned(i)
}

// missingAKIv3 and missingAKIv1 split missingAKI by version: openssl
// verify -x509_strict checks the key identifier of version 3
// certificates only (a version 1 certificate has no extensions at all).
func missingAKIv3(v *verifier, i int) (string, string) {
	if v.chain[i].Version < 3 {
		return "", ""
	}
	return missingAKI(v, i)
}

func missingAKIv1(v *verifier, i int) (string, string) {
	if v.chain[i].Version >= 3 {
		return "", ""
	}
	return missingAKI(v, i)
}

func missingAKI(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if len(c.AuthorityKeyId) > 0 || v.selfIssued(i) {
		return "", ""
	}
	return fmt.Sprintf("%s has no authority key identifier (required in every certificate but a self-signed root)", v.name(i)),
		"re-issue it from a CA that adds the authority key identifier (pkit always does)"
}

// missingAKISelfIssued: a self-issued certificate that is not
// self-signed (a CA's new key certified by its old one) without an
// authority key identifier looks like a root to OpenSSL, which then
// refuses the chain. (Go leaves the identifier out of such certificates
// unless told.)
func missingAKISelfIssued(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if len(c.AuthorityKeyId) > 0 || !v.selfIssued(i) || v.selfSigned(i) {
		return "", ""
	}
	return fmt.Sprintf("%s is self-issued (its issuer has the same name) but has no authority key identifier, so it cannot be told from a self-signed root", v.name(i)),
		"re-issue it with an authority key identifier naming the key that signed it"
}

func missingSKI(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if !c.IsCA || len(c.SubjectKeyId) > 0 {
		return "", ""
	}
	return fmt.Sprintf("%s is a CA without a subject key identifier, so certificates it issues cannot name its key", v.name(i)),
		"re-issue the CA certificate with a subject key identifier (pkit always adds one)"
}

func akiMismatch(v *verifier, i int) (string, string) {
	if i+1 >= len(v.chain) {
		return "", ""
	}
	c, iss := v.chain[i], v.chain[i+1]
	if len(c.AuthorityKeyId) == 0 || len(iss.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, iss.SubjectKeyId) {
		return "", ""
	}
	return fmt.Sprintf("the authority key identifier of %s (%s) is not the subject key identifier of its issuer %q (%s)", v.name(i), formats.KeyIDHex(c.AuthorityKeyId), iss.Subject.String(), formats.KeyIDHex(iss.SubjectKeyId)),
		"re-issue the certificate from its issuer so that the identifiers agree"
}

// akiIssuerSerial: a root whose authority key identifier names an issuer
// and serial ties every path through it to that one certificate, so a
// renewed or cross-signed root breaks them.
func akiIssuerSerial(v *verifier, i int) (string, string) {
	if !v.isRoot(i) {
		return "", ""
	}
	e := extension(v.chain[i], oidExtAKI)
	if !e.present {
		return "", ""
	}
	s := cryptobyte.String(e.value)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return "", ""
	}
	if seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) && !seq.SkipASN1(cbasn1.Tag(0).ContextSpecific()) {
		return "", ""
	}
	if seq.Empty() {
		return "", ""
	}
	return fmt.Sprintf("%s has an authority key identifier naming an issuer and serial number, which ties certificates below it to this one root certificate", v.name(i)),
		"re-issue the root with a key identifier only in its authority key identifier, or none"
}

// serverCN returns the common name of a server leaf when it looks like a
// host name or is an IP address (a name like "My Server" is no host a
// client could ask for).
func (v *verifier) serverCN(i int) string {
	c := v.chain[i]
	cn := c.Subject.CommonName
	if i != 0 || v.o.Purpose != PurposeServer || !HostLike(cn) {
		return ""
	}
	return cn
}

func cnNotInSAN(v *verifier, i int) (string, string) {
	c := v.chain[i]
	cn := v.serverCN(i)
	if cn == "" || len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 {
		return "", ""
	}
	for _, d := range c.DNSNames {
		if strings.EqualFold(strings.TrimSuffix(d, "."), strings.TrimSuffix(cn, ".")) {
			return "", ""
		}
	}
	if ip := net.ParseIP(cn); ip != nil {
		for _, a := range c.IPAddresses {
			if a.Equal(ip) {
				return "", ""
			}
		}
	}
	return fmt.Sprintf("the common name %q of %s is not among its subject alternative names (%s): clients match only those", cn, v.name(i), strings.Join(sanList(c), ", ")),
		fmt.Sprintf("re-issue it with %q among its subject alternative names (pkit issue server puts the name in both)", cn)
}

func noSAN(v *verifier, i int) (string, string) {
	c := v.chain[i]
	cn := v.serverCN(i)
	if cn == "" || len(c.DNSNames) > 0 || len(c.IPAddresses) > 0 {
		return "", ""
	}
	return fmt.Sprintf("%s has no DNS or IP subject alternative names, only the common name %q, which clients no longer match", v.name(i), cn),
		fmt.Sprintf("re-issue it with %q as a subject alternative name (pkit issue server %s)", cn, cn)
}

func sanList(c *x509.Certificate) []string {
	var out []string
	for _, d := range c.DNSNames {
		out = append(out, "DNS:"+d)
	}
	for _, a := range c.IPAddresses {
		out = append(out, "IP:"+a.String())
	}
	return out
}

func noServerEKU(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if i != 0 || v.o.Purpose != PurposeServer || len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0 || extension(c, oidExtEKU).present {
		return "", ""
	}
	return fmt.Sprintf("%s has no extended key usage extension: it is good for any purpose, not only as a TLS server", v.name(i)),
		"re-issue it as a server certificate (pkit issue server NAME), which has serverAuth"
}

// anyUsage reports whether the server leaf i has anyExtendedKeyUsage,
// and whether it has serverAuth too.
func (v *verifier) anyUsage(i int) (any, server bool) {
	if i != 0 || v.o.Purpose != PurposeServer {
		return false, false
	}
	for _, u := range v.chain[i].ExtKeyUsage {
		any = any || u == x509.ExtKeyUsageAny
		server = server || u == x509.ExtKeyUsageServerAuth
	}
	return any, server
}

func anyEKUOnly(v *verifier, i int) (string, string) {
	if any, server := v.anyUsage(i); !any || server {
		return "", ""
	}
	return fmt.Sprintf("%s has anyExtendedKeyUsage instead of serverAuth, which lets it be used for anything", v.name(i)),
		"re-issue it with serverAuth alone (pkit issue server NAME)"
}

func anyEKUBeside(v *verifier, i int) (string, string) {
	if any, server := v.anyUsage(i); !any || !server {
		return "", ""
	}
	return fmt.Sprintf("%s has anyExtendedKeyUsage beside serverAuth, which lets it be used for anything", v.name(i)),
		"re-issue it with serverAuth alone (pkit issue server NAME)"
}

func emptyEKU(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if !extension(c, oidExtEKU).present || len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0 {
		return "", ""
	}
	return fmt.Sprintf("%s has an empty extended key usage extension (it must list at least one usage)", v.name(i)),
		"re-issue it with the usages it is for (pkit issue server|client NAME), or without the extension"
}

// emptyServerEKU: OpenSSL refuses a server leaf with an empty EKU for
// the server purpose; elsewhere nobody checked does.
func emptyServerEKU(v *verifier, i int) (string, string) {
	if i != 0 || v.o.Purpose != PurposeServer {
		return "", ""
	}
	return emptyEKU(v, i)
}

func emptyOtherEKU(v *verifier, i int) (string, string) {
	if i == 0 && v.o.Purpose == PurposeServer {
		return "", ""
	}
	return emptyEKU(v, i)
}

func criticalEKU(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if i != 0 || v.o.Purpose != PurposeServer || !extension(c, oidExtEKU).critical {
		return "", ""
	}
	return fmt.Sprintf("%s marks its extended key usage extension critical, which server certificates must not", v.name(i)),
		"re-issue it with a non-critical extended key usage extension (pkit issue server NAME)"
}

func ekuOnRoot(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if !v.isRoot(i) || i == 0 || !extension(c, oidExtEKU).present {
		return "", ""
	}
	return fmt.Sprintf("%s has an extended key usage extension, which limits everything below it to %s", v.name(i), strings.Join(ekuNames(c), ", ")),
		"re-issue the root without extended key usages; limit intermediates instead"
}

func ekuNames(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		out = append(out, ekuName(u))
	}
	for _, u := range c.UnknownExtKeyUsage {
		out = append(out, u.String())
	}
	if len(out) == 0 {
		out = []string{"nothing"}
	}
	return out
}

func ekuName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageAny:
		return "anyExtendedKeyUsage"
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageCodeSigning:
		return "codeSigning"
	case x509.ExtKeyUsageEmailProtection:
		return "emailProtection"
	case x509.ExtKeyUsageTimeStamping:
		return "timeStamping"
	case x509.ExtKeyUsageOCSPSigning:
		return "OCSPSigning"
	}
	return fmt.Sprintf("usage %d", u)
}

func badSerial(v *verifier, i int) (string, string) {
	c := v.chain[i]
	s := c.SerialNumber
	fix := "re-issue it with a positive serial of at most 20 octets (pkit uses 16 random octets)"
	switch {
	case s == nil:
		return "", ""
	case s.Sign() < 0:
		return fmt.Sprintf("%s has a negative serial number (%s)", v.name(i), s), fix
	case s.Sign() == 0:
		return fmt.Sprintf("%s has serial number 0", v.name(i)), fix
	case s.BitLen() > 159: // DER: a leading 0 octet when the top bit is set
		return fmt.Sprintf("%s has a serial number of %d octets (at most 20 allowed)", v.name(i), serialOctets(s)), fix
	}
	return "", ""
}

func serialOctets(s *big.Int) int { return s.BitLen()/8 + 1 }

// emptyName: an empty issuer, or an empty subject without a critical
// subject alternative name.
func emptyName(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if isEmptyName(c.RawIssuer) {
		return fmt.Sprintf("%s has an empty issuer name", v.name(i)),
			"re-issue it from a CA with a subject name"
	}
	if !isEmptyName(c.RawSubject) {
		return "", ""
	}
	san := extension(c, oidExtSAN)
	switch {
	case c.IsCA:
		return fmt.Sprintf("%s is a CA with an empty subject name", v.name(i)), "re-issue the CA with a subject name"
	case !san.present:
		return fmt.Sprintf("%s has an empty subject name and no subject alternative names: it names nothing", v.name(i)), "re-issue it with a subject name or subject alternative names"
	case !san.critical:
		return fmt.Sprintf("%s has an empty subject name but a non-critical subject alternative name extension (it must be critical then)", v.name(i)), "re-issue it with the subject alternative names marked critical, or with a subject name"
	}
	return "", ""
}

func isEmptyName(der []byte) bool {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	return s.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.Empty()
}

func basicConstraintsNotCritical(v *verifier, i int) (string, string) {
	c := v.chain[i]
	e := extension(c, oidExtBasicConstraint)
	if !c.IsCA || !e.present || e.critical {
		return "", ""
	}
	return fmt.Sprintf("%s is a CA whose basic constraints extension is not critical", v.name(i)),
		"re-issue the CA certificate with critical basic constraints (pkit always marks them critical)"
}

// caKeyUsageMissing: a CA without a key usage extension. (One with key
// usages but not keyCertSign is a key-usage problem of path validation.)
func caKeyUsageMissing(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if !c.IsCA || extension(c, oidExtKeyUsage).present {
		return "", ""
	}
	return fmt.Sprintf("%s is a CA without a key usage extension (it needs keyCertSign)", v.name(i)),
		"re-issue the CA certificate with key usage keyCertSign and cRLSign"
}

// leafIsCA: a CA certificate in the place of an end-entity certificate,
// told from a CA verified on its own (pkit chain verify intermediate.pem)
// by the purpose asked for or by the end-entity names or usages it
// carries.
func leafIsCA(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if i != 0 || len(v.chain) == 1 || !c.IsCA {
		return "", ""
	}
	endEntity := v.o.Purpose != PurposeAny || len(c.DNSNames)+len(c.IPAddresses)+len(c.EmailAddresses)+len(c.URIs) > 0
	for _, u := range c.ExtKeyUsage {
		endEntity = endEntity || u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageClientAuth
	}
	if !endEntity {
		return "", ""
	}
	return fmt.Sprintf("%s is used as an end-entity certificate but is a CA (basic constraints CA:TRUE)", v.name(i)),
		"issue a separate end-entity certificate (pkit issue server|client NAME) rather than serving a CA certificate"
}

func leafCertSign(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if i != 0 || len(v.chain) == 1 || c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return "", ""
	}
	return fmt.Sprintf("%s is not a CA but has the keyCertSign key usage", v.name(i)),
		"re-issue it without keyCertSign (pkit issue server|client NAME)"
}

func pathLenNotCA(v *verifier, i int) (string, string) {
	c := v.chain[i]
	if !c.BasicConstraintsValid || c.IsCA || c.MaxPathLen < 0 {
		return "", ""
	}
	return fmt.Sprintf("%s is not a CA but its basic constraints have a path length (%d)", v.name(i), c.MaxPathLen),
		"re-issue it without a path length constraint (only CAs have one)"
}

func emptySAN(v *verifier, i int) (string, string) {
	e := extension(v.chain[i], oidExtSAN)
	if !e.present || !isEmptyName(e.value) { // an empty SEQUENCE, as an empty name
		return "", ""
	}
	return fmt.Sprintf("%s has an empty subject alternative name extension (it must hold at least one name)", v.name(i)),
		"re-issue it with its names, or without the extension"
}

func policyConstraintsNotCritical(v *verifier, i int) (string, string) {
	e := extension(v.chain[i], oidExtPolicyConstr)
	if !e.present || e.critical {
		return "", ""
	}
	return fmt.Sprintf("%s has a policy constraints extension that is not critical", v.name(i)),
		"re-issue the CA certificate with critical policy constraints"
}

func inhibitAnyNotCritical(v *verifier, i int) (string, string) {
	e := extension(v.chain[i], oidExtInhibitAnyPolicy)
	if !e.present || e.critical {
		return "", ""
	}
	return fmt.Sprintf("%s has an inhibitAnyPolicy extension that is not critical", v.name(i)),
		"re-issue the CA certificate with a critical inhibitAnyPolicy extension"
}

func nameConstraintsForm(v *verifier, i int) (string, string) {
	c := v.chain[i]
	e := extension(c, oidExtNameConstraints)
	switch {
	case !e.present:
		return "", ""
	case !c.IsCA:
		return fmt.Sprintf("%s carries name constraints but is not a CA (they constrain only what a CA issues)", v.name(i)),
			"put the name constraints on the issuing CA instead"
	case !e.critical:
		return fmt.Sprintf("%s has name constraints that are not critical, so clients that do not understand them ignore them", v.name(i)),
			"re-issue the CA with critical name constraints (pkit init --permit-dns marks them critical)"
	}
	return "", ""
}

func badDNSName(v *verifier, i int) (string, string) {
	c := v.chain[i]
	var bad []string
	for _, d := range c.DNSNames {
		if why := dnsSyntax(d); why != "" {
			bad = append(bad, fmt.Sprintf("%q (%s)", d, why))
		}
	}
	if len(bad) == 0 {
		return "", ""
	}
	return fmt.Sprintf("%s has invalid DNS names: %s", v.name(i), strings.Join(bad, ", ")),
		"re-issue it with valid host names: letters, digits and hyphens in non-empty labels, a wildcard only as the whole first label"
}

// dnsSyntax says what is wrong with d as a DNS subject alternative name
// (RFC 5280 4.2.1.6, RFC 1034 3.5 preferred name syntax, with a wildcard
// allowed as the whole leftmost label); "" when nothing.
func dnsSyntax(d string) string {
	switch {
	case d == "":
		return "empty"
	case d == " ":
		return "a space"
	case strings.HasPrefix(d, "."):
		return "leading dot"
	case strings.HasSuffix(d, "."):
		return "trailing dot"
	case len(d) > 253:
		return "longer than 253 characters"
	}
	labels := strings.Split(d, ".")
	for j, l := range labels {
		switch {
		case l == "":
			return "empty label"
		case l == "*" && j == 0 && len(labels) > 1:
			continue
		case strings.Contains(l, "*"):
			return "wildcard not the whole first label"
		case len(l) > 63:
			return "label longer than 63 characters"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "label starts or ends with a hyphen"
		}
		for _, r := range l {
			switch {
			case r == '_':
				return "underscore"
			case !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
				return fmt.Sprintf("character %q", r)
			}
		}
	}
	return ""
}

func publicSuffixWildcard(v *verifier, i int) (string, string) {
	c := v.chain[i]
	var bad []string
	for _, d := range c.DNSNames {
		rest, ok := strings.CutPrefix(strings.ToLower(d), "*.")
		if !ok || dnsSyntax(d) != "" {
			continue
		}
		if ps, icann := publicsuffix.PublicSuffix(rest); icann && ps == rest {
			bad = append(bad, d)
		}
	}
	if len(bad) == 0 {
		return "", ""
	}
	return fmt.Sprintf("%s has wildcards over a public suffix: %s (every domain under it would match)", v.name(i), strings.Join(bad, ", ")),
		"re-issue it for your own domain's names (*.example.com, not *.com)"
}

func rsaModulus(v *verifier, i int) (string, string) {
	k, ok := v.chain[i].PublicKey.(*rsa.PublicKey)
	if !ok || k.N.BitLen()%8 == 0 {
		return "", ""
	}
	return fmt.Sprintf("%s has an RSA modulus of %d bits, not a multiple of 8", v.name(i), k.N.BitLen()),
		"re-issue it with a standard key size (--key-type rsa-3072)"
}

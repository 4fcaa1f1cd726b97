package chaintest

import (
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 DSA is the subject of some cases: RFC 5280 profiles it (RFC 3279) and OpenSSL verifies it
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Case is one case of the differential corpus: a chain written to files,
// the command lines that check it with "pkit chain verify" and "openssl
// verify", the inputs of Go's [x509.Certificate.Verify], and the verdict
// RFC 5280 gives, with the reason.
type Case struct {
	// Name is unique in the corpus; Group is its topic (policy, nc, crl…).
	Name, Group string
	// Dir is the case's folder: leaf.pem (the leaf, or the served chain:
	// leaf first, then its intermediates), roots.pem, and as needed
	// bundle.pem (untrusted intermediates) and crls.pem.
	Dir string
	// Pkit is the argument list of pkit (starting with "chain", "verify").
	Pkit []string
	// OpenSSL is the argument list of openssl (starting with "verify").
	OpenSSL []string
	// Valid is the expected verdict; Reason says why, citing the rule
	// (RFC 5280 section, or where RFC 5280 is silent the validator whose
	// stricter reading pkit follows).
	Valid  bool
	Reason string
	// Pending, when set, says what pkit lacks today for this case: the
	// case is expected to fail until that lands.
	Pending string
	// OpenSSLNote and GoNote say why OpenSSL or Go answer otherwise, where
	// that has been checked.
	OpenSSLNote, GoNote string
	// Go holds the inputs of Go's Certificate.Verify; nil when Go cannot
	// check the case (GoNA says why, e.g. CRLs, which Go does not check).
	Go   *GoInput
	GoNA string
}

// GoInput is what Go's [x509.Certificate.Verify] needs for a case.
type GoInput struct {
	// Leaf is the leaf's DER; it may not parse (a broken input).
	Leaf                 []byte
	Intermediates, Roots []*x509.Certificate
	// Options has no pools; the caller makes them from the fields above.
	Options x509.VerifyOptions
}

// Verify runs Go's verifier on the case: nil means valid.
func (g *GoInput) Verify() error {
	leaf, err := x509.ParseCertificate(g.Leaf)
	if err != nil {
		return err
	}
	o := g.Options
	o.Roots, o.Intermediates = x509.NewCertPool(), x509.NewCertPool()
	for _, c := range g.Roots {
		o.Roots.AddCert(c)
	}
	for _, c := range g.Intermediates {
		o.Intermediates.AddCert(c)
	}
	_, err = leaf.Verify(o)
	return err
}

// Corpus generates the differential corpus into dir (one folder per
// case) and returns its cases.
func Corpus(dir string) ([]Case, error) {
	g, err := newGen(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range []func(){g.basics, g.expiry, g.policies, g.nameConstraints, g.selfIssuedCases, g.partial, g.dnCompare,
		g.crls, g.profile, g.algorithms, g.broken} {
		f()
		if g.err != nil {
			return nil, g.err
		}
	}
	seen := map[string]bool{}
	for i := range g.cases {
		c := &g.cases[i]
		if seen[c.Name] {
			return nil, fmt.Errorf("two cases named %q", c.Name)
		}
		seen[c.Name] = true
		if p, ok := pendingCases[c.Name]; ok {
			c.Pending = p
		}
		if n, ok := caseNotes[c.Name]; ok {
			if n[0] != "" {
				c.OpenSSLNote = n[0]
			}
			if n[1] != "" {
				c.GoNote = n[1]
			}
		}
	}
	for name := range caseNotes {
		if !seen[name] {
			return nil, fmt.Errorf("caseNotes names %q, which is no case", name)
		}
	}
	for name := range pendingCases {
		if !seen[name] {
			return nil, fmt.Errorf("pendingCases names %q, which is no case", name)
		}
	}
	return g.cases, nil
}

// ---- generation state ----

type gen struct {
	dir   string
	err   error
	cases []Case
	n     int64 // serial counter

	leafKey *ecdsa.PrivateKey
	rsaKey  *rsa.PrivateKey
	rsa2052 *rsa.PrivateKey
	dsaKey  *dsa.PrivateKey

	// The default hierarchy: root → inter → leaf (www.example.com,
	// serverAuth and clientAuth).
	root, inter, leaf *Cert
}

func newGen(dir string) (*gen, error) {
	g := &gen{dir: dir}
	var err error
	if g.leafKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if g.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if g.rsa2052, err = rsa.GenerateKey(rand.Reader, 2052); err != nil {
		return nil, err
	}
	g.dsaKey = &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsaParams()}}
	if err = dsa.GenerateKey(g.dsaKey, rand.Reader); err != nil {
		return nil, err
	}
	g.root = g.ca("Corpus Root", nil)
	g.inter = g.ca("Corpus Intermediate", g.root)
	g.leaf = g.ee(g.inter, leafOpts("www.example.com"))
	return g, g.err
}

func (g *gen) fail(err error) {
	if err != nil && g.err == nil {
		g.err = err
	}
}

func ecKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func keyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		// DSA keys: hash the key's parameters and value.
		if k, ok := pub.(*dsa.PublicKey); ok {
			s := sha256.Sum256(append(k.Y.Bytes(), k.P.Bytes()...))
			return s[:20]
		}
		panic(err)
	}
	s := sha256.Sum256(der)
	return s[:20]
}

// opt changes a certificate template.
type opt func(*x509.Certificate)

func (g *gen) serial() *big.Int {
	g.n++
	return big.NewInt(0x1000 + g.n)
}

// tmpl is the default template: valid a year around Base.
func (g *gen) tmpl(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          g.serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Corpus"}},
		NotBefore:             Base.AddDate(-1, 0, 0),
		NotAfter:              Base.AddDate(1, 0, 0),
		BasicConstraintsValid: true,
	}
}

// issue signs t with issuer (nil: self-signed with key) and parses it.
func (g *gen) issue(t *x509.Certificate, key crypto.Signer, issuer *Cert) *Cert {
	if t.SubjectKeyId == nil {
		t.SubjectKeyId = keyID(key.Public())
	} else if len(t.SubjectKeyId) == 0 {
		t.SubjectKeyId = nil
	}
	parent, signer := t, key
	if issuer != nil {
		parent, signer = issuer.Certificate, issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, key.Public(), signer)
	if err != nil {
		g.fail(fmt.Errorf("%s: %w", t.Subject.CommonName, err))
		return &Cert{Certificate: &x509.Certificate{}, Key: key}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		g.fail(fmt.Errorf("%s: %w", t.Subject.CommonName, err))
		return &Cert{Certificate: &x509.Certificate{}, Key: key}
	}
	return &Cert{Certificate: c, Key: key}
}

// ca makes a CA certificate named cn under issuer (nil: a root), with a
// fresh P-256 key.
func (g *gen) ca(cn string, issuer *Cert, opts ...opt) *Cert {
	return g.caKey(cn, ecKey(), issuer, opts...)
}

func (g *gen) caKey(cn string, key crypto.Signer, issuer *Cert, opts ...opt) *Cert {
	t := g.tmpl(cn)
	t.IsCA = true
	t.MaxPathLen = -1
	t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	if issuer == nil {
		t.NotBefore, t.NotAfter = Base.AddDate(-5, 0, 0), Base.AddDate(10, 0, 0)
	} else {
		t.NotBefore, t.NotAfter = Base.AddDate(-2, 0, 0), Base.AddDate(5, 0, 0)
	}
	for _, o := range opts {
		o(t)
	}
	return g.issue(t, key, issuer)
}

// ee makes an end-entity certificate under issuer with the leaf key.
func (g *gen) ee(issuer *Cert, opts ...opt) *Cert {
	return g.eeKey(issuer, g.leafKey, opts...)
}

func (g *gen) eeKey(issuer *Cert, key crypto.Signer, opts ...opt) *Cert {
	t := g.tmpl("leaf")
	t.Subject = pkix.Name{CommonName: "leaf"}
	t.KeyUsage = x509.KeyUsageDigitalSignature
	for _, o := range opts {
		o(t)
	}
	return g.issue(t, key, issuer)
}

// leafOpts: a TLS server and client certificate for the names.
func leafOpts(dns ...string) opt {
	return func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: dns[0]}
		t.DNSNames = dns
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
}

func withDNS(dns ...string) opt {
	return func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: dns[0]}
		t.DNSNames = dns
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
}

func pathLen(n int) opt {
	return func(t *x509.Certificate) { t.MaxPathLen, t.MaxPathLenZero = n, n == 0 }
}

func withExt(oid asn1.ObjectIdentifier, critical bool, value []byte) opt {
	return func(t *x509.Certificate) {
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: oid, Critical: critical, Value: value})
	}
}

func validity(nb, na time.Time) opt {
	return func(t *x509.Certificate) { t.NotBefore, t.NotAfter = nb, na }
}

func subject(cn string) opt {
	return func(t *x509.Certificate) { t.Subject = pkix.Name{CommonName: cn, Organization: []string{"Corpus"}} }
}

func rawSubject(name []byte) opt {
	return func(t *x509.Certificate) { t.RawSubject = name }
}

// selfIssued makes a self-issued certificate of ca (same name, a new key,
// signed by ca's key): a key rollover certificate.
func (g *gen) selfIssued(ca *Cert, opts ...opt) *Cert {
	t := g.tmpl("")
	t.RawSubject = ca.RawSubject
	t.IsCA = true
	t.MaxPathLen = -1
	t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	t.NotBefore, t.NotAfter = Base.AddDate(-1, 0, 0), Base.AddDate(4, 0, 0)
	// Go leaves the authority key identifier out when issuer and subject
	// are the same name; a self-issued certificate needs it.
	t.AuthorityKeyId = ca.SubjectKeyId
	for _, o := range opts {
		o(t)
	}
	return g.issue(t, ecKey(), ca)
}

// ---- ASN.1 helpers ----

func build(f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	out, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	return out
}

func seq(parts ...[]byte) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, p := range parts {
				b.AddBytes(p)
			}
		})
	})
}

func tagged(tag cbasn1.Tag, content []byte) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(content) }) })
}

func derOID(o asn1.ObjectIdentifier) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(o) })
}

func derInt(n int64) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1Int64(n) })
}

func derBigInt(n *big.Int) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1BigInt(n) })
}

func derBool(v bool) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1Boolean(v) })
}

func derOctets(v []byte) []byte { return tagged(cbasn1.OCTET_STRING, v) }

func derBitString(v []byte) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1BitString(v) })
}

func derUTCTime(t time.Time) []byte {
	t = t.UTC()
	if t.Year() >= 2050 {
		return build(func(b *cryptobyte.Builder) { b.AddASN1GeneralizedTime(t) })
	}
	return build(func(b *cryptobyte.Builder) { b.AddASN1UTCTime(t) })
}

// atv is one attribute of a distinguished name, with its string type.
type atv struct {
	oid   asn1.ObjectIdentifier
	tag   cbasn1.Tag
	value string
}

var (
	oidCN      = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO       = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidC       = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidEmailDN = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

	tagPrintable = cbasn1.Tag(19)
	tagUTF8      = cbasn1.Tag(12)
	tagIA5       = cbasn1.Tag(22)
)

func utf8(oid asn1.ObjectIdentifier, v string) atv { return atv{oid, tagUTF8, v} }
func prt(oid asn1.ObjectIdentifier, v string) atv  { return atv{oid, tagPrintable, v} }

// dn encodes a distinguished name, one attribute per RDN, in order.
func dn(attrs ...atv) []byte {
	var rdns [][]byte
	for _, a := range attrs {
		rdns = append(rdns, tagged(cbasn1.SET, seq(derOID(a.oid), tagged(a.tag, []byte(a.value)))))
	}
	return seq(rdns...)
}

// General names (RFC 5280 4.2.1.6), implicitly tagged.
func gnDNS(s string) []byte   { return tagged(cbasn1.Tag(2).ContextSpecific(), []byte(s)) }
func gnEmail(s string) []byte { return tagged(cbasn1.Tag(1).ContextSpecific(), []byte(s)) }
func gnURI(s string) []byte   { return tagged(cbasn1.Tag(6).ContextSpecific(), []byte(s)) }
func gnIP(b []byte) []byte    { return tagged(cbasn1.Tag(7).ContextSpecific(), b) }
func gnDir(name []byte) []byte {
	return tagged(cbasn1.Tag(4).ContextSpecific().Constructed(), name)
}

// ncExt encodes a name constraints extension value.
func ncExt(permitted, excluded [][]byte) []byte {
	var parts [][]byte
	sub := func(tag int, names [][]byte) []byte {
		var trees []byte
		for _, n := range names {
			trees = append(trees, seq(n)...)
		}
		return tagged(cbasn1.Tag(tag).ContextSpecific().Constructed(), trees)
	}
	if len(permitted) > 0 {
		parts = append(parts, sub(0, permitted))
	}
	if len(excluded) > 0 {
		parts = append(parts, sub(1, excluded))
	}
	return seq(parts...)
}

var (
	oidExtNC            = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtSAN           = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtPolicyMapping = asn1.ObjectIdentifier{2, 5, 29, 33}
	oidExtPolicyConstr  = asn1.ObjectIdentifier{2, 5, 29, 36}
	oidExtInhibitAny    = asn1.ObjectIdentifier{2, 5, 29, 54}
	oidExtCRLDP         = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtAKI           = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtSKI           = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtBC            = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKU            = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtEKU           = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtCRLNumber     = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidExtDeltaCRL      = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidExtIDP           = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidExtReason        = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidExtCertIssuer    = asn1.ObjectIdentifier{2, 5, 29, 29}
	oidExtFreshest      = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidExtUnknown       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 9, 1}

	oidSigECDSA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSigRSA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSigDSA256   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 2}
	oidDSA         = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidRSAPSS      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
)

func ncOpt(critical bool, permitted, excluded [][]byte) opt {
	return withExt(oidExtNC, critical, ncExt(permitted, excluded))
}

func sanOpt(critical bool, names ...[]byte) opt {
	var all []byte
	for _, n := range names {
		all = append(all, n...)
	}
	return func(t *x509.Certificate) {
		t.DNSNames, t.EmailAddresses, t.IPAddresses, t.URIs = nil, nil, nil, nil
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: oidExtSAN, Critical: critical, Value: seq(all)})
	}
}

func list(b ...[]byte) [][]byte { return b }

// ---- re-signing: certificates Go will not make ----

// tbsParts are the fields of a TBSCertificate, each as DER.
type tbsParts struct {
	version, serial, sigAlg, issuer, validity, subject, spki []byte
	rest                                                     [][]byte
}

func (p *tbsParts) der() []byte {
	parts := [][]byte{}
	if p.version != nil {
		parts = append(parts, p.version)
	}
	parts = append(parts, p.serial, p.sigAlg, p.issuer, p.validity, p.subject, p.spki)
	return seq(append(parts, p.rest...)...)
}

func splitTBS(certDER []byte) (*tbsParts, error) {
	in := cryptobyte.String(certDER)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("not a certificate")
	}
	var els [][]byte
	for !tbs.Empty() {
		var el cryptobyte.String
		if !tbs.ReadAnyASN1Element(&el, nil) {
			return nil, fmt.Errorf("bad TBS")
		}
		els = append(els, el)
	}
	p := &tbsParts{}
	if els[0][0] == 0xa0 {
		p.version, els = els[0], els[1:]
	}
	p.serial, p.sigAlg, p.issuer, p.validity, p.subject, p.spki, p.rest = els[0], els[1], els[2], els[3], els[4], els[5], els[6:]
	return p, nil
}

// pssSigner signs with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32).
type pssSigner struct{ *rsa.PrivateKey }

var pssParams = seq(
	tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), seq(derOID(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}), []byte{5, 0})),
	tagged(cbasn1.Tag(1).ContextSpecific().Constructed(), seq(derOID(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}),
		seq(derOID(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}), []byte{5, 0}))),
	tagged(cbasn1.Tag(2).ContextSpecific().Constructed(), derInt(32)),
)

// sigAlgFor is the AlgorithmIdentifier of key's signatures.
func sigAlgFor(key any) []byte {
	switch key.(type) {
	case *ecdsa.PrivateKey:
		return seq(derOID(oidSigECDSA256))
	case *rsa.PrivateKey:
		return seq(derOID(oidSigRSA256), []byte{5, 0})
	case pssSigner:
		return seq(derOID(oidRSAPSS), pssParams)
	case *dsa.PrivateKey:
		return seq(derOID(oidSigDSA256))
	}
	panic(fmt.Sprintf("no signature algorithm for %T", key))
}

func signWith(key any, tbs []byte) []byte {
	h := sha256.Sum256(tbs)
	var sig []byte
	var err error
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, k, h[:])
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	case pssSigner:
		sig, err = rsa.SignPSS(rand.Reader, k.PrivateKey, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: 32})
	case *dsa.PrivateKey:
		var r, s *big.Int
		//lint:ignore SA1019 see the import
		r, s, err = dsa.Sign(rand.Reader, k, h[:])
		if err == nil {
			sig = seq(derBigInt(r), derBigInt(s))
		}
	default:
		err = fmt.Errorf("cannot sign with %T", key)
	}
	if err != nil {
		panic(err)
	}
	return sig
}

// resign rewrites a certificate's TBS with edit and signs it with key
// (any of the kinds sigAlgFor knows).
func (g *gen) resign(certDER []byte, key any, edit func(*tbsParts)) []byte {
	p, err := splitTBS(certDER)
	if err != nil {
		g.fail(err)
		return nil
	}
	p.sigAlg = sigAlgFor(key)
	if edit != nil {
		edit(p)
	}
	tbs := p.der()
	return seq(tbs, sigAlgFor(key), derBitString(signWith(key, tbs)))
}

// parsed parses DER made by resign; for certificates Go can parse.
func (g *gen) parsed(der []byte, key crypto.Signer) *Cert {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		g.fail(fmt.Errorf("parsing a re-signed certificate: %w", err))
		return &Cert{Certificate: &x509.Certificate{}, Key: key}
	}
	return &Cert{Certificate: c, Key: key}
}

// dsaSPKI is the SubjectPublicKeyInfo of a DSA key (RFC 3279 2.3.2).
func dsaSPKI(k *dsa.PublicKey) []byte {
	params := seq(derBigInt(k.P), derBigInt(k.Q), derBigInt(k.G))
	return seq(seq(derOID(oidDSA), params), derBitString(derBigInt(k.Y)))
}

// ---- CRLs, hand-encoded for full control ----

type ext struct {
	oid      asn1.ObjectIdentifier
	critical bool
	value    []byte
}

func (e ext) der() []byte {
	parts := [][]byte{derOID(e.oid)}
	if e.critical {
		parts = append(parts, derBool(true))
	}
	return seq(append(parts, derOctets(e.value))...)
}

type crlEntry struct {
	serial *big.Int
	at     time.Time
	reason int // -1: no reason code
	exts   []ext
}

type crlSpec struct {
	issuer *Cert  // whose name and AKI the CRL carries (and key, unless signer is set)
	name   []byte // overrides the issuer's name
	signer any    // overrides the signing key
	aki    []byte // overrides the AKI (nil: the signer certificate's SKI)
	v1     bool
	number int64 // -1: none
	this   time.Time
	next   time.Time // zero: Base+30 days; use noNext to leave out
	noNext bool
	revoke []crlEntry
	exts   []ext
}

func revoked(c *Cert, reason int, exts ...ext) crlEntry {
	return crlEntry{serial: c.SerialNumber, at: Base.AddDate(0, 0, -3), reason: reason, exts: exts}
}

func (g *gen) crl(s crlSpec) []byte {
	this := s.this
	if this.IsZero() {
		this = Base.AddDate(0, 0, -1)
	}
	next := s.next
	if next.IsZero() {
		next = Base.AddDate(0, 0, 30)
	}
	signer := s.signer
	if signer == nil {
		signer = s.issuer.Key
	}
	name := s.name
	if name == nil {
		name = s.issuer.RawSubject
	}
	parts := [][]byte{}
	if !s.v1 {
		parts = append(parts, derInt(1))
	}
	parts = append(parts, sigAlgFor(signer), name, derUTCTime(this))
	if !s.noNext {
		parts = append(parts, derUTCTime(next))
	}
	if len(s.revoke) > 0 {
		var entries [][]byte
		for _, e := range s.revoke {
			ep := [][]byte{derBigInt(e.serial), derUTCTime(e.at)}
			exts := e.exts
			if e.reason >= 0 {
				exts = append([]ext{{oid: oidExtReason, value: tagged(cbasn1.ENUM, []byte{byte(e.reason)})}}, exts...)
			}
			if len(exts) > 0 && !s.v1 {
				var ed [][]byte
				for _, x := range exts {
					ed = append(ed, x.der())
				}
				ep = append(ep, seq(ed...))
			}
			entries = append(entries, seq(ep...))
		}
		parts = append(parts, seq(entries...))
	}
	if !s.v1 {
		var exts [][]byte
		aki := s.aki
		if aki == nil {
			aki = s.issuer.SubjectKeyId
		}
		if len(aki) > 0 {
			exts = append(exts, ext{oid: oidExtAKI, value: seq(tagged(cbasn1.Tag(0).ContextSpecific(), aki))}.der())
		}
		if s.number >= 0 {
			exts = append(exts, ext{oid: oidExtCRLNumber, value: derInt(s.number)}.der())
		}
		for _, x := range s.exts {
			exts = append(exts, x.der())
		}
		if len(exts) > 0 {
			parts = append(parts, tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), seq(exts...)))
		}
	}
	tbs := seq(parts...)
	return seq(tbs, sigAlgFor(signer), derBitString(signWith(signer, tbs)))
}

// idp encodes an issuingDistributionPoint (RFC 5280 5.2.5).
type idpSpec struct {
	uris                       []string
	onlyUser, onlyCA, onlyAttr bool
	reasons                    []byte // onlySomeReasons: the BIT STRING's content (reasonFlags; nil: absent)
	indirect                   bool
}

func (s idpSpec) ext() ext {
	var parts [][]byte
	if len(s.uris) > 0 {
		var names []byte
		for _, u := range s.uris {
			names = append(names, gnURI(u)...)
		}
		parts = append(parts, tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), names)))
	}
	flag := func(tag int) []byte { return tagged(cbasn1.Tag(tag).ContextSpecific(), []byte{0xff}) }
	if s.onlyUser {
		parts = append(parts, flag(1))
	}
	if s.onlyCA {
		parts = append(parts, flag(2))
	}
	if s.reasons != nil {
		parts = append(parts, tagged(cbasn1.Tag(3).ContextSpecific(), s.reasons))
	}
	if s.indirect {
		parts = append(parts, flag(4))
	}
	if s.onlyAttr {
		parts = append(parts, flag(5))
	}
	return ext{oid: oidExtIDP, critical: true, value: seq(parts...)}
}

// crlDP is a certificate's cRLDistributionPoints with one point: URIs
// and, when crlIssuer is set, that name as cRLIssuer.
func crlDP(uris []string, crlIssuer []byte) opt {
	var parts [][]byte
	if len(uris) > 0 {
		var names []byte
		for _, u := range uris {
			names = append(names, gnURI(u)...)
		}
		parts = append(parts, tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), names)))
	}
	if crlIssuer != nil {
		parts = append(parts, tagged(cbasn1.Tag(2).ContextSpecific().Constructed(), gnDir(crlIssuer)))
	}
	return withExt(oidExtCRLDP, false, seq(seq(parts...)))
}

// ---- cases ----

// spec is a case being written.
type spec struct {
	name, group string
	leaf        []byte   // DER of the leaf
	leafFile    []byte   // raw leaf file contents, overriding leaf
	bundle      [][]byte // DER certificates
	bundleFile  []byte   // raw bundle contents, overriding bundle
	roots       [][]byte
	rootsFile   []byte
	crls        [][]byte
	at          time.Time
	subSecond   bool   // pkit gets --at in RFC 3339 with nanoseconds, openssl the next whole second
	served      bool   // leaf.pem is the served chain: the leaf, then the bundle (no --bundle)
	purpose     string // server or client
	host        string
	pkit, ossl  []string // extra flags
	lenient     bool     // pkit --lenient, openssl without -x509_strict
	policyCheck bool     // openssl -policy_check
	valid       bool
	reason      string
	osslNote    string
	goNote      string
	goNA        string
	goPolicies  []x509.OID
	noGo        bool
}

func ders(cs ...*Cert) [][]byte {
	out := make([][]byte, len(cs))
	for i, c := range cs {
		out[i] = c.Raw
	}
	return out
}

func pemCerts(ds [][]byte) []byte {
	var b []byte
	for _, d := range ds {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return b
}

// add writes s's files and records the case.
func (g *gen) add(s spec) {
	if g.err != nil {
		return
	}
	dir := filepath.Join(g.dir, fmt.Sprintf("%03d-%s", len(g.cases), s.name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		g.fail(err)
		return
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		g.fail(os.WriteFile(p, data, 0o644))
		return p
	}
	at := s.at
	if at.IsZero() {
		at = Base
	}
	leafData := s.leafFile
	if leafData == nil {
		leafData = pemCerts([][]byte{s.leaf})
	}
	if s.served {
		// The chain file as a server sends it: leaf, then the bundle.
		leafData = pemCerts(append([][]byte{s.leaf}, s.bundle...))
	}
	leaf := write("leaf.pem", leafData)
	rootsData := s.rootsFile
	if rootsData == nil {
		rootsData = pemCerts(s.roots)
	}
	roots := write("roots.pem", rootsData)
	unix := strconv.FormatInt(at.Unix(), 10)
	c := Case{Name: s.name, Group: s.group, Dir: dir, Valid: s.valid, Reason: s.reason, OpenSSLNote: s.osslNote, GoNote: s.goNote, GoNA: s.goNA}
	pkitAt := "@" + unix
	if s.subSecond {
		pkitAt = at.UTC().Format(time.RFC3339Nano)
		if at.Nanosecond() != 0 {
			unix = strconv.FormatInt(at.Unix()+1, 10)
		}
	}
	c.Pkit = []string{"chain", "verify", leaf, "--roots", roots, "--at", pkitAt}
	c.OpenSSL = []string{"verify", "-no-CApath", "-no-CAstore", "-CAfile", roots, "-attime", unix}
	if !s.lenient {
		c.OpenSSL = append(c.OpenSSL, "-x509_strict")
	} else {
		c.Pkit = append(c.Pkit, "--lenient")
	}
	if s.served {
		c.OpenSSL = append(c.OpenSSL, "-untrusted", leaf)
	} else if s.bundle != nil || s.bundleFile != nil {
		data := s.bundleFile
		if data == nil {
			data = pemCerts(s.bundle)
		}
		b := write("bundle.pem", data)
		c.Pkit = append(c.Pkit, "--bundle", b)
		c.OpenSSL = append(c.OpenSSL, "-untrusted", b)
	}
	if s.purpose != "" {
		c.Pkit = append(c.Pkit, "--purpose", s.purpose)
		c.OpenSSL = append(c.OpenSSL, "-purpose", "ssl"+s.purpose)
	}
	if s.host != "" {
		c.Pkit = append(c.Pkit, "--host", s.host)
		if strings.ContainsAny(s.host, ":") || strings.Trim(s.host, "0123456789.") == "" {
			c.OpenSSL = append(c.OpenSSL, "-verify_ip", s.host)
		} else {
			c.OpenSSL = append(c.OpenSSL, "-verify_hostname", s.host)
		}
	}
	if len(s.crls) > 0 {
		var b []byte
		for _, d := range s.crls {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: d})...)
		}
		f := write("crls.pem", b)
		c.Pkit = append(c.Pkit, "--crl", f)
		c.OpenSSL = append(c.OpenSSL, "-crl_check_all", "-extended_crl", "-use_deltas", "-CRLfile", f)
		if c.GoNA == "" {
			c.GoNA = "Go checks no CRLs"
		}
	}
	if s.policyCheck {
		c.OpenSSL = append(c.OpenSSL, "-policy_check")
	}
	c.Pkit = append(c.Pkit, s.pkit...)
	c.OpenSSL = append(c.OpenSSL, s.ossl...)
	c.OpenSSL = append(c.OpenSSL, leaf)
	if c.GoNA == "" && !s.noGo && s.leafFile == nil && s.bundleFile == nil && s.rootsFile == nil {
		in := &GoInput{Leaf: s.leaf}
		for _, d := range s.bundle {
			if x, err := x509.ParseCertificate(d); err == nil {
				in.Intermediates = append(in.Intermediates, x)
			}
		}
		for _, d := range s.roots {
			if x, err := x509.ParseCertificate(d); err == nil {
				in.Roots = append(in.Roots, x)
			}
		}
		in.Options = x509.VerifyOptions{CurrentTime: at, DNSName: s.host, CertificatePolicies: s.goPolicies}
		switch s.purpose {
		case "server":
			in.Options.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		case "client":
			in.Options.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		default:
			in.Options.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
		}
		c.Go = in
	} else if c.GoNA == "" {
		c.GoNA = "the input files are not plain certificates"
	}
	g.cases = append(g.cases, c)
}

// chain3 is the usual case: leaf under inter under root, the
// intermediate in the bundle.
func (g *gen) chain3(leaf, inter, root *Cert) spec {
	return spec{leaf: leaf.Raw, bundle: ders(inter), roots: ders(root)}
}

func (s spec) with(f func(*spec)) spec { f(&s); return s }

// editExts rewrites the extensions of the TBS: f gets each extension's
// DER and returns the new list.
func (p *tbsParts) editExts(f func(exts [][]byte) [][]byte) {
	for i, r := range p.rest {
		if r[0] != 0xa3 {
			continue
		}
		in := cryptobyte.String(r)
		var outer, list cryptobyte.String
		if !in.ReadASN1(&outer, cbasn1.Tag(3).ContextSpecific().Constructed()) || !outer.ReadASN1(&list, cbasn1.SEQUENCE) {
			panic("bad extensions")
		}
		var exts [][]byte
		for !list.Empty() {
			var e cryptobyte.String
			if !list.ReadASN1Element(&e, cbasn1.SEQUENCE) {
				panic("bad extension")
			}
			exts = append(exts, e)
		}
		p.rest[i] = tagged(cbasn1.Tag(3).ContextSpecific().Constructed(), seq(f(exts)...))
	}
}

// extOID is the OID of an extension's DER.
func extOID(e []byte) asn1.ObjectIdentifier {
	s := cryptobyte.String(e)
	var inner cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.ReadASN1ObjectIdentifier(&oid) {
		panic("bad extension")
	}
	return oid
}

// dropExt removes the extensions with the OID.
func dropExt(oid asn1.ObjectIdentifier) func(*tbsParts) {
	return func(p *tbsParts) {
		p.editExts(func(exts [][]byte) [][]byte {
			var out [][]byte
			for _, e := range exts {
				if !extOID(e).Equal(oid) {
					out = append(out, e)
				}
			}
			return out
		})
	}
}

// dsaParams are fixed DSA domain parameters (L=2048, N=256), generated
// once with dsa.GenerateParameters: generating them takes seconds, a key
// for them microseconds.
func dsaParams() dsa.Parameters {
	hex := func(s string) *big.Int {
		n, ok := new(big.Int).SetString(s, 16)
		if !ok {
			panic("bad DSA parameter")
		}
		return n
	}
	return dsa.Parameters{
		P: hex("b67b7f8388fb474bdb5a6d2fab2797cc2351532a880763a2866e00522754c3a4" +
			"6b708a76d1c42b66f2dd361c88aed4fee47aa3271b25691020f5b9ad5a649771" +
			"a12b0c4fbc97ad4bdf6af4e0649dfc665455c3da3783f36e4e45d99d46c568cf" +
			"51b0508df95e2cc241e5f25ee62dc6b9733e17aba388275a46aa815ebe123953" +
			"74f010266a4128cf8d6e9dd59baa486d0674bbe917898dd17facbb2a9d79ed14" +
			"096174caf36afa782734ce1b563f4b36fc684ccf0efe4802cfdc97738772c798" +
			"85c2457cc4346b3ab192d6318fc42be87e4bf4ed269db1d46c43d82b9391fbf5" +
			"a8c959b66f4d6ab8db424fb2f7c27325a0b0656743f585e079deabf61a8e880f"),
		Q: hex("ca3a3b6a92be397328d64b0813b9aee3ab5023c5bff24f227cac51a17d764de5"),
		G: hex("a6cb566e1417f6d5ba88c4ccb4d40fc330ec676446497991dcaa06d990312b71" +
			"e862df44e2852f1d4937bb23eecefaaed5daf0d7cab6c7b39fe0ae05d9140a6d" +
			"c541a5669ebced83cfc77707155eae976de0624647e364efc77378a0fbd5eecb" +
			"127ca128da89734dd5ef1a92d32fa87c2cf49d95a4dcfdf5e5518e75a2f39af7" +
			"efb0fd67f4b0a6a657516620a4481de2e950f6d17c6b02524056a40f45f55253" +
			"808138d480052be078d46e4ac33b4066d20186b13c08c2a4475d13920b857c83" +
			"f3526431c27c5c1bca09ff9f6a7516ead55dcbd44a8ce4d718218107f7d523ec" +
			"d91885f3b065748be99e027936a039941106c384e0c1fbc40648fe9f94bd9177"),
	}
}

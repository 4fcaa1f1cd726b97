package chain

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
)

// Purpose is what the leaf certificate must be good for.
type Purpose int

// The purposes [Verify] checks. PurposeAny checks no extended key usage.
const (
	PurposeAny Purpose = iota
	PurposeServer
	PurposeClient
)

// ParsePurpose parses "server", "client" or "any" ("" is any).
func ParsePurpose(s string) (Purpose, error) {
	switch strings.ToLower(s) {
	case "", "any":
		return PurposeAny, nil
	case "server", "serverauth", "sslserver":
		return PurposeServer, nil
	case "client", "clientauth", "sslclient":
		return PurposeClient, nil
	}
	return 0, fmt.Errorf("unknown purpose %q (valid: server, client, any)", s)
}

func (p Purpose) String() string {
	switch p {
	case PurposeServer:
		return "server"
	case PurposeClient:
		return "client"
	}
	return "any"
}

func (p Purpose) eku() (x509.ExtKeyUsage, string) {
	if p == PurposeClient {
		return x509.ExtKeyUsageClientAuth, "clientAuth"
	}
	return x509.ExtKeyUsageServerAuth, "serverAuth"
}

// Kind names a kind of problem [Verify] finds. The values are stable and
// appear in JSON output.
type Kind string

// The kinds of problems, in the order they are reported for one
// certificate.
const (
	UnknownAuthority    Kind = "unknown-authority"
	MissingIntermediate Kind = "missing-intermediate"
	BadSignature        Kind = "bad-signature"
	OutOfOrder          Kind = "out-of-order"
	Expired             Kind = "expired"
	NotYetValid         Kind = "not-yet-valid"
	NotCA               Kind = "not-a-ca"
	KeyUsage            Kind = "key-usage"
	WrongEKU            Kind = "wrong-eku"
	PathLen             Kind = "path-length"
	NameConstraints     Kind = "name-constraints"
	HostMismatch        Kind = "host-mismatch"
	Revoked             Kind = "revoked"
	RevocationUnknown   Kind = "revocation-unknown"
	WeakSignature       Kind = "weak-signature"
	WeakKey             Kind = "weak-key"
	UnhandledCritical   Kind = "unhandled-critical-extension"
	KeyMismatch         Kind = "key-mismatch"
	// ChainTooLong: more intermediates than [VerifyOptions.MaxDepth]
	// allows.
	ChainTooLong Kind = "chain-too-long"
	// InvalidCertificate: a certificate that does not parse (valid DER,
	// but an invalid key or field); reported by callers that read
	// certificates, such as pkit chain verify, since Verify takes parsed
	// ones.
	InvalidCertificate Kind = "invalid-certificate"
	// NameForm: a certificate's issuer name equals its issuer's subject
	// by RFC 5280 7.1 but is written otherwise (case, spaces, string
	// types), so validators that compare names more literally do not
	// find the issuer. A warning: the path is valid.
	NameForm Kind = "issuer-name-form"
)

// Problem is one thing wrong with a chain: what, which certificate, and
// what to do about it.
type Problem struct {
	Kind Kind
	// Index is the certificate's position in [Result.Chain] (0 is the
	// leaf), or -1 when the problem is about the chain as a whole.
	Index int
	// Cert is the certificate concerned (nil when Index is -1).
	Cert *x509.Certificate
	// Detail says what is wrong, naming the certificate.
	Detail string
	// Fix says what to do about it.
	Fix string
	// Rule names the rule broken, such as "RFC 5280 4.2.1.9"; empty when
	// the problem breaks no written rule (an untrusted root, say).
	Rule string
	// Warning is true for a profile-only problem reported under
	// [VerifyOptions.Lenient]: it does not make the chain invalid.
	Warning bool
	// Refused names the consumers known to refuse a chain with this
	// problem ("OpenSSL", "Go", "browsers"); empty when not known.
	Refused []string
}

func (p Problem) String() string { return p.Detail }

// VerifyOptions configures [Verify]. The zero value verifies at the current
// time, for any purpose, with no host name, no revocation checking, and
// no trusted roots (so every chain ends in an unknown authority).
type VerifyOptions struct {
	// Roots are the trust anchors.
	Roots []*x509.Certificate
	// Intermediates are untrusted certificates that may complete the path.
	Intermediates []*x509.Certificate
	// Served, when it holds more than one certificate, is the chain file
	// as given (leaf first), checked for order and strays.
	Served []*x509.Certificate
	// At is the time of the check; zero means time.Now().
	At time.Time
	// Purpose is checked on the leaf and every CA that carries extended key
	// usages.
	Purpose Purpose
	// Host, when set, is a DNS name or IP address the leaf must be valid
	// for (subject alternative names only; the common name is ignored).
	Host string
	// CheckRevocation checks every certificate but the root against CRLs:
	// each must be covered by a fresh, correctly signed CRL of its issuer.
	CheckRevocation bool
	// CRLs are the revocation lists for CheckRevocation.
	CRLs []*x509.RevocationList
	// Key, when set, is the public key of the private key served with the
	// leaf; it must match the leaf's.
	Key crypto.PublicKey
	// MinRSABits is the smallest acceptable RSA modulus; zero means 2048.
	MinRSABits int
	// ReasonName turns an RFC 5280 reason code into a name for messages;
	// nil prints the number.
	ReasonName func(int) string
	// Policy holds the certificate-policy inputs of RFC 5280 section
	// 6.1.1; the zero value accepts any policy and requires none.
	Policy PolicyOptions
	// PartialChain makes every certificate in Roots a trust anchor, as
	// openssl verify -partial_chain (X509_V_FLAG_PARTIAL_CHAIN) does: the
	// path may end at an intermediate given there. Without it only the
	// self-signed certificates of Roots are anchors, as in OpenSSL, nginx
	// and HAProxy by default; the others only help build the path
	// (untrusted), and a path that ends at one of them is reported with
	// what those servers do with it.
	PartialChain bool
	// MaxDepth, when positive, is the largest number of intermediate
	// certificates allowed between the leaf and the trust anchor (neither
	// counted), as openssl verify -verify_depth; a longer path is a
	// [ChainTooLong] problem. MaxDepthZero with MaxDepth 0 allows none
	// (the leaf issued by the anchor itself); zero alone means no limit.
	MaxDepth     int
	MaxDepthZero bool
	// Lenient reports profile-only problems (rules of RFC 5280's
	// certificate profile that path validation does not need) as
	// warnings that leave the chain valid.
	Lenient bool
}

// Result is the answer of [Verify].
type Result struct {
	// Chain is the path checked, leaf first, up to the root or as far as
	// issuers were found.
	Chain []*x509.Certificate
	// Trusted is true when Chain ends at one of the roots.
	Trusted bool
	// Path is the underlying result of [Build].
	Path *Path
	// Problems lists every problem found; the chain is valid when it is
	// empty.
	Problems []Problem
	// At is the time of the check.
	At time.Time
	// Policies is the user-constrained policy set of RFC 5280 section
	// 6.1.5 (g): the certificate policies the path is valid for, among
	// [VerifyOptions.Policy]'s Initial (anyPolicy, 2.5.29.32.0, when the
	// CAs allow any). Empty when no policy is valid for the path.
	Policies []x509.OID
}

// Valid reports whether no problem was found, warnings aside.
func (r *Result) Valid() bool {
	for _, p := range r.Problems {
		if !p.Warning {
			return false
		}
	}
	return true
}

// Verify builds the path from leaf through the intermediates to a root and
// checks it, collecting every problem: validity at At, CA flags and key
// usage, extended key usage for the purpose along the path, path-length
// and name constraints, the host name, revocation, weak signatures and
// keys, unhandled critical extensions, the served key and the served
// order. The error is non-nil only for a nil leaf.
func Verify(leaf *x509.Certificate, o VerifyOptions) (*Result, error) {
	if leaf == nil {
		return nil, ErrNoCertificates
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	// Trust anchors: without PartialChain, only the self-signed roots.
	// The others help build the path but are not trusted.
	var notAnchors []*x509.Certificate
	o.Roots, notAnchors = TrustAnchors(o.Roots, o.PartialChain)
	pool := append(append(append([]*x509.Certificate(nil), o.Intermediates...), notAnchors...), o.Served...)
	path, err := Build(pool, BuildOptions{Leaf: leaf, Roots: o.Roots, At: at})
	if err != nil {
		return nil, err
	}
	v := &verifier{o: o, at: at, chain: path.Certs, notAnchors: notAnchors}
	r := &Result{Chain: path.Certs, Trusted: path.Trusted, Path: path, At: at}
	v.anchor(path)
	v.order(path)
	for i := range v.chain {
		v.checkCert(i)
	}
	v.depth(path)
	v.nameForms()
	v.policies()
	v.profile()
	if o.Host != "" {
		v.host()
	}
	if o.CheckRevocation {
		v.revocation()
	}
	if o.Key != nil {
		type eq interface{ Equal(crypto.PublicKey) bool }
		if k, ok := o.Key.(eq); !ok || !k.Equal(leaf.PublicKey) {
			v.add(KeyMismatch, 0, "the private key does not belong to %s", "serve the key the certificate was issued for (pkit match CERT KEY finds the pair), or re-issue the certificate for this key", v.name(0))
		}
	}
	// One certificate's problems together, leaf first; problems of the
	// chain file as a whole before them.
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Index < v.problems[j].Index })
	r.Problems = v.problems
	r.Policies = v.validPolicies
	return r, nil
}

type verifier struct {
	o        VerifyOptions
	at       time.Time
	chain    []*x509.Certificate
	problems []Problem
	// validPolicies is the result of policies.
	validPolicies []x509.OID
	// notAnchors are the certificates given as roots that are not trust
	// anchors (not self-signed, and no PartialChain).
	notAnchors []*x509.Certificate
	// si caches selfIssued, ss selfSigned: 0 unknown, 1 yes, -1 no.
	si, ss []int8
}

// selfIssued reports whether certificate i of the path is self-issued
// (subject and issuer the same name under RFC 5280 7.1). A self-issued
// intermediate does not count against path-length constraints (6.1.4
// (l)) and is not checked against name constraints (6.1.3 (b)).
func (v *verifier) selfIssued(i int) bool {
	if v.si == nil {
		v.si = make([]int8, len(v.chain))
	}
	if v.si[i] == 0 {
		v.si[i] = -1
		if formats.SelfIssued(v.chain[i]) {
			v.si[i] = 1
		}
	}
	return v.si[i] > 0
}

func (v *verifier) add(k Kind, i int, detail, fix string, args ...any) {
	p := Problem{Kind: k, Index: i, Detail: fmt.Sprintf(detail, args...), Fix: fix}
	if i >= 0 {
		p.Cert = v.chain[i]
	}
	v.problems = append(v.problems, p)
}

// TrustAnchors splits the certificates given as trusted roots into trust
// anchors and the rest, as OpenSSL, nginx and HAProxy do: only a
// self-signed (self-issued, by names and key identifiers) certificate is
// an anchor, unless partial (openssl -partial_chain) makes every one an
// anchor. The others may still serve as untrusted intermediates.
func TrustAnchors(roots []*x509.Certificate, partial bool) (anchors, others []*x509.Certificate) {
	if partial {
		return roots, nil
	}
	for _, c := range roots {
		if formats.NamesIssuer(c, c) {
			anchors = append(anchors, c)
		} else {
			others = append(others, c)
		}
	}
	return anchors, others
}

// nameForms warns, for each link of the path, when the issuer name is
// the same as its issuer's subject only by RFC 5280 7.1's comparison:
// Go's crypto/x509 compares the bytes, OpenSSL (so nginx and HAProxy)
// folds ASCII case and spaces but not other letters.
func (v *verifier) nameForms() {
	for i := 0; i+1 < len(v.chain); i++ {
		c, p := v.chain[i], v.chain[i+1]
		if bytes.Equal(c.RawIssuer, p.RawSubject) {
			continue
		}
		refused := []string{"Go"}
		if !formats.SameNameOpenSSL(c.RawIssuer, p.RawSubject) {
			refused = append(refused, "OpenSSL", "nginx", "HAProxy")
		}
		v.addRule(NameForm, i, "RFC 5280 7.1", refused, "the issuer name of %s is written otherwise than the subject of %s (same name by RFC 5280 7.1, but %s will not find the issuer)",
			"re-issue the certificate with its issuer's subject name copied byte for byte (pkit always does)", v.name(i), v.name(i+1), strings.Join(refused, ", "))
		v.problems[len(v.problems)-1].Warning = true
	}
}

// name describes certificate i of the chain: its role and subject.
func (v *verifier) name(i int) string {
	return Describe(v.chain[i], i, len(v.chain))
}

// Describe names the certificate at position i of an n-certificate chain:
// "leaf", "intermediate" or "root", then its subject in quotes.
func Describe(c *x509.Certificate, i, n int) string {
	role := "intermediate"
	switch {
	case i == 0:
		role = "leaf"
	case i == n-1 && formats.SelfIssued(c):
		role = "root"
	}
	return fmt.Sprintf("%s %q", role, c.Subject.String())
}

func when(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The servers that refuse a chain ending at an intermediate given as a
// root (no self-signed root behind it).
var partialChainRefusers = []string{"OpenSSL", "nginx", "HAProxy"}

// anchor reports why the path does not reach a trusted root.
func (v *verifier) anchor(p *Path) {
	n := len(v.chain)
	top := v.chain[n-1]
	if p.Trusted {
		v.trustStoreOnly()
		return
	}
	for i, c := range v.chain {
		if !v.isNotAnchor(c) {
			continue
		}
		// The path reaches a certificate given as a root that is not
		// self-signed: valid only with --partial-chain.
		detail := fmt.Sprintf("%s is given as a trusted root but is not self-signed, so it is not a trust anchor: OpenSSL, nginx and HAProxy trust only self-signed roots and refuse this chain (openssl: \"unable to get issuer certificate\"; nginx: \"client SSL certificate verify error: (2:unable to get issuer certificate)\", or with ssl_crl \"(3:unable to get certificate CRL)\"; HAProxy: the \"unknown ca\" alert)", Describe(c, i, n))
		if !p.Complete {
			detail += fmt.Sprintf("; its issuer, %q, is not given", p.Missing.Subject.String())
		}
		root := "the self-signed root"
		if p.Complete && i < n-1 {
			root = "the self-signed root " + strconv.Quote(v.chain[n-1].Subject.String())
		} else if !p.Complete && i == n-1 {
			root = fmt.Sprintf("the self-signed root (add %q, the issuer of %q, and any CA above it up to the root)", p.Missing.Subject.String(), c.Subject.String())
		}
		fix := fmt.Sprintf("put the root in the roots file: the file behind nginx ssl_client_certificate or HAProxy ca-file must end with %s, after the intermediate (or hold the root alone, with the clients sending their intermediate along with their certificate); to trust the intermediate itself, as openssl verify -partial_chain does, pass --partial-chain", root)
		v.addRule(UnknownAuthority, i, "", partialChainRefusers, "%s", fix, detail)
		return
	}
	if p.Complete {
		v.addRule(UnknownAuthority, n-1, "", nil, "%s is not a trusted root", "if it is your CA's root, trust it with --roots FILE (or --dir DIR); if not, the chain was issued by another CA", v.name(n-1))
		return
	}
	if bad := p.g.badIssuer(p.top); bad != nil && !p.Truncated {
		v.addRule(BadSignature, n-1, "RFC 5280 6.1.3 (a)(1)", nil, "the signature of %s does not verify with the key of its issuer %q", "the certificate was changed or signed by another key: re-issue it from the right CA", v.name(n-1), bad.Subject.String())
		return
	}
	m := p.Missing
	detail := fmt.Sprintf("missing intermediate: the issuer of %s, subject %q", v.name(n-1), m.Subject.String())
	if len(m.KeyID) > 0 {
		detail += ", key id " + formats.KeyIDHex(m.KeyID)
	}
	if m.Loop {
		detail += " (the certificates found sign each other in a loop)"
	}
	if b := p.g.bySubject[p.top.issuerKey]; b != nil && !m.Loop {
		for _, c := range b.all {
			if c != p.top && !bytes.Equal(c.pc.SubjectKeyId, top.AuthorityKeyId) {
				detail += fmt.Sprintf("; a certificate with that name is present but its key id is %s, so it is another CA's", formats.KeyIDHex(c.pc.SubjectKeyId))
				break
			}
		}
	}
	if p.Truncated {
		detail += fmt.Sprintf("; the search stopped after %d signature checks (the input holds too many candidate issuers of one name and key id)", p.SignatureChecks)
	}
	v.addRule(MissingIntermediate, n-1, "", nil, "%s", "add the issuer's certificate with --bundle FILE; if it is a root, trust it with --roots FILE", detail)
}

// trustStoreOnly reports a trusted path that OpenSSL (so nginx and
// HAProxy) cannot build: it looks for issuers among the trusted
// certificates first, and once it has taken one from there (an
// intermediate given as a root) it looks for the issuers above it only
// there. A path that goes on through an untrusted certificate is refused
// ("unable to get issuer certificate") although RFC 5280 accepts it.
func (v *verifier) trustStoreOnly() {
	n := len(v.chain)
	for i, c := range v.chain {
		if !v.isNotAnchor(c) {
			continue
		}
		for j := i + 1; j < n; j++ {
			if v.isNotAnchor(v.chain[j]) || v.inRoots(v.chain[j]) {
				continue
			}
			v.addRule(UnknownAuthority, i, "", partialChainRefusers,
				"%s is among the trusted roots but its issuer %q is not: OpenSSL, nginx and HAProxy take %q from the trusted certificates and then look for its issuers only there, so they refuse this chain (\"unable to get issuer certificate\"; HAProxy: \"unknown ca\")",
				fmt.Sprintf("add %q and every CA above it up to the self-signed root to the roots file (the file behind nginx ssl_client_certificate or HAProxy ca-file), or remove %q from it", v.chain[j].Subject.String(), c.Subject.String()),
				Describe(c, i, n), v.chain[j].Subject.String(), c.Subject.String())
			return
		}
		return
	}
}

// inRoots reports whether c is one of the trust anchors.
func (v *verifier) inRoots(c *x509.Certificate) bool {
	for _, r := range v.o.Roots {
		if bytes.Equal(r.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// isNotAnchor reports whether c was given as a root but is not a trust
// anchor.
func (v *verifier) isNotAnchor(c *x509.Certificate) bool {
	for _, r := range v.notAnchors {
		if bytes.Equal(r.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// depth checks the number of intermediates against MaxDepth.
func (v *verifier) depth(p *Path) {
	if v.o.MaxDepth <= 0 && !v.o.MaxDepthZero {
		return
	}
	limit := max(v.o.MaxDepth, 0)
	n := len(v.chain)
	inter := n - 1 // below the top
	if p.Complete {
		inter = n - 2 // the anchor (or root) does not count
	}
	if inter <= limit || n < 2 {
		return
	}
	v.addRule(ChainTooLong, -1, "", nil, "the chain has %d intermediate certificate(s) between the leaf and the root, more than the %d allowed (--max-depth, openssl -verify_depth)",
		"issue the leaf from a CA nearer the root, or allow a larger depth", inter, limit)
}

// order checks the served chain file: leaf first, then each issuer, with
// no strays.
func (v *verifier) order(p *Path) {
	s := v.o.Served
	if len(s) < 2 {
		return
	}
	want := p.Chain()
	ok := len(s) == len(want) || (len(s) == len(want)+1 && len(p.Certs) == len(want)+1)
	for i := 0; ok && i < len(s); i++ {
		ok = bytes.Equal(s[i].Raw, p.Certs[i].Raw)
	}
	if ok {
		return
	}
	var names []string
	for i := range want {
		names = append(names, fmt.Sprintf("%d. %q", i+1, want[i].Subject.String()))
	}
	onPath := map[string]bool{}
	for _, c := range p.Certs {
		onPath[string(c.Raw)] = true
	}
	var strays []string
	for _, c := range s {
		if !onPath[string(c.Raw)] {
			strays = append(strays, strconv.Quote(c.Subject.String()))
		}
	}
	fix := "rewrite it leaf first, each certificate followed by its issuer: pkit chain build FILE -o chain.pem"
	if len(strays) == 0 && inOrder(s, p.Certs) {
		// In order but incomplete: the path was completed from elsewhere
		// (--bundle, a CA directory), which the file's readers lack.
		served := map[string]bool{}
		for _, c := range s {
			served[string(c.Raw)] = true
		}
		var lacks []string
		for _, c := range want {
			if !served[string(c.Raw)] {
				lacks = append(lacks, strconv.Quote(c.Subject.String()))
			}
		}
		if len(lacks) > 0 {
			v.add(MissingIntermediate, -1, "the chain file lacks %s, which whoever reads it needs; the right chain is: %s",
				"add the missing certificates in order: pkit chain build FILE -o chain.pem", strings.Join(lacks, ", "), strings.Join(names, ", "))
			return
		}
	}
	if len(strays) > 0 {
		v.add(OutOfOrder, -1, "the chain file holds %d certificate(s) that are not on the path (%s); the right chain is: %s",
			fix, len(strays), strings.Join(strays, ", "), strings.Join(names, ", "))
		return
	}
	v.add(OutOfOrder, -1, "the chain file is out of order; the right order is: %s", fix, strings.Join(names, ", "))
}

// inOrder reports whether every certificate of s appears in path, in the
// same order.
func inOrder(s, path []*x509.Certificate) bool {
	j := 0
	for _, c := range s {
		for j < len(path) && !bytes.Equal(path[j].Raw, c.Raw) {
			j++
		}
		if j == len(path) {
			return false
		}
		j++
	}
	return true
}

var weakAlgs = map[x509.SignatureAlgorithm]bool{
	x509.MD2WithRSA: true, x509.MD5WithRSA: true, x509.SHA1WithRSA: true,
	x509.DSAWithSHA1: true, x509.ECDSAWithSHA1: true,
}

func (v *verifier) checkCert(i int) {
	c := v.chain[i]
	n := len(v.chain)
	top := i == n-1
	// Validity at full precision: a certificate is valid from notBefore
	// through notAfter inclusive (RFC 5280 4.1.2.5).
	if v.at.After(c.NotAfter) {
		v.addRule(Expired, i, "RFC 5280 6.1.3 (a)(2)", nil, "%s expired %s (checked at %s)", fixRenew(i, n), v.name(i), when(c.NotAfter), when(v.at))
	}
	if v.at.Before(c.NotBefore) {
		v.addRule(NotYetValid, i, "RFC 5280 6.1.3 (a)(2)", nil, "%s is not valid until %s (checked at %s)", "wait, or check the clock of the machine that issued it (and this one)", v.name(i), when(c.NotBefore), when(v.at))
	}
	if i > 0 {
		if !IsCA(c) {
			v.addRule(NotCA, i, "RFC 5280 6.1.4 (k)", nil, "%s issued %q but is not a CA certificate (no basic constraints CA:TRUE)", "issue the intermediate as a CA certificate", v.name(i), v.chain[i-1].Subject.String())
		} else if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
			v.addRule(KeyUsage, i, "RFC 5280 6.1.4 (n)", nil, "%s lacks the keyCertSign key usage, so it may not issue certificates", "re-issue the CA certificate with keyCertSign", v.name(i))
		}
		// Path length: the intermediates below this CA that are not
		// self-issued (RFC 5280 6.1.4 (l)); like OpenSSL, the anchor's
		// own constraint counts too.
		if c.BasicConstraintsValid && c.MaxPathLen >= 0 {
			below := 0
			for j := 1; j < i; j++ {
				if !v.selfIssued(j) {
					below++
				}
			}
			if below > c.MaxPathLen {
				extra := ""
				if below != i-1 {
					extra = fmt.Sprintf(" (%d self-issued not counted)", i-1-below)
				}
				v.addRule(PathLen, i, "RFC 5280 6.1.4 (l) (m)", nil, "path length exceeded: %s allows %d intermediate CA(s) below it (pathlen:%d), the chain has %d%s", "issue the leaf from a CA higher up, or re-issue the CA with a larger --pathlen", v.name(i), c.MaxPathLen, c.MaxPathLen, below, extra)
			}
		}
		// Name constraints of CA i apply to the certificates below it;
		// self-issued intermediates among them are exempt (RFC 5280
		// 6.1.3 (b)), which nameConstraints (constraints.go) applies.
		v.nameConstraints(i)
	}
	v.purpose(i)
	if !top && weakAlgs[c.SignatureAlgorithm] {
		v.add(WeakSignature, i, "%s is signed with %s, which is broken", "re-issue it with a SHA-256 (or better) signature", v.name(i), c.SignatureAlgorithm)
	}
	minBits := v.o.MinRSABits
	if minBits == 0 {
		minBits = 2048
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minBits {
			v.add(WeakKey, i, "%s has a %d-bit RSA key (at least %d needed)", "re-issue it with a stronger key (--key-type ecdsa-p256 or rsa-3072)", v.name(i), k.N.BitLen(), minBits)
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			v.add(WeakKey, i, "%s has a %d-bit EC key", "re-issue it with P-256 or better", v.name(i), k.Curve.Params().BitSize)
		}
	}
	var ids []string
	for _, o := range c.UnhandledCriticalExtensions {
		if !handledCritical(c, o) { // name constraints with directoryName: constraints.go
			ids = append(ids, o.String())
		}
	}
	if len(ids) > 0 {
		v.addRule(UnhandledCritical, i, "RFC 5280 4.2", nil, "%s has critical extensions pkit does not understand: %s", "re-issue it without them, or mark them non-critical", v.name(i), strings.Join(ids, ", "))
	}
}

func fixRenew(i, n int) string {
	if i == 0 {
		return "renew the certificate (pkit renew NAME) and install the new one"
	}
	return "renew the CA certificate with the same key (re-issued certificates below it stay valid) and distribute it"
}

// purpose checks the extended key usage (and, for the leaf, the key
// usage) for the purpose.
func (v *verifier) purpose(i int) {
	if v.o.Purpose == PurposeAny {
		return
	}
	c := v.chain[i]
	want, wantName := v.o.Purpose.eku()
	if len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0 {
		ok := false
		for _, u := range c.ExtKeyUsage {
			ok = ok || u == want || u == x509.ExtKeyUsageAny
		}
		if !ok {
			var fix string
			if i == 0 {
				fix = fmt.Sprintf("issue a %s certificate (pkit issue %s NAME), which has %s", v.o.Purpose, v.o.Purpose, wantName)
			} else {
				fix = fmt.Sprintf("re-issue the CA without extended key usages, or with %s", wantName)
			}
			v.addRule(WrongEKU, i, "RFC 5280 4.2.1.12", nil, "%s does not allow %s use: its extended key usages are %s, %s is missing", fix, v.name(i), v.o.Purpose, strings.Join(formats.ExtKeyUsageNames(c.ExtKeyUsage, c.UnknownExtKeyUsage), ", "), wantName)
		}
	}
	if i == 0 && c.KeyUsage != 0 {
		need := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement
		if v.o.Purpose == PurposeServer {
			need |= x509.KeyUsageKeyEncipherment
		}
		if c.KeyUsage&need == 0 {
			v.add(KeyUsage, i, "%s has neither digitalSignature nor keyAgreement key usage, so it cannot authenticate a TLS %s", "re-issue it with digitalSignature", v.name(i), v.o.Purpose)
		}
	}
}

func (v *verifier) host() {
	leaf := v.chain[0]
	if err := leaf.VerifyHostname(v.o.Host); err == nil {
		return
	}
	names := formats.SANStrings(leaf)
	list := "none"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	v.addRule(HostMismatch, 0, "RFC 6125 6.4", nil, "%s is not valid for %q: its subject alternative names are %s", fmt.Sprintf("re-issue it with %q among its names (pkit issue server %s); the common name is not used for matching", v.o.Host, v.o.Host), v.name(0), v.o.Host, list)
}

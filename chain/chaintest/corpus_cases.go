package chaintest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// pendingCases are the cases pkit does not pass yet, and what it lacks.
// The corpus test fails when one of them passes, so that this list stays
// true.
var pendingCases = map[string]string{}

const (
	rfc6125wild = "RFC 6125 6.4.3"
	goNoProfile = "Go checks no certificate profile"
)

// ---- basics ----

func (g *gen) basics() {
	add := func(name string, s spec, valid bool, reason string) {
		s.name, s.group, s.valid, s.reason = name, "basic", valid, reason
		g.add(s)
	}
	base := g.chain3(g.leaf, g.inter, g.root)
	add("basic-valid", base, true, "RFC 5280 6.1: every check of the path passes")
	add("basic-server-host", base.with(func(s *spec) { s.purpose, s.host = "server", "www.example.com" }), true, "RFC 5280 6.1; the host is a dNSName of the leaf (RFC 6125 6.4)")
	add("basic-client", base.with(func(s *spec) { s.purpose = "client" }), true, "RFC 5280 4.2.1.12: the leaf has clientAuth")
	add("basic-wrong-host", base.with(func(s *spec) { s.purpose, s.host = "server", "api.example.com" }), false, "RFC 6125 6.4: the host is none of the leaf's dNSNames")
	add("basic-served-chain", base.with(func(s *spec) { s.served = true }), true, "RFC 5280 6.1; the chain file holds the leaf and its intermediate, in order (RFC 8446 4.4.2)")
	add("basic-served-chain-with-root", base.with(func(s *spec) { s.served = true; s.bundle = ders(g.inter, g.root) }), true, "RFC 5280 6.1; a served chain may end with the root (RFC 8446 4.4.2: it MAY be left out)")
	add("basic-missing-intermediate", base.with(func(s *spec) { s.bundle = nil }), false, "RFC 5280 6.1: no path from the leaf to a trust anchor")
	other := g.ca("Other Root", nil)
	add("basic-unknown-root", base.with(func(s *spec) { s.roots = ders(other) }), false, "RFC 5280 6.1: the path ends at a root that is not a trust anchor")
	decoy := g.ca("Corpus Root", nil)
	add("basic-decoy-root", base.with(func(s *spec) { s.roots = ders(decoy) }), false, "RFC 5280 6.1.3(a)(1): the intermediate's signature does not verify with the anchor's key (same name, other key)")
	notCA := g.ca("Not A CA", g.root, func(t *x509.Certificate) { t.IsCA = false; t.KeyUsage = x509.KeyUsageDigitalSignature })
	add("basic-int-not-ca", g.chain3(g.ee(notCA, withDNS("www.example.com")), notCA, g.root), false, "RFC 5280 6.1.4(k): the intermediate is not a CA (cA FALSE)")
	noBC := g.ca("No BC CA", g.root, func(t *x509.Certificate) { t.BasicConstraintsValid = false; t.IsCA = false })
	add("basic-int-no-bc", g.chain3(g.ee(noBC, withDNS("www.example.com")), noBC, g.root), false, "RFC 5280 6.1.4(k): the intermediate has no basicConstraints")
	p0 := g.ca("Pathlen 0 CA", g.root, pathLen(0))
	sub := g.ca("Under Pathlen 0", p0)
	add("basic-pathlen0-sub-ca", spec{leaf: g.ee(sub, withDNS("www.example.com")).Raw, bundle: ders(p0, sub), roots: ders(g.root)}, false, "RFC 5280 6.1.4(m): pathLenConstraint 0 allows no CA below")
	add("basic-pathlen0-leaf", g.chain3(g.ee(p0, withDNS("www.example.com")), p0, g.root), true, "RFC 5280 6.1.4(m): pathLenConstraint 0 allows a leaf")
	p1 := g.ca("Pathlen 1 CA", g.root, pathLen(1))
	s1 := g.ca("Under Pathlen 1", p1)
	s2 := g.ca("Under Under Pathlen 1", s1)
	add("basic-pathlen1-one-sub", spec{leaf: g.ee(s1, withDNS("www.example.com")).Raw, bundle: ders(p1, s1), roots: ders(g.root)}, true, "RFC 5280 6.1.4(m): pathLenConstraint 1 allows one CA below")
	add("basic-pathlen1-two-subs", spec{leaf: g.ee(s2, withDNS("www.example.com")).Raw, bundle: ders(p1, s1, s2), roots: ders(g.root)}, false, "RFC 5280 6.1.4(m): pathLenConstraint 1 allows one CA below, there are two")
	l1 := g.ca("Level 1 CA", g.root)
	l2 := g.ca("Level 2 CA", l1)
	l3 := g.ca("Level 3 CA", l2)
	add("basic-served-chain-3-levels", spec{leaf: g.ee(l3, withDNS("www.example.com")).Raw, bundle: ders(l3, l2, l1), roots: ders(g.root), served: true}, true, "RFC 5280 6.1: a served chain of three intermediates, in order")
	add("basic-five-levels", spec{leaf: g.ee(l3, withDNS("www.example.com")).Raw, bundle: ders(g.inter, l3, l1, l2), roots: ders(g.root)}, true, "RFC 5280 6.1: a longer path (three intermediates, given out of order), every check passes")
	srv := g.ca("Server Only CA", g.root, func(t *x509.Certificate) { t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })
	srvLeaf := g.ee(srv, withDNS("www.example.com"))
	add("basic-eku-nested-ok", g.chain3(srvLeaf, srv, g.root).with(func(s *spec) { s.purpose = "server" }), true, "the CA's EKU allows serverAuth (EKU nesting as OpenSSL and Go apply it; RFC 5280 4.2.1.12 is silent on CA EKUs)")
	add("basic-eku-nested-refused", g.chain3(srvLeaf, srv, g.root).with(func(s *spec) { s.purpose = "client" }), false, "the CA's EKU lacks clientAuth: OpenSSL and Go refuse (RFC 5280 4.2.1.12 is silent on CA EKUs; the stricter validators win)")
	clientLeaf := g.ee(g.inter, withDNS("www.example.com"), func(t *x509.Certificate) { t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} })
	add("basic-client-leaf-for-server", g.chain3(clientLeaf, g.inter, g.root).with(func(s *spec) { s.purpose = "server" }), false, "RFC 5280 4.2.1.12: the leaf's EKU lacks serverAuth")
	// --max-depth N, as openssl -verify_depth N: at most N intermediates
	// (a local policy: RFC 5280 sets no depth limit).
	depth := func(n string) func(*spec) {
		return func(s *spec) {
			s.pkit = append(s.pkit, "--max-depth", n)
			s.ossl = append(s.ossl, "-verify_depth", n)
			s.goNA = "Go's VerifyOptions have no depth limit"
		}
	}
	add("basic-max-depth-1-one-int", base.with(depth("1")), true, "local policy --max-depth 1 (openssl -verify_depth 1): one intermediate is allowed")
	add("basic-max-depth-0-one-int", base.with(depth("0")), false, "local policy --max-depth 0 (openssl -verify_depth 0): no intermediate is allowed")
	add("basic-max-depth-1-three-ints", spec{leaf: g.ee(l3, withDNS("www.example.com")).Raw, bundle: ders(l1, l2, l3), roots: ders(g.root)}.with(depth("1")), false,
		"local policy --max-depth 1 (openssl -verify_depth 1): three intermediates are too many")
	unk := func(critical bool) opt { return withExt(oidExtUnknown, critical, derInt(1)) }
	add("basic-unknown-critical-leaf", g.chain3(g.ee(g.inter, withDNS("www.example.com"), unk(true)), g.inter, g.root), false, "RFC 5280 6.1.5(f) (and 4.2): the leaf has a critical extension the validator does not know")
	uInt := g.ca("Unknown Critical CA", g.root, unk(true))
	add("basic-unknown-critical-int", g.chain3(g.ee(uInt, withDNS("www.example.com")), uInt, g.root), false, "RFC 5280 6.1.4(o): the intermediate has an unknown critical extension")
	add("basic-unknown-noncritical", g.chain3(g.ee(g.inter, withDNS("www.example.com"), unk(false)), g.inter, g.root), true, "RFC 5280 4.2: an unknown non-critical extension is ignored")
	bad := g.ee(g.inter, withDNS("www.example.com"))
	badDER := append([]byte(nil), bad.Raw...)
	badDER[len(badDER)-3] ^= 0x55
	add("basic-bad-signature-leaf", spec{leaf: badDER, bundle: ders(g.inter), roots: ders(g.root)}, false, "RFC 5280 6.1.3(a)(1): the leaf's signature does not verify")
	badInt := append([]byte(nil), g.inter.Raw...)
	badInt[len(badInt)-3] ^= 0x55
	add("basic-bad-signature-int", spec{leaf: g.leaf.Raw, bundle: [][]byte{badInt}, roots: ders(g.root)}, false, "RFC 5280 6.1.3(a)(1): the intermediate's signature does not verify")
	add("basic-root-direct", spec{leaf: g.ee(g.root, withDNS("www.example.com")).Raw, roots: ders(g.root)}, true, "RFC 5280 6.1: a leaf issued by the anchor")
	ipLeaf := g.ee(g.inter, func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: "10.1.2.3"}
		t.IPAddresses = []net.IP{net.ParseIP("10.1.2.3")}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	})
	add("basic-ip-host", g.chain3(ipLeaf, g.inter, g.root).with(func(s *spec) { s.purpose, s.host = "server", "10.1.2.3" }), true, "RFC 6125 / RFC 5280 4.2.1.6: the IP is an iPAddress of the leaf")
	add("basic-ip-host-wrong", g.chain3(ipLeaf, g.inter, g.root).with(func(s *spec) { s.purpose, s.host = "server", "10.1.2.4" }), false, "the IP is not an iPAddress of the leaf")
}

// ---- validity at full precision ----

func (g *gen) expiry() {
	add := func(name string, s spec, at time.Time, valid bool, reason string) {
		s.name, s.group, s.valid, s.reason, s.at = name, "expiry", valid, reason, at
		g.add(s)
	}
	leaf := g.ee(g.inter, withDNS("www.example.com"), validity(Base.Add(-time.Hour), Base.Add(time.Hour)))
	s := g.chain3(leaf, g.inter, g.root)
	add("exp-leaf-at-notafter", s, leaf.NotAfter, true, "RFC 5280 4.1.2.5: the validity period includes notAfter")
	add("exp-leaf-notafter-plus-1s", s, leaf.NotAfter.Add(time.Second), false, "RFC 5280 6.1.3(a)(2): one second after notAfter")
	add("exp-leaf-at-notbefore", s, leaf.NotBefore, true, "RFC 5280 4.1.2.5: the validity period includes notBefore")
	add("exp-leaf-notbefore-minus-1s", s, leaf.NotBefore.Add(-time.Second), false, "RFC 5280 6.1.3(a)(2): one second before notBefore")
	half := 500 * time.Millisecond
	sub := func(s spec) spec { s.subSecond = true; return s }
	add("exp-leaf-notafter-plus-half-second", sub(s), leaf.NotAfter.Add(half), false, "RFC 5280 4.1.2.5, 6.1.3(a)(2): half a second after notAfter is after it (openssl -attime takes whole seconds: it gets the next one)")
	add("exp-leaf-notbefore-minus-half-second", sub(s), leaf.NotBefore.Add(-half), false, "RFC 5280 4.1.2.5, 6.1.3(a)(2): half a second before notBefore (openssl gets the whole second after, which is valid: a limit of its -attime)")
	add("exp-leaf-notafter-minus-half-second", sub(s), leaf.NotAfter.Add(-half), true, "RFC 5280 4.1.2.5: half a second before notAfter (openssl gets notAfter itself)")
	inter := g.ca("Short Intermediate", g.root, validity(Base.Add(-time.Hour), Base.Add(time.Hour)))
	il := g.ee(inter, withDNS("www.example.com"), validity(Base.AddDate(0, 0, -1), Base.AddDate(0, 0, 1)))
	add("exp-int-at-notafter", g.chain3(il, inter, g.root), inter.NotAfter, true, "RFC 5280 4.1.2.5: notAfter is inclusive for the intermediate too")
	add("exp-int-notafter-plus-1s", g.chain3(il, inter, g.root), inter.NotAfter.Add(time.Second), false, "RFC 5280 6.1.3(a)(2): the intermediate expired one second ago")
	add("exp-int-notbefore-minus-1s", g.chain3(il, inter, g.root), inter.NotBefore.Add(-time.Second), false, "RFC 5280 6.1.3(a)(2): the intermediate is not valid yet")
	root := g.ca("Short Root", nil, validity(Base.Add(-time.Hour), Base.Add(time.Hour)))
	ri := g.ca("Under Short Root", root)
	rl := g.ee(ri, withDNS("www.example.com"))
	add("exp-root-notafter-plus-1s", g.chain3(rl, ri, root), root.NotAfter.Add(time.Second), false, "an expired trust anchor: RFC 5280 6.1.1(d) leaves its validity to the relying party; OpenSSL and Go refuse it")
	add("exp-root-at-notafter", g.chain3(rl, ri, root), root.NotAfter, true, "RFC 5280 4.1.2.5: notAfter inclusive")
	add("exp-root-notbefore-minus-1s", g.chain3(rl, ri, root), root.NotBefore.Add(-time.Second), false, "a trust anchor not valid yet: OpenSSL and Go refuse it (RFC 5280 6.1.1(d) leaves it to the relying party)")
	long := g.ee(g.inter, withDNS("www.example.com"), validity(Base.AddDate(-1, 0, 0), Base.AddDate(20, 0, 0)))
	add("exp-leaf-outlives-ca", g.chain3(long, g.inter, g.root), Base, true, "RFC 5280 6.1 does not require a certificate's validity to nest in its issuer's")
	add("exp-leaf-outlives-ca-after-ca", g.chain3(long, g.inter, g.root), g.inter.NotAfter.Add(time.Second), false, "RFC 5280 6.1.3(a)(2): the intermediate has expired")
	// Dates from 2050 on are GeneralizedTime (RFC 5280 4.1.2.5).
	r50 := g.ca("Root 2060", nil, validity(Base.AddDate(-1, 0, 0), time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)))
	i50 := g.ca("Intermediate 2060", r50, validity(Base.AddDate(-1, 0, 0), time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)))
	l50 := g.ee(i50, withDNS("www.example.com"), validity(Base.AddDate(-1, 0, 0), time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)))
	add("exp-generalizedtime-last-second", g.chain3(l50, i50, r50), l50.NotAfter, true, "RFC 5280 4.1.2.5.2: GeneralizedTime notAfter 2050-01-01T00:00:00Z, inclusive")
	add("exp-generalizedtime-plus-1s", g.chain3(l50, i50, r50), l50.NotAfter.Add(time.Second), false, "RFC 5280 4.1.2.5.2: one second after a GeneralizedTime notAfter")
	l49 := g.ee(i50, withDNS("www.example.com"), validity(Base.AddDate(-1, 0, 0), time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)))
	add("exp-utctime-2049-last-second", g.chain3(l49, i50, r50), l49.NotAfter, true, "RFC 5280 4.1.2.5.1: UTCTime 491231235959Z is 2049, inclusive")
	add("exp-utctime-2049-plus-1s", g.chain3(l49, i50, r50), l49.NotAfter.Add(time.Second), false, "RFC 5280 4.1.2.5.1: one second after a UTCTime notAfter in 2049")
}

// ---- certificate policies (RFC 5280 6.1, with RFC 9618) ----

var (
	pol1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 1}
	pol2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 2}
	pol3 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 3}
	anyP = asn1.ObjectIdentifier{2, 5, 29, 32, 0}
)

func goOID(o asn1.ObjectIdentifier) x509.OID {
	x, err := x509.OIDFromASN1OID(o)
	if err != nil {
		panic(err)
	}
	return x
}

func policies(oids ...asn1.ObjectIdentifier) opt {
	return func(t *x509.Certificate) {
		t.Policies = nil
		for _, o := range oids {
			t.Policies = append(t.Policies, goOID(o))
		}
	}
}

// mapping is a policyMappings extension (critical, RFC 5280 4.2.1.5)
// mapping pairs of issuer and subject domain policies.
func mapping(pairs ...asn1.ObjectIdentifier) opt {
	var ms [][]byte
	for i := 0; i+1 < len(pairs); i += 2 {
		ms = append(ms, seq(derOID(pairs[i]), derOID(pairs[i+1])))
	}
	return withExt(oidExtPolicyMapping, true, seq(ms...))
}

// constraints is a policyConstraints extension; -1 leaves a field out.
func polConstraints(requireExplicit, inhibitMapping int) opt {
	var parts [][]byte
	if requireExplicit >= 0 {
		parts = append(parts, tagged(cbasn1.Tag(0).ContextSpecific(), derInt(int64(requireExplicit))[2:]))
	}
	if inhibitMapping >= 0 {
		parts = append(parts, tagged(cbasn1.Tag(1).ContextSpecific(), derInt(int64(inhibitMapping))[2:]))
	}
	return withExt(oidExtPolicyConstr, true, seq(parts...))
}

func inhibitAny(n int) opt { return withExt(oidExtInhibitAny, true, derInt(int64(n))) }

// polFlags are the user inputs of RFC 5280 6.1.1 (c), (e), (f), (g).
type polFlags struct {
	initial                              []asn1.ObjectIdentifier
	explicit, inhibitMap, inhibitAnyFlag bool
}

func (g *gen) policies() {
	// polCase builds root → CAs (each with its options) → leaf.
	polCase := func(name string, cas [][]opt, leaf []opt, f polFlags, valid bool, reason string) {
		issuer := g.root
		var bundle []*Cert
		for i, o := range cas {
			issuer = g.ca("Policy CA "+name+" "+string(rune('A'+i)), issuer, o...)
			bundle = append(bundle, issuer)
		}
		l := g.ee(issuer, append([]opt{withDNS("www.example.com")}, leaf...)...)
		g.addPolicy(name, spec{leaf: l.Raw, bundle: ders(bundle...), roots: ders(g.root)}, f, valid, reason)
	}
	none := []opt{}
	p := func(o ...asn1.ObjectIdentifier) []opt { return []opt{policies(o...)} }
	explicit := polFlags{explicit: true}
	in1 := polFlags{explicit: true, initial: []asn1.ObjectIdentifier{pol1}}

	polCase("pol-none", [][]opt{none}, none, polFlags{}, true, "RFC 5280 6.1.5(g): no policies, but none is required (explicit_policy > 0)")
	polCase("pol-leaf-only", [][]opt{none}, p(pol1), polFlags{}, true, "RFC 5280 6.1.3(e): the tree becomes NULL at the CA, which is allowed while explicit_policy > 0")
	polCase("pol-same", [][]opt{p(pol1)}, p(pol1), polFlags{}, true, "RFC 5280 6.1.3(d): P1 all along")
	polCase("pol-mismatch-not-required", [][]opt{p(pol1)}, p(pol2), polFlags{}, true, "RFC 5280 6.1.5(g): the tree is NULL, but no explicit policy is required")
	polCase("pol-explicit-same", [][]opt{p(pol1)}, p(pol1), explicit, true, "RFC 5280 6.1.5(g): P1 is valid for the path")
	polCase("pol-explicit-mismatch", [][]opt{p(pol1)}, p(pol2), explicit, false, "RFC 5280 6.1.3(d),(f): P2 is not expected under P1, the tree is NULL and an explicit policy is required")
	polCase("pol-explicit-none", [][]opt{none}, none, explicit, false, "RFC 5280 6.1.3(f): no certificate has policies and initial-explicit-policy is set")
	polCase("pol-explicit-leaf-without", [][]opt{p(pol1)}, none, explicit, false, "RFC 5280 6.1.3(e),(f): the leaf has no policies")
	polCase("pol-explicit-ca-without", [][]opt{none}, p(pol1), explicit, false, "RFC 5280 6.1.3(e),(f): the CA has no policies")
	polCase("pol-explicit-ca-any", [][]opt{p(anyP)}, p(pol1), explicit, true, "RFC 5280 6.1.3(d)(1)(ii): the leaf's P1 matches the CA's anyPolicy")
	polCase("pol-explicit-leaf-any", [][]opt{p(pol1)}, p(anyP), explicit, true, "RFC 5280 6.1.3(d)(2): the leaf's anyPolicy matches the expected P1")
	polCase("pol-explicit-all-any", [][]opt{p(anyP)}, p(anyP), explicit, true, "RFC 5280 6.1.3(d)(2): anyPolicy all along")
	polCase("pol-explicit-two-cas", [][]opt{p(pol1, pol2), p(pol2)}, p(pol2), explicit, true, "RFC 5280 6.1.3(d): P2 all along")
	polCase("pol-explicit-two-cas-break", [][]opt{p(pol1), p(pol2)}, p(pol2), explicit, false, "RFC 5280 6.1.3(d),(f): P2 of the second CA is not under P1")
	polCase("pol-initial-match", [][]opt{p(pol1)}, p(pol1), in1, true, "RFC 5280 6.1.5(g): P1 is in the user-initial-policy-set")
	polCase("pol-initial-miss", [][]opt{p(pol2)}, p(pol2), in1, false, "RFC 5280 6.1.5(g)(iii): P2 is valid but not in the initial set {P1}")
	polCase("pol-initial-ca-any", [][]opt{p(anyP)}, p(pol1), in1, true, "RFC 5280 6.1.5(g): P1 under anyPolicy, P1 in the initial set")
	polCase("pol-initial-all-any", [][]opt{p(anyP)}, p(anyP), in1, true, "RFC 5280 6.1.5(g)(iii)(3): anyPolicy at the leaf stands for P1 of the initial set")
	polCase("pol-initial-one-of-two", [][]opt{p(pol1, pol2)}, p(pol2), in1, false, "RFC 5280 6.1.5(g): only P2 is valid, the initial set is {P1}")
	polCase("pol-initial-two-of-two", [][]opt{p(pol1, pol2)}, p(pol1, pol2), polFlags{explicit: true, initial: []asn1.ObjectIdentifier{pol2}}, true, "RFC 5280 6.1.5(g): P2 is valid and in the initial set")
	polCase("pol-initial-set-of-two", [][]opt{p(pol2)}, p(pol2), polFlags{explicit: true, initial: []asn1.ObjectIdentifier{pol1, pol2}}, true, "RFC 5280 6.1.5(g): P2 is in the initial set {P1, P2}")
	polCase("pol-initial-not-required", [][]opt{p(pol2)}, p(pol2), polFlags{initial: []asn1.ObjectIdentifier{pol1}}, true, "RFC 5280 6.1.5(g): without initial-explicit-policy an empty intersection does not fail the path")

	// requireExplicitPolicy in the certificates (RFC 5280 4.2.1.11).
	polCase("pol-require0-ok", [][]opt{{policies(pol1), polConstraints(0, -1)}}, p(pol1), polFlags{}, true, "RFC 5280 6.1.4(i)(1): explicit policy required from the CA on, P1 all along")
	polCase("pol-require0-leaf-without", [][]opt{{policies(pol1), polConstraints(0, -1)}}, none, polFlags{}, false, "RFC 5280 6.1.4(i)(1), 6.1.3(f): the CA requires an explicit policy, the leaf has none")
	polCase("pol-require0-ca-without", [][]opt{{polConstraints(0, -1)}}, p(pol1), polFlags{}, false, "RFC 5280 6.1.4(i)(1), 6.1.3(f): the CA requires an explicit policy and has none itself")
	polCase("pol-require2-two-more", [][]opt{{policies(pol1), polConstraints(2, -1)}, p(pol1)}, none, polFlags{}, false, "RFC 5280 6.1.4(h),(i), 6.1.5(a): requireExplicitPolicy 2 counts the second CA and the leaf down to 0; the tree is NULL")
	polCase("pol-require3-two-more", [][]opt{{policies(pol1), polConstraints(3, -1)}, p(pol1)}, none, polFlags{}, true, "RFC 5280 6.1.4(h),(i), 6.1.5(a): requireExplicitPolicy 3 leaves explicit_policy at 1 after the leaf")
	polCase("pol-require1-mid", [][]opt{{policies(pol1), polConstraints(1, -1)}, p(pol1)}, none, polFlags{}, false, "RFC 5280 6.1.4(h),(i): explicit_policy is 0 at the leaf, which has no policy")
	polCase("pol-require-leaf0", [][]opt{p(pol1)}, []opt{policies(pol1), polConstraints(0, -1)}, polFlags{}, true, "RFC 5280 6.1.5(b): the leaf requires an explicit policy, P1 is valid")
	polCase("pol-require-leaf0-mismatch", [][]opt{p(pol1)}, []opt{policies(pol2), polConstraints(0, -1)}, polFlags{}, false, "RFC 5280 6.1.5(b),(g): the leaf requires an explicit policy, its P2 is not under P1")
	// The trust anchor's extensions are not processed (RFC 5280 6.1.1(d)).
	pcRoot := g.ca("Policy Constrained Root", nil, polConstraints(0, -1), inhibitAny(0))
	pcInt := g.ca("Under Policy Constrained Root", pcRoot)
	g.addPolicy("pol-anchor-constraints-ignored", g.chain3(g.ee(pcInt, withDNS("www.example.com")), pcInt, pcRoot), polFlags{}, true,
		"RFC 5280 6.1.1(d): the trust anchor is a name and a key; its policyConstraints are not inputs of the algorithm")

	// Policy mapping (RFC 5280 4.2.1.5, 6.1.4(a),(b)).
	polCase("pol-map", [][]opt{{policies(pol1), mapping(pol1, pol2)}}, p(pol2), in1, true, "RFC 5280 6.1.4(b)(1): P1 maps to P2, the leaf has P2, the valid policy is P1")
	polCase("pol-map-inhibited-by-user", [][]opt{{policies(pol1), mapping(pol1, pol2)}}, p(pol2), polFlags{explicit: true, inhibitMap: true, initial: []asn1.ObjectIdentifier{pol1}}, false, "RFC 5280 6.1.4(b)(2): with initial-policy-mapping-inhibit the mapped P1 node is deleted")
	polCase("pol-map-leaf-old-policy", [][]opt{{policies(pol1), mapping(pol1, pol2)}}, p(pol1), in1, false, "RFC 5280 6.1.4(b)(1): P1 is expected as P2 after the mapping; the leaf's P1 matches nothing")
	polCase("pol-map-to-any", [][]opt{{policies(pol1), mapping(pol1, anyP)}}, p(pol1), polFlags{}, false, "RFC 5280 6.1.4(a): anyPolicy must not be a subjectDomainPolicy")
	polCase("pol-map-from-any", [][]opt{{policies(anyP), mapping(anyP, pol2)}}, p(pol2), polFlags{}, false, "RFC 5280 6.1.4(a): anyPolicy must not be an issuerDomainPolicy")
	polCase("pol-map-under-any", [][]opt{{policies(anyP), mapping(pol1, pol2)}}, p(pol2), in1, true, "RFC 5280 6.1.4(b)(1): anyPolicy in the CA yields a P1 node expecting P2")
	polCase("pol-map-inhibit0-next", [][]opt{{policies(pol1), polConstraints(-1, 0)}, {policies(pol1), mapping(pol1, pol2)}}, p(pol2), in1, false, "RFC 5280 6.1.4(i)(2): inhibitPolicyMapping 0 in the first CA inhibits the second CA's mapping")
	polCase("pol-map-inhibit1-next", [][]opt{{policies(pol1), polConstraints(-1, 1)}, {policies(pol1), mapping(pol1, pol2)}}, p(pol2), in1, true, "RFC 5280 6.1.4(h),(i)(2): inhibitPolicyMapping 1 still allows the next CA's mapping")
	polCase("pol-map-inhibit0-own", [][]opt{{policies(pol1), mapping(pol1, pol2), polConstraints(-1, 0)}}, p(pol2), in1, true, "RFC 5280 6.1.4: a CA's own mappings (b) are processed before its inhibitPolicyMapping (i)")
	polCase("pol-map-chain", [][]opt{{policies(pol1), mapping(pol1, pol2)}, {policies(pol2), mapping(pol2, pol3)}}, p(pol3), in1, true, "RFC 5280 6.1.4(b): P1 → P2 → P3")

	// inhibitAnyPolicy (RFC 5280 4.2.1.14, 6.1.3(d)(2), 6.1.4(j)).
	ia := polFlags{explicit: true, inhibitAnyFlag: true}
	polCase("pol-inhibit-any-user-ca", [][]opt{p(anyP)}, p(pol1), ia, false, "RFC 5280 6.1.3(d)(2): with initial-any-policy-inhibit the CA's anyPolicy is ignored")
	polCase("pol-inhibit-any-user-leaf", [][]opt{p(pol1)}, p(anyP), ia, false, "RFC 5280 6.1.3(d)(2): with initial-any-policy-inhibit the leaf's anyPolicy is ignored")
	polCase("pol-inhibit-any-user-explicit-ok", [][]opt{p(pol1)}, p(pol1), ia, true, "RFC 5280 6.1.3(d)(1): explicit P1 all along, anyPolicy not needed")
	polCase("pol-inhibit-any0-next", [][]opt{{policies(pol1), inhibitAny(0)}, p(anyP)}, p(pol1), explicit, false, "RFC 5280 6.1.4(j): inhibitAnyPolicy 0 makes the next CA's anyPolicy ignored")
	polCase("pol-inhibit-any1-next", [][]opt{{policies(pol1), inhibitAny(1)}, p(anyP)}, p(pol1), explicit, true, "RFC 5280 6.1.4(h),(j): inhibitAnyPolicy 1 allows anyPolicy in the next CA")
	polCase("pol-inhibit-any1-leaf", [][]opt{{policies(pol1), inhibitAny(1)}, p(pol1)}, p(anyP), explicit, false, "RFC 5280 6.1.4(h),(j): inhibitAnyPolicy 1 is used up by the second CA; the leaf's anyPolicy is ignored")
	polCase("pol-inhibit-any0-own", [][]opt{{policies(anyP), inhibitAny(0)}}, p(pol1), explicit, true, "RFC 5280 6.1.3(d) before 6.1.4(j): a CA's own anyPolicy counts before its inhibitAnyPolicy")

	// Self-issued certificates do not count (RFC 5280 6.1.3(d)(2), 6.1.4(h)).
	ca1 := g.ca("Policy SI CA", g.root, policies(pol1), inhibitAny(0))
	si := g.selfIssued(ca1, policies(anyP))
	g.addPolicy("pol-self-issued-any-honoured", spec{leaf: g.ee(si, withDNS("www.example.com"), policies(pol1)).Raw, bundle: ders(ca1, si), roots: ders(g.root)}, explicit, true,
		"RFC 5280 6.1.3(d)(2)(b): a self-issued intermediate's anyPolicy is honoured even when inhibit_anyPolicy is 0")
	ca2 := g.ca("Policy SI CA 2", g.root, policies(pol1), inhibitAny(1))
	si2 := g.selfIssued(ca2, policies(pol1))
	mid := g.ca("Policy SI Mid", si2, policies(anyP))
	g.addPolicy("pol-self-issued-not-counted", spec{leaf: g.ee(mid, withDNS("www.example.com"), policies(pol1)).Raw, bundle: ders(ca2, si2, mid), roots: ders(g.root)}, explicit, true,
		"RFC 5280 6.1.4(h): the self-issued certificate does not decrement inhibit_anyPolicy, so the next CA's anyPolicy still counts")
	ca3 := g.ca("Policy SI CA 3", g.root, policies(pol1), polConstraints(1, -1))
	si3 := g.selfIssued(ca3, policies(pol1))
	g.addPolicy("pol-self-issued-require", spec{leaf: g.ee(si3, withDNS("www.example.com"), policies(pol1)).Raw, bundle: ders(ca3, si3), roots: ders(g.root)}, polFlags{}, true,
		"RFC 5280 6.1.4(h): requireExplicitPolicy 1, the self-issued certificate is not counted, P1 all along")
}

// addPolicy adds a policy case with the user inputs f.
func (g *gen) addPolicy(name string, s spec, f polFlags, valid bool, reason string) {
	s.name, s.group, s.valid, s.reason, s.policyCheck = name, "policy", valid, reason, true
	for _, o := range f.initial {
		s.pkit = append(s.pkit, "--policy", o.String())
		s.ossl = append(s.ossl, "-policy", o.String())
		s.goPolicies = append(s.goPolicies, goOID(o))
	}
	if f.explicit {
		s.pkit = append(s.pkit, "--explicit-policy")
		s.ossl = append(s.ossl, "-explicit_policy")
	}
	if f.inhibitMap {
		s.pkit = append(s.pkit, "--inhibit-map")
		s.ossl = append(s.ossl, "-inhibit_map")
	}
	if f.inhibitAnyFlag {
		s.pkit = append(s.pkit, "--inhibit-any")
		s.ossl = append(s.ossl, "-inhibit_any")
	}
	if len(f.initial) == 0 {
		// RFC 5280 6.1.1(c): the initial set defaults to anyPolicy.
		// OpenSSL's defaults to empty, which no explicit policy
		// satisfies; say anyPolicy to it.
		s.ossl = append(s.ossl, "-policy", anyP.String())
	}
	if f.explicit || f.inhibitMap || f.inhibitAnyFlag {
		s.goNA = "Go's VerifyOptions cannot require an explicit policy or inhibit mapping or anyPolicy"
	}
	g.add(s)
}

// ---- name constraints (RFC 5280 4.2.1.10, 6.1.3(b),(c), 6.1.4(g)) ----

func ipNet(s string) []byte {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	ip := n.IP
	if v4 := ip.To4(); v4 != nil && len(n.Mask) == 4 {
		ip = v4
	}
	return append(append([]byte(nil), ip...), n.Mask...)
}

func sanDNS(names ...string) opt { return withDNS(names...) }

func sanIP(ips ...string) opt {
	return func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: "NC Leaf"}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		for _, s := range ips {
			t.IPAddresses = append(t.IPAddresses, net.ParseIP(s))
		}
	}
}

func sanEmail(es ...string) opt {
	return func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: "NC Leaf"}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		t.EmailAddresses = es
	}
}

func sanURI(us ...string) opt {
	return func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: "NC Leaf"}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		for _, s := range us {
			u, err := url.Parse(s)
			if err != nil {
				panic(err)
			}
			t.URIs = append(t.URIs, u)
		}
	}
}

// cnOnly: a client leaf with this common name and no SAN.
func cnOnly(cn string) opt {
	return func(t *x509.Certificate) {
		t.Subject = pkix.Name{CommonName: cn}
		t.DNSNames = nil
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
}

func (g *gen) nameConstraints() {
	nc := func(name string, caOpts []opt, leafOpts []opt, valid bool, reason string, mods ...func(*spec)) {
		ca := g.ca("NC CA "+name, g.root, caOpts...)
		l := g.ee(ca, leafOpts...)
		s := g.chain3(l, ca, g.root)
		s.name, s.group, s.valid, s.reason = name, "nc", valid, reason
		for _, m := range mods {
			m(&s)
		}
		g.add(s)
	}
	perm := func(names ...[]byte) []opt { return []opt{ncOpt(true, names, nil)} }
	excl := func(names ...[]byte) []opt { return []opt{ncOpt(true, nil, names)} }
	const dnsR = "RFC 5280 4.2.1.10 (dNSName: zero or more labels added on the left)"

	// dNSName
	nc("nc-dns-permitted-sub", perm(gnDNS("example.com")), []opt{sanDNS("www.example.com")}, true, dnsR)
	nc("nc-dns-permitted-apex", perm(gnDNS("example.com")), []opt{sanDNS("example.com")}, true, dnsR)
	nc("nc-dns-permitted-deep", perm(gnDNS("example.com")), []opt{sanDNS("a.b.c.example.com")}, true, dnsR)
	nc("nc-dns-permitted-case", perm(gnDNS("Example.COM")), []opt{sanDNS("www.example.com")}, true, "RFC 5280 7.2: DNS names compare case-insensitively")
	nc("nc-dns-outside", perm(gnDNS("example.com")), []opt{sanDNS("www.example.net")}, false, dnsR+": www.example.net is outside")
	nc("nc-dns-suffix-trick", perm(gnDNS("example.com")), []opt{sanDNS("www.badexample.com")}, false, dnsR+": label boundaries, badexample.com is not under example.com")
	nc("nc-dns-one-bad-san", perm(gnDNS("example.com")), []opt{sanDNS("www.example.com", "www.example.org")}, false, "RFC 5280 6.1.3(b): every dNSName must be within the permitted subtrees")
	nc("nc-dns-two-permitted", perm(gnDNS("example.com"), gnDNS("example.org")), []opt{sanDNS("www.example.com", "www.example.org")}, true, "RFC 5280 6.1.3(b): each name is within one permitted subtree")
	nc("nc-dns-excluded", excl(gnDNS("bad.example.com")), []opt{sanDNS("bad.example.com")}, false, "RFC 5280 6.1.3(c): the name is in an excluded subtree")
	nc("nc-dns-excluded-sub", excl(gnDNS("bad.example.com")), []opt{sanDNS("x.bad.example.com")}, false, "RFC 5280 6.1.3(c): a subdomain of an excluded subtree")
	nc("nc-dns-excluded-sibling", excl(gnDNS("bad.example.com")), []opt{sanDNS("good.example.com")}, true, "RFC 5280 6.1.3(c): not in the excluded subtree")
	nc("nc-dns-excluded-label-boundary", excl(gnDNS("bad.example.com")), []opt{sanDNS("notbad.example.com")}, true, "RFC 5280 4.2.1.10: notbad.example.com is not under bad.example.com")
	nc("nc-dns-permitted-and-excluded", []opt{ncOpt(true, list(gnDNS("example.com")), list(gnDNS("bad.example.com")))}, []opt{sanDNS("www.bad.example.com")}, false, "RFC 5280 6.1.3(c): excluded wins over permitted")
	nc("nc-dns-permitted-and-excluded-ok", []opt{ncOpt(true, list(gnDNS("example.com")), list(gnDNS("bad.example.com")))}, []opt{sanDNS("www.example.com")}, true, "RFC 5280 6.1.3(b),(c): permitted, not excluded")
	nc("nc-dns-leading-dot-sub", perm(gnDNS(".example.com")), []opt{sanDNS("www.example.com")}, true, "a leading dot: RFC 5280 is silent; OpenSSL and Go read it as subdomains only, www.example.com is one")
	nc("nc-dns-leading-dot-apex", perm(gnDNS(".example.com")), []opt{sanDNS("example.com")}, false, "a leading dot: RFC 5280 is silent; OpenSSL and Go read it as subdomains only, so example.com is outside")
	// Wildcard SANs stand for every name they match (RFC 6125 6.4.3).
	nc("nc-wildcard-vs-excluded", excl(gnDNS("bad.example.com")), []opt{sanDNS("*.example.com")}, false, "RFC 5280 6.1.3(c) with "+rfc6125wild+": *.example.com also stands for the excluded bad.example.com")
	nc("nc-wildcard-vs-excluded-deeper", excl(gnDNS("x.bad.example.com")), []opt{sanDNS("*.bad.example.com")}, false, "RFC 5280 6.1.3(c) with "+rfc6125wild+": *.bad.example.com matches the excluded x.bad.example.com")
	nc("nc-wildcard-beside-excluded", excl(gnDNS("bad.example.com")), []opt{sanDNS("*.sub.example.com")}, true, "RFC 5280 6.1.3(c): *.sub.example.com cannot match bad.example.com")
	nc("nc-wildcard-permitted", perm(gnDNS("example.com")), []opt{sanDNS("*.example.com")}, true, "RFC 5280 6.1.3(b): every name *.example.com matches is under example.com")
	nc("nc-wildcard-wider-than-permitted", perm(gnDNS("www.example.com")), []opt{sanDNS("*.example.com")}, false, "RFC 5280 6.1.3(b) with "+rfc6125wild+": *.example.com matches names outside www.example.com")
	nc("nc-wildcard-excluded-apex", excl(gnDNS("example.com")), []opt{sanDNS("*.example.com")}, false, "RFC 5280 6.1.3(c): *.example.com is itself under the excluded example.com")
	// The CN of a leaf without SANs.
	nc("nc-cn-no-san-outside", perm(gnDNS("example.com")), []opt{cnOnly("www.example.net")}, false, "RFC 5280 4.2.1.10 is silent on a host name in the CN; OpenSSL (the stricter) applies dNSName constraints to it when there is no SAN")
	nc("nc-cn-no-san-inside", perm(gnDNS("example.com")), []opt{cnOnly("www.example.com")}, true, "the CN host name is within the permitted subtree")
	nc("nc-cn-not-a-host", perm(gnDNS("example.com")), []opt{cnOnly("Alice Example")}, true, "a CN that is not a host name is no dNSName; only directoryName constraints would apply")
	nc("nc-cn-with-san-ignored", perm(gnDNS("example.com")), []opt{sanDNS("www.example.com"), func(t *x509.Certificate) { t.Subject = pkix.Name{CommonName: "www.example.net"} }}, true,
		"with a dNSName SAN the CN is not a host name (RFC 6125 6.4.4); the SAN is permitted")
	// iPAddress
	const ipR = "RFC 5280 4.2.1.10 (iPAddress: address and mask)"
	nc("nc-ip4-permitted", perm(gnIP(ipNet("10.0.0.0/8"))), []opt{sanIP("10.1.2.3")}, true, ipR)
	nc("nc-ip4-outside", perm(gnIP(ipNet("10.0.0.0/8"))), []opt{sanIP("192.168.1.1")}, false, ipR+": 192.168.1.1 is outside 10.0.0.0/8")
	nc("nc-ip4-excluded", []opt{ncOpt(true, list(gnIP(ipNet("10.0.0.0/8"))), list(gnIP(ipNet("10.1.0.0/16"))))}, []opt{sanIP("10.1.2.3")}, false, ipR+": 10.1.2.3 is in the excluded 10.1.0.0/16")
	nc("nc-ip4-excluded-ok", []opt{ncOpt(true, list(gnIP(ipNet("10.0.0.0/8"))), list(gnIP(ipNet("10.1.0.0/16"))))}, []opt{sanIP("10.2.0.1")}, true, ipR)
	nc("nc-ip4-host-range", perm(gnIP(ipNet("10.1.2.3/32"))), []opt{sanIP("10.1.2.3")}, true, ipR+": a /32 range")
	nc("nc-ip4-host-range-other", perm(gnIP(ipNet("10.1.2.3/32"))), []opt{sanIP("10.1.2.4")}, false, ipR+": outside the /32")
	nc("nc-ip6-permitted", perm(gnIP(ipNet("2001:db8::/32"))), []opt{sanIP("2001:db8::1")}, true, ipR)
	nc("nc-ip6-outside", perm(gnIP(ipNet("2001:db8::/32"))), []opt{sanIP("2001:db9::1")}, false, ipR+": outside 2001:db8::/32")
	nc("nc-ip6-excluded", excl(gnIP(ipNet("2001:db8:bad::/48"))), []opt{sanIP("2001:db8:bad::1")}, false, ipR+": in the excluded range")
	nc("nc-ip6-vs-ip4-only", perm(gnIP(ipNet("10.0.0.0/8"))), []opt{sanIP("2001:db8::1")}, false, ipR+": an IPv6 address is in no permitted iPAddress subtree when only IPv4 ones are given")
	nc("nc-ip4-vs-ip6-only", perm(gnIP(ipNet("2001:db8::/32"))), []opt{sanIP("10.1.2.3")}, false, ipR+": an IPv4 address is in no permitted iPAddress subtree when only IPv6 ones are given")
	nc("nc-ip-both-families", perm(gnIP(ipNet("10.0.0.0/8")), gnIP(ipNet("2001:db8::/32"))), []opt{sanIP("10.1.2.3", "2001:db8::1")}, true, ipR)
	nc("nc-dns-only-ip-san", perm(gnDNS("example.com")), []opt{sanIP("192.168.1.1")}, true, "RFC 5280 4.2.1.10: constraints apply per name form; the IP form is not constrained")
	nc("nc-ip-only-dns-san", perm(gnIP(ipNet("10.0.0.0/8"))), []opt{sanDNS("www.example.net")}, true, "RFC 5280 4.2.1.10: constraints apply per name form; the DNS form is not constrained")
	// rfc822Name: mailbox, host, domain.
	const emR = "RFC 5280 4.2.1.10 (rfc822Name: a mailbox, a host, or a domain with a leading dot)"
	nc("nc-email-mailbox", perm(gnEmail("alice@example.com")), []opt{sanEmail("alice@example.com")}, true, emR)
	nc("nc-email-mailbox-other", perm(gnEmail("alice@example.com")), []opt{sanEmail("bob@example.com")}, false, emR+": another mailbox")
	nc("nc-email-mailbox-host-case", perm(gnEmail("alice@example.com")), []opt{sanEmail("alice@EXAMPLE.com")}, true, "RFC 5280 7.5: the host part compares case-insensitively")
	nc("nc-email-host", perm(gnEmail("example.com")), []opt{sanEmail("alice@example.com")}, true, emR+": any mailbox on the host example.com")
	nc("nc-email-host-not-sub", perm(gnEmail("example.com")), []opt{sanEmail("alice@sub.example.com")}, false, emR+": a host constraint does not cover subdomains")
	nc("nc-email-domain", perm(gnEmail(".example.com")), []opt{sanEmail("alice@sub.example.com")}, true, emR+": .example.com covers subdomains")
	nc("nc-email-domain-not-host", perm(gnEmail(".example.com")), []opt{sanEmail("alice@example.com")}, false, emR+": .example.com does not cover example.com itself")
	nc("nc-email-excluded-host", excl(gnEmail("example.com")), []opt{sanEmail("alice@example.com")}, false, emR+": excluded host")
	nc("nc-email-excluded-host-sub-ok", excl(gnEmail("example.com")), []opt{sanEmail("alice@sub.example.com")}, true, emR+": the excluded host does not cover subdomains")
	nc("nc-email-outside", perm(gnEmail("example.com")), []opt{sanEmail("alice@example.org")}, false, emR)
	emailDN := func(addr string) opt {
		return func(t *x509.Certificate) {
			t.RawSubject = dn(utf8(oidCN, "Mail Leaf"), atv{oidEmailDN, tagIA5, addr})
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
	}
	nc("nc-email-in-subject-dn-outside", perm(gnEmail("example.com")), []opt{emailDN("alice@example.org")}, false, "RFC 5280 4.2.1.10: rfc822Name constraints apply to emailAddress in the subject DN when there is no SAN")
	nc("nc-email-in-subject-dn-inside", perm(gnEmail("example.com")), []opt{emailDN("alice@example.com")}, true, "RFC 5280 4.2.1.10: the subject's emailAddress is within the constraint")
	// uniformResourceIdentifier: the host part.
	const uriR = "RFC 5280 4.2.1.10 (URI: the host, or a domain with a leading dot)"
	nc("nc-uri-host", perm(gnURI("example.com")), []opt{sanURI("https://example.com/path")}, true, uriR)
	nc("nc-uri-host-not-sub", perm(gnURI("example.com")), []opt{sanURI("https://www.example.com/")}, false, uriR+": a host constraint does not cover www.example.com")
	nc("nc-uri-domain", perm(gnURI(".example.com")), []opt{sanURI("https://www.example.com/")}, true, uriR)
	nc("nc-uri-domain-not-host", perm(gnURI(".example.com")), []opt{sanURI("https://example.com/")}, false, uriR+": .example.com does not cover example.com")
	nc("nc-uri-outside", perm(gnURI(".example.com")), []opt{sanURI("https://www.example.org/")}, false, uriR)
	nc("nc-uri-excluded", excl(gnURI(".bad.example.com")), []opt{sanURI("spiffe://x.bad.example.com/svc")}, false, uriR+": excluded domain")
	// directoryName: the subject and directoryName SANs.
	exOrg := dn(prt(oidC, "US"), utf8(oidO, "Example"))
	dirLeaf := func(attrs ...atv) opt {
		return func(t *x509.Certificate) {
			t.RawSubject = dn(attrs...)
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
	}
	const dirR = "RFC 5280 4.2.1.10 (directoryName: the DN begins with the subtree's RDNs), 6.1.3(b),(c)"
	nc("nc-dirname-permitted", perm(gnDir(exOrg)), []opt{dirLeaf(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidCN, "alice"))}, true, dirR)
	nc("nc-dirname-outside", perm(gnDir(exOrg)), []opt{dirLeaf(prt(oidC, "US"), utf8(oidO, "Other"), utf8(oidCN, "alice"))}, false, dirR+": O=Other is outside")
	nc("nc-dirname-case", perm(gnDir(exOrg)), []opt{dirLeaf(prt(oidC, "US"), utf8(oidO, "EXAMPLE"), utf8(oidCN, "alice"))}, true, dirR+" with RFC 5280 7.1: O=EXAMPLE equals O=Example")
	nc("nc-dirname-printable", perm(gnDir(exOrg)), []opt{dirLeaf(prt(oidC, "US"), prt(oidO, "Example"), utf8(oidCN, "alice"))}, true, dirR+" with RFC 5280 7.1: PrintableString and UTF8String compare equal")
	nc("nc-dirname-excluded", excl(gnDir(dn(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidOU, "Bad")))),
		[]opt{dirLeaf(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidOU, "Bad"), utf8(oidCN, "mallory"))}, false, dirR+": in the excluded subtree")
	nc("nc-dirname-excluded-other-ou", excl(gnDir(dn(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidOU, "Bad")))),
		[]opt{dirLeaf(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidOU, "Good"), utf8(oidCN, "alice"))}, true, dirR)
	nc("nc-dirname-san-outside", perm(gnDir(exOrg)),
		[]opt{dirLeaf(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidCN, "alice")), sanOpt(false, gnDir(dn(prt(oidC, "US"), utf8(oidO, "Other"))))}, false, dirR+": a directoryName SAN outside the subtree")
	nc("nc-dirname-only-dns-san", perm(gnDir(exOrg)), []opt{sanDNS("www.example.net"), func(t *x509.Certificate) {
		t.RawSubject = dn(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidCN, "www.example.net"))
	}}, true,
		"RFC 5280 4.2.1.10: only the directoryName form is constrained; the subject is inside")
	// Where constraints may be, and how they are marked.
	nc("nc-noncritical", []opt{ncOpt(false, list(gnDNS("example.com")), nil)}, []opt{sanDNS("www.example.com")}, false, "RFC 5280 4.2.1.10: conforming CAs MUST mark name constraints critical (a profile rule: strict)")
	nc("nc-noncritical-lenient", []opt{ncOpt(false, list(gnDNS("example.com")), nil)}, []opt{sanDNS("www.example.com")}, true, "RFC 5280 4.2.1.10: non-critical constraints break the profile only; --lenient warns", func(s *spec) { s.lenient = true })
	nc("nc-noncritical-still-applied", []opt{ncOpt(false, list(gnDNS("example.com")), nil)}, []opt{sanDNS("www.example.net")}, false, "RFC 5280 6.1.4(g): the constraints apply whatever their criticality", func(s *spec) { s.lenient = true })
	nc("nc-on-leaf", nil, []opt{sanDNS("www.example.com"), ncOpt(true, list(gnDNS("example.com")), nil)}, false, "RFC 5280 4.2.1.10: name constraints MUST be used only in a CA certificate (a profile rule: strict)")
	ncRoot := g.ca("NC Root", nil, ncOpt(true, list(gnDNS("example.com")), nil))
	ncRootInt := g.ca("Under NC Root", ncRoot)
	g.add(g.chain3(g.ee(ncRootInt, sanDNS("www.example.net")), ncRootInt, ncRoot).with(func(s *spec) {
		s.name, s.group, s.valid = "nc-anchor-constraints", "nc", false
		s.reason = "RFC 5280 6.1.1(d) does not process the anchor's constraints (RFC 5937 may); OpenSSL and Go apply them, and so does the stricter reading"
	}))
	g.add(g.chain3(g.ee(ncRootInt, sanDNS("www.example.com")), ncRootInt, ncRoot).with(func(s *spec) {
		s.name, s.group, s.valid, s.reason = "nc-anchor-constraints-ok", "nc", true, "the anchor's constraint is met"
	}))
	// Nested constraints: both CAs' subtrees apply (6.1.4(g): intersection).
	outer := g.ca("NC Outer", g.root, ncOpt(true, list(gnDNS("example.com")), nil))
	inner := g.ca("NC Inner", outer, ncOpt(true, list(gnDNS("example.org")), nil))
	g.add(spec{name: "nc-nested-disjoint", group: "nc", leaf: g.ee(inner, sanDNS("www.example.org")).Raw, bundle: ders(outer, inner), roots: ders(g.root),
		reason: "RFC 5280 6.1.4(g)(1): the permitted subtrees intersect to nothing, www.example.org is outside the outer example.com"})
	inner2 := g.ca("NC Inner 2", outer, ncOpt(true, list(gnDNS("www.example.com")), nil))
	g.add(spec{name: "nc-nested-narrower", group: "nc", leaf: g.ee(inner2, sanDNS("www.example.com")).Raw, bundle: ders(outer, inner2), roots: ders(g.root), valid: true,
		reason: "RFC 5280 6.1.4(g)(1): within both subtrees"})
	g.add(spec{name: "nc-nested-narrower-outside", group: "nc", leaf: g.ee(inner2, sanDNS("api.example.com")).Raw, bundle: ders(outer, inner2), roots: ders(g.root),
		reason: "RFC 5280 6.1.4(g)(1): inside the outer subtree, outside the inner one"})
	// Bounded work: 1100 constraints × 1100 names is over a million
	// comparisons, above OpenSSL's limit (2^20) and Go's (250000).
	var many [][]byte
	var dns []string
	for i := range 1100 {
		many = append(many, gnDNS(fmt.Sprintf("d%d.example.com", i)))
		dns = append(dns, fmt.Sprintf("h.d%d.example.com", i))
	}
	nc("nc-too-many-comparisons", []opt{ncOpt(true, many, nil)}, []opt{sanDNS(dns...)}, false,
		"issue 9 rule 5: name-constraint checking is bounded; 1100 constraints × 1100 names (every name permitted) is refused, as OpenSSL (over 2^20 checks) and Go (over 250000) refuse it")
}

// ---- self-issued certificates (RFC 5280 6.1.3(b), 6.1.4(h),(l),(m)) ----

func (g *gen) selfIssuedCases() {
	add := func(name string, s spec, valid bool, reason string) {
		s.name, s.group, s.valid, s.reason = name, "selfissued", valid, reason
		g.add(s)
	}
	p0 := g.ca("SI Pathlen 0 CA", g.root, pathLen(0))
	roll := g.selfIssued(p0)
	add("si-pathlen0-rollover", spec{leaf: g.ee(roll, sanDNS("www.example.com")).Raw, bundle: ders(p0, roll), roots: ders(g.root)}, true,
		"RFC 5280 6.1.4(l): a self-issued certificate does not count against pathLenConstraint 0")
	roll2 := g.selfIssued(roll)
	add("si-pathlen0-two-rollovers", spec{leaf: g.ee(roll2, sanDNS("www.example.com")).Raw, bundle: ders(p0, roll, roll2), roots: ders(g.root)}, true,
		"RFC 5280 6.1.4(l): two self-issued certificates, neither counted")
	sub := g.ca("SI Sub CA", roll)
	add("si-pathlen0-then-sub", spec{leaf: g.ee(sub, sanDNS("www.example.com")).Raw, bundle: ders(p0, roll, sub), roots: ders(g.root)}, false,
		"RFC 5280 6.1.4(m): the CA below the self-issued one counts, pathLenConstraint 0 forbids it")
	p1 := g.ca("SI Pathlen 1 CA", g.root, pathLen(1))
	j := g.ca("SI Under Pathlen 1", p1)
	jr := g.selfIssued(j)
	add("si-pathlen1-sub-rollover", spec{leaf: g.ee(jr, sanDNS("www.example.com")).Raw, bundle: ders(p1, j, jr), roots: ders(g.root)}, true,
		"RFC 5280 6.1.4(l): one CA counted, the self-issued one not")
	r0 := g.ca("SI Root Pathlen 0", nil, pathLen(0))
	r0new := g.selfIssued(r0)
	add("si-root-new-with-old", spec{leaf: g.ee(r0new, sanDNS("www.example.com")).Raw, bundle: ders(r0new), roots: ders(r0)}, true,
		"RFC 5280 6.1.4(l): the root's new-with-old certificate is self-issued and not counted (and the anchor's pathLen is no input, 6.1.1(d))")
	r0sub := g.ca("SI Under Root Pathlen 0", r0new)
	add("si-root-new-with-old-then-sub", spec{leaf: g.ee(r0sub, sanDNS("www.example.com")).Raw, bundle: ders(r0new, r0sub), roots: ders(r0)}, false,
		"RFC 5280 6.1.4(m): the new root key's certificate has pathLenConstraint 0 too (it is a copy of the root's), the sub CA is one too many")
	// Name constraints are not applied to self-issued intermediates.
	ncCA := g.ca("SI NC CA", g.root, rawSubject(dn(prt(oidC, "US"), utf8(oidO, "Corpus"), utf8(oidCN, "SI NC CA"))),
		ncOpt(true, list(gnDir(dn(prt(oidC, "US"), utf8(oidO, "Example")))), nil))
	ncRoll := g.selfIssued(ncCA)
	ncLeaf := g.ee(ncRoll, func(t *x509.Certificate) {
		t.RawSubject = dn(prt(oidC, "US"), utf8(oidO, "Example"), utf8(oidCN, "alice"))
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})
	add("si-nc-dirname-skipped", spec{leaf: ncLeaf.Raw, bundle: ders(ncCA, ncRoll), roots: ders(g.root)}, true,
		"RFC 5280 6.1.3(b),(c): the self-issued intermediate (O=Corpus, outside O=Example) is not the last certificate, so its names are not checked")
	dnsCA := g.ca("SI DNS NC CA", g.root, ncOpt(true, list(gnDNS("example.com")), nil))
	dnsRoll := g.selfIssued(dnsCA, func(t *x509.Certificate) { t.DNSNames = []string{"ca.example.net"} })
	add("si-nc-san-skipped", spec{leaf: g.ee(dnsRoll, sanDNS("www.example.com")).Raw, bundle: ders(dnsCA, dnsRoll), roots: ders(g.root)}, true,
		"RFC 5280 6.1.3(b): the self-issued intermediate's SAN ca.example.net is not checked")
	selfLeaf := g.ee(dnsCA, sanDNS("www.example.net"), func(t *x509.Certificate) {
		t.RawSubject, t.Subject = dnsCA.RawSubject, pkix.Name{}
		t.AuthorityKeyId = dnsCA.SubjectKeyId // Go leaves it out when the names are equal
	})
	add("si-nc-final-self-issued-checked", spec{leaf: selfLeaf.Raw, bundle: ders(dnsCA), roots: ders(g.root)}, false,
		"RFC 5280 6.1.3(b): a self-issued certificate that is the last of the path is checked: www.example.net is outside")
}

// ---- partial chains: which certificates are trust anchors ----

func (g *gen) partial() {
	add := func(name string, s spec, valid bool, reason string) {
		s.name, s.group, s.valid, s.reason = name, "partial", valid, reason
		g.add(s)
	}
	pc := func(s *spec) { s.pkit = append(s.pkit, "--partial-chain"); s.ossl = append(s.ossl, "-partial_chain") }
	const anchorRule = "pkit's anchors (issue 9 rule 1), as OpenSSL without -partial_chain, nginx and HAProxy: only a self-signed certificate is a trust anchor; RFC 5280 6.1.1(d) leaves the choice to the relying party"
	base := spec{leaf: g.leaf.Raw, roots: ders(g.inter)}
	add("partial-int-anchor", base, false, anchorRule)
	add("partial-int-anchor-flag", base.with(pc), true, "--partial-chain makes the intermediate an anchor (RFC 5280 6.1.1(d))")
	add("partial-int-anchor-root-untrusted", base.with(func(s *spec) { s.bundle = ders(g.root) }), false, anchorRule+"; the root is only in the untrusted bundle")
	add("partial-int-anchor-root-untrusted-flag", base.with(func(s *spec) { s.bundle = ders(g.root); pc(s) }), true, "--partial-chain: the trusted intermediate ends the path")
	add("partial-both-trusted", spec{leaf: g.leaf.Raw, roots: ders(g.inter, g.root)}, true, "the path reaches the self-signed root, which is trusted")
	add("partial-flag-full-chain", g.chain3(g.leaf, g.inter, g.root).with(pc), true, "--partial-chain changes nothing for a path to a root")
	expInt := g.ca("Expired Anchor CA", g.root, validity(Base.AddDate(-2, 0, 0), Base.AddDate(0, 0, -1)))
	add("partial-expired-int-anchor-flag", spec{leaf: g.ee(expInt, sanDNS("www.example.com")).Raw, roots: ders(expInt)}.with(pc), false,
		"an expired anchor certificate: OpenSSL and Go refuse it (RFC 5280 6.1.1(d) leaves it to the relying party)")
	ncInt := g.ca("NC Anchor CA", g.root, ncOpt(true, list(gnDNS("example.org")), nil))
	add("partial-nc-int-anchor-flag", spec{leaf: g.ee(ncInt, sanDNS("www.example.com")).Raw, roots: ders(ncInt)}.with(pc), false,
		"the anchor's name constraints: OpenSSL and Go apply them (RFC 5937), www.example.com is outside example.org")
	add("partial-leaf-issued-by-root-anchor", spec{leaf: g.ee(g.root, sanDNS("www.example.com")).Raw, roots: ders(g.root)}.with(pc), true, "a root anchor with --partial-chain")
}

// ---- distinguished-name comparison (RFC 5280 7.1) ----

func (g *gen) dnCompare() {
	caName := dn(prt(oidC, "US"), utf8(oidO, "Example Org"), utf8(oidCN, "DN Test CA"))
	ca := g.ca("", g.root, rawSubject(caName))
	// leafUnder issues a leaf whose issuer field is name (the CA's key).
	leafUnder := func(name []byte) *Cert {
		p := *ca.Certificate
		p.RawSubject = name
		return g.ee(&Cert{Certificate: &p, Key: ca.Key}, sanDNS("www.example.com"))
	}
	add := func(name string, issuer []byte, valid bool, reason string) {
		g.add(spec{name: name, group: "dn", leaf: leafUnder(issuer).Raw, bundle: ders(ca), roots: ders(g.root), valid: valid, reason: reason})
	}
	const r71 = "RFC 5280 7.1 (RFC 4518 string preparation: case folding, insignificant spaces, PrintableString = UTF8String)"
	add("dn-identical", caName, true, "RFC 5280 6.1.3(a)(4): the issuer is the CA's subject")
	add("dn-case", dn(prt(oidC, "us"), utf8(oidO, "EXAMPLE ORG"), utf8(oidCN, "dn test ca")), true, r71+": names differ in case only")
	add("dn-inner-spaces", dn(prt(oidC, "US"), utf8(oidO, "Example   Org"), utf8(oidCN, "DN  Test  CA")), true, r71+": runs of spaces compare as one")
	add("dn-outer-spaces", dn(prt(oidC, "US"), utf8(oidO, " Example Org "), utf8(oidCN, "DN Test CA  ")), true, r71+": leading and trailing spaces are insignificant")
	add("dn-printable-vs-utf8", dn(prt(oidC, "US"), prt(oidO, "Example Org"), prt(oidCN, "DN Test CA")), true, r71+": PrintableString and UTF8String of the same value")
	add("dn-other-value", dn(prt(oidC, "US"), utf8(oidO, "Example Org"), utf8(oidCN, "DN Test CB")), false, "RFC 5280 6.1.3(a)(4): CN=DN Test CB is another name")
	add("dn-other-order", dn(utf8(oidO, "Example Org"), prt(oidC, "US"), utf8(oidCN, "DN Test CA")), false, "RFC 5280 7.1: RDNs compare in order")
	add("dn-extra-rdn", dn(prt(oidC, "US"), utf8(oidO, "Example Org"), utf8(oidOU, "IT"), utf8(oidCN, "DN Test CA")), false, "RFC 5280 7.1: a name with one more RDN is another name")
	add("dn-missing-rdn", dn(prt(oidC, "US"), utf8(oidCN, "DN Test CA")), false, "RFC 5280 7.1: a name with one RDN less is another name")
	add("dn-other-type", dn(prt(oidC, "US"), utf8(oidOU, "Example Org"), utf8(oidCN, "DN Test CA")), false, "RFC 5280 7.1: OU is not O")
	uCA := g.ca("", g.root, rawSubject(dn(utf8(oidO, "Ünïcödé Org"), utf8(oidCN, "Unicode CA"))))
	up := *uCA.Certificate
	up.RawSubject = dn(utf8(oidO, "üNÏCÖDÉ ORG"), utf8(oidCN, "unicode ca"))
	ul := g.ee(&Cert{Certificate: &up, Key: uCA.Key}, sanDNS("www.example.com"))
	g.add(spec{name: "dn-unicode-case", group: "dn", leaf: ul.Raw, bundle: ders(uCA), roots: ders(g.root), valid: true, reason: r71 + ": Unicode case folding (RFC 4518 2.2)"})
}

// ---- CRLs (RFC 5280 5, 6.3) ----

func reasonFlags(bits ...int) []byte {
	max := 0
	for _, b := range bits {
		if b > max {
			max = b
		}
	}
	v := make([]byte, max/8+1)
	for _, b := range bits {
		v[b/8] |= 0x80 >> (b % 8)
	}
	return append([]byte{byte(7 - max%8)}, v...)
}

func (g *gen) crls() {
	root, inter := g.root, g.inter
	rootCRL := g.crl(crlSpec{issuer: root, number: 1})
	dpURI := "http://crl.example.com/inter.crl"
	leaf := g.ee(inter, sanDNS("www.example.com"))
	dpLeaf := g.ee(inter, sanDNS("www.example.com"), crlDP([]string{dpURI}, nil))
	add := func(name string, l *Cert, crls [][]byte, valid bool, reason string, mods ...func(*spec)) {
		s := g.chain3(l, inter, root)
		s.name, s.group, s.crls, s.valid, s.reason = name, "crl", crls, valid, reason
		for _, m := range mods {
			m(&s)
		}
		g.add(s)
	}
	interCRL := func(s crlSpec) []byte { s.issuer = inter; return g.crl(s) }
	const undetermined = "; no usable CRL covers it, so its status is UNDETERMINED (6.3.3(k)) and the path is not accepted"

	add("crl-good", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2})}, true, "RFC 5280 6.3.3: current CRLs, the leaf and the intermediate are not listed")
	add("crl-leaf-revoked", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(i): the leaf is listed (keyCompromise)")
	add("crl-leaf-revoked-no-reason", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, revoke: []crlEntry{revoked(leaf, -1)}})}, false, "RFC 5280 6.3.3(i): listed without a reason code (unspecified)")
	add("crl-leaf-on-hold", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, revoke: []crlEntry{revoked(leaf, 6)}})}, false, "RFC 5280 5.3.1, 6.3.3(i): certificateHold")
	add("crl-int-revoked", leaf, [][]byte{g.crl(crlSpec{issuer: root, number: 2, revoke: []crlEntry{revoked(inter, 2)}}), interCRL(crlSpec{number: 2})}, false, "RFC 5280 6.3.3(i): the intermediate is listed on the root's CRL")
	add("crl-root-crl-missing", leaf, [][]byte{interCRL(crlSpec{number: 2})}, false, "RFC 5280 6.3: the intermediate's status"+undetermined)
	add("crl-int-crl-missing", leaf, [][]byte{rootCRL}, false, "RFC 5280 6.3: the leaf's status"+undetermined)
	add("crl-expired", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, this: Base.AddDate(0, 0, -10), next: Base.AddDate(0, 0, -1)})}, false, "RFC 5280 6.3.3(a): the CRL's nextUpdate has passed"+undetermined)
	add("crl-not-yet-valid", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, this: Base.AddDate(0, 0, 1), next: Base.AddDate(0, 0, 30)})}, false, "RFC 5280 5.1.2.4: the CRL's thisUpdate is in the future"+undetermined)
	add("crl-no-next-update", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, noNext: true})}, true,
		"RFC 5280 6.3.3(a) tests nextUpdate only when it is there (5.1.2.5's MUST binds the CRL issuer, not the relying party); OpenSSL uses such a CRL too")
	badSig := interCRL(crlSpec{number: 2})
	badSig[len(badSig)-3] ^= 0x55
	add("crl-bad-signature", leaf, [][]byte{rootCRL, badSig}, false, "RFC 5280 6.3.3(g): the CRL's signature does not verify"+undetermined)
	other := g.caKey("", ecKey(), nil, rawSubject(inter.RawSubject)) // same name, other key, certified by nobody
	add("crl-signed-by-namesake", leaf, [][]byte{rootCRL, g.crl(crlSpec{issuer: other, number: 2})}, false, "RFC 5280 6.3.3(f): the CRL is signed by a self-signed namesake of the issuer, which has no path to the anchor"+undetermined,
		func(s *spec) { s.bundle = ders(inter, other) })
	add("crl-unknown-critical-ext", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{{oid: oidExtUnknown, critical: true, value: derInt(1)}}})}, false, "RFC 5280 5.2: a CRL with an unknown critical extension MUST NOT be used"+undetermined)
	add("crl-unknown-noncritical-ext", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{{oid: oidExtUnknown, value: derInt(1)}}})}, true, "RFC 5280 5.2: unknown non-critical extensions are ignored")
	other2 := g.ee(inter, sanDNS("other.example.com"))
	add("crl-unknown-critical-entry-ext", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, revoke: []crlEntry{revoked(other2, 1, ext{oid: oidExtUnknown, critical: true, value: derInt(1)})}})}, false,
		"RFC 5280 5.3: a CRL with an unknown critical entry extension MUST NOT be used for any certificate"+undetermined)
	add("crl-no-number", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: -1})}, false, "RFC 5280 5.2.3: conforming CRLs MUST carry a CRL number; pkit does not check against one (issue 9 rule 3)")
	add("crl-v1", leaf, [][]byte{rootCRL, interCRL(crlSpec{v1: true, number: -1})}, false, "RFC 5280 5.1.2.1, 5.2.3: a v1 CRL has no CRL number (read, but not used for checking; issue 9 rule 3)")
	add("crl-issuer-name-case", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, name: caseDN(inter)})}, true,
		"RFC 5280 6.3.3(b)(1), 7.1: the CRL's issuer is the certificate's issuer, written in upper case as UTF8String; the leaf is not listed")

	// Scope: issuingDistributionPoint (RFC 5280 5.2.5, 6.3.3(b)(2)).
	add("crl-idp-only-user", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{onlyUser: true}.ext()}})}, true, "RFC 5280 6.3.3(b)(2)(iii): onlyContainsUserCerts covers the leaf")
	add("crl-idp-only-user-revoked", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{onlyUser: true}.ext()}, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(i): listed on a CRL whose scope covers it")
	add("crl-idp-only-ca-for-leaf", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{onlyCA: true}.ext()}})}, false, "RFC 5280 6.3.3(b)(2)(ii): onlyContainsCACerts does not cover the leaf"+undetermined)
	add("crl-idp-only-ca-for-int", leaf, [][]byte{g.crl(crlSpec{issuer: root, number: 2, exts: []ext{idpSpec{onlyCA: true}.ext()}}), interCRL(crlSpec{number: 2})}, true, "RFC 5280 6.3.3(b)(2)(ii): onlyContainsCACerts covers the intermediate")
	add("crl-idp-only-ca-int-revoked", leaf, [][]byte{g.crl(crlSpec{issuer: root, number: 2, exts: []ext{idpSpec{onlyCA: true}.ext()}, revoke: []crlEntry{revoked(inter, 2)}}), interCRL(crlSpec{number: 2})}, false, "RFC 5280 6.3.3(i): the intermediate is listed")
	add("crl-idp-only-user-for-int", leaf, [][]byte{g.crl(crlSpec{issuer: root, number: 2, exts: []ext{idpSpec{onlyUser: true}.ext()}}), interCRL(crlSpec{number: 2})}, false, "RFC 5280 6.3.3(b)(2)(iii): onlyContainsUserCerts does not cover the CA"+undetermined)
	add("crl-idp-only-attr", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{onlyAttr: true}.ext()}})}, false, "RFC 5280 6.3.3(b)(2)(iv): onlyContainsAttributeCerts covers no public-key certificate"+undetermined)
	add("crl-idp-some-reasons-only", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{reasons: reasonFlags(1)}.ext()}})}, false, "RFC 5280 6.3.3(d),(j): the CRL covers keyCompromise only; the other reasons stay unchecked"+undetermined)
	add("crl-idp-some-reasons-complete", leaf, [][]byte{rootCRL,
		interCRL(crlSpec{number: 2, exts: []ext{idpSpec{reasons: reasonFlags(1)}.ext()}}),
		interCRL(crlSpec{number: 3, exts: []ext{idpSpec{reasons: reasonFlags(2, 3, 4, 5, 6, 7, 8)}.ext()}})}, true, "RFC 5280 6.3.3(d),(j): two CRLs whose reasons together are all reasons, the leaf on neither")
	add("crl-idp-some-reasons-revoked", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{reasons: reasonFlags(1)}.ext()}, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(i): revoked for keyCompromise on the keyCompromise CRL")
	add("crl-idp-dp-match", dpLeaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{uris: []string{dpURI}}.ext()}})}, true, "RFC 5280 6.3.3(b)(2)(i): the IDP name matches the certificate's distribution point")
	add("crl-idp-dp-match-revoked", dpLeaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{uris: []string{dpURI}}.ext()}, revoke: []crlEntry{revoked(dpLeaf, 1)}})}, false, "RFC 5280 6.3.3(i): listed on the CRL of its distribution point")
	add("crl-idp-dp-mismatch", dpLeaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{uris: []string{"http://crl.example.com/other.crl"}}.ext()}})}, false, "RFC 5280 6.3.3(b)(2)(i): the IDP name is not the certificate's distribution point"+undetermined)
	add("crl-idp-dp-one-of-two", dpLeaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{uris: []string{"ldap://ldap.example.com/cn=x", dpURI}}.ext()}})}, true, "RFC 5280 6.3.3(b)(2)(i): one of the IDP names matches")
	add("crl-idp-dp-cert-without-dp", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 2, exts: []ext{idpSpec{uris: []string{dpURI}}.ext()}})}, false, "RFC 5280 6.3.3(b)(2)(i): the CRL is for one distribution point, the certificate names none (so the CRL issuer's name would have to match a URI)"+undetermined)

	// Delta CRLs (RFC 5280 5.2.4, 6.3.3(c),(d)).
	delta := func(base int64, s crlSpec) []byte {
		s.exts = append(s.exts, ext{oid: oidExtDeltaCRL, critical: true, value: derInt(base)})
		return interCRL(s)
	}
	// The complete CRLs point to their deltas (freshestCRL, RFC 5280
	// 5.2.6); OpenSSL looks for deltas only then.
	freshest := ext{oid: oidExtFreshest, value: seq(seq(tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), gnURI("http://crl.example.com/delta.crl")))))}
	complete := func(s crlSpec) []byte { s.exts = append(s.exts, freshest); return interCRL(s) }
	baseGood := complete(crlSpec{number: 10})
	add("crl-delta-revokes", leaf, [][]byte{rootCRL, baseGood, delta(10, crlSpec{number: 11, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(d),(i): the delta CRL on top of complete CRL 10 lists the leaf")
	add("crl-delta-empty", leaf, [][]byte{rootCRL, baseGood, delta(10, crlSpec{number: 11})}, true, "RFC 5280 6.3.3: complete CRL and delta, the leaf on neither")
	add("crl-delta-alone", leaf, [][]byte{rootCRL, delta(10, crlSpec{number: 11})}, false, "RFC 5280 5.2.4: a delta CRL is never a complete CRL"+undetermined)
	add("crl-delta-alone-revokes", leaf, [][]byte{rootCRL, delta(10, crlSpec{number: 11, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(i): listed on the delta (and no complete CRL)")
	add("crl-delta-newer-base", leaf, [][]byte{rootCRL, baseGood, delta(12, crlSpec{number: 13, revoke: []crlEntry{revoked(leaf, 1)}})}, true,
		"RFC 5280 5.2.4: the delta needs a complete CRL numbered 12 or more; it cannot be applied to CRL 10, which is current and does not list the leaf")
	add("crl-delta-remove-from-crl", leaf, [][]byte{rootCRL, complete(crlSpec{number: 10, revoke: []crlEntry{revoked(leaf, 6)}}), delta(10, crlSpec{number: 11, revoke: []crlEntry{revoked(leaf, 8)}})}, true,
		"RFC 5280 5.3.1, 6.3.3(i),(j): the delta's removeFromCRL releases the hold of the complete CRL")
	add("crl-delta-on-hold", leaf, [][]byte{rootCRL, complete(crlSpec{number: 10, revoke: []crlEntry{revoked(leaf, 6)}}), delta(10, crlSpec{number: 11})}, false, "RFC 5280 6.3.3(i): on hold in the complete CRL, not released by the delta")
	add("crl-remove-from-crl-in-complete", leaf, [][]byte{rootCRL, interCRL(crlSpec{number: 10, revoke: []crlEntry{revoked(leaf, 8)}})}, true,
		"RFC 5280 6.3.3(i),(j): an entry with removeFromCRL leaves the certificate UNREVOKED (5.3.1: the code belongs in delta CRLs; it does not revoke)")
	add("crl-delta-other-issuer", leaf, [][]byte{rootCRL, baseGood, g.crl(crlSpec{issuer: root, number: 11, exts: []ext{{oid: oidExtDeltaCRL, critical: true, value: derInt(1)}}, revoke: []crlEntry{revoked(leaf, 1)}})}, true,
		"RFC 5280 6.3.3(c)(1): a delta from another issuer (the root) does not apply to the intermediate's certificates; the complete CRL is clean")

	// Indirect CRLs (RFC 5280 5.2.5 indirectCRL, 5.3.3 certificateIssuer, 6.3.3(b)(1)).
	crlIssuer := g.ca("Corpus CRL Issuer", root, func(t *x509.Certificate) {
		t.IsCA = false
		t.MaxPathLen = 0
		t.KeyUsage = x509.KeyUsageCRLSign
	})
	indLeaf := g.ee(inter, sanDNS("www.example.com"), crlDP(nil, crlIssuer.RawSubject))
	certIssuer := func(name []byte) ext {
		return ext{oid: oidExtCertIssuer, critical: true, value: seq(gnDir(name))}
	}
	indirect := func(s crlSpec) []byte {
		s.issuer = crlIssuer
		s.exts = append(s.exts, idpSpec{indirect: true}.ext())
		return g.crl(s)
	}
	addInd := func(name string, l *Cert, crls [][]byte, valid bool, reason string) {
		add(name, l, crls, valid, reason, func(s *spec) { s.bundle = ders(inter, crlIssuer) })
	}
	addInd("crl-indirect-good", indLeaf, [][]byte{rootCRL, indirect(crlSpec{number: 5})}, true, "RFC 5280 6.3.3(b)(1): the DP's cRLIssuer issued an indirect CRL that does not list the leaf")
	addInd("crl-indirect-revoked", indLeaf, [][]byte{rootCRL, indirect(crlSpec{number: 5, revoke: []crlEntry{revoked(indLeaf, 1, certIssuer(inter.RawSubject))}})}, false,
		"RFC 5280 5.3.3, 6.3.3(i): listed with certificateIssuer = the intermediate")
	addInd("crl-indirect-other-ca-entry", indLeaf, [][]byte{rootCRL, indirect(crlSpec{number: 5, revoke: []crlEntry{revoked(indLeaf, 1, certIssuer(g.root.RawSubject))}})}, true,
		"RFC 5280 5.3.3: the entry with the leaf's serial belongs to another CA (certificateIssuer = the root)")
	addInd("crl-indirect-inherited-issuer", indLeaf, [][]byte{rootCRL, indirect(crlSpec{number: 5, revoke: []crlEntry{
		{serial: big.NewInt(999999), at: Base.AddDate(0, 0, -3), reason: 1, exts: []ext{certIssuer(inter.RawSubject)}},
		revoked(indLeaf, 1)}})}, false,
		"RFC 5280 5.3.3: an entry without certificateIssuer takes the previous entry's, the intermediate: the leaf is revoked")
	addInd("crl-indirect-first-entry-default", indLeaf, [][]byte{rootCRL, indirect(crlSpec{number: 5, revoke: []crlEntry{revoked(indLeaf, 1)}})}, true,
		"RFC 5280 5.3.3: the first entry without certificateIssuer belongs to the CRL issuer, not to the intermediate")
	addInd("crl-indirect-no-flag", indLeaf, [][]byte{rootCRL, g.crl(crlSpec{issuer: crlIssuer, number: 5})}, false,
		"RFC 5280 6.3.3(b)(1): the CRL from the cRLIssuer lacks indirectCRL in its IDP"+undetermined)
	addInd("crl-indirect-dp-without-crlissuer", leaf, [][]byte{rootCRL, indirect(crlSpec{number: 5})}, false,
		"RFC 5280 6.3.3(b)(1): the certificate names no cRLIssuer, so only its issuer's CRLs apply"+undetermined)
	noSign := g.ca("Corpus CRL Issuer", root, func(t *x509.Certificate) {
		t.IsCA = false
		t.MaxPathLen = 0
		t.KeyUsage = x509.KeyUsageDigitalSignature
	})
	add("crl-indirect-signer-without-crlsign", indLeaf, [][]byte{rootCRL, g.crl(crlSpec{issuer: noSign, number: 5, exts: []ext{idpSpec{indirect: true}.ext()}})}, false,
		"RFC 5280 6.3.3(f): the CRL issuer's key usage lacks cRLSign"+undetermined, func(s *spec) { s.bundle = ders(inter, noSign) })

	// A CRL signed by another key of the issuer (RFC 5280 6.3.3(f)).
	signer := g.caKey("", ecKey(), root, rawSubject(inter.RawSubject), func(t *x509.Certificate) {
		t.IsCA = false
		t.MaxPathLen = 0
		t.KeyUsage = x509.KeyUsageCRLSign
	})
	bySigner := func(s crlSpec) []byte { s.issuer = signer; return g.crl(s) }
	addSigner := func(name string, crls [][]byte, valid bool, reason string) {
		add(name, leaf, crls, valid, reason, func(s *spec) { s.bundle = ders(inter, signer) })
	}
	addSigner("crl-separate-signer", [][]byte{rootCRL, bySigner(crlSpec{number: 2})}, true, "RFC 5280 6.3.3(f): the CRL signer has the issuer's name, cRLSign, and a path to the same anchor")
	addSigner("crl-separate-signer-revoked", [][]byte{rootCRL, bySigner(crlSpec{number: 2, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(i): listed on the separately signed CRL")
	// The same, the signer certified by the CA itself (a self-issued
	// certificate for its other key).
	siSigner := g.selfIssued(inter, func(t *x509.Certificate) { t.IsCA = false; t.MaxPathLen = 0; t.KeyUsage = x509.KeyUsageCRLSign })
	bySI := func(s crlSpec) []byte { s.issuer = siSigner; return g.crl(s) }
	add("crl-self-issued-signer", leaf, [][]byte{rootCRL, bySI(crlSpec{number: 2})}, true, "RFC 5280 6.3.3(f): the CA certified its own CRL-signing key (cRLSign), a path to the same anchor",
		func(s *spec) { s.bundle = ders(inter, siSigner) })
	add("crl-self-issued-signer-revoked", leaf, [][]byte{rootCRL, bySI(crlSpec{number: 2, revoke: []crlEntry{revoked(leaf, 1)}})}, false, "RFC 5280 6.3.3(i): listed on the CRL of the CA's CRL-signing key",
		func(s *spec) { s.bundle = ders(inter, siSigner) })
	add("crl-separate-signer-missing", leaf, [][]byte{rootCRL, bySigner(crlSpec{number: 2})}, false, "RFC 5280 6.3.3(f): the signer's certificate is not at hand"+undetermined)
	otherRoot := g.ca("Other CRL Root", nil)
	foreign := g.caKey("", ecKey(), otherRoot, rawSubject(inter.RawSubject), func(t *x509.Certificate) { t.IsCA = false; t.MaxPathLen = 0; t.KeyUsage = x509.KeyUsageCRLSign })
	add("crl-separate-signer-other-anchor", leaf, [][]byte{rootCRL, g.crl(crlSpec{issuer: foreign, number: 2})}, false,
		"RFC 5280 6.3.3(f): the CRL signer's path ends at another trust anchor"+undetermined, func(s *spec) {
			s.bundle = ders(inter, foreign)
			s.roots = ders(root, otherRoot)
		})
	weakSigner := g.caKey("", ecKey(), root, rawSubject(inter.RawSubject), func(t *x509.Certificate) {
		t.IsCA = false
		t.MaxPathLen = 0
		t.KeyUsage = x509.KeyUsageDigitalSignature
	})
	add("crl-separate-signer-without-crlsign", leaf, [][]byte{rootCRL, g.crl(crlSpec{issuer: weakSigner, number: 2})}, false,
		"RFC 5280 6.3.3(f): the signer's key usage lacks cRLSign"+undetermined, func(s *spec) { s.bundle = ders(inter, weakSigner) })
	// Key rollover: the CA's new key signs CRLs for certificates of the old.
	newInter := g.caKey("", ecKey(), root, rawSubject(inter.RawSubject))
	byNew := func(s crlSpec) []byte { s.issuer = newInter; return g.crl(s) }
	addRoll := func(name string, l *Cert, crls [][]byte, valid bool, reason string) {
		add(name, l, crls, valid, reason, func(s *spec) { s.bundle = ders(inter, newInter) })
	}
	addRoll("crl-rollover-new-key", leaf, [][]byte{rootCRL, byNew(crlSpec{number: 20})}, true, "RFC 5280 6.3.3(f): the CRL is signed by the CA's new key, certified by the same root")
	addRoll("crl-rollover-new-key-revoked", leaf, [][]byte{rootCRL, byNew(crlSpec{number: 20, revoke: []crlEntry{revoked(leaf, 4)}})}, false, "RFC 5280 6.3.3(i): listed on the new key's CRL")
	newLeaf := g.ee(newInter, sanDNS("www.example.com"))
	addRoll("crl-rollover-old-key-for-new", newLeaf, [][]byte{rootCRL, interCRL(crlSpec{number: 20})}, true, "RFC 5280 6.3.3(f): the old key, still certified, signs the CRL for the new key's certificates")
	add("crl-rollover-new-cert-missing", leaf, [][]byte{rootCRL, byNew(crlSpec{number: 20})}, false, "RFC 5280 6.3.3(f): the new key's certificate is not at hand"+undetermined)
}

// caseDN is c's subject with every UTF8String upper-cased: the same name
// under RFC 5280 7.1.
func caseDN(c *Cert) []byte {
	var attrs []atv
	for _, rdn := range c.Subject.Names {
		s, _ := rdn.Value.(string)
		up := []byte(s)
		for i, b := range up {
			if b >= 'a' && b <= 'z' {
				up[i] = b - 32
			}
		}
		attrs = append(attrs, utf8(rdn.Type, string(up)))
	}
	return dn(attrs...)
}

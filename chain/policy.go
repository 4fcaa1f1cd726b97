package chain

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"

	"github.com/pkit/pkit/formats"
)

// PolicyOptions are the certificate-policy inputs of RFC 5280 section
// 6.1.1, as openssl verify's -policy, -explicit_policy, -inhibit_map and
// -inhibit_any set them. The zero value is anyPolicy with nothing
// required or inhibited.
type PolicyOptions struct {
	// Initial is the user-initial-policy-set; empty means anyPolicy.
	Initial []asn1.ObjectIdentifier
	// RequireExplicit is initial-explicit-policy: the path must be valid
	// for at least one policy of Initial.
	RequireExplicit bool
	// InhibitMapping is initial-policy-mapping-inhibit.
	InhibitMapping bool
	// InhibitAny is initial-any-policy-inhibit.
	InhibitAny bool
}

// The kinds of certificate-policy problems (RFC 5280 section 6.1). They
// make the chain invalid even under [VerifyOptions.Lenient].
const (
	// NoValidPolicy: an explicit policy is required (by the caller or a
	// CA's policy constraints) and no acceptable policy is valid for the
	// path.
	NoValidPolicy Kind = "no-valid-policy"
	// BadPolicyMapping: a CA maps a policy to or from anyPolicy.
	BadPolicyMapping Kind = "bad-policy-mapping"
	// BadPolicyExtension: a policy extension is malformed (empty, or a
	// negative skip count).
	BadPolicyExtension Kind = "bad-policy-extension"
	// PolicyTooComplex: the policies and mappings of the path make a
	// policy graph larger than pkit evaluates.
	PolicyTooComplex Kind = "policy-too-complex"
)

// Limits of the policy graph (RFC 9618). Its size is polynomial in the
// size of the certificates, but a hostile chain of a few large
// certificates could still make millions of edges; OpenSSL stops at 1000
// nodes (its fix for CVE-2023-0464), and so does pkit, with a bound on
// edges too. Real chains use a handful.
const (
	maxPolicyNodes = 1000
	maxPolicyEdges = 10000
)

var (
	oidAnyPolicy = asn1.ObjectIdentifier{2, 5, 29, 32, 0}
	anyPolicy    = mustOID(oidAnyPolicy)
	anyKey       = oidKey(anyPolicy)

	oidExtCertPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtPolicyMappings   = asn1.ObjectIdentifier{2, 5, 29, 33}
	oidExtPolicyConstr     = asn1.ObjectIdentifier{2, 5, 29, 36}
	oidExtInhibitAnyPolicy = asn1.ObjectIdentifier{2, 5, 29, 54}
)

func mustOID(o asn1.ObjectIdentifier) x509.OID {
	x, err := x509.OIDFromASN1OID(o)
	if err != nil {
		panic(err)
	}
	return x
}

// oidKey is the DER of o, a map key.
func oidKey(o x509.OID) string {
	b, _ := o.MarshalBinary()
	return string(b)
}

// policyNode is a node of the valid policy graph of RFC 9618: one valid
// policy at one depth, its expected policy set and its parents. The
// qualifier set is not kept (pkit reports no qualifiers).
type policyNode struct {
	policy   string   // valid_policy, as DER
	expected []string // expected_policy_set, as DER
	parents  []*policyNode
	children int
}

// policyGraph is the valid_policy_graph; levels[d] holds the nodes of
// depth d by valid policy. A nil graph is RFC 5280's NULL.
type policyGraph struct {
	levels     []map[string]*policyNode
	nodes      int
	edges      int
	tooComplex bool
	st         *policyStats
}

// policyStats measure the work of one policy run, for the tests: the
// largest graph and the steps taken.
type policyStats struct {
	peakNodes, peakEdges, work int
}

func newPolicyGraph(st *policyStats) *policyGraph {
	root := &policyNode{policy: anyKey, expected: []string{anyKey}}
	return &policyGraph{levels: []map[string]*policyNode{{anyKey: root}}, nodes: 1, st: st}
}

// add puts a node at depth d; it reports false (and marks the graph too
// complex) when the graph would pass its limits.
func (g *policyGraph) add(d int, policy string, expected []string, parents []*policyNode) bool {
	if g.nodes+1 > maxPolicyNodes || g.edges+len(parents) > maxPolicyEdges {
		g.tooComplex = true
		return false
	}
	n := &policyNode{policy: policy, expected: expected, parents: parents}
	for _, p := range parents {
		p.children++
	}
	g.levels[d][policy] = n
	g.nodes++
	g.edges += len(parents)
	g.st.peakNodes = max(g.st.peakNodes, g.nodes)
	g.st.peakEdges = max(g.st.peakEdges, g.edges)
	g.st.work += 1 + len(parents)
	return true
}

func (g *policyGraph) remove(d int, n *policyNode) {
	for _, p := range n.parents {
		p.children--
	}
	delete(g.levels[d], n.policy)
	g.nodes--
	g.edges -= len(n.parents)
}

// prune deletes the nodes of depth below d that have no children,
// repeatedly (RFC 5280 6.1.3 (d)(3)). It reports whether the graph still
// has a node at depth d.
func (g *policyGraph) prune(d int) bool {
	for k := d - 1; k >= 0; k-- {
		for _, n := range g.levels[k] {
			g.st.work++
			if n.children == 0 {
				g.remove(k, n)
			}
		}
	}
	return len(g.levels[d]) > 0
}

// policyOIDs maps the DER of the policies seen back to their OIDs.
type policyOIDs map[string]x509.OID

func (o policyOIDs) learn(x x509.OID) string {
	k := oidKey(x)
	if _, ok := o[k]; !ok {
		o[k] = x
	}
	return k
}

func (o policyOIDs) name(key string) string {
	if key == anyKey {
		return "anyPolicy"
	}
	if x, ok := o[key]; ok {
		return x.String()
	}
	return fmt.Sprintf("%x", key)
}

func (o policyOIDs) names(keys []string) string {
	if len(keys) == 0 {
		return "none"
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = o.name(k)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// oidNames lists OIDs for messages, anyPolicy by name.
func oidNames(os []x509.OID) string {
	if len(os) == 0 {
		return "none"
	}
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.String()
		if o.Equal(anyPolicy) {
			out[i] = "anyPolicy"
		}
	}
	return strings.Join(out, ", ")
}

// policyState is what [verifier.policies] carries from one certificate to
// the next, beside the graph: the three counters of RFC 5280 6.1.2 and
// who set each to its value, for messages.
type policyState struct {
	explicit, mapping, inhibitAny int
	explicitBy, mappingBy, anyBy  string
	// notes say where anyPolicy or mappings were inhibited, for the
	// message when no policy is left.
	notes []string
}

// fix adds to fix what the caller can change: the explicit policy or
// the inhibition it asked for.
func (s policyState) fix(fix string) string {
	var opts []string
	if strings.HasPrefix(s.explicitBy, "the caller") {
		opts = append(opts, "--explicit-policy")
	}
	if strings.HasPrefix(s.anyBy, "the caller") {
		opts = append(opts, "--inhibit-any")
	}
	if strings.HasPrefix(s.mappingBy, "the caller") {
		opts = append(opts, "--inhibit-map")
	}
	if len(opts) == 0 {
		return fix
	}
	return fix + "; or verify without " + strings.Join(opts, " and ") + " if the chain need not meet it"
}

// why is the explanation of s.notes, "" when there is none.
func (s policyState) why() string {
	if len(s.notes) == 0 {
		return ""
	}
	return " (" + strings.Join(s.notes, "; ") + ")"
}

// policies runs the certificate-policy processing of RFC 5280 section 6.1
// over the path, in the policy-graph form of RFC 9618, and records the
// user-constrained policy set in v.validPolicies. The trust anchor (the
// top certificate when it is a root or self-issued) is not processed;
// an incomplete path is processed as far as it goes.
func (v *verifier) policies() { v.runPolicies() }

// runPolicies is policies, returning the measure of its work.
func (v *verifier) runPolicies() (st policyStats) {
	v.validPolicies = nil
	m := len(v.chain)
	if m > 0 && v.isAnchor(v.chain[m-1]) {
		m--
	}
	if m == 0 {
		return
	}
	n := m // RFC 5280's n: the certificates of the path below the anchor
	o := v.o.Policy
	g := newPolicyGraph(&st)
	oids := policyOIDs{anyKey: anyPolicy}
	s := policyState{explicit: n + 1, mapping: n + 1, inhibitAny: n + 1}
	if o.RequireExplicit {
		s.explicit, s.explicitBy = 0, "the caller (initial-explicit-policy)"
	}
	if o.InhibitMapping {
		s.mapping, s.mappingBy = 0, "the caller (initial-policy-mapping-inhibit)"
	}
	if o.InhibitAny {
		s.inhibitAny, s.anyBy = 0, "the caller (initial-any-policy-inhibit)"
	}
	initial := map[string]bool{}
	for _, p := range o.Initial {
		x, err := x509.OIDFromASN1OID(p)
		if err != nil {
			continue
		}
		initial[oids.learn(x)] = true
	}
	if len(initial) == 0 {
		initial[anyKey] = true
	}

	var lastPolicies []string // the policies of the last graph level, for messages
	for k := m - 1; k >= 0; k-- {
		c := v.chain[k]
		i := n - k // RFC 5280's i: 1 is the certificate under the anchor, n the leaf
		if !v.policyExtensionsValid(k) {
			return
		}
		self := v.selfIssued(k)

		// 6.1.3 (d) and (e).
		if g != nil && len(c.Policies) > 0 {
			g.levels = append(g.levels, map[string]*policyNode{})
			prev, cur := g.levels[i-1], g.levels[i]
			byExpected := map[string][]*policyNode{}
			for _, p := range prev {
				for _, e := range p.expected {
					st.work++
					byExpected[e] = append(byExpected[e], p)
				}
			}
			certAny := false
			for _, p := range c.Policies {
				st.work++
				key := oids.learn(p)
				if key == anyKey {
					certAny = true
					continue
				}
				parents := byExpected[key]
				if len(parents) == 0 && prev[anyKey] != nil {
					parents = []*policyNode{prev[anyKey]}
				}
				if len(parents) > 0 && !g.add(i, key, []string{key}, parents) {
					break
				}
			}
			if certAny && !(s.inhibitAny > 0 || (i < n && self)) {
				by := s.anyBy
				if by == "" {
					by = "the path's length"
				}
				s.notes = append(s.notes, fmt.Sprintf("the anyPolicy of %s does not count: inhibited by %s", v.name(k), by))
			}
			if certAny && (s.inhibitAny > 0 || (i < n && self)) {
				missing := map[string][]*policyNode{}
				var order []string
				for _, p := range sortedNodes(prev) {
					for _, e := range p.expected {
						st.work++
						if cur[e] == nil {
							if missing[e] == nil {
								order = append(order, e)
							}
							missing[e] = append(missing[e], p)
						}
					}
				}
				for _, e := range order {
					if !g.add(i, e, []string{e}, missing[e]) {
						break
					}
				}
			}
			if g.tooComplex {
				v.policyTooComplex(k)
				return
			}
			lastPolicies = keys(prev)
			if !g.prune(i) {
				g = nil
			}
		} else {
			if g != nil {
				lastPolicies = keys(g.levels[len(g.levels)-1])
			}
			g = nil
		}

		// 6.1.3 (f).
		if s.explicit == 0 && g == nil {
			v.noExplicitPolicy(k, c, s, lastPolicies, oids)
			return
		}

		if k == 0 {
			break
		}
		// 6.1.4 (a) and (b).
		if len(c.PolicyMappings) > 0 {
			for _, mp := range c.PolicyMappings {
				if mp.IssuerDomainPolicy.Equal(anyPolicy) || mp.SubjectDomainPolicy.Equal(anyPolicy) {
					v.addRule(BadPolicyMapping, k, "RFC 5280 6.1.4 (a)", policyRefused,
						"%s maps policy %s to %s in its policy mappings extension: anyPolicy may not be mapped to or from", "re-issue the CA certificate without mappings to or from anyPolicy (2.5.29.32.0)",
						v.name(k), oidNames([]x509.OID{mp.IssuerDomainPolicy}), oidNames([]x509.OID{mp.SubjectDomainPolicy}))
					return
				}
			}
		}
		if g != nil && len(c.PolicyMappings) > 0 {
			cur := g.levels[i]
			if s.mapping > 0 {
				// Group by issuerDomainPolicy, keeping the order of the
				// extension.
				subjects := map[string][]string{}
				seen := map[[2]string]bool{}
				var order []string
				for _, mp := range c.PolicyMappings {
					st.work++
					ik, sk := oids.learn(mp.IssuerDomainPolicy), oids.learn(mp.SubjectDomainPolicy)
					if subjects[ik] == nil {
						order = append(order, ik)
					}
					if !seen[[2]string{ik, sk}] {
						seen[[2]string{ik, sk}] = true
						subjects[ik] = append(subjects[ik], sk)
					}
				}
				for _, ik := range order {
					if node := cur[ik]; node != nil {
						node.expected = subjects[ik]
					} else if cur[anyKey] != nil {
						parent := g.levels[i-1][anyKey]
						if parent == nil {
							continue // cannot happen: an anyPolicy node's parent is anyPolicy
						}
						if !g.add(i, ik, subjects[ik], []*policyNode{parent}) {
							v.policyTooComplex(k)
							return
						}
					}
				}
			} else {
				by := s.mappingBy
				if by == "" {
					by = "the path's length"
				}
				s.notes = append(s.notes, fmt.Sprintf("the policy mappings of %s do not count: inhibited by %s", v.name(k), by))
				for _, mp := range c.PolicyMappings {
					if node := cur[oidKey(mp.IssuerDomainPolicy)]; node != nil {
						g.remove(i, node)
					}
				}
				if !g.prune(i) {
					lastPolicies = keys(g.levels[i-1])
					g = nil
				}
			}
		}

		// 6.1.4 (h), (i), (j).
		if !self {
			if s.explicit > 0 {
				s.explicit--
			}
			if s.mapping > 0 {
				s.mapping--
			}
			if s.inhibitAny > 0 {
				s.inhibitAny--
			}
		}
		if (c.RequireExplicitPolicy > 0 || c.RequireExplicitPolicyZero) && c.RequireExplicitPolicy < s.explicit {
			s.explicit, s.explicitBy = c.RequireExplicitPolicy, fmt.Sprintf("%s (requireExplicitPolicy %d)", v.name(k), c.RequireExplicitPolicy)
		}
		if (c.InhibitPolicyMapping > 0 || c.InhibitPolicyMappingZero) && c.InhibitPolicyMapping < s.mapping {
			s.mapping, s.mappingBy = c.InhibitPolicyMapping, fmt.Sprintf("%s (inhibitPolicyMapping %d)", v.name(k), c.InhibitPolicyMapping)
		}
		if (c.InhibitAnyPolicy > 0 || c.InhibitAnyPolicyZero) && c.InhibitAnyPolicy < s.inhibitAny {
			s.inhibitAny, s.anyBy = c.InhibitAnyPolicy, fmt.Sprintf("%s (inhibitAnyPolicy %d)", v.name(k), c.InhibitAnyPolicy)
		}
	}

	// 6.1.5 (a), (b).
	leaf := v.chain[0]
	if s.explicit > 0 {
		s.explicit--
	}
	if leaf.RequireExplicitPolicyZero {
		s.explicit, s.explicitBy = 0, fmt.Sprintf("%s (requireExplicitPolicy 0)", v.name(0))
	}

	// 6.1.5 (g).
	authority := map[string]bool{}
	if g != nil {
		for _, level := range g.levels {
			for _, nd := range level {
				if nd.policy != anyKey && len(nd.parents) == 1 && nd.parents[0].policy == anyKey {
					authority[nd.policy] = true
				}
			}
		}
		if g.levels[n][anyKey] != nil {
			authority[anyKey] = true
		}
	}
	user := map[string]bool{}
	for p := range authority {
		user[p] = true
	}
	if !(len(initial) == 1 && initial[anyKey]) {
		for p := range user {
			if !initial[p] {
				delete(user, p)
			}
		}
		if authority[anyKey] {
			for p := range initial {
				user[p] = true
			}
		}
	}
	if s.explicit == 0 && len(user) == 0 {
		by := s.explicitBy
		if by == "" {
			by = "the caller"
		}
		v.addRule(NoValidPolicy, 0, "RFC 5280 6.1.5 (g)", s.refusedFor(),
			"no acceptable policy is valid for the path of %s: the CAs and the leaf agree on %s, the acceptable policies are %s, and %s requires an explicit policy%s",
			s.fix("issue the leaf under a policy its CAs assert and the verifier accepts (--policy), or verify for one of the path's policies"),
			v.name(0), oids.names(setKeys(authority)), oids.names(setKeys(initial)), by, s.why())
		return
	}
	var out []x509.OID
	for _, p := range setKeys(user) {
		out = append(out, oids[p])
	}
	v.validPolicies = out
	return st
}

func setKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// isAnchor reports whether c, the top of the path, is its trust anchor:
// one of the roots, or a self-issued certificate (an untrusted root,
// already reported as such).
func (v *verifier) isAnchor(c *x509.Certificate) bool {
	for _, r := range v.o.Roots {
		if bytes.Equal(r.Raw, c.Raw) {
			return true
		}
	}
	return formats.SelfIssued(c)
}

func keys(m map[string]*policyNode) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedNodes(m map[string]*policyNode) []*policyNode {
	out := make([]*policyNode, 0, len(m))
	for _, k := range keys(m) {
		out = append(out, m[k])
	}
	return out
}

// policyRefused: the consumers checked to refuse a path whose policy
// processing fails (see policy_test.go).
var policyRefused = []string{"Go", "OpenSSL -policy_check"}

// refusedFor is who refuses a path without an acceptable policy: when
// the caller asked for an explicit policy, a consumer asked the same
// (Go cannot be); when a CA's policy constraints did, Go and OpenSSL
// checking policies.
func (s policyState) refusedFor() []string {
	if s.explicitBy == "" || strings.HasPrefix(s.explicitBy, "the caller") {
		return []string{"OpenSSL -explicit_policy"}
	}
	return policyRefused
}

func (v *verifier) policyTooComplex(k int) {
	v.addRule(PolicyTooComplex, k, "RFC 9618", []string{"OpenSSL -policy_check"},
		"the certificate policies and policy mappings of the path up to %s make a policy graph of more than %d nodes or %d edges, which pkit does not evaluate",
		"re-issue the CA certificates with a few policies and mappings each", v.name(k), maxPolicyNodes, maxPolicyEdges)
}

func (v *verifier) noExplicitPolicy(k int, c *x509.Certificate, s policyState, last []string, oids policyOIDs) {
	by := s.explicitBy
	if by == "" {
		by = "the caller"
	}
	var why string
	switch {
	case len(c.Policies) == 0:
		why = fmt.Sprintf("%s has no certificate policies", v.name(k))
	default:
		why = fmt.Sprintf("none of the policies of %s (%s) is valid below its issuer (valid there: %s)", v.name(k), oidNames(c.Policies), oids.names(last))
	}
	v.addRule(NoValidPolicy, k, "RFC 5280 6.1.3 (f)", s.refusedFor(),
		"%s, but %s requires an explicit policy%s", s.fix("re-issue it with a certificate policies extension naming a policy its issuer allows (or anyPolicy for a CA)"),
		why, by, s.why())
}

// policyExtensionsValid checks the policy extensions of certificate k for
// what Go's parser lets through: empty certificate policies or policy
// mappings, policy constraints with neither field, and negative skip
// counts. It reports each as a problem and returns false if there was one.
func (v *verifier) policyExtensionsValid(k int) bool {
	c := v.chain[k]
	type bad struct{ rule, what string }
	var bads []bad
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidExtCertPolicies) && len(c.Policies) == 0:
			// A profile rule only: OpenSSL and Go take it as absent, and
			// so does path processing here.
			v.addRule(BadPolicyExtension, k, "RFC 5280 4.2.1.4", nil,
				"%s has a malformed policy extension: its certificate policies extension (2.5.29.32) is empty, which counts as no policies", "re-issue the certificate with at least one policy in the extension, or without the extension",
				v.name(k))
			v.problems[len(v.problems)-1].Warning = v.o.Lenient
		case e.Id.Equal(oidExtPolicyMappings) && len(c.PolicyMappings) == 0:
			bads = append(bads, bad{"RFC 5280 4.2.1.5", "its policy mappings extension (2.5.29.33) is empty"})
		case e.Id.Equal(oidExtPolicyConstr) && c.RequireExplicitPolicy == 0 && !c.RequireExplicitPolicyZero && c.InhibitPolicyMapping == 0 && !c.InhibitPolicyMappingZero:
			bads = append(bads, bad{"RFC 5280 4.2.1.11", "its policy constraints extension (2.5.29.36) has neither requireExplicitPolicy nor inhibitPolicyMapping"})
		}
	}
	if c.RequireExplicitPolicy < 0 {
		bads = append(bads, bad{"RFC 5280 4.2.1.11", fmt.Sprintf("the requireExplicitPolicy of its policy constraints extension (2.5.29.36) is negative (%d)", c.RequireExplicitPolicy)})
	}
	if c.InhibitPolicyMapping < 0 {
		bads = append(bads, bad{"RFC 5280 4.2.1.11", fmt.Sprintf("the inhibitPolicyMapping of its policy constraints extension (2.5.29.36) is negative (%d)", c.InhibitPolicyMapping)})
	}
	if c.InhibitAnyPolicy < 0 {
		bads = append(bads, bad{"RFC 5280 4.2.1.14", fmt.Sprintf("its inhibitAnyPolicy extension (2.5.29.54) is negative (%d)", c.InhibitAnyPolicy)})
	}
	for _, b := range bads {
		v.addRule(BadPolicyExtension, k, b.rule, []string{"OpenSSL -policy_check"},
			"%s has a malformed policy extension: %s", "re-issue the certificate with a well-formed extension (skip counts are 0 or more; the lists are not empty)",
			v.name(k), b.what)
	}
	return len(bads) == 0
}

// addRule adds a problem that breaks a written rule.
func (v *verifier) addRule(k Kind, i int, rule string, refused []string, detail, fix string, args ...any) {
	v.add(k, i, detail, fix, args...)
	p := &v.problems[len(v.problems)-1]
	p.Rule = rule
	p.Refused = refused
}

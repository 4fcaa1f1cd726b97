package chain

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
)

// DefaultMaxDepth is the longest path (in certificates, leaf and root
// included) [Build] looks for when [BuildOptions.MaxDepth] is zero.
const DefaultMaxDepth = 10

// maxSteps bounds the work of one search: how many certificates it may
// visit over all paths tried. Piles built to explode (loops, many
// cross-signatures) end with the best path found so far.
const maxSteps = 20000

// MaxSignatureChecks bounds the signatures one [Build] (and so one
// [Verify]) checks. Candidates are found by name (RFC 5280 7.1) and key
// identifier through an index, so an honest pile needs about one check
// per certificate on the path, and each (issuer key, certificate) pair
// is checked once; only a pile made to explode (a thousand certificates
// with one subject and key identifier, each a candidate issuer of every
// other) reaches the bound, and then ends in well under a second with
// [Path.Truncated] set instead of trying every pair. Go's verifier
// allows 100 checks per chain; pkit allows more because it also looks
// for alternative paths and classifies the left-overs, and so that a
// pile of a thousand look-alikes with the real issuer among them still
// builds: 2048 ECDSA P-256 checks take about 0.2 s (bench/hostile.sh).
const MaxSignatureChecks = 2048

// ErrNoCertificates is returned by [Build] when the pile is empty.
var ErrNoCertificates = errors.New("no certificates given")

// ErrNoLeaf is returned (wrapped in a [*NoLeafError]) by [Build] when the
// pile holds no end-entity certificate and no leaf was named.
var ErrNoLeaf = errors.New("no leaf certificate")

// NoLeafError is returned by [Build] when every certificate in the pile is
// a CA certificate and no leaf was named.
type NoLeafError struct {
	// Tops are the CA certificates that issue no other certificate in the
	// pile: the candidates to build from with [BuildOptions.Leaf]. Empty
	// when the certificates form a loop.
	Tops []*x509.Certificate
	// N is the number of certificates in the pile.
	N int
}

func (e *NoLeafError) Error() string {
	if len(e.Tops) == 0 {
		return "no leaf certificate: every certificate issues another one (a loop of cross-signatures?)"
	}
	if e.N == 1 {
		return "no leaf certificate: the only certificate is a CA certificate"
	}
	return fmt.Sprintf("no leaf certificate: all %d certificates are CA certificates", e.N)
}

func (e *NoLeafError) Unwrap() error { return ErrNoLeaf }

// MultipleLeavesError is returned by [Build] when the pile holds several
// end-entity certificates and no leaf was named.
type MultipleLeavesError struct {
	Leaves []*x509.Certificate
}

func (e *MultipleLeavesError) Error() string {
	names := make([]string, len(e.Leaves))
	for i, l := range e.Leaves {
		names[i] = fmt.Sprintf("%q", l.Subject.String())
	}
	return fmt.Sprintf("%d leaf certificates: %s", len(e.Leaves), strings.Join(names, ", "))
}

// MissingIssuerError names the certificate a path could not be completed
// with: the issuer of Cert, by name and key identifier.
type MissingIssuerError struct {
	// Cert is the certificate whose issuer is missing.
	Cert *x509.Certificate
	// Subject is the missing issuer's name (Cert's issuer field).
	Subject pkix.Name
	// KeyID is the missing issuer's key identifier (Cert's authority key
	// identifier), or nil when Cert carries none.
	KeyID []byte
	// Loop is true when the issuers found were all already on the path:
	// the certificates sign each other in a loop.
	Loop bool
}

func (e *MissingIssuerError) Error() string {
	s := fmt.Sprintf("missing the issuer of %q: subject %q", e.Cert.Subject.String(), e.Subject.String())
	if len(e.KeyID) > 0 {
		s += ", key id " + formats.KeyIDHex(e.KeyID)
	}
	if e.Loop {
		s += " (the issuers found form a loop of cross-signatures)"
	}
	return s
}

// BuildOptions configures [Build]. The zero value builds from the one
// leaf in the pile, trusting nothing, at the current time.
type BuildOptions struct {
	// Leaf is the certificate to build the path from. Nil means the one
	// end-entity certificate in the pile; several are an error.
	Leaf *x509.Certificate
	// Roots are trusted roots. When given, a path ending at one of them is
	// preferred to any other; they also serve as issuers.
	Roots []*x509.Certificate
	// Intermediates are untrusted certificates that may serve as issuers
	// (a CA directory's, say) without being part of the pile: none of
	// them is taken as the leaf or listed in [Path.Unused].
	Intermediates []*x509.Certificate
	// At is the time at which certificates should be valid; among twins
	// the valid one is chosen. Zero means time.Now().
	At time.Time
	// MaxDepth bounds the path length in certificates; zero means
	// [DefaultMaxDepth].
	MaxDepth int
}

// Path is the result of [Build]: an ordered chain, leaf first.
type Path struct {
	// Certs is the path, leaf first, each certificate followed by its
	// issuer, up to and including the root (or trust anchor) when one was
	// found, else up to the last issuer found.
	Certs []*x509.Certificate
	// Complete is true when the path ends at a self-signed certificate or
	// a trusted root.
	Complete bool
	// Trusted is true when the path ends at one of [BuildOptions.Roots].
	Trusted bool
	// Missing names the issuer that could not be found when the path is
	// not Complete.
	Missing *MissingIssuerError
	// Alternatives counts the other complete paths found (cross-signed
	// intermediates give several) that hold no more certificates invalid
	// at the time than the chosen one (a path through an expired twin of
	// an intermediate is no alternative), and AltTops names where they
	// end.
	Alternatives int
	AltTops      []*x509.Certificate
	// Unused lists the certificates of the pile that are not on the path,
	// with the reason.
	Unused []Unused
	// Truncated is true when the search stopped at one of its bounds
	// (paths visited, or [MaxSignatureChecks]) before trying every path.
	Truncated bool
	// SignatureChecks is the number of signatures checked.
	SignatureChecks int

	topSelfSigned bool
	g             *graph // the index and signature cache, for Verify
	top           *node
}

// Unused is a certificate [Build] left out, and why.
type Unused struct {
	// Cert is the certificate; from [BuildPile], nil when the search did
	// not need to parse it (Entry.Certificate parses it).
	Cert *x509.Certificate
	// Entry is the certificate as the pile gave it (from [Build], the
	// certificate already parsed).
	Entry *formats.PileCert
	// Why is "duplicate", "decoy" (same subject as a certificate on the
	// path, another key), "twin" (same subject and key as one on the path:
	// an older, expired or not yet valid copy), "leaf" (another end-entity
	// certificate) or "unrelated".
	Why string
	// Of is the certificate on the path it duplicates or imitates.
	Of *x509.Certificate
}

// Chain returns the path without its self-signed root, for serving: leaf
// first, then each intermediate.
func (p *Path) Chain() []*x509.Certificate {
	n := len(p.Certs)
	if n > 1 && p.topSelfSigned {
		return p.Certs[:n-1]
	}
	return p.Certs
}

// Root returns the last certificate of the path when it is self-signed or
// trusted, else nil.
func (p *Path) Root() *x509.Certificate {
	if !p.Complete {
		return nil
	}
	return p.Certs[len(p.Certs)-1]
}

// checkSignature checks that parent's key signed c, with any algorithm
// pkit knows ([formats.CheckSignature]: SHA-1 and MD5 too, so that such a
// chain is found and then reported as weak, DSA and RSASSA-PSS).
func checkSignature(parent, c *x509.Certificate) error {
	return formats.CheckSignature(parent, c)
}

// SelfSigned reports whether c issued itself ([formats.Issued]): its
// subject and issuer are the same name (RFC 5280 7.1), its key
// identifiers agree when both are present, and its signature verifies
// with its own key.
func SelfSigned(c *x509.Certificate) bool {
	return formats.Issued(c, c)
}

// IsCA reports whether c is a CA certificate: basic constraints with
// CA:TRUE, or a version 1 self-signed certificate.
func IsCA(c *x509.Certificate) bool {
	return isCA(c.BasicConstraintsValid && c.IsCA, c.Version, func() bool { return formats.SelfIssued(c) })
}

// isCA is [IsCA] from the fields it reads, for certificates of a pile
// that are not parsed.
func isCA(caTrue bool, version int, selfIssued func() bool) bool {
	return caTrue || (version == 1 && selfIssued())
}

// node is a certificate in the search graph.
type node struct {
	pc *formats.PileCert
	// cert is pc's parse, made when the search first needs more than the
	// index (a signature, the path): nil until then, and when
	// crypto/x509 refuses it (pc.Broken says why).
	cert       *x509.Certificate
	fp         [32]byte
	spki       [32]byte // hash of the public key: twins share signature results
	subjectKey string   // formats.NameKey of the subject
	issuerKey  string   // formats.NameKey of the issuer
	ca         bool     // IsCA
	root       bool     // in Roots
	inPile     bool     // in the pile given to Build (not only a root or intermediate)
	ss         int8     // self-signed: 0 unknown, 1 yes, -1 no
	issuers    []*node  // computed lazily
	expanded   bool
}

// x509 returns n's certificate, parsed on first use, or nil when
// crypto/x509 refuses it: such a certificate is left out of the search,
// as it is of a pile parsed at once.
func (n *node) x509() *x509.Certificate {
	if n.cert == nil {
		n.cert, _ = n.pc.Certificate()
	}
	return n.cert
}

// bucket holds the certificates of one subject name.
type bucket struct {
	all []*node
	// sorted caches the candidate lists of candidates, per authority key
	// identifier ("\x00" for none).
	sorted map[string][]*node
}

// graph indexes the certificates by subject (RFC 5280 7.1 form) and key
// identifier and remembers every signature checked, per issuer key and
// certificate, within the budget of [MaxSignatureChecks].
type graph struct {
	bySubject map[string]*bucket
	at        time.Time
	sigs      map[[2][32]byte]bool
	checks    int
	exhausted bool // a check was refused for the budget
}

func newGraph(at time.Time, size int) *graph {
	return &graph{bySubject: make(map[string]*bucket, size), at: at, sigs: map[[2][32]byte]bool{}}
}

func (g *graph) index(n *node) {
	b := g.bySubject[n.subjectKey]
	if b == nil {
		b = &bucket{}
		g.bySubject[n.subjectKey] = b
	}
	b.all = append(b.all, n)
}

// signed reports whether p's key signed c, checking each (key,
// certificate) pair once. Past the budget it answers false and marks the
// graph exhausted. A certificate crypto/x509 refuses signs nothing and
// is signed by nothing.
func (g *graph) signed(p, c *node) bool {
	k := [2][32]byte{p.spki, c.fp}
	if ok, done := g.sigs[k]; done {
		// c has the bytes the answer was for; p only its key.
		return ok && p.x509() != nil
	}
	pc, cc := p.x509(), c.x509()
	if pc == nil || cc == nil {
		return false
	}
	if g.checks >= MaxSignatureChecks {
		g.exhausted = true
		return false
	}
	g.checks++
	ok := checkSignature(pc, cc) == nil
	g.sigs[k] = ok
	return ok
}

// selfSigned reports (and caches) whether n is self-signed.
func (g *graph) selfSigned(n *node) bool {
	if n.ss == 0 {
		n.ss = -1
		if n.subjectKey == n.issuerKey && formats.PileNamesIssuer(n.pc, n.pc) && g.signed(n, n) {
			n.ss = 1
		}
		if g.exhausted && n.ss < 0 {
			n.ss = 0 // not known: ask again (and get false) rather than remember
			return false
		}
	}
	return n.ss > 0
}

// candidates returns the certificates that may have issued n by name and
// key identifier (the signature not checked yet), the most likely first:
// trusted roots, then those valid at the time of the check, then the
// newest.
func (g *graph) candidates(n *node) []*node {
	b := g.bySubject[n.issuerKey]
	if b == nil {
		return nil
	}
	key := "\x00"
	if len(n.pc.AuthorityKeyId) > 0 {
		key = string(n.pc.AuthorityKeyId)
	}
	if out, ok := b.sorted[key]; ok {
		return out
	}
	var out []*node
	if aki := n.pc.AuthorityKeyId; len(aki) > 0 {
		// Those with the key identifier asked for, then those with none.
		for _, x := range b.all {
			if bytes.Equal(x.pc.SubjectKeyId, aki) {
				out = append(out, x)
			}
		}
		for _, x := range b.all {
			if len(x.pc.SubjectKeyId) == 0 {
				out = append(out, x)
			}
		}
	} else {
		out = append(out, b.all...)
	}
	valid := func(x *node) bool { nb, na := x.pc.Validity(); return !g.at.Before(nb) && !g.at.After(na) }
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.root != b.root {
			return a.root
		}
		if va, vb := valid(a), valid(b); va != vb {
			return va
		}
		_, naa := a.pc.Validity()
		_, nab := b.pc.Validity()
		return naa.After(nab)
	})
	if b.sorted == nil {
		b.sorted = map[string][]*node{}
	}
	b.sorted[key] = out
	return out
}

// issuersOf returns the certificates that issued n: same name, matching
// key identifiers when both are present, and a signature that verifies.
func (g *graph) issuersOf(n *node) []*node {
	if n.expanded {
		return n.issuers
	}
	n.expanded = true
	for _, p := range g.candidates(n) {
		if p == n || !g.signed(p, n) {
			continue
		}
		n.issuers = append(n.issuers, p)
	}
	return n.issuers
}

// badIssuer returns a certificate that names itself n's issuer (name and
// key identifier) but whose key does not verify n's signature, or nil.
// Only signatures already checked, or checkable within the budget, count.
func (g *graph) badIssuer(n *node) *x509.Certificate {
	for _, p := range g.candidates(n) {
		if p == n || bytes.Equal(p.pc.Raw, n.pc.Raw) || p.x509() == nil {
			continue
		}
		k := [2][32]byte{p.spki, n.fp}
		ok, done := g.sigs[k]
		if !done {
			ok = g.signed(p, n)
			if _, done = g.sigs[k]; !done {
				return nil
			}
		}
		if !ok {
			return p.cert
		}
	}
	return nil
}

// Build finds the best path from the leaf up to a root through certs (and
// [BuildOptions.Roots]). It prefers, in order: a path ending at a trusted
// root, a complete path, fewer certificates not valid at At, and then the
// shortest path; remaining ties go to the newest certificates. A pile that
// cannot be completed is not an error: the returned path says what is
// missing. Errors are [ErrNoCertificates], [*NoLeafError] and
// [*MultipleLeavesError].
func Build(certs []*x509.Certificate, o BuildOptions) (*Path, error) {
	pile := make([]*formats.PileCert, len(certs))
	for i, c := range certs {
		pile[i] = formats.PileCertOf(c)
	}
	return BuildPile(pile, o)
}

// BuildPile is [Build] over a pile read lazily ([formats.PileCert]): the
// candidates are found from the index, and only the certificates whose
// signatures the search checks, the path and the errors' certificates
// are parsed with crypto/x509. A certificate crypto/x509 refuses is left
// out of the search and of [Path.Unused] once parsed (its
// [formats.PileCert.Broken] says why); one the search never needed stays
// in Path.Unused, described from its index, with Cert nil. A pile
// whose every certificate crypto/x509 refuses is [ErrNoCertificates], as
// an empty one.
func BuildPile(certs []*formats.PileCert, o BuildOptions) (*Path, error) {
	if len(certs) == 0 && o.Leaf == nil {
		return nil, ErrNoCertificates
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	maxDepth := o.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	size := len(o.Roots) + len(certs) + len(o.Intermediates) + 1
	g := newGraph(at, size)
	byFP := make(map[[32]byte]*node, size)
	// Every node in one allocation (its capacity is never exceeded, so
	// the pointers into it stay put), and each distinct name's key
	// (formats.NameKey, RFC 5280 7.1) computed once: in a pile, most
	// names are one certificate's subject and another's issuer.
	slab := make([]node, 0, size)
	keys := make(map[string]string, size)
	nameKey := func(raw []byte) string {
		k, ok := keys[string(raw)]
		if !ok {
			k = formats.NameKey(raw)
			keys[string(raw)] = k
		}
		return k
	}
	dups := map[[32]byte][]*formats.PileCert{}
	add := func(c *formats.PileCert, fp [32]byte, root bool) *node {
		slab = append(slab, node{pc: c, fp: fp, root: root, spki: sha256.Sum256(c.RawSubjectPublicKeyInfo),
			subjectKey: nameKey(c.RawSubject), issuerKey: nameKey(c.RawIssuer)})
		n := &slab[len(slab)-1]
		if c.Parsed() {
			n.cert, _ = c.Certificate()
		}
		n.ca = isCA(c.BasicConstraintsValid && c.IsCA, c.Version, func() bool { return n.subjectKey == n.issuerKey })
		byFP[fp] = n
		g.index(n)
		return n
	}
	addCert := func(c *x509.Certificate, fp [32]byte, root bool) *node {
		return add(formats.PileCertOf(c), fp, root)
	}
	for _, r := range o.Roots {
		fp := sha256.Sum256(r.Raw)
		if n := byFP[fp]; n != nil {
			n.root = true
			continue
		}
		addCert(r, fp, true)
	}
	// A trusted root given in the pile as well is not a duplicate; a
	// second copy of it is.
	pile := make([]*node, 0, len(certs))
	for _, c := range certs {
		fp := sha256.Sum256(c.Raw)
		n := byFP[fp]
		if n == nil {
			n = add(c, fp, false)
		} else if n.inPile {
			dups[n.fp] = append(dups[n.fp], c)
			continue
		}
		n.inPile = true
		pile = append(pile, n)
	}
	// A copy of a certificate found broken is broken too: parsed (the
	// same bytes fail alike) so that it says so, whatever Build returns.
	defer func() {
		for fp, ds := range dups {
			if byFP[fp].pc.Broken() != nil {
				for _, d := range ds {
					d.Certificate()
				}
			}
		}
	}()
	for _, c := range o.Intermediates {
		if fp := sha256.Sum256(c.Raw); byFP[fp] == nil {
			addCert(c, fp, false)
		}
	}
	var leaf *node
	if o.Leaf != nil {
		fp := sha256.Sum256(o.Leaf.Raw)
		leaf = byFP[fp]
		if leaf == nil {
			leaf = addCert(o.Leaf, fp, false)
		} else if leaf.cert == nil {
			leaf.cert = o.Leaf // the same bytes, parsed by the caller
		}
		delete(dups, leaf.fp)
	} else {
		var leaves []*node
		for _, n := range pile {
			if !n.ca && n.x509() != nil && !g.selfSigned(n) {
				leaves = append(leaves, n)
			}
		}
		switch len(leaves) {
		case 0:
			t := tops(g, pile) // parses every certificate of the pile
			if countParsable(pile) == 0 {
				return nil, ErrNoCertificates // crypto/x509 refused them all
			}
			return nil, &NoLeafError{Tops: t, N: countParsable(pile)}
		case 1:
			leaf = leaves[0]
		default:
			e := &MultipleLeavesError{}
			for _, l := range leaves {
				e.Leaves = append(e.Leaves, l.cert)
			}
			return nil, e
		}
	}

	s := &search{g: g, at: at, maxDepth: maxDepth, onPath: map[*node]bool{}, hasRoots: len(o.Roots) > 0}
	s.walk(leaf, nil)
	best := s.best
	top := best.nodes[len(best.nodes)-1]
	p := &Path{Complete: best.complete, Trusted: best.trusted, Truncated: s.steps >= maxSteps || g.exhausted,
		topSelfSigned: g.topSelfSigned(top), g: g, top: top}
	for _, n := range best.nodes {
		p.Certs = append(p.Certs, n.x509())
	}
	if !best.complete {
		c := top.x509()
		p.Missing = &MissingIssuerError{Cert: c, Subject: c.Issuer, KeyID: c.AuthorityKeyId, Loop: best.loop}
	}
	seenTop := map[*node]bool{top: true}
	for _, alt := range s.complete {
		t := alt.nodes[len(alt.nodes)-1]
		if alt == best || alt.invalid > best.invalid {
			continue
		}
		p.Alternatives++
		if !seenTop[t] {
			seenTop[t] = true
			p.AltTops = append(p.AltTops, t.x509())
		}
	}
	p.Unused = unused(pile, best.nodes, dups)
	p.SignatureChecks = g.checks
	return p, nil
}

// countParsable counts the certificates of the pile not known to be
// refused by crypto/x509.
func countParsable(pile []*node) int {
	n := 0
	for _, x := range pile {
		if x.pc.Broken() == nil {
			n++
		}
	}
	return n
}

// topSelfSigned reports whether the top of a path is a self-signed root.
// A trusted root's own signature is not checked (a trust anchor is
// trusted for its name and key, as in OpenSSL and Go): the names and key
// identifiers decide.
func (g *graph) topSelfSigned(n *node) bool {
	if n.root {
		return formats.NamesIssuer(n.cert, n.cert)
	}
	return g.selfSigned(n)
}

// tops returns the CA certificates of the pile that issued no other
// certificate of it (and that crypto/x509 reads).
func tops(g *graph, pile []*node) []*x509.Certificate {
	issuer := map[*node]bool{}
	for _, n := range pile {
		for _, p := range g.issuersOf(n) {
			issuer[p] = true
		}
	}
	var out []*x509.Certificate
	for _, n := range pile {
		if c := n.x509(); !issuer[n] && c != nil {
			out = append(out, c)
		}
	}
	return out
}

type candidate struct {
	nodes    []*node
	complete bool
	trusted  bool
	invalid  int // certificates not valid at "at"
	loop     bool
}

type search struct {
	g        *graph
	at       time.Time
	maxDepth int
	hasRoots bool
	onPath   map[*node]bool
	steps    int
	best     *candidate
	complete []*candidate
}

// walk extends path with n and tries every issuer of n, depth first.
func (s *search) walk(n *node, path []*node) {
	s.steps++
	path = append(path, n)
	s.onPath[n] = true
	defer delete(s.onPath, n)
	if n.root || s.g.selfSigned(n) {
		s.offer(path, true, n.root, false)
		return
	}
	if len(path) >= s.maxDepth || s.steps >= maxSteps {
		s.offer(path, false, false, false)
		return
	}
	tried, loop := false, false
	for _, p := range s.g.issuersOf(n) {
		if s.onPath[p] {
			loop = true
			continue
		}
		if s.steps >= maxSteps {
			break
		}
		tried = true
		s.walk(p, path)
	}
	if !tried {
		s.offer(path, false, false, loop)
	}
}

func (s *search) offer(path []*node, complete, trusted, loop bool) {
	c := &candidate{nodes: append([]*node(nil), path...), complete: complete, trusted: trusted, loop: loop}
	for _, n := range path {
		if nb, na := n.pc.Validity(); s.at.Before(nb) || s.at.After(na) {
			c.invalid++
		}
	}
	if complete {
		s.complete = append(s.complete, c)
	}
	if s.best == nil || better(c, s.best) {
		s.best = c
	}
}

// better reports whether a is a better path than b.
func better(a, b *candidate) bool {
	if a.trusted != b.trusted {
		return a.trusted
	}
	if a.complete != b.complete {
		return a.complete
	}
	if a.invalid != b.invalid {
		return a.invalid < b.invalid
	}
	if len(a.nodes) != len(b.nodes) {
		if a.complete {
			return len(a.nodes) < len(b.nodes)
		}
		return len(a.nodes) > len(b.nodes) // an incomplete path: the one that gets furthest
	}
	for i := range a.nodes {
		xb, xa := a.nodes[i].pc.Validity()
		yb, ya := b.nodes[i].pc.Validity()
		if !xa.Equal(ya) {
			return xa.After(ya)
		}
		if !xb.Equal(yb) {
			return xb.After(yb)
		}
		if c := bytes.Compare(a.nodes[i].fp[:], b.nodes[i].fp[:]); c != 0 {
			return c < 0
		}
	}
	return false
}

// unused lists the certificates of the pile not on the path, and why;
// those crypto/x509 refused when the search parsed them are left out,
// with their duplicates.
func unused(pile, path []*node, dups map[[32]byte][]*formats.PileCert) []Unused {
	on := map[*node]bool{}
	for _, n := range path {
		on[n] = true
	}
	dup := func(d *formats.PileCert, of *node) Unused {
		u := Unused{Entry: d, Why: "duplicate", Of: of.x509()}
		if d.Parsed() {
			u.Cert, _ = d.Certificate()
		}
		return u
	}
	out := make([]Unused, 0, len(pile)+len(dups))
	for _, n := range path {
		for _, d := range dups[n.fp] {
			out = append(out, dup(d, n))
		}
	}
	for _, n := range pile {
		if on[n] {
			continue
		}
		if n.pc.Broken() != nil {
			continue // and its copies (see BuildPile)
		}
		for _, d := range dups[n.fp] {
			out = append(out, dup(d, n))
		}
		u := Unused{Cert: n.cert, Entry: n.pc, Why: "unrelated"}
		for _, p := range path {
			if p.subjectKey == n.subjectKey {
				u.Of = p.x509()
				if bytes.Equal(p.pc.RawSubjectPublicKeyInfo, n.pc.RawSubjectPublicKeyInfo) {
					u.Why = "twin"
				} else {
					u.Why = "decoy"
				}
				break
			}
		}
		if u.Of == nil && !n.ca && n.subjectKey != n.issuerKey {
			u.Why = "leaf"
		}
		out = append(out, u)
	}
	return out
}

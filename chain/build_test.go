package chain_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/chaintest"
)

var at = chaintest.Base

func shuffled(seed uint64, cs []*x509.Certificate) []*x509.Certificate {
	out := append([]*x509.Certificate(nil), cs...)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func subjects(cs []*x509.Certificate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Subject.CommonName
	}
	return out
}

func samePath(t *testing.T, got, want []*x509.Certificate) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = bytes.Equal(got[i].Raw, want[i].Raw)
	}
	if !ok {
		t.Fatalf("path\n got %q\nwant %q", subjects(got), subjects(want))
	}
}

// Every key type, 1 to 4 levels, any input order: the one right order.
func TestBuildHierarchies(t *testing.T) {
	for _, kt := range chaintest.KeyTypes {
		for levels := 1; levels <= 4; levels++ {
			t.Run(fmt.Sprintf("%s/%d", kt, levels), func(t *testing.T) {
				h, err := chaintest.NewHierarchy(string(kt), levels, kt, "www.example.test")
				if err != nil {
					t.Fatal(err)
				}
				want := h.X509()
				for seed := range uint64(4) {
					o := chain.BuildOptions{At: at}
					if levels == 1 {
						o.Leaf = h.Leaf().Certificate
					}
					p, err := chain.Build(shuffled(seed, want), o)
					if err != nil {
						t.Fatal(err)
					}
					samePath(t, p.Certs, want)
					if !p.Complete || p.Trusted || p.Missing != nil {
						t.Errorf("complete=%v trusted=%v missing=%v", p.Complete, p.Trusted, p.Missing)
					}
					if levels > 1 {
						samePath(t, p.Chain(), want[:levels-1])
					}
				}
				// With the root trusted and left out of the pile.
				if levels > 1 {
					p, err := chain.Build(shuffled(9, want[:levels-1]), chain.BuildOptions{At: at, Roots: []*x509.Certificate{h.Root().Certificate}})
					if err != nil {
						t.Fatal(err)
					}
					samePath(t, p.Certs, want)
					if !p.Trusted {
						t.Error("not trusted")
					}
				}
			})
		}
	}
}

// bigPile is a shuffled bundle of n certificates holding one 4-level
// chain, decoys of each CA (same subject, other key), expired twins of
// each CA (same subject and key) and unrelated CAs.
func bigPile(t testing.TB, n int, seed uint64) (want, pile []*x509.Certificate) {
	h, err := chaintest.NewHierarchy("Pile", 4, chaintest.Ed25519, "svc.example.test")
	if err != nil {
		t.Fatal(err)
	}
	want = h.X509()
	pile = append(pile, want...)
	pile = append(pile, want[1], want[2]) // duplicates
	for i := 1; i < len(h.Certs); i++ {
		ca := h.Certs[i]
		var issuer *chaintest.Cert
		if i+1 < len(h.Certs) {
			issuer = h.Certs[i+1]
		}
		for k := range 3 {
			// Decoy: same subject, another key, signed by the same issuer
			// (or itself, for the root).
			d := chaintest.Must(chaintest.New(chaintest.Spec{CN: ca.Subject.CommonName, O: "Pile", CA: true, PathLen: -1, Issuer: issuer, KeyType: chaintest.Ed25519}))
			pile = append(pile, d.Certificate)
			// Expired twin: same subject and key.
			tw := chaintest.Must(chaintest.Twin(ca, issuer, at.AddDate(-3, k, 0), at.AddDate(-1, k, 0)))
			pile = append(pile, tw.Certificate)
		}
	}
	var other *chaintest.Cert
	for i := 0; len(pile) < n; i++ {
		spec := chaintest.Spec{CN: fmt.Sprintf("Other CA %d", i), CA: true, PathLen: -1, KeyType: chaintest.Ed25519, Issuer: other}
		if i%10 == 0 {
			spec.Issuer = nil
		}
		other = chaintest.Must(chaintest.New(spec))
		pile = append(pile, other.Certificate)
	}
	return want, shuffled(seed, pile)
}

func TestBuildShuffledPileWithDecoys(t *testing.T) {
	want, pile := bigPile(t, 200, 1)
	if len(pile) != 200 {
		t.Fatalf("pile of %d", len(pile))
	}
	for seed := range uint64(5) {
		p, err := chain.Build(shuffled(seed, pile), chain.BuildOptions{At: at})
		if err != nil {
			t.Fatal(err)
		}
		samePath(t, p.Certs, want)
		kinds := map[string]int{}
		for _, u := range p.Unused {
			kinds[u.Why]++
		}
		if kinds["duplicate"] != 2 || kinds["decoy"] != 9 || kinds["twin"] != 9 || len(p.Unused) != 200-4 {
			t.Errorf("unused: %v (total %d)", kinds, len(p.Unused))
		}
		// Paths through the expired twins are complete but no
		// alternative: only cross-signing gives one.
		if p.Alternatives != 0 || len(p.AltTops) != 0 {
			t.Errorf("%d alternatives (tops %q) in a pile with no cross-signed certificate", p.Alternatives, subjects(p.AltTops))
		}
	}
}

func TestBuildCrossSigned(t *testing.T) {
	rootA := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Root A", CA: true, PathLen: -1}))
	rootB := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Root B", CA: true, PathLen: -1}))
	inter := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Inter", CA: true, PathLen: -1, Issuer: rootA}))
	interB := chaintest.Must(chaintest.CrossSign(inter, rootB))
	leaf := chaintest.Must(chaintest.New(chaintest.Spec{CN: "leaf", Issuer: inter, DNS: []string{"leaf.test"}}))
	pile := chaintest.X509(leaf, inter, interB, rootA, rootB)

	p, err := chain.Build(pile, chain.BuildOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Complete || p.Alternatives != 1 || len(p.AltTops) != 1 {
		t.Errorf("complete=%v alternatives=%d tops=%d", p.Complete, p.Alternatives, len(p.AltTops))
	}
	for _, r := range []*chaintest.Cert{rootA, rootB} {
		p, err := chain.Build(pile, chain.BuildOptions{At: at, Roots: chaintest.X509(r)})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Trusted || p.Certs[2] != r.Certificate {
			t.Errorf("roots %s: got %q", r.Subject.CommonName, subjects(p.Certs))
		}
	}

	// A new root cross-signed by an old one: without roots the shortest
	// complete path; with the old root trusted, the longer path to it.
	newRoot := chaintest.Must(chaintest.New(chaintest.Spec{CN: "New Root", CA: true, PathLen: -1}))
	newByOld := chaintest.Must(chaintest.CrossSign(newRoot, rootA))
	inter2 := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Inter 2", CA: true, PathLen: -1, Issuer: newRoot}))
	leaf2 := chaintest.Must(chaintest.New(chaintest.Spec{CN: "leaf2", Issuer: inter2}))
	pile = chaintest.X509(rootA, newByOld, leaf2, newRoot, inter2)
	p, err = chain.Build(pile, chain.BuildOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	samePath(t, p.Certs, chaintest.X509(leaf2, inter2, newRoot))
	p, err = chain.Build(pile, chain.BuildOptions{At: at, Roots: chaintest.X509(rootA)})
	if err != nil {
		t.Fatal(err)
	}
	samePath(t, p.Certs, chaintest.X509(leaf2, inter2, newByOld, rootA))
}

func TestBuildMissingIssuer(t *testing.T) {
	h, err := chaintest.NewHierarchy("Gap", 4, chaintest.EC256, "gap.test")
	if err != nil {
		t.Fatal(err)
	}
	c := h.X509()
	p, err := chain.Build([]*x509.Certificate{c[0], c[2], c[3]}, chain.BuildOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if p.Complete || p.Missing == nil || p.Missing.Cert != c[0] || !bytes.Equal(p.Missing.KeyID, c[1].SubjectKeyId) ||
		p.Missing.Subject.CommonName != c[1].Subject.CommonName {
		t.Fatalf("missing = %+v", p.Missing)
	}
	t.Log(p.Missing)
}

func TestBuildBadInput(t *testing.T) {
	h, err := chaintest.NewHierarchy("Bad", 3, chaintest.EC256, "bad.test")
	if err != nil {
		t.Fatal(err)
	}
	other := chaintest.Must(chaintest.New(chaintest.Spec{CN: "other.test", Issuer: h.Certs[1]}))

	// A loop: X is signed by Y, Y by X.
	x := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Loop X", CA: true, PathLen: -1}))
	y := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Loop Y", CA: true, PathLen: -1, Issuer: x}))
	xByY := chaintest.Must(chaintest.CrossSign(x, y))
	loopLeaf := chaintest.Must(chaintest.New(chaintest.Spec{CN: "loop.test", Issuer: y}))

	tests := []struct {
		name string
		pile []*x509.Certificate
		leaf *x509.Certificate
		want error
	}{
		{"empty", nil, nil, chain.ErrNoCertificates},
		{"no leaf", h.X509()[1:], nil, chain.ErrNoLeaf},
		{"loop without leaf", chaintest.X509(xByY, y), nil, chain.ErrNoLeaf},
		{"two leaves", append(h.X509(), other.Certificate), nil, &chain.MultipleLeavesError{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chain.Build(tc.pile, chain.BuildOptions{At: at, Leaf: tc.leaf})
			var ml *chain.MultipleLeavesError
			if _, isML := tc.want.(*chain.MultipleLeavesError); isML {
				if !errors.As(err, &ml) || len(ml.Leaves) != 2 {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
	var nl *chain.NoLeafError
	if _, err := chain.Build(chaintest.X509(xByY, y), chain.BuildOptions{}); !errors.As(err, &nl) || len(nl.Tops) != 0 {
		t.Errorf("loop: %v", err)
	}
	// Naming the leaf picks it among several.
	p, err := chain.Build(append(h.X509(), other.Certificate), chain.BuildOptions{At: at, Leaf: other.Certificate})
	if err != nil || p.Certs[0] != other.Certificate || !p.Complete {
		t.Fatalf("with leaf: %v", err)
	}
	// A loop under a leaf ends, incomplete, saying so.
	p, err = chain.Build(chaintest.X509(loopLeaf, xByY, y), chain.BuildOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if p.Complete || p.Missing == nil || !p.Missing.Loop {
		t.Fatalf("loop: complete=%v missing=%v", p.Complete, p.Missing)
	}
}

// A clique of CAs that all cross-sign each other has more paths than the
// search may try: Build ends, bounded, with an incomplete path.
func TestBuildCrossSignClique(t *testing.T) {
	const n = 9
	cas := make([]*chaintest.Cert, n)
	for i := range cas {
		cas[i] = chaintest.Must(chaintest.New(chaintest.Spec{CN: fmt.Sprintf("Clique %d", i), CA: true, PathLen: -1, KeyType: chaintest.Ed25519}))
	}
	var pile []*x509.Certificate
	for i, c := range cas {
		for j, by := range cas {
			if i != j {
				pile = append(pile, chaintest.Must(chaintest.CrossSign(c, by)).Certificate)
			}
		}
	}
	leaf := chaintest.Must(chaintest.New(chaintest.Spec{CN: "clique.test", Issuer: cas[0], KeyType: chaintest.Ed25519}))
	pile = append(pile, leaf.Certificate)
	start := time.Now()
	p, err := chain.Build(pile, chain.BuildOptions{At: at, MaxDepth: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Complete || !p.Truncated {
		t.Errorf("complete=%v truncated=%v", p.Complete, p.Truncated)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

// BuildOptions.Intermediates complete the path without being the pile:
// never the leaf, never listed as unused; a trusted root also given in
// the pile is not a duplicate, a second copy of it is.
func TestBuildExtraIntermediates(t *testing.T) {
	h, err := chaintest.NewHierarchy("Extra", 4, chaintest.Ed25519, "extra.example.test")
	if err != nil {
		t.Fatal(err)
	}
	all := h.X509() // leaf, intermediate 2, intermediate 1, root
	leaf, ints, root := all[0], all[1:3], all[3]
	other, err := chaintest.NewHierarchy("Other", 3, chaintest.Ed25519, "other.example.test")
	if err != nil {
		t.Fatal(err)
	}
	roots := []*x509.Certificate{root}
	tests := []struct {
		name       string
		pile       []*x509.Certificate
		o          chain.BuildOptions
		wantCerts  []*x509.Certificate
		wantUnused map[string]int // Why → count
	}{
		{"leaf alone", []*x509.Certificate{leaf}, chain.BuildOptions{Intermediates: ints, Roots: roots}, all, nil},
		{"unused extras are not reported", []*x509.Certificate{leaf}, chain.BuildOptions{Intermediates: append(other.X509()[1:2], ints...), Roots: roots}, all, nil},
		{"an extra given in the pile too", []*x509.Certificate{leaf, ints[0]}, chain.BuildOptions{Intermediates: ints, Roots: roots}, all, nil},
		{"the root in the pile", []*x509.Certificate{root, leaf}, chain.BuildOptions{Intermediates: ints, Roots: roots}, all, nil},
		{"the root twice in the pile", []*x509.Certificate{root, leaf, root}, chain.BuildOptions{Intermediates: ints, Roots: roots}, all, map[string]int{"duplicate": 1}},
		{"without the extras", []*x509.Certificate{leaf}, chain.BuildOptions{Roots: roots}, all[:1], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.At = at
			p, err := chain.Build(tt.pile, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			samePath(t, p.Certs, tt.wantCerts)
			if complete := len(tt.wantCerts) == len(all); p.Complete != complete || p.Trusted != complete {
				t.Errorf("complete=%v trusted=%v, want %v", p.Complete, p.Trusted, complete)
			}
			got := map[string]int{}
			for _, u := range p.Unused {
				got[u.Why]++
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantUnused) && !(len(got) == 0 && len(tt.wantUnused) == 0) {
				t.Errorf("unused %v, want %v", got, tt.wantUnused)
			}
		})
	}
	// Only pile certificates can be the leaf.
	if _, err := chain.Build(ints[:1], chain.BuildOptions{At: at, Intermediates: []*x509.Certificate{leaf}}); err == nil {
		t.Error("an extra intermediate was taken as the leaf")
	}
}

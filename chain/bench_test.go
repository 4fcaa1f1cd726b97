package chain_test

import (
	"testing"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/chaintest"
)

// BenchmarkBuild1000 builds the chain out of a shuffled bundle of 1000
// certificates (a 4-level chain, decoys, expired twins, unrelated CAs).
func BenchmarkBuild1000(b *testing.B) {
	want, pile := bigPile(b, 1000, 7)
	b.ResetTimer()
	for b.Loop() {
		p, err := chain.Build(pile, chain.BuildOptions{At: at})
		if err != nil || len(p.Certs) != len(want) {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify4Levels verifies a 4-level chain (leaf, two
// intermediates, root; ECDSA P-256) for a server purpose and host.
func BenchmarkVerify4Levels(b *testing.B) {
	h, err := chaintest.NewHierarchy("Bench", 4, chaintest.EC256, "bench.example.com")
	if err != nil {
		b.Fatal(err)
	}
	o := chain.VerifyOptions{At: at, Roots: chaintest.X509(h.Root()), Intermediates: chaintest.X509(h.Certs[1:3]...),
		Purpose: chain.PurposeServer, Host: "bench.example.com"}
	b.ResetTimer()
	for b.Loop() {
		r, err := chain.Verify(h.Leaf().Certificate, o)
		if err != nil || !r.Valid() {
			b.Fatal(err, r.Problems)
		}
	}
}

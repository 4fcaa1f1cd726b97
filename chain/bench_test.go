package chain_test

import (
	"testing"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/formats"
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

// BenchmarkReadBuild1000 is what "pkit chain build" does in-process with
// that bundle as a PEM file: read it and build. "lazy" reads it as chain
// build does (formats.ParseOptions.Index, chain.BuildPile: only the
// certificates the search needs are parsed); "parse-all" parses every
// certificate with crypto/x509 first, as chain build did before.
func BenchmarkReadBuild1000(b *testing.B) {
	want, pile := bigPile(b, 1000, 7)
	data := chaintest.PEM(pile...)
	b.Run("lazy", func(b *testing.B) {
		for b.Loop() {
			r, err := formats.ParseCertificatePile(data, formats.ParseOptions{Index: true})
			if err != nil {
				b.Fatal(err)
			}
			p, err := chain.BuildPile(r.Indexed, chain.BuildOptions{At: at})
			if err != nil || len(p.Certs) != len(want) {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-all", func(b *testing.B) {
		for b.Loop() {
			r, err := formats.ParseCertificatePile(data, formats.ParseOptions{})
			if err != nil {
				b.Fatal(err)
			}
			p, err := chain.Build(r.Certificates, chain.BuildOptions{At: at})
			if err != nil || len(p.Certs) != len(want) {
				b.Fatal(err)
			}
		}
	})
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

// BenchmarkBuildTwins builds over hostile piles of 1000 CA certificates
// with one subject and one subject key identifier (each a candidate
// issuer of every other and of the leaf): without a leaf (every pair a
// candidate), and with a leaf whose real issuer is hidden among them.
// Before the index and the bound on signature checks this took 64 s.
func BenchmarkBuildTwins(b *testing.B) {
	for _, sameKey := range []bool{false, true} {
		leaf, pile := twinPile(b, 1000, sameKey)
		name := "distinct-keys"
		if sameKey {
			name = "same-key"
		}
		b.Run(name+"/no-leaf", func(b *testing.B) {
			for b.Loop() {
				if _, err := chain.Build(pile, chain.BuildOptions{At: at}); err == nil {
					b.Fatal("built a chain out of twins")
				}
			}
		})
		b.Run(name+"/leaf", func(b *testing.B) {
			for b.Loop() {
				if _, err := chain.Build(pile, chain.BuildOptions{At: at, Leaf: leaf}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Command pile writes the shuffled 1000-certificate bundle that
// bench/startup.sh times "pkit chain build" on, the same mixture as the
// chain package's BenchmarkBuild1000: a 4-level Ed25519 chain (leaf, two
// intermediates, root), two duplicates, for each CA three decoys (same
// subject, another key) and three expired twins (same subject and key),
// and unrelated CAs up to the count, all in one PEM file in a fixed
// random order. It also writes the leaf and the root on their own, for
// the openssl side.
//
//	go run ./bench/pile -dir bench/out/startup [-n 1000]
package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/pkit/pkit/chain/chaintest"
)

func main() {
	dir := flag.String("dir", ".", "write pile.pem, leaf.pem and root.pem in `DIR`")
	n := flag.Int("n", 1000, "certificates in the pile")
	flag.Parse()
	now := time.Now()
	// Valid from a day ago for a year, whenever the benchmark runs.
	chaintest.Base = now.Add(-24 * time.Hour).Add(time.Hour)
	h, err := chaintest.NewHierarchy("Pile", 4, chaintest.Ed25519, "svc.example.test")
	if err != nil {
		log.Fatal(err)
	}
	want := h.X509()
	pile := append([]*x509.Certificate(nil), want...)
	pile = append(pile, want[1], want[2]) // duplicates
	for i := 1; i < len(h.Certs); i++ {
		ca := h.Certs[i]
		var issuer *chaintest.Cert
		if i+1 < len(h.Certs) {
			issuer = h.Certs[i+1]
		}
		for k := range 3 {
			d := chaintest.Must(chaintest.New(chaintest.Spec{CN: ca.Subject.CommonName, O: "Pile", CA: true, PathLen: -1, Issuer: issuer, KeyType: chaintest.Ed25519}))
			tw := chaintest.Must(chaintest.Twin(ca, issuer, now.AddDate(-3, k, 0), now.AddDate(-1, k, 0)))
			pile = append(pile, d.Certificate, tw.Certificate)
		}
	}
	var other *chaintest.Cert
	for i := 0; len(pile) < *n; i++ {
		spec := chaintest.Spec{CN: fmt.Sprintf("Other CA %d", i), CA: true, PathLen: -1, KeyType: chaintest.Ed25519, Issuer: other}
		if i%10 == 0 {
			spec.Issuer = nil
		}
		other = chaintest.Must(chaintest.New(spec))
		pile = append(pile, other.Certificate)
	}
	r := rand.New(rand.NewPCG(7, 7^0x9e3779b97f4a7c15))
	r.Shuffle(len(pile), func(i, j int) { pile[i], pile[j] = pile[j], pile[i] })
	for name, cs := range map[string][]*x509.Certificate{"pile.pem": pile, "leaf.pem": want[:1], "root.pem": want[len(want)-1:]} {
		if err := os.WriteFile(filepath.Join(*dir, name), chaintest.PEM(cs...), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

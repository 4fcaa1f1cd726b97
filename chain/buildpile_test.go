package chain_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/formats"
)

// brokenLike returns a certificate with subject's name, key and key
// identifier, issued by issuer, whose DER is well-formed but whose key
// usage extension is not a BIT STRING: crypto/x509 refuses it, the lazy
// index reads it.
func brokenLike(t *testing.T, subject, issuer *chaintest.Cert, ca bool) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7777), Subject: subject.Subject, SubjectKeyId: subject.SubjectKeyId,
		AuthorityKeyId: issuer.SubjectKeyId, NotBefore: subject.NotBefore, NotAfter: subject.NotAfter.AddDate(0, 0, 1),
		BasicConstraintsValid: true, IsCA: ca,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Value: []byte{0x05, 0x00}}}}
	issuerCert := issuer.Certificate
	if issuer == subject {
		issuerCert = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, subject.Key.Public(), issuer.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Fatal("crypto/x509 reads the broken certificate")
	}
	return der
}

func index(t *testing.T, ders ...[]byte) []*formats.PileCert {
	t.Helper()
	out := make([]*formats.PileCert, len(ders))
	for i, der := range ders {
		var err error
		if out[i], err = formats.IndexCertificate(der); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestBuildPile: built from a pile read lazily, the path, the
// alternatives and the left-overs are those of Build on the same pile
// parsed at once, and only the certificates the search needs are
// parsed. A certificate crypto/x509 refuses is left out once parsed: a
// look-alike of an intermediate (a candidate issuer) and a second
// end-entity certificate (a leaf candidate) do not change the path or
// make the leaf ambiguous; a broken certificate the search never needs
// stays among the left-overs, unparsed.
func TestBuildPile(t *testing.T) {
	h, err := chaintest.NewHierarchy("Lazy", 4, chaintest.Ed25519, "lazy.example")
	if err != nil {
		t.Fatal(err)
	}
	want := h.X509()
	certs := append([]*x509.Certificate(nil), want...)
	certs = append(certs, want[1]) // a duplicate
	tw := chaintest.Must(chaintest.Twin(h.Certs[2], h.Certs[3], at.AddDate(-3, 0, 0), at.AddDate(-1, 0, 0)))
	certs = append(certs, tw.Certificate)
	for i := range 60 {
		certs = append(certs, chaintest.Must(chaintest.New(chaintest.Spec{CN: fmt.Sprintf("Other %d", i), CA: true, PathLen: -1, KeyType: chaintest.Ed25519})).Certificate)
	}
	certs = shuffled(5, certs)
	var ders [][]byte
	for _, c := range certs {
		ders = append(ders, c.Raw)
	}
	other := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Broken Other", CA: true, PathLen: -1, KeyType: chaintest.Ed25519}))
	broken := [][]byte{
		brokenLike(t, h.Certs[1], h.Certs[2], true),  // a candidate issuer of the leaf
		brokenLike(t, h.Certs[0], h.Certs[1], false), // a second leaf
		brokenLike(t, other, other, true),            // unrelated
	}
	pile := index(t, append(append([][]byte{broken[0]}, ders...), broken[1:]...)...)

	lazy, err := chain.BuildPile(pile, chain.BuildOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	full, err := chain.Build(certs, chain.BuildOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	samePath(t, lazy.Certs, want)
	if lazy.Complete != full.Complete || lazy.Alternatives != full.Alternatives || len(lazy.Unused) != len(full.Unused)+1 {
		t.Fatalf("lazy: complete %v, %d alternatives, %d unused; at once: %v, %d, %d", lazy.Complete, lazy.Alternatives, len(lazy.Unused),
			full.Complete, full.Alternatives, len(full.Unused))
	}
	kinds := func(us []chain.Unused) map[string]int {
		m := map[string]int{}
		for _, u := range us {
			m[u.Why]++
		}
		return m
	}
	wantKinds := kinds(full.Unused)
	wantKinds["unrelated"]++ // Broken Other, never parsed
	if fmt.Sprint(kinds(lazy.Unused)) != fmt.Sprint(wantKinds) {
		t.Fatalf("unused %v, want %v", kinds(lazy.Unused), wantKinds)
	}
	parsed := 0
	for _, pc := range pile {
		if pc.Parsed() {
			parsed++
		}
	}
	// The path, the twin (a candidate issuer), the two broken
	// candidates, and the duplicate's original: not the 60 others.
	if parsed > len(want)+4 {
		t.Errorf("parsed %d of %d certificates", parsed, len(pile))
	}
	for i, pc := range pile[:1:1] {
		if pc.Broken() == nil {
			t.Errorf("broken candidate %d not found out", i)
		}
	}
	if pile[len(pile)-2].Broken() == nil {
		t.Error("broken leaf candidate not found out")
	}
	last := pile[len(pile)-1]
	for _, u := range lazy.Unused {
		if u.Entry == pile[0] || u.Entry == pile[len(pile)-2] {
			t.Error("a broken certificate is among the left-overs")
		}
		if u.Entry == last && (u.Cert != nil || last.Parsed() || u.Why != "unrelated") {
			t.Errorf("the unrelated broken certificate: %+v", u)
		}
		if u.Entry != last && u.Cert == nil {
			if c, err := u.Entry.Certificate(); err != nil || c == nil {
				t.Errorf("left-over %s: %v", u.Why, err)
			}
		}
	}
}

// TestBuildPileAllBroken: a pile of certificates crypto/x509 refuses is
// no certificates, as when they are refused on reading; copies of a
// broken certificate are found broken too, whatever the result.
func TestBuildPileAllBroken(t *testing.T) {
	h, err := chaintest.NewHierarchy("Broken", 2, chaintest.Ed25519, "broken.example")
	if err != nil {
		t.Fatal(err)
	}
	leaf := brokenLike(t, h.Certs[0], h.Certs[1], false)
	ca := brokenLike(t, h.Certs[1], h.Certs[1], true)
	for _, tt := range []struct {
		name string
		ders [][]byte
		want error
	}{
		{"a broken leaf", [][]byte{leaf}, chain.ErrNoCertificates},
		{"a broken leaf twice", [][]byte{leaf, leaf}, chain.ErrNoCertificates},
		{"a broken CA and leaf", [][]byte{ca, leaf, ca}, chain.ErrNoCertificates},
		{"a broken leaf twice and its CA", [][]byte{leaf, h.Certs[1].Raw, leaf}, chain.ErrNoLeaf},
	} {
		pile := index(t, tt.ders...)
		_, err := chain.BuildPile(pile, chain.BuildOptions{At: at})
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		for i, pc := range pile {
			if wantBroken := string(tt.ders[i]) != string(h.Certs[1].Raw); (pc.Broken() != nil) != wantBroken {
				t.Errorf("%s: certificate %d broken: %v", tt.name, i, pc.Broken())
			}
		}
	}
}

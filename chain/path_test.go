package chain_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/formats"
)

var formatsCheck = formats.CheckSignature

// twinPile makes n CA certificates named "CN=Twin CA", issued by "CN=Twin
// CA", all with one subject and authority key identifier; with sameKey
// they share one public key (each signed by another key, so none is
// self-signed), else each has its own key. Three other keys sign them. The leaf is issued by one of
// them, the 37th.
func twinPile(t testing.TB, n int, sameKey bool) (*x509.Certificate, []*x509.Certificate) {
	ski := []byte("twin-twin-twin-twin!")
	name := pkix.Name{CommonName: "Twin CA"}
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	mk := func(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	parent := &x509.Certificate{Subject: name, SubjectKeyId: ski}
	shared := newKey()
	signers := []*ecdsa.PrivateKey{newKey(), newKey(), newKey()}
	var pile []*x509.Certificate
	var keys []*ecdsa.PrivateKey
	for i := range n {
		k := shared
		if !sameKey {
			k = newKey()
		}
		keys = append(keys, k)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: name, SubjectKeyId: ski, NotBefore: at.AddDate(0, 0, -1), NotAfter: at.AddDate(1, 0, i),
			BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign}
		pile = append(pile, mk(tmpl, parent, &k.PublicKey, signers[i%len(signers)]))
	}
	leafT := &x509.Certificate{SerialNumber: big.NewInt(1 << 40), Subject: pkix.Name{CommonName: "twin leaf"}, NotBefore: at.AddDate(0, 0, -1), NotAfter: at.AddDate(1, 0, 0)}
	leafKey := newKey()
	leaf := mk(leafT, pile[37], &leafKey.PublicKey, keys[37])
	return leaf, pile
}

func mustCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func problemKinds(ps []chain.Problem) []chain.Kind {
	out := []chain.Kind{}
	for _, p := range ps {
		out = append(out, p.Kind)
	}
	return out
}

// Trust anchors are self-signed roots only, unless PartialChain.
func TestVerifyPartialChain(t *testing.T) {
	h, err := chaintest.NewHierarchy("Partial", 4, chaintest.EC256, "partial.example.com")
	if err != nil {
		t.Fatal(err)
	}
	leaf, i2, i1, root := h.Certs[0].Certificate, h.Certs[1].Certificate, h.Certs[2].Certificate, h.Certs[3].Certificate
	tests := []struct {
		name      string
		leaf      *x509.Certificate
		o         chain.VerifyOptions
		want      []chain.Kind
		wantChain int
		refused   bool
	}{
		{"intermediate as root refused", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i2}, Intermediates: []*x509.Certificate{i1}}, []chain.Kind{chain.UnknownAuthority}, 3, true},
		{"lone intermediate as root refused", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i2}}, []chain.Kind{chain.UnknownAuthority}, 2, true},
		{"intermediate as root, root untrusted", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i1}, Intermediates: []*x509.Certificate{i2, root}}, []chain.Kind{chain.UnknownAuthority}, 4, true},
		{"partial chain accepts the intermediate", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i2}, PartialChain: true}, nil, 2, false},
		{"partial chain stops at the first anchor", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i1}, Intermediates: []*x509.Certificate{i2}, PartialChain: true}, nil, 3, false},
		{"partial chain, leaf itself trusted", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{leaf}, PartialChain: true}, nil, 1, false},
		{"whole chain in roots", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i2, i1, root}}, nil, 4, false},
		// OpenSSL takes i2 from the roots and then looks only there.
		{"intermediate and root in roots, the CA between not", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i2, root}, Intermediates: []*x509.Certificate{i1}}, []chain.Kind{chain.UnknownAuthority}, 4, false},
		{"lower intermediate untrusted", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{i1, root}, Intermediates: []*x509.Certificate{i2}}, nil, 4, false},
		{"self-signed root needs no flag", leaf, chain.VerifyOptions{Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{i2, i1}}, nil, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.At = at
			r, err := chain.Verify(tt.leaf, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := problemKinds(r.Problems); !slices.Equal(got, append([]chain.Kind{}, tt.want...)) {
				t.Fatalf("problems %v, want %v: %v", got, tt.want, r.Problems)
			}
			if len(r.Chain) != tt.wantChain {
				t.Errorf("chain of %d, want %d", len(r.Chain), tt.wantChain)
			}
			if r.Valid() != (len(tt.want) == 0) {
				t.Errorf("Valid %v Trusted %v", r.Valid(), r.Trusted)
			}
			if tt.refused {
				p := r.Problems[0]
				if !slices.Contains(p.Refused, "nginx") || !slices.Contains(p.Refused, "HAProxy") || !slices.Contains(p.Refused, "OpenSSL") {
					t.Errorf("Refused = %v", p.Refused)
				}
				for _, s := range []string{"ssl_client_certificate", "ca-file", "--partial-chain", "self-signed root"} {
					if !strings.Contains(p.Fix, s) {
						t.Errorf("fix does not say %q: %s", s, p.Fix)
					}
				}
				if !strings.Contains(p.Detail, "not self-signed") {
					t.Errorf("detail: %s", p.Detail)
				}
			}
		})
	}
}

// Self-issued intermediates do not count against pathLenConstraint
// (RFC 5280 6.1.4 (l)).
func TestVerifySelfIssuedPathLen(t *testing.T) {
	mk := func(s chaintest.Spec) *chaintest.Cert { return chaintest.Must(chaintest.New(s)) }
	root := mk(chaintest.Spec{CN: "SI Root", CA: true, PathLen: 0, NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(5, 0, 0)})
	// Key rollover: the root's name, a new key, signed by the old key.
	rollover := mk(chaintest.Spec{CN: "SI Root", CA: true, PathLen: -1, Issuer: root})
	leafUnderRollover := mk(chaintest.Spec{CN: "si.example.com", Issuer: rollover})
	sub := mk(chaintest.Spec{CN: "SI Sub", CA: true, PathLen: -1, Issuer: rollover})
	leafUnderSub := mk(chaintest.Spec{CN: "sub.example.com", Issuer: sub})
	tests := []struct {
		name  string
		leaf  *chaintest.Cert
		inter []*chaintest.Cert
		want  []chain.Kind
	}{
		{"self-issued not counted", leafUnderRollover, []*chaintest.Cert{rollover}, nil},
		{"one real intermediate counted", leafUnderSub, []*chaintest.Cert{rollover, sub}, []chain.Kind{chain.PathLen}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := chain.Verify(tt.leaf.Certificate, chain.VerifyOptions{At: at, Roots: chaintest.X509(root), Intermediates: chaintest.X509(tt.inter...)})
			if err != nil {
				t.Fatal(err)
			}
			if got := problemKinds(r.Problems); !slices.Equal(got, append([]chain.Kind{}, tt.want...)) {
				t.Fatalf("problems %v, want %v: %v", got, tt.want, r.Problems)
			}
			if len(r.Chain) != len(tt.inter)+2 {
				t.Errorf("chain %d", len(r.Chain))
			}
		})
	}
}

// Issuer names match their issuer's subject under RFC 5280 7.1, as in
// OpenSSL: case, white space and string type do not matter.
func TestVerifyNameComparison(t *testing.T) {
	rk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rootSubject := rawName(t, 19, "Acme  Root CA") // PrintableString
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: rootSubject, NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(5, 0, 0),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{1, 2, 3}}
	root := mustCert(t, rootT, rootT, &rk.PublicKey, rk)
	tests := []struct {
		name   string
		issuer []byte
		valid  bool
	}{
		{"same bytes", rootSubject, true},
		{"UTF8String", rawName(t, 12, "Acme  Root CA"), true},
		{"upper case", rawName(t, 12, "ACME  ROOT CA"), true},
		{"spaces folded and trimmed", rawName(t, 19, "  acme root    ca "), true},
		{"another name", rawName(t, 12, "Acme Root CA 2"), false},
		{"no space between words", rawName(t, 12, "AcmeRoot CA"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := *root
			parent.RawSubject = tt.issuer
			lt := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: at.AddDate(0, 0, -1), NotAfter: at.AddDate(1, 0, 0)}
			leaf := mustCert(t, lt, &parent, &lk.PublicKey, rk)
			r, err := chain.Verify(leaf, chain.VerifyOptions{At: at, Roots: []*x509.Certificate{root}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid() != tt.valid {
				t.Fatalf("valid %v, want %v: %v", r.Valid(), tt.valid, r.Problems)
			}
			if !tt.valid && (len(r.Problems) != 1 || r.Problems[0].Kind != chain.MissingIntermediate) {
				t.Errorf("problems %v", r.Problems)
			}
		})
	}
}

// rawName encodes "CN=cn" with the string type tag.
func rawName(t testing.TB, tag byte, cn string) []byte {
	v, err := asn1.Marshal(asn1.RawValue{Tag: int(tag), Bytes: []byte(cn)})
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal([]pkix.RelativeDistinguishedNameSET{{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: asn1.RawValue{FullBytes: v}}}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// DSA and RSASSA-PSS chains (made by OpenSSL: testdata/generate.sh)
// verify; DSA with SHA-1 is reported as weak.
func TestVerifyDSAAndPSS(t *testing.T) {
	tests := []struct {
		file string
		want []chain.Kind
	}{
		{"dsa.pem", nil},
		{"pss.pem", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var cs []*x509.Certificate
			for len(data) > 0 {
				var b *pem.Block
				if b, data = pem.Decode(data); b == nil {
					break
				}
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				cs = append(cs, c)
			}
			leaf, inter, root := cs[0], cs[1], cs[2]
			for i := range 2 {
				if err := formatsCheck(cs[i+1], cs[i]); err != nil {
					t.Fatalf("signature of %s: %v", cs[i].Subject, err)
				}
			}
			if !chain.SelfSigned(root) {
				t.Error("root not self-signed")
			}
			r, err := chain.Verify(leaf, chain.VerifyOptions{At: leaf.NotBefore.Add(time.Hour), Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{inter}, Purpose: chain.PurposeServer})
			if err != nil {
				t.Fatal(err)
			}
			got := problemKinds(r.Problems)
			if tt.file == "dsa.pem" {
				// The leaf is signed with DSA-SHA1: weak, but found.
				if !slices.Equal(got, []chain.Kind{chain.WeakSignature}) || r.Problems[0].Index != 0 || !r.Trusted {
					t.Fatalf("problems %v (trusted %v): %v", got, r.Trusted, r.Problems)
				}
				return
			}
			if !slices.Equal(got, []chain.Kind{}) || !r.Trusted || len(r.Chain) != 3 {
				t.Fatalf("problems %v: %v", got, r.Problems)
			}
			// A flipped bit in the signature is caught.
			bad := *leaf
			bad.Signature = append([]byte(nil), leaf.Signature...)
			bad.Signature[10] ^= 1
			if formatsCheck(inter, &bad) == nil {
				t.Error("tampered signature verifies")
			}
		})
	}
}

// With a bound on signature checks, hostile piles of twins end quickly
// and say so.
func TestBuildTwinsBounded(t *testing.T) {
	for _, sameKey := range []bool{false, true} {
		// Enough twins with their own keys to need more checks than the
		// bound allows (each twin is checked as the leaf's issuer and as
		// the issuer of the others).
		leaf, pile := twinPile(t, chain.MaxSignatureChecks/2+100, sameKey)
		_, err := chain.Build(pile, chain.BuildOptions{At: at})
		var nl *chain.NoLeafError
		if !errors.As(err, &nl) {
			t.Fatalf("same key %v: %v", sameKey, err)
		}
		p, err := chain.Build(pile, chain.BuildOptions{At: at, Leaf: leaf})
		if err != nil {
			t.Fatal(err)
		}
		if p.SignatureChecks > chain.MaxSignatureChecks {
			t.Errorf("%d signature checks", p.SignatureChecks)
		}
		if len(p.Certs) < 2 || formatsCheck(p.Certs[1], leaf) != nil {
			t.Errorf("same key %v: the leaf's issuer was not found (%d certs)", sameKey, len(p.Certs))
		}
		if !sameKey && !p.Truncated {
			t.Errorf("a pile of %d twins with their own keys did not reach the bound (%d checks)", len(pile), p.SignatureChecks)
		}
	}
}

// MaxDepth counts intermediates as openssl -verify_depth: neither the
// leaf nor the trust anchor.
func TestVerifyMaxDepth(t *testing.T) {
	h, err := chaintest.NewHierarchy("Depth", 4, chaintest.EC256, "depth.example.com")
	if err != nil {
		t.Fatal(err)
	}
	leaf, i2, i1, root := h.Certs[0].Certificate, h.Certs[1].Certificate, h.Certs[2].Certificate, h.Certs[3].Certificate
	tests := []struct {
		name  string
		o     chain.VerifyOptions
		valid bool
	}{
		{"no limit", chain.VerifyOptions{}, true},
		{"2 allowed", chain.VerifyOptions{MaxDepth: 2}, true},
		{"1 allowed", chain.VerifyOptions{MaxDepth: 1}, false},
		{"0 allowed", chain.VerifyOptions{MaxDepthZero: true}, false},
		{"partial chain: anchor not counted", chain.VerifyOptions{MaxDepth: 1, PartialChain: true, Roots: []*x509.Certificate{i1}}, true},
		{"partial chain: 0 with anchor above the leaf", chain.VerifyOptions{MaxDepthZero: true, PartialChain: true, Roots: []*x509.Certificate{i2}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.At = at
			if o.Roots == nil {
				o.Roots = []*x509.Certificate{root}
			}
			o.Intermediates = []*x509.Certificate{i2, i1}
			r, err := chain.Verify(leaf, o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid() != tt.valid {
				t.Fatalf("valid %v: %v", r.Valid(), r.Problems)
			}
			if !tt.valid && (len(r.Problems) != 1 || r.Problems[0].Kind != chain.ChainTooLong) {
				t.Errorf("problems %v", r.Problems)
			}
		})
	}
}

// Validity is compared at full precision: half a second after notAfter
// is expired, half a second before notBefore not yet valid, and notAfter
// itself is still valid (RFC 5280 4.1.2.5: "inclusive").
func TestVerifyValidityPrecision(t *testing.T) {
	root := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Precise Root", CA: true, PathLen: -1, NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(5, 0, 0)}))
	leaf := chaintest.Must(chaintest.New(chaintest.Spec{CN: "precise", Issuer: root, NotBefore: at, NotAfter: at.Add(time.Hour)}))
	tests := []struct {
		at   time.Time
		want []chain.Kind
	}{
		{at.Add(time.Hour), nil},
		{at.Add(time.Hour + 500*time.Millisecond), []chain.Kind{chain.Expired}},
		{at.Add(time.Hour + time.Nanosecond), []chain.Kind{chain.Expired}},
		{at, nil},
		{at.Add(-500 * time.Millisecond), []chain.Kind{chain.NotYetValid}},
	}
	for _, tt := range tests {
		r, err := chain.Verify(leaf.Certificate, chain.VerifyOptions{At: tt.at, Roots: chaintest.X509(root)})
		if err != nil {
			t.Fatal(err)
		}
		if got := problemKinds(r.Problems); !slices.Equal(got, append([]chain.Kind{}, tt.want...)) {
			t.Errorf("at %s: %v, want %v", tt.at.Format(time.RFC3339Nano), got, tt.want)
		}
	}
}

package chain_test

import (
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/revoke"
)

func kinds(r *chain.Result) []chain.Kind {
	var out []chain.Kind
	for _, p := range r.Problems {
		out = append(out, p.Kind)
	}
	return out
}

func TestVerify(t *testing.T) {
	mk := func(s chaintest.Spec) *chaintest.Cert { return chaintest.Must(chaintest.New(s)) }
	root := mk(chaintest.Spec{CN: "Root", CA: true, PathLen: 1, NotBefore: at.AddDate(-2, 0, 0), NotAfter: at.AddDate(10, 0, 0)})
	inter := mk(chaintest.Spec{CN: "Inter", CA: true, PathLen: -1, Issuer: root})
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	leaf := mk(chaintest.Spec{CN: "www.example.com", DNS: []string{"www.example.com"}, IPs: []net.IP{net.ParseIP("192.0.2.1")}, Issuer: inter, EKU: server})
	roots := chaintest.X509(root)
	inters := chaintest.X509(inter)

	clientLeaf := mk(chaintest.Spec{CN: "alice", Issuer: inter, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	clientInter := mk(chaintest.Spec{CN: "Client Inter", CA: true, PathLen: -1, Issuer: root, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	underClientInter := mk(chaintest.Spec{CN: "svc", DNS: []string{"svc.example.com"}, Issuer: clientInter, EKU: server})
	nc := mk(chaintest.Spec{CN: "NC", CA: true, PathLen: -1, Issuer: root, PermittedDNS: []string{"example.com"}})
	ncBad := mk(chaintest.Spec{CN: "x", DNS: []string{"www.example.org"}, Issuer: nc})
	sub := mk(chaintest.Spec{CN: "Sub", CA: true, PathLen: -1, Issuer: inter})
	subLeaf := mk(chaintest.Spec{CN: "deep", Issuer: sub})
	notCA := mk(chaintest.Spec{CN: "Not a CA", Issuer: inter})
	underNotCA := mk(chaintest.Spec{CN: "under", Issuer: notCA})
	weak := mk(chaintest.Spec{CN: "weak", Issuer: inter, KeyType: chaintest.RSA1024})
	expiredLeaf := mk(chaintest.Spec{CN: "old", Issuer: inter, NotBefore: at.AddDate(-2, 0, 0), NotAfter: at.AddDate(-1, 0, 0)})
	futureLeaf := mk(chaintest.Spec{CN: "new", Issuer: inter, NotBefore: at.AddDate(0, 1, 0)})
	rsaInter := mk(chaintest.Spec{CN: "RSA Inter", CA: true, PathLen: 0, Issuer: root, KeyType: chaintest.RSA2048})
	sha1Leaf := mk(chaintest.Spec{CN: "sha1", Issuer: rsaInter, SigAlg: x509.SHA1WithRSA})
	otherRoot := mk(chaintest.Spec{CN: "Other Root", CA: true, PathLen: -1})
	// A leaf whose signature was changed after signing.
	tampered := *leaf.Certificate
	tampered.Signature = append([]byte(nil), leaf.Signature...)
	tampered.Signature[len(tampered.Signature)-3] ^= 0x40

	mkCRL := func(issuer *chaintest.Cert, this, next time.Time, rev ...chaintest.Revoked) *x509.RevocationList {
		l, err := chaintest.CRL(issuer, 1, this, next, rev...)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	rootCRL := mkCRL(root, at.AddDate(0, 0, -1), at.AddDate(0, 0, 7))
	interCRL := mkCRL(inter, at.AddDate(0, 0, -1), at.AddDate(0, 0, 7), chaintest.Revoked{Cert: clientLeaf, At: at.AddDate(0, 0, -2), Reason: 1})
	staleCRL := mkCRL(inter, at.AddDate(0, 0, -9), at.AddDate(0, 0, -2))

	// X signed by Y and Y by X, a leaf under Y: no root is ever reached.
	loopX := mk(chaintest.Spec{CN: "Loop X", CA: true, PathLen: -1})
	loopY := mk(chaintest.Spec{CN: "Loop Y", CA: true, PathLen: -1, Issuer: loopX})
	loopXByY := chaintest.Must(chaintest.CrossSign(loopX, loopY))
	loopLeaf := mk(chaintest.Spec{CN: "loop", Issuer: loopY})

	tests := []struct {
		name string
		leaf *x509.Certificate
		o    chain.VerifyOptions
		want []chain.Kind
	}{
		{"valid", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Purpose: chain.PurposeServer, Host: "www.example.com"}, nil},
		{"valid ip", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Host: "192.0.2.1"}, nil},
		{"valid crl", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, CheckRevocation: true, CRLs: []*x509.RevocationList{rootCRL, interCRL}}, nil},
		{"valid served", leaf.Certificate, chain.VerifyOptions{Roots: roots, Served: chaintest.X509(leaf, inter)}, nil},
		{"valid served with root", leaf.Certificate, chain.VerifyOptions{Roots: roots, Served: chaintest.X509(leaf, inter, root)}, nil},
		{"valid key", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Key: leaf.Key.Public()}, nil},
		{"expired", expiredLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters}, []chain.Kind{chain.Expired}},
		{"not yet valid", futureLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters}, []chain.Kind{chain.NotYetValid}},
		{"wrong eku", clientLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Purpose: chain.PurposeServer}, []chain.Kind{chain.WrongEKU}},
		{"wrong eku on intermediate", underClientInter.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(clientInter), Purpose: chain.PurposeServer}, []chain.Kind{chain.WrongEKU}},
		{"host", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Host: "api.example.com"}, []chain.Kind{chain.HostMismatch}},
		{"missing intermediate", leaf.Certificate, chain.VerifyOptions{Roots: roots}, []chain.Kind{chain.MissingIntermediate}},
		{"out of order", leaf.Certificate, chain.VerifyOptions{Roots: roots, Served: chaintest.X509(inter, leaf)}, []chain.Kind{chain.OutOfOrder}},
		{"stray in chain file", leaf.Certificate, chain.VerifyOptions{Roots: roots, Served: chaintest.X509(leaf, inter, otherRoot)}, []chain.Kind{chain.OutOfOrder}},
		{"name constraints", ncBad.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(nc)}, []chain.Kind{chain.NameConstraints}},
		{"path length", subLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(inter, sub)}, []chain.Kind{chain.PathLen}},
		{"bad signature", &tampered, chain.VerifyOptions{Roots: roots, Intermediates: inters}, []chain.Kind{chain.BadSignature}},
		{"unknown authority", leaf.Certificate, chain.VerifyOptions{Roots: chaintest.X509(otherRoot), Intermediates: chaintest.X509(inter, root)}, []chain.Kind{chain.UnknownAuthority}},
		{"revoked", clientLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, CheckRevocation: true, CRLs: []*x509.RevocationList{rootCRL, interCRL}}, []chain.Kind{chain.Revoked}},
		{"no crl", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, CheckRevocation: true, CRLs: []*x509.RevocationList{interCRL}}, []chain.Kind{chain.RevocationUnknown}},
		{"no crl at all", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, CheckRevocation: true}, []chain.Kind{chain.RevocationUnknown, chain.RevocationUnknown}},
		{"served chain lacks an intermediate", subLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(inter), Served: chaintest.X509(subLeaf, sub)}, []chain.Kind{chain.MissingIntermediate, chain.PathLen}},
		{"served leaf and root only", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Served: chaintest.X509(leaf, root)}, []chain.Kind{chain.MissingIntermediate}},
		{"stale crl", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, CheckRevocation: true, CRLs: []*x509.RevocationList{rootCRL, staleCRL}}, []chain.Kind{chain.RevocationUnknown}},
		{"loop", loopLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(loopXByY, loopY)}, []chain.Kind{chain.MissingIntermediate}},
		{"weak key", weak.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters}, []chain.Kind{chain.WeakKey}},
		{"sha-1", sha1Leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(rsaInter)}, []chain.Kind{chain.WeakSignature}},
		{"key mismatch", leaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Key: otherRoot.Key.Public()}, []chain.Kind{chain.KeyMismatch}},
		{"not a ca", underNotCA.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: chaintest.X509(inter, notCA)}, []chain.Kind{chain.NotCA, chain.PathLen}},
		{"several problems", expiredLeaf.Certificate, chain.VerifyOptions{Roots: roots, Intermediates: inters, Host: "nope.example.com", Purpose: chain.PurposeClient},
			[]chain.Kind{chain.Expired, chain.HostMismatch}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.At = at
			r, err := chain.Verify(tc.leaf, o)
			if err != nil {
				t.Fatal(err)
			}
			got := kinds(r)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems %v, want %v: %v", got, tc.want, r.Problems)
			}
			for _, p := range r.Problems {
				if p.Fix == "" || p.Detail == "" {
					t.Errorf("%s: no detail or fix", p.Kind)
				}
				if p.Index >= 0 && !strings.Contains(p.Detail, p.Cert.Subject.String()) {
					t.Errorf("%s does not name the certificate: %s", p.Kind, p.Detail)
				}
				t.Logf("%s: %s / %s", p.Kind, p.Detail, p.Fix)
			}
			if r.Valid() != (len(tc.want) == 0) {
				t.Errorf("Valid() = %v", r.Valid())
			}
		})
	}
}

func TestVerifyRevokedSaysWhenAndWhy(t *testing.T) {
	h, err := chaintest.NewHierarchy("Rev", 3, chaintest.EC256, "rev.example.com")
	if err != nil {
		t.Fatal(err)
	}
	when := at.AddDate(0, 0, -3).Truncate(time.Second)
	ic, err := chaintest.CRL(h.Certs[1], 1, at.AddDate(0, 0, -1), at.AddDate(0, 0, 1), chaintest.Revoked{Cert: h.Leaf(), At: when, Reason: int(revoke.KeyCompromise)})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := chaintest.CRL(h.Root(), 1, at.AddDate(0, 0, -1), at.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.Verify(h.Leaf().Certificate, chain.VerifyOptions{At: at, Roots: chaintest.X509(h.Root()), Intermediates: chaintest.X509(h.Certs[1]),
		CheckRevocation: true, CRLs: []*x509.RevocationList{ic, rc}, ReasonName: func(c int) string { return revoke.Reason(c).String() }})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Detail, "keyCompromise") || !strings.Contains(r.Problems[0].Detail, when.Format(time.RFC3339)) {
		t.Fatalf("%v", r.Problems)
	}
}

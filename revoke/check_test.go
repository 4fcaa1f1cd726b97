package revoke_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/revoke"
	rt "github.com/pkit/pkit/revoke/revoketest"
)

func TestParseCRL(t *testing.T) {
	ca := chaintest.Must(chaintest.New(chaintest.Spec{CN: "CRL CA", CA: true, PathLen: -1}))
	leaf := chaintest.Must(chaintest.New(chaintest.Spec{CN: "leaf", Issuer: ca}))
	crl, err := chaintest.CRL(ca, 7, chaintest.Base, chaintest.Base.AddDate(0, 0, 7), chaintest.Revoked{Cert: leaf, At: chaintest.Base, Reason: 4})
	if err != nil {
		t.Fatal(err)
	}
	pemData := chaintest.CRLPEM(crl)
	two := append(append([]byte("junk before\n"), pemData...), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})...)
	two = append(two, pemData...)
	tests := []struct {
		name string
		data []byte
		n    int
		err  error
	}{
		{"der", crl.Raw, 1, nil},
		{"pem", pemData, 1, nil},
		{"pem with other blocks", two, 2, nil},
		{"empty", nil, 0, revoke.ErrNotCRL},
		{"certificate only", chaintest.PEM(ca.Certificate), 0, revoke.ErrNotCRL},
		{"der certificate", ca.Raw, 0, revoke.ErrNotCRL},
		{"text", []byte("hello"), 0, revoke.ErrNotCRL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := revoke.ParseCRLs(tc.data)
			if !errors.Is(err, tc.err) || len(got) != tc.n {
				t.Fatalf("got %d CRLs, err %v; want %d, %v", len(got), err, tc.n, tc.err)
			}
			if tc.n > 0 {
				one, err := revoke.ParseCRL(tc.data)
				if err != nil || one.Number.Int64() != 7 || len(one.RevokedCertificateEntries) != 1 {
					t.Fatalf("ParseCRL: %v", err)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	at := chaintest.Base
	ca := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Check CA", CA: true, PathLen: -1}))
	impostor := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Check CA", CA: true, PathLen: -1, NoKeyIDs: true}))
	other := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Other CA", CA: true, PathLen: -1}))
	good := chaintest.Must(chaintest.New(chaintest.Spec{CN: "good", Issuer: ca}))
	bad := chaintest.Must(chaintest.New(chaintest.Spec{CN: "bad", Issuer: ca}))
	revokedAt := at.AddDate(0, 0, -2).Truncate(time.Second)
	mk := func(issuer *chaintest.Cert, n int64, this, next time.Time) *x509.RevocationList {
		l, err := chaintest.CRL(issuer, n, this, next, chaintest.Revoked{Cert: bad, At: revokedAt, Reason: int(revoke.KeyCompromise)})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	fresh := mk(ca, 2, at.AddDate(0, 0, -1), at.AddDate(0, 0, 6))
	older := mk(ca, 1, at.AddDate(0, 0, -3), at.AddDate(0, 0, 4))
	stale := mk(ca, 3, at.AddDate(0, 0, -9), at.AddDate(0, 0, -1))
	future := mk(ca, 4, at.AddDate(0, 0, 1), at.AddDate(0, 0, 8))
	// Same issuer name, other key: its key identifier differs, so it is
	// not the issuer's CRL at all.
	impostors := mk(impostor, 5, at.AddDate(0, 0, -1), at.AddDate(0, 0, 6))
	// The issuer's CRL with its signature changed.
	raw := append([]byte(nil), fresh.Raw...)
	raw[len(raw)-2] ^= 0x11
	forged, err := x509.ParseRevocationList(raw)
	if err != nil {
		t.Fatal(err)
	}
	foreign := mk(other, 6, at.AddDate(0, 0, -1), at.AddDate(0, 0, 6))
	// An empty but newer CRL wins over an older one listing the serial.
	empty, err := chaintest.CRL(ca, 9, at.AddDate(0, 0, -1), at.AddDate(0, 0, 6))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		cert    *chaintest.Cert
		crls    []*x509.RevocationList
		revoked bool
		problem revoke.CRLProblem
	}{
		{"good", good, []*x509.RevocationList{fresh}, false, 0},
		{"revoked", bad, []*x509.RevocationList{fresh}, true, 0},
		{"highest number wins", bad, []*x509.RevocationList{older, empty}, false, 0},
		{"stale skipped", bad, []*x509.RevocationList{stale, fresh}, true, 0},
		{"only stale", bad, []*x509.RevocationList{stale}, false, revoke.Expired},
		{"only future", bad, []*x509.RevocationList{future}, false, revoke.NotYetValid},
		{"forged", bad, []*x509.RevocationList{forged}, false, revoke.BadSignature},
		{"impostor", bad, []*x509.RevocationList{impostors}, false, revoke.NoCRL},
		{"other issuer", bad, []*x509.RevocationList{foreign}, false, revoke.NoCRL},
		{"none", good, nil, false, revoke.NoCRL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := revoke.Check(tc.cert.Certificate, ca.Certificate, tc.crls, at)
			if tc.problem != 0 {
				var ce *revoke.CRLError
				if !errors.As(err, &ce) || ce.Problem != tc.problem {
					t.Fatalf("err = %v, want problem %d", err, tc.problem)
				}
				if tc.problem == revoke.NoCRL && !errors.Is(err, revoke.ErrNoCRL) {
					t.Errorf("%v does not wrap ErrNoCRL", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Revoked != tc.revoked {
				t.Fatalf("revoked = %v", st.Revoked)
			}
			if st.Revoked && (!st.RevokedAt.Equal(revokedAt) || st.Reason != int(revoke.KeyCompromise)) {
				t.Errorf("entry: %v %d", st.RevokedAt, st.Reason)
			}
		})
	}
}

// FuzzParseCRL checks pkit's CRL parser: no panic, every error wraps
// ErrNotCRL, and where crypto/x509 also reads the CRL (it refuses
// version 1) both read the same fields and entries. Checking whatever
// parsed must not panic either.
func FuzzParseCRL(f *testing.F) {
	ca := chaintest.Must(chaintest.New(chaintest.Spec{CN: "Fuzz CA", CA: true, PathLen: -1}))
	leaf := chaintest.Must(chaintest.New(chaintest.Spec{CN: "leaf", Issuer: ca}))
	crl, err := chaintest.CRL(ca, 1, chaintest.Base, chaintest.Base.AddDate(0, 0, 7), chaintest.Revoked{Cert: leaf, At: chaintest.Base, Reason: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(crl.Raw)
	f.Add(chaintest.CRLPEM(crl))
	f.Add([]byte("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n"))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	signer := &rt.Cert{Certificate: ca.Certificate, Key: ca.Key}
	ext := pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}
	for _, c := range []rt.CRL{
		{V1: true, Entries: []rt.Entry{{Serial: leaf.SerialNumber}}},
		{Number: big.NewInt(3), IDP: &rt.IDP{URIs: []string{"http://x/y.crl"}, UserOnly: true, Reasons: []revoke.Reason{revoke.KeyCompromise, revoke.AACompromise}}},
		{Number: big.NewInt(4), DeltaOf: big.NewInt(3), Freshest: "http://x/d.crl", Entries: []rt.Entry{{Serial: leaf.SerialNumber, Reason: revoke.RemoveFromCRL}}},
		{Number: big.NewInt(5), IDP: &rt.IDP{Indirect: true}, Entries: []rt.Entry{{Serial: big.NewInt(1), Issuer: ca.RawSubject}, {Serial: big.NewInt(2), Extra: []pkix.Extension{ext}}}},
		{Number: big.NewInt(6), Extra: []pkix.Extension{ext}},
	} {
		c.Signer = signer
		der, err := c.DER()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, err := revoke.ParseCRLs(data)
		if err != nil {
			if crls != nil {
				t.Fatal("CRLs with an error")
			}
			if !errors.Is(err, revoke.ErrNotCRL) {
				t.Fatalf("error %v does not wrap ErrNotCRL", err)
			}
			return
		}
		for _, c := range crls {
			// Checking must never panic on whatever parsed.
			revoke.Check(leaf.Certificate, ca.Certificate, []*x509.RevocationList{c}, chaintest.Base)
			revoke.CheckWith(leaf.Certificate, ca.Certificate, []*x509.RevocationList{c}, chaintest.Base, revoke.Options{Signers: []*x509.Certificate{ca.Certificate}})
			// The lazy parse keeps the same entries for a serial.
			if len(c.RevokedCertificateEntries) > 0 {
				s := c.RevokedCertificateEntries[0].SerialNumber
				one, err := revoke.ParseCRLFor(c.Raw, s)
				if err != nil || len(one.RevokedCertificateEntries) == 0 || one.RevokedCertificateEntries[0].SerialNumber.Cmp(s) != 0 {
					t.Fatalf("ParseCRLFor(%v): %v", s, err)
				}
			}
			g, err := x509.ParseRevocationList(c.Raw)
			if err != nil {
				continue
			}
			sameCRL(t, c, g)
		}
	})
}

// sameCRL fails unless pkit's parse p and crypto/x509's g agree.
func sameCRL(t *testing.T, p, g *x509.RevocationList) {
	t.Helper()
	numEq := func(a, b *big.Int) bool { return (a == nil) == (b == nil) && (a == nil || a.Cmp(b) == 0) }
	switch {
	case !bytes.Equal(p.RawTBSRevocationList, g.RawTBSRevocationList), !bytes.Equal(p.RawIssuer, g.RawIssuer),
		p.Issuer.String() != g.Issuer.String(), !bytes.Equal(p.Signature, g.Signature), p.SignatureAlgorithm != g.SignatureAlgorithm:
		t.Fatalf("header differs: %v/%v %v/%v", p.Issuer, g.Issuer, p.SignatureAlgorithm, g.SignatureAlgorithm)
	case !p.ThisUpdate.Equal(g.ThisUpdate), !p.NextUpdate.Equal(g.NextUpdate), !numEq(p.Number, g.Number), !bytes.Equal(p.AuthorityKeyId, g.AuthorityKeyId):
		t.Fatalf("fields differ: %v %v %v %x; crypto/x509 %v %v %v %x", p.ThisUpdate, p.NextUpdate, p.Number, p.AuthorityKeyId, g.ThisUpdate, g.NextUpdate, g.Number, g.AuthorityKeyId)
	case len(p.Extensions) != len(g.Extensions), len(p.RevokedCertificateEntries) != len(g.RevokedCertificateEntries):
		t.Fatalf("%d extensions, %d entries; crypto/x509 %d, %d", len(p.Extensions), len(p.RevokedCertificateEntries), len(g.Extensions), len(g.RevokedCertificateEntries))
	}
	for i, e := range p.RevokedCertificateEntries {
		h := g.RevokedCertificateEntries[i]
		if e.SerialNumber.Cmp(h.SerialNumber) != 0 || !e.RevocationTime.Equal(h.RevocationTime) || e.ReasonCode != h.ReasonCode || len(e.Extensions) != len(h.Extensions) {
			t.Fatalf("entry %d differs: %v %v %d; crypto/x509 %v %v %d", i, e.SerialNumber, e.RevocationTime, e.ReasonCode, h.SerialNumber, h.RevocationTime, h.ReasonCode)
		}
	}
}

package revoke_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/revoke"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, err := revoke.ParseCRLs(data)
		if err != nil {
			if crls != nil {
				t.Fatal("CRLs with an error")
			}
			return
		}
		for _, c := range crls {
			// Checking must never panic on whatever parsed.
			revoke.Check(leaf.Certificate, ca.Certificate, []*x509.RevocationList{c}, chaintest.Base)
		}
	})
}

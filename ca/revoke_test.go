package ca

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
)

// newTestCA makes a two-tier CA with plain keys and a pinned clock.
func newTestCA(t *testing.T, now time.Time) *Authority {
	t.Helper()
	return openTestCAAt(t, InitOptions{}, now)
}

func issueTestCert(t *testing.T, a *Authority, name string) *x509.Certificate {
	t.Helper()
	iss, err := a.Issue(context.Background(), &Request{Profile: "client", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return iss.Cert
}

func TestRevokeMany(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := newTestCA(t, now)
	c1, c2, c3 := issueTestCert(t, a, "one"), issueTestCert(t, a, "two"), issueTestCert(t, a, "three")
	root := a.CAs["root"]
	tests := []struct {
		name    string
		rs      []Revocation
		wantErr error
	}{
		{"unknown serial", []Revocation{{Serial: c1.SerialNumber}, {Serial: big.NewInt(12345)}}, ErrNotFound},
		{"bad reason", []Revocation{{Serial: c1.SerialNumber, Reason: revoke.RemoveFromCRL}}, ErrBadReason},
		{"root", []Revocation{{Serial: c1.SerialNumber}, {Serial: root.SerialNumber}}, ErrRootRevoke},
		{"ok", []Revocation{{Serial: c1.SerialNumber, Reason: revoke.KeyCompromise, InvalidAt: now.Add(-time.Hour)},
			{Serial: c2.SerialNumber, Reason: revoke.CertificateHold}}, nil},
		{"twice", []Revocation{{Serial: c3.SerialNumber}, {Serial: c1.SerialNumber}}, ErrAlreadyRevoked},
		{"same serial twice in one batch", []Revocation{{Serial: c3.SerialNumber}, {Serial: c3.SerialNumber}}, ErrAlreadyRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Revoke(ctx, tt.rs...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Revoke: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				var re *RevokeError
				if !errors.As(err, &re) {
					t.Fatalf("error %T is not a *RevokeError", err)
				}
			}
		})
	}
	// The failed batches changed nothing: c3 is still valid.
	r3, err := a.Store.Get(ctx, c3.SerialNumber)
	if err != nil || r3.Status != StatusValid {
		t.Fatalf("c3 after failed batches: %+v, %v", r3, err)
	}
	r1, _ := a.Store.Get(ctx, c1.SerialNumber)
	if r1.Status != StatusRevoked || r1.Reason != int(revoke.KeyCompromise) || !r1.RevokedAt.Equal(now) || !r1.InvalidAt.Equal(now.Add(-time.Hour)) {
		t.Fatalf("c1 record: %+v", r1)
	}

	// Only the hold can be lifted.
	if _, err := a.Store.Unrevoke(ctx, c1.SerialNumber); !errors.Is(err, ErrNotOnHold) {
		t.Fatalf("Unrevoke(keyCompromise) = %v, want ErrNotOnHold", err)
	}
	if _, err := a.Store.Unrevoke(ctx, c3.SerialNumber); !errors.Is(err, ErrNotRevoked) {
		t.Fatalf("Unrevoke(valid) = %v, want ErrNotRevoked", err)
	}
	if _, err := a.Store.Unrevoke(ctx, c2.SerialNumber); err != nil {
		t.Fatal(err)
	}
	if r2, _ := a.Store.Get(ctx, c2.SerialNumber); r2.Status != StatusValid || !r2.RevokedAt.IsZero() {
		t.Fatalf("c2 after unrevoke: %+v", r2)
	}
	// A hold can become a permanent revocation, keeping its date.
	if _, err := a.Store.Revoke(ctx, Revocation{Serial: c2.SerialNumber, Reason: revoke.CertificateHold}, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Revoke(ctx, Revocation{Serial: c2.SerialNumber, Reason: revoke.Superseded}, now); err != nil {
		t.Fatal(err)
	}
	if r2, _ := a.Store.Get(ctx, c2.SerialNumber); r2.Reason != int(revoke.Superseded) || !r2.RevokedAt.Equal(now.Add(-time.Minute)) {
		t.Fatalf("c2 after hold then superseded: %+v", r2)
	}
}

func TestNextCRLNumber(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Now())
	for want := int64(1); want <= 3; want++ {
		n, err := a.Store.NextCRLNumber(ctx, "root")
		if err != nil || n.Int64() != want {
			t.Fatalf("NextCRLNumber = %v, %v; want %d", n, err, want)
		}
	}
	if n, _ := a.Store.NextCRLNumber(ctx, "intermediate"); n.Int64() != 1 {
		t.Fatalf("numbers are per CA: got %v", n)
	}
	if n, _ := a.Store.CRLNumber(ctx, "root"); n.Int64() != 3 {
		t.Fatalf("CRLNumber = %v, want 3", n)
	}
}

func TestPublishCRLs(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	a := newTestCA(t, now)
	good, bad := issueTestCert(t, a, "good"), issueTestCert(t, a, "bad")
	inter := a.CAs["intermediate"]
	if _, err := a.Revoke(ctx, Revocation{Serial: bad.SerialNumber, Reason: revoke.KeyCompromise, InvalidAt: now.Add(-72 * time.Hour)},
		Revocation{Serial: inter.SerialNumber, Reason: revoke.CACompromise}); err != nil {
		t.Fatal(err)
	}
	for round := int64(1); round <= 2; round++ {
		pub, err := a.PublishCRLs(ctx, CRLOptions{NextUpdate: 48 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if len(pub) != 2 || pub[0].CA != "root" || pub[1].CA != "intermediate" {
			t.Fatalf("published %+v", pub)
		}
		bundle, err := os.ReadFile(filepath.Join(a.Dir, "crl", CRLBundle))
		if err != nil {
			t.Fatal(err)
		}
		blocks := 0
		for rest := bundle; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			blocks++
		}
		if blocks != 2 {
			t.Fatalf("bundle holds %d PEM blocks, want 2", blocks)
		}
		for _, p := range pub {
			der, err := os.ReadFile(p.DER)
			if err != nil {
				t.Fatal(err)
			}
			rl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := rl.CheckSignatureFrom(a.CAs[p.CA]); err != nil {
				t.Fatalf("%s CRL: %v", p.CA, err)
			}
			if rl.Number.Int64() != round || !rl.ThisUpdate.Equal(now) || !rl.NextUpdate.Equal(now.Add(48*time.Hour)) {
				t.Fatalf("%s CRL: number %v, %v to %v", p.CA, rl.Number, rl.ThisUpdate, rl.NextUpdate)
			}
			if string(rl.AuthorityKeyId) != string(a.CAs[p.CA].SubjectKeyId) {
				t.Fatalf("%s CRL: AKI does not match the CA", p.CA)
			}
			want := map[string]int{"root": int(revoke.CACompromise), "intermediate": int(revoke.KeyCompromise)}[p.CA]
			wantSerial := map[string]*big.Int{"root": inter.SerialNumber, "intermediate": bad.SerialNumber}[p.CA]
			if len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(wantSerial) != 0 ||
				rl.RevokedCertificateEntries[0].ReasonCode != want {
				t.Fatalf("%s CRL entries: %+v", p.CA, rl.RevokedCertificateEntries)
			}
			if p.CA == "intermediate" {
				var inv time.Time
				for _, ext := range rl.RevokedCertificateEntries[0].Extensions {
					if ext.Id.Equal([]int{2, 5, 29, 24}) {
						if _, err := asn1.UnmarshalWithParams(ext.Value, &inv, "generalized"); err != nil {
							t.Fatal(err)
						}
					}
				}
				if !inv.Equal(now.Add(-72 * time.Hour)) {
					t.Fatalf("invalidity date %v, want %v", inv, now.Add(-72*time.Hour))
				}
			}
			pemData, _ := os.ReadFile(p.PEM)
			if b, _ := pem.Decode(pemData); b == nil || string(b.Bytes) != string(der) {
				t.Fatalf("%s: PEM and DER files differ", p.CA)
			}
			for _, c := range []*x509.Certificate{good, bad} {
				if rl.CheckSignatureFrom(a.CAs["intermediate"]) == nil {
					st, err := revoke.Check(c, a.CAs["intermediate"], []*x509.RevocationList{rl}, now)
					if err != nil || st.Revoked != (c == bad) {
						t.Fatalf("Check(%s) = %+v, %v", c.Subject.CommonName, st, err)
					}
				}
			}
		}
	}
}

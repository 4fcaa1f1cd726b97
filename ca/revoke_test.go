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

func testRevokeMany(t *testing.T) {
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

func testNextCRLNumber(t *testing.T) {
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

func testPublishCRLs(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	a := newTestCA(t, now)
	good, bad := issueTestCert(t, a, "good"), issueTestCert(t, a, "bad")
	inter := a.CAs["intermediate"]
	if _, err := a.Revoke(ctx, Revocation{Serial: bad.SerialNumber, Reason: revoke.KeyCompromise, InvalidAt: now.Add(-72 * time.Hour)},
		Revocation{Serial: inter.SerialNumber, Reason: revoke.CessationOfOperation}); err != nil {
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
			want := map[string]int{"root": int(revoke.CessationOfOperation), "intermediate": int(revoke.KeyCompromise)}[p.CA]
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

// crlNumbersOf reads the published DER, PEM and bundle CRLs of every CA in
// dir and returns their numbers per file.
func crlNumbersOf(t *testing.T, a *Authority, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	read := func(file string, der []byte) {
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for n, c := range a.CAs {
			if rl.CheckSignatureFrom(c) == nil {
				out[file+"/"+n] = rl.Number.Int64()
			}
		}
	}
	for n := range a.CAs {
		pemPath, derPath := CRLFiles(dir, n)
		if der, err := os.ReadFile(derPath); err == nil {
			read(filepath.Base(derPath), der)
		}
		if data, err := os.ReadFile(pemPath); err == nil {
			b, _ := pem.Decode(data)
			read(filepath.Base(pemPath), b.Bytes)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, CRLBundle))
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		read(CRLBundle, b.Bytes)
	}
	return out
}

func testPublishCRLsRefusesCompromisedCA(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Now())
	if _, err := a.PublishCRLs(ctx, CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Revoke(ctx, Revocation{Serial: a.CAs["intermediate"].SerialNumber, Reason: revoke.KeyCompromise}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PublishCRLs(ctx, CRLOptions{CAs: []string{"intermediate"}}); !errors.Is(err, ErrCACompromised) {
		t.Fatalf("signing with a compromised CA: %v, want ErrCACompromised", err)
	}
	pub, err := a.PublishCRLs(ctx, CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2 || pub[0].CA != "intermediate" || !errors.Is(pub[0].NotSigned, ErrCACompromised) || pub[1].CA != "root" || pub[1].Number.Int64() != 2 {
		t.Fatalf("published %+v", pub)
	}
	nums := crlNumbersOf(t, a, filepath.Join(a.Dir, "crl"))
	// The root's CRL is new (it lists the intermediate); the intermediate's
	// last CRL stays, in the bundle too.
	want := map[string]int64{"root.crl/root": 2, "root.crl.pem/root": 2, "bundle.pem/root": 2,
		"intermediate.crl/intermediate": 1, "intermediate.crl.pem/intermediate": 1, "bundle.pem/intermediate": 1}
	for k, v := range want {
		if nums[k] != v {
			t.Errorf("%s: CRL number %d, want %d (all: %v)", k, nums[k], v, nums)
		}
	}
}

func TestPublishCRLsRestoredStore(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Now())
	store := filepath.Join(a.Dir, "store")
	if _, err := a.PublishCRLs(ctx, CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	a.Store.Sync(ctx)
	old, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := a.PublishCRLs(ctx, CRLOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	recorded, err := ReadCRLNumbers(a.Dir)
	if err != nil || recorded["root"].Int64() != 3 || recorded["intermediate"].Int64() != 3 {
		t.Fatalf("recorded CRL numbers %v, %v; want 3 each", recorded, err)
	}
	a.Close()
	for _, sfx := range []string{"-wal", "-shm"} {
		os.Remove(store + sfx)
	}
	if err := os.WriteFile(store, old, 0o644); err != nil {
		t.Fatal(err)
	}
	before := crlNumbersOf(t, a, filepath.Join(a.Dir, "crl"))
	a = reopen(t, a)
	_, err = a.PublishCRLs(ctx, CRLOptions{})
	var ne *CRLNumberError
	if !errors.As(err, &ne) || !errors.Is(err, ErrCRLNumberBehind) || ne.Next.Int64() != 2 || ne.Published.Int64() != 3 {
		t.Fatalf("publishing from an older store: %v, want a CRLNumberError 2 <= 3", err)
	}
	if n, _ := a.Store.CRLNumber(ctx, "root"); n.Int64() != 1 {
		t.Fatalf("the refusal changed the store's CRL number to %v", n)
	}
	// Without the record, the published set's list of numbers still
	// tells; without that (a folder an older pkit wrote), the CRLs do.
	os.Remove(filepath.Join(a.Dir, CRLNumbersFile))
	if _, err := a.PublishCRLs(ctx, CRLOptions{}); !errors.As(err, &ne) || ne.Where != filepath.Join(a.Dir, "crl", CRLFolderLayout, GenerationNumbers) {
		t.Fatalf("publishing from an older store, no record: %v", err)
	}
	os.Remove(filepath.Join(a.Dir, "crl", CRLFolderLayout, GenerationNumbers))
	if _, err := a.PublishCRLs(ctx, CRLOptions{}); !errors.As(err, &ne) || ne.Where != filepath.Join(a.Dir, "crl", "root.crl") {
		t.Fatalf("publishing from an older store, no record, no list of numbers: %v", err)
	}
	if after := crlNumbersOf(t, a, filepath.Join(a.Dir, "crl")); len(after) != len(before) || after["bundle.pem/root"] != 3 {
		t.Fatalf("the refusals changed the published CRLs: %v, before %v", after, before)
	}
	for _, n := range a.CANames() {
		if err := a.Store.RaiseCRLNumber(ctx, n, big.NewInt(3)); err != nil {
			t.Fatal(err)
		}
	}
	pub, err := a.PublishCRLs(ctx, CRLOptions{})
	if err != nil || pub[0].Number.Int64() != 4 {
		t.Fatalf("after raising: %+v, %v", pub, err)
	}
}

// reopen closes a and opens its directory again.
func reopen(t *testing.T, a *Authority) *Authority {
	t.Helper()
	a.Close()
	b, err := Open(a.Dir, OpenOptions{Now: a.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func testPublishCRLsLayout(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Now())
	dir := filepath.Join(a.Dir, "crl")
	// CRL files as an older pkit published them: plain files.
	if _, err := a.PublishCRLs(ctx, CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"root.crl", "root.crl.pem", "intermediate.crl", "intermediate.crl.pem", CRLBundle} {
		p := filepath.Join(dir, n)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(p)
		os.WriteFile(p, data, 0o644)
	}
	os.Remove(filepath.Join(dir, CRLFolderLayout))
	for round := int64(2); round <= 4; round++ {
		if _, err := a.PublishCRLs(ctx, CRLOptions{}); err != nil {
			t.Fatal(err)
		}
		for k, v := range crlNumbersOf(t, a, dir) {
			if v != round {
				t.Fatalf("round %d: %s has CRL number %d", round, k, v)
			}
		}
		for _, n := range []string{"root.crl", "root.crl.pem", "intermediate.crl", "intermediate.crl.pem", CRLBundle} {
			if target, err := os.Readlink(filepath.Join(dir, n)); err != nil || target != filepath.Join(CRLFolderLayout, n) {
				t.Fatalf("round %d: %s links to %q (%v)", round, n, target, err)
			}
		}
		gens := 0
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.IsDir() {
				gens++
			}
		}
		if gens > 2 {
			t.Fatalf("round %d: %d generations kept, want the current and the previous one", round, gens)
		}
	}
}

// TestAdoptPlainFiles: plain files in a published folder (written by an
// older pkit over the links) become links into a new generation with the
// same content; no name's content changes.
func testAdoptPlainFiles(t *testing.T) {
	a := newTestCA(t, time.Now())
	dir := filepath.Join(a.Dir, "crl")
	if _, err := a.PublishCRLs(context.Background(), CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	names := []string{"root.crl", "root.crl.pem", "intermediate.crl", "intermediate.crl.pem", CRLBundle}
	want := map[string]string{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		want[n] = string(data)
	}
	plain := filepath.Join(dir, "root.crl")
	os.Remove(plain)
	if err := os.WriteFile(plain, []byte("written by an older pkit"), 0o644); err != nil {
		t.Fatal(err)
	}
	want["root.crl"] = "written by an older pkit"
	if err := adoptPlainFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || string(data) != want[n] {
			t.Errorf("%s changed in the adoption (%v)", n, err)
		}
		if target, err := os.Readlink(filepath.Join(dir, n)); err != nil || target != filepath.Join(CRLFolderLayout, n) {
			t.Errorf("%s links to %q (%v), want it through %s", n, target, err, CRLFolderLayout)
		}
	}
}

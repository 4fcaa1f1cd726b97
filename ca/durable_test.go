package ca

import (
	"bytes"
	"context"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
)

// TestIssueCloseKeepsLog: an issuance that deferred its syncs closes the
// store without SQLite's checkpoint (both drivers: the database file is
// not written at close, the log keeps the frames; a driver that did not
// allow it would close with the log synced and kept: durable.go, step 3).
// Either way the next open finds the record, its files and no pending
// placement.
func TestIssueCloseKeepsLog(t *testing.T) {
	if !formats.HasSyncFS() {
		t.Skip("the portable file path syncs every commit; nothing is deferred")
	}
	dir := filepath.Join(t.TempDir(), "pki")
	if err := Init(dir, InitOptions{Name: "Close", Protection: Protection{None: true}}); err != nil {
		t.Fatal(err)
	}
	a, err := Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	before, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "alice")
	outs := []Output{{Kind: OutCert, Path: base + ".pem"}, {Kind: OutKey, Path: base + "-key.pem"}}
	plan := a.NewPlan(PlanOptions{})
	if err := plan.Add("", outs...); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	iss, err := a.IssueTo(ctx, &Request{Profile: "client", Name: "alice"}, plan, &Outputs{Files: outs})
	if err != nil {
		t.Fatal(err)
	}
	closeKeepsLog(t, a, store, before)
	if st, err := os.Stat(store + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("the log is not kept after the close: %v", err)
	}
	a, err = Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rec, err := a.Store.Get(ctx, iss.Cert.SerialNumber)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.DER, iss.Cert.Raw) {
		t.Error("the record read after reopening is not the certificate issued")
	}
	files, err := a.Store.Files(ctx, iss.Cert.SerialNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(outs) {
		t.Errorf("%d files recorded, want %d", len(files), len(outs))
	}
	if pend, err := a.Store.Placements(ctx); err != nil || len(pend) != 0 {
		t.Errorf("pending placements after reopening: %v, %v; want none", pend, err)
	}
}

// TestStatusChangeCloseKeepsLog: a revocation and the lifting of a hold
// are committed synced, and the store's close then keeps SQLite's log as
// an issuance's does (no checkpoint where the driver allows it: the
// database file is not written at close); the next open reads the new
// status.
func TestStatusChangeCloseKeepsLog(t *testing.T) {
	tests := []struct {
		name   string
		change func(ctx context.Context, a *Authority, serial *big.Int) error
		want   Status
	}{
		{"revoke", func(ctx context.Context, a *Authority, serial *big.Int) error {
			_, err := a.Store.Revoke(ctx, Revocation{Serial: serial, Reason: revoke.KeyCompromise}, a.Now())
			return err
		}, StatusRevoked},
		{"unrevoke", func(ctx context.Context, a *Authority, serial *big.Int) error {
			_, err := a.Store.Unrevoke(ctx, serial)
			return err
		}, StatusValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a := openTestCA(t, InitOptions{})
			dir, clock := a.Dir, OpenOptions{Now: a.now}
			iss, err := a.Issue(ctx, &Request{Profile: "client", Name: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			serial := iss.Cert.SerialNumber
			if tt.want == StatusValid { // a hold to lift
				if _, err := a.Store.Revoke(ctx, Revocation{Serial: serial, Reason: revoke.CertificateHold}, a.Now()); err != nil {
					t.Fatal(err)
				}
			}
			a.Close()
			if a, err = Open(dir, clock); err != nil {
				t.Fatal(err)
			}
			store := filepath.Join(dir, "store")
			before, err := os.ReadFile(store)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(ctx, a, serial); err != nil {
				t.Fatal(err)
			}
			closeKeepsLog(t, a, store, before)
			if a, err = Open(dir, clock); err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			rec, err := a.Store.Get(ctx, serial)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != tt.want {
				t.Errorf("status after reopening %q, want %q", rec.Status, tt.want)
			}
		})
	}
}

// closeKeepsLog closes a and checks its database file store against its
// content before the change: unchanged, as the close skips SQLite's
// checkpoint with either driver.
func closeKeepsLog(t *testing.T, a *Authority, store string, before []byte) {
	t.Helper()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the close wrote the database file: SQLite's checkpoint ran at close")
	}
}

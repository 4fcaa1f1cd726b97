package ca

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CheckIntermediate refuses what CreateIntermediate would refuse, and
// asks for no key: a passphrase CA's unlocker must not be called.
func TestCheckIntermediate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	clock := func() time.Time { return testNow }
	if err := Init(dir, InitOptions{Name: "Test", Now: clock, Protection: Protection{Passphrase: []byte("pass"), WorkFactor: 10}}); err != nil {
		t.Fatal(err)
	}
	a, err := Open(dir, OpenOptions{Now: clock, Unlock: Unlocker{Passphrase: func() ([]byte, error) {
		t.Error("CheckIntermediate asked for the passphrase")
		return nil, errors.New("no")
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tests := []struct {
		name    string
		ca      string
		o       IntermediateOptions
		wantErr string // part of the message; "" for success
	}{
		{"a new CA under the root", "issuing-2", IntermediateOptions{}, ""},
		{"parent named", "issuing-2", IntermediateOptions{Parent: "root"}, ""},
		{"unknown parent", "issuing-2", IntermediateOptions{Parent: "nope"}, `no CA named "nope" to sign with`},
		{"parent with path length 0", "sub", IntermediateOptions{Parent: "intermediate"}, "path length 0"},
		{"path length not below the parent's", "issuing-2", IntermediateOptions{PathLen: 1}, "path length 1 is too long"},
		{"name taken", "intermediate", IntermediateOptions{}, "already exists"},
		{"bad name", "Issuing 2", IntermediateOptions{}, "must be lowercase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.CheckIntermediate(t.Context(), tt.ca, tt.o)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckIntermediate: %v", err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckIntermediate: %v, want a RequestError with %q", err, tt.wantErr)
			}
			// CreateIntermediate says the same, before unlocking anything.
			if err2 := a.CreateIntermediate(t.Context(), tt.ca, "X CA", tt.o); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("CreateIntermediate: %v, want %v", err2, err)
			}
		})
	}
}

// An Authority opened before another process made a CA of the same name
// still knows the name as free: CreateIntermediate checks again under the
// CA folder's lock, refuses, and records nothing.
func testCreateIntermediateNameTakenSinceOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	clock := func() time.Time { return testNow }
	if err := Init(dir, InitOptions{Name: "Test", Now: clock, Protection: Protection{None: true}}); err != nil {
		t.Fatal(err)
	}
	open := func() *Authority {
		a, err := Open(dir, OpenOptions{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	first, late := open(), open()
	o := IntermediateOptions{Protection: Protection{None: true}}
	if err := first.CreateIntermediate(t.Context(), "dup", "Dup CA", o); err != nil {
		t.Fatal(err)
	}
	err := late.CreateIntermediate(t.Context(), "dup", "Dup CA", o)
	var re *RequestError
	if !errors.As(err, &re) || err.Error() != `a CA named "dup" already exists` {
		t.Fatalf("second CreateIntermediate: %v, want a RequestError saying the name is taken", err)
	}
	recs, err := late.Store.List(t.Context(), Filter{Name: "dup"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Errorf("the store holds %d records named dup, want 1", len(recs))
	}
	if _, ok := late.CAs["dup"]; ok {
		t.Error("the refused Authority lists dup as its own CA")
	}
}

// A new CA certificate is verified with chain.Verify before it is
// recorded: under a root that has expired it would be born invalid, and
// is neither recorded nor written.
func TestCreateIntermediateVerifiesBeforeRecording(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	later := a.CAs["root"].NotAfter.Add(24 * time.Hour)
	b, err := Open(a.Dir, OpenOptions{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n, _ := b.Store.Count(t.Context())
	err = b.CreateIntermediate(t.Context(), "late", "Test Late CA", IntermediateOptions{Protection: Protection{None: true}})
	if !errors.Is(err, ErrSelfCheck) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("CreateIntermediate under an expired root: %v, want ErrSelfCheck naming the expiry", err)
	}
	if after, _ := b.Store.Count(t.Context()); after != n {
		t.Errorf("store %d -> %d", n, after)
	}
	if _, err := os.Stat(filepath.Join(a.Dir, "ca", "late.crt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ca/late.crt: %v, want no file", err)
	}
}

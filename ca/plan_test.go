package ca

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkit/pkit/formats"
)

func TestFileStem(t *testing.T) {
	tests := []struct {
		name, profile, want string
		wantErr             error
	}{
		{"web.internal", "server", "web.internal", nil},
		{"*.web.internal", "server", "_wildcard.web.internal", nil},
		{"::1", "server", "__1", nil},
		{"alice@example.com", "client", "alice_at_example.com-client", nil},
		{"a/b", "client", "a_b-client", nil},
		{"..", "client", "", ErrOutputEscapes},
		{".", "server", "", ErrOutputEscapes},
		{"", "server", "", ErrOutputEscapes},
	}
	for _, tt := range tests {
		got, err := FileStem(tt.name, tt.profile)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("FileStem(%q, %q) = %q, %v; want %q, %v", tt.name, tt.profile, got, err, tt.want, tt.wantErr)
		}
	}
}

// Plan.Add refuses, before anything is signed, outputs that leave their
// folder, that are one file, that are too long, that are the CA
// directory's files, that exist (without Overwrite) or are folders; a
// refused item adds nothing.
func TestPlanAdd(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.pem"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := func(kind OutputKind, name string) Output { return Output{Kind: kind, Path: filepath.Join(dir, name)} }
	tests := []struct {
		name      string
		before    [][]Output // added first, successfully
		add       []Output
		overwrite bool
		wantErr   error // errors.Is target
		dirErr    bool  // a *DirError instead
		mistake   bool
	}{
		{name: "plain files", add: []Output{out(OutCert, "a.pem"), out(OutKey, "a-key.pem")}},
		{name: "a folder path", add: []Output{{OutCert, dir + "/sub/.."}}, wantErr: ErrOutputEscapes, mistake: true},
		{name: "cert and key one file", add: []Output{out(OutCert, "s.pem"), out(OutKey, "s.pem")}, wantErr: ErrOutputCollides, mistake: true},
		{name: "one file by another path", add: []Output{out(OutCert, "s.pem"), out(OutKey, "x/../s.pem")}, wantErr: ErrOutputCollides, mistake: true},
		{name: "another item's file", before: [][]Output{{out(OutCert, "foo.local.pem"), out(OutKey, "foo.local-key.pem")}},
			add: []Output{out(OutCert, "foo.local-key.pem")}, wantErr: ErrOutputCollides, mistake: true},
		{name: "a name too long", add: []Output{out(OutCert, strings.Repeat("a", 250)+".pem")}, wantErr: formats.ErrNameTooLong, mistake: true},
		{name: "the store", add: []Output{{OutCert, filepath.Join(a.Dir, "store")}}, overwrite: true, wantErr: ErrOutputInCADir, mistake: true},
		{name: "the CA folder", add: []Output{{OutCert, filepath.Join(a.Dir, "ca", "x.pem")}}, wantErr: ErrOutputInCADir, mistake: true},
		{name: "an existing file", add: []Output{out(OutCert, "old.pem")}, wantErr: fs.ErrExist},
		{name: "an existing file with overwrite", add: []Output{out(OutCert, "old.pem")}, overwrite: true},
		{name: "a folder", add: []Output{{OutCert, dir}}, overwrite: true, wantErr: ErrOutputIsFolder},
		{name: "under a regular file", add: []Output{out(OutCert, "old.pem/x.pem")}, dirErr: true},
		{name: "a good file beside a colliding one", add: []Output{out(OutCert, "g.pem"), out(OutKey, "g.pem")}, wantErr: ErrOutputCollides, mistake: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := a.NewPlan(PlanOptions{Overwrite: tt.overwrite})
			for _, b := range tt.before {
				if err := p.Add("line 2", b...); err != nil {
					t.Fatal(err)
				}
			}
			err := p.Add("line 3", tt.add...)
			var oe *OutputError
			var de *DirError
			switch {
			case tt.dirErr && !errors.As(err, &de):
				t.Fatalf("Add = %v, want a DirError", err)
			case !tt.dirErr && tt.wantErr == nil && err != nil:
				t.Fatalf("Add = %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Add = %v, want %v", err, tt.wantErr)
			}
			if errors.As(err, &oe) && oe.Mistake() != tt.mistake {
				t.Errorf("Mistake() = %v, want %v", oe.Mistake(), tt.mistake)
			}
			// A refused item adds nothing: its first file can be planned
			// again on its own.
			if err != nil && tt.add[0].Path != dir+"/sub/.." && !tt.dirErr {
				if err := p.Add("", tt.add[0]); errors.Is(err, ErrOutputCollides) && len(tt.before) == 0 {
					t.Errorf("a refused item's file stayed in the plan: %v", err)
				}
			}
		})
	}
}

// IssueTo records a certificate only when its files could be staged, and
// deletes the record again when they cannot be placed: the store and the
// folder always agree.
func testIssueToRecordsOnlyWithFiles(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	count := func() int {
		n, err := a.Store.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	dir := t.TempDir()
	files := func(stem string) *Outputs {
		return &Outputs{Files: []Output{{OutCert, filepath.Join(dir, stem+".pem")}, {OutKey, filepath.Join(dir, stem+"-key.pem")}}}
	}
	req := func(name string) *Request { return &Request{Profile: "server", Name: name, DNS: []string{name}} }

	// Written and recorded.
	p := a.NewPlan(PlanOptions{})
	out := files("ok.internal")
	if err := p.Add("", out.Files...); err != nil {
		t.Fatal(err)
	}
	before := count()
	iss, err := a.IssueTo(ctx, req("ok.internal"), p, out)
	if err != nil {
		t.Fatal(err)
	}
	if count() != before+1 {
		t.Fatalf("store has %d records, want %d", count(), before+1)
	}
	if _, err := a.Store.Get(ctx, iss.Cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out.Files[0].Path)
	if err != nil || string(data) != string(WriteChainPEM(iss.Cert)) {
		t.Fatalf("certificate file: %v", err)
	}

	// The key's name is taken after planning: placing fails, and the
	// record is deleted again; the certificate file is not left either.
	p = a.NewPlan(PlanOptions{})
	out = files("race.internal")
	if err := p.Add("", out.Files...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out.Files[1].Path, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	before = count()
	_, err = a.IssueTo(ctx, req("race.internal"), p, out)
	var fe *FilesError
	if !errors.As(err, &fe) || fe.Recorded || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("IssueTo = %v, want a FilesError (not recorded) wrapping fs.ErrExist", err)
	}
	if count() != before {
		t.Errorf("store has %d records, want %d: a record without files", count(), before)
	}
	if _, err := os.Stat(out.Files[0].Path); err == nil {
		t.Error("the certificate file was written without its key")
	}
	var orphans int
	a.Store.DB().QueryRow(`SELECT (SELECT count(*) FROM cert_files WHERE serial NOT IN (SELECT serial FROM certs)) +
		(SELECT count(*) FROM placements)`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d file or placement rows outlived the deleted record", orphans)
	}

	// The folder is gone after planning: staging fails and nothing is
	// recorded.
	gone := filepath.Join(t.TempDir(), "gone")
	p = a.NewPlan(PlanOptions{})
	out = &Outputs{Files: []Output{{OutCert, filepath.Join(gone, "g.pem")}}}
	if err := p.Add("", out.Files...); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	before = count()
	if _, err := a.IssueTo(ctx, req("gone.internal"), p, out); !errors.As(err, &fe) || fe.Recorded {
		t.Fatalf("IssueTo = %v, want a FilesError, not recorded", err)
	}
	if count() != before {
		t.Errorf("store has %d records, want %d", count(), before)
	}
}

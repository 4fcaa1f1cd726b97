package ca

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pkit/pkit/internal/pgtest"
)

// Store.Recorded tells, for each serial asked about, whether the store
// holds it, in the order asked, on both databases; past SQLite's chunk of
// serials per query too.
func testRecorded(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	var have []*big.Int
	for i := range 3 {
		iss, err := a.Issue(ctx, &Request{Profile: "client", Name: fmt.Sprintf("r%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		have = append(have, iss.Cert.SerialNumber)
	}
	// Serials never issued; 0x1000+i cannot collide with the random
	// serials pkit draws (at least 64 bits).
	none := func(n int) []*big.Int {
		var out []*big.Int
		for i := range n {
			out = append(out, big.NewInt(int64(0x1000+i)))
		}
		return out
	}
	many := none(2*sqliteInChunk + 5)
	many[sqliteInChunk+3] = have[1] // in the second chunk
	many[len(many)-1] = have[2]     // in the last
	tests := []struct {
		name    string
		serials []*big.Int
		want    []int // indexes that are recorded
	}{
		{"none asked", nil, nil},
		{"all recorded", have, []int{0, 1, 2}},
		{"none recorded", none(2), nil},
		{"mixed, in order asked", []*big.Int{none(1)[0], have[2], have[0], none(2)[1]}, []int{1, 2}},
		{"asked twice", []*big.Int{have[0], have[0]}, []int{0, 1}},
		{"across chunks", many, []int{sqliteInChunk + 3, len(many) - 1}},
	}
	for _, tt := range tests {
		got, err := a.Store.Recorded(ctx, tt.serials)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(got) != len(tt.serials) {
			t.Fatalf("%s: %d answers for %d serials", tt.name, len(got), len(tt.serials))
		}
		for i, rec := range got {
			if rec != slices.Contains(tt.want, i) {
				t.Errorf("%s: serial %d (%s) recorded = %v", tt.name, i, SerialHex(tt.serials[i]), rec)
			}
		}
	}
}

// Store.SettleLost leaves a certificate the store still holds alone; of
// one whose record is gone, it removes the files that hold what pkit
// wrote and leaves a file changed since, saying so.
// writtenOf is what a batch keeps of each issuance for SettleLost.
func writtenOf(issued ...*Issued) []Written {
	w := make([]Written, len(issued))
	for i, iss := range issued {
		w[i] = iss.Written()
	}
	return w
}

func testSettleLost(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	dir := t.TempDir()
	p := a.NewPlan(PlanOptions{Bulk: true})
	issue := func(name string) *Issued {
		t.Helper()
		iss := issueWithFiles(t, a, p, &Request{Profile: "client", Name: name}, dir)
		if len(iss.Files) != 2 {
			t.Fatalf("%s: Issued.Files = %v, want the two files written", name, iss.Files)
		}
		return iss
	}
	kept, gone, changed := issue("kept"), issue("gone"), issue("changed")
	// As the database server would lose them: the records of two go.
	for _, iss := range []*Issued{gone, changed} {
		if err := a.Store.unrecord(ctx, iss.Cert.SerialNumber); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "changed.pem"), []byte("someone else's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lost, err := a.Store.SettleLost(ctx, writtenOf(kept, gone, changed))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		lost          *LostRecord
		wantLost      bool
		there, absent []string
		left          []string
	}{
		{"kept", lost[0], false, []string{"kept.pem", "kept-key.pem"}, nil, nil},
		{"gone", lost[1], true, nil, []string{"gone.pem", "gone-key.pem"}, nil},
		{"changed", lost[2], true, []string{"changed.pem"}, []string{"changed-key.pem"}, []string{"changed.pem"}},
	}
	for _, tt := range tests {
		if (tt.lost != nil) != tt.wantLost {
			t.Errorf("%s: lost = %+v, want lost %v", tt.name, tt.lost, tt.wantLost)
			continue
		}
		for _, f := range tt.there {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %s: %v, want it left", tt.name, f, err)
			}
		}
		for _, f := range tt.absent {
			if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
				t.Errorf("%s: %s: %v, want it removed", tt.name, f, err)
			}
		}
		if tt.lost == nil {
			continue
		}
		var left []string
		for _, f := range tt.lost.Left {
			left = append(left, filepath.Base(f))
		}
		if !slices.Equal(left, tt.left) || tt.lost.Err != nil || len(tt.lost.Removed)+len(tt.lost.Left) != 2 {
			t.Errorf("%s: removed %v, left %v (%v); want left %v", tt.name, tt.lost.Removed, left, tt.lost.Err, tt.left)
		}
	}
}

// A batch writer's connection cut while the server runs on (here by
// pg_terminate_backend): Sync cannot vouch for the commits made through
// it (ErrBulkCommitsLost), but the server lost none of them, and
// SettleLost, asking it, finds every one recorded and removes nothing.
func TestPGBulkConnectionCutNothingLost(t *testing.T) {
	url := pgtest.DB(t)
	a := openTestCA(t, InitOptions{DB: url})
	ctx := context.Background()
	if err := a.Store.SetBulk(ctx, true); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := a.NewPlan(PlanOptions{Bulk: true})
	var issued []*Issued
	issue := func(name string) {
		t.Helper()
		outs := []Output{{OutCert, filepath.Join(dir, name+".pem")}}
		if err := p.Add("", outs...); err != nil {
			t.Fatal(err)
		}
		if iss, err := a.IssueTo(ctx, &Request{Profile: "client", Name: name}, p, &Outputs{Files: outs}); err == nil {
			issued = append(issued, iss)
		}
	}
	issue("before")
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'pkit' AND pid <> pg_backend_pid()`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("cutting pkit's connection: %d cut, %v", n, err)
	}
	issue("cut") // may fail on the cut connection
	issue("after")
	if err := a.Store.Sync(ctx); !errors.Is(err, ErrBulkCommitsLost) {
		t.Fatalf("Sync after the cut: %v, want ErrBulkCommitsLost", err)
	}
	lost, err := a.Store.SettleLost(ctx, writtenOf(issued...))
	if err != nil {
		t.Fatal(err)
	}
	for i, iss := range issued {
		if lost[i] != nil {
			t.Errorf("%s reported lost, though the server ran on", iss.Cert.Subject.CommonName)
		}
		for _, f := range iss.Files {
			if _, err := os.Stat(f.Path); err != nil {
				t.Errorf("%s: %v", f.Path, err)
			}
		}
	}
	if len(issued) < 2 {
		t.Errorf("%d certificates issued around the cut, want at least 2", len(issued))
	}
}

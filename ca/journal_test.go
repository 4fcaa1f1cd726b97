package ca

import (
	"context"
	"database/sql"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deadPID is above the largest PID Linux hands out (pid_max is at most
// 2^22): no process has it.
const deadPID = 1<<22 + 1

// makeV1Store writes a store as pkit wrote them before version 2 (the
// schema of that release, copied here as it was), holding n certificates
// issued by the CA a, the first of them revoked, and a CRL number.
func makeV1Store(t *testing.T, path string, a *Authority, n int) []*Record {
	t.Helper()
	db, err := sql.Open(sqliteDriver, sqliteDSN(path, "rwc", false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const v1 = `
CREATE TABLE certs (
	serial TEXT PRIMARY KEY, name TEXT NOT NULL, profile TEXT NOT NULL, issuer TEXT NOT NULL,
	subject TEXT NOT NULL, sans TEXT NOT NULL, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,
	issued_at INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'valid', revoked_at INTEGER, reason INTEGER,
	invalid_at INTEGER, der BLOB NOT NULL);
CREATE INDEX certs_name ON certs(name);
CREATE INDEX certs_issuer_status ON certs(issuer, status);
CREATE TABLE crl_numbers (ca TEXT PRIMARY KEY, number INTEGER NOT NULL);
INSERT INTO crl_numbers VALUES ('intermediate', 7);
PRAGMA user_version = 1;`
	if _, err := db.Exec(v1); err != nil {
		t.Fatal(err)
	}
	var recs []*Record
	for i := range n {
		iss, err := a.Issue(context.Background(), &Request{Profile: "server", Name: "v1.internal", DNS: []string{"v1.internal"}})
		if err != nil {
			t.Fatal(err)
		}
		r := recordOf(iss.Cert, "v1.internal", "server", "intermediate", testNow)
		status, revokedAt, reason := "valid", sql.NullInt64{}, sql.NullInt64{}
		if i == 0 {
			status, revokedAt, reason = "revoked", sql.NullInt64{Int64: testNow.Unix(), Valid: true}, sql.NullInt64{Int64: 1, Valid: true}
			r.Status, r.RevokedAt, r.Reason = StatusRevoked, testNow, 1
		}
		if _, err := db.Exec(`INSERT INTO certs (serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at,
			status, revoked_at, reason, der) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			SerialHex(r.Serial), r.Name, r.Profile, r.Issuer, r.Subject, strings.Join(r.SANs, "\n"), r.NotBefore.Unix(),
			r.NotAfter.Unix(), r.IssuedAt.Unix(), status, revokedAt, reason, r.DER); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

// A version-1 store is read as it is, upgraded once on its first write,
// and keeps every record; a store of a newer pkit is read but never
// written.
func TestStoreMigration(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store")
	want := makeV1Store(t, path, a, 5)

	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Version(); v != 1 {
		t.Fatalf("version after opening = %d, want 1 (upgraded on the first write only)", v)
	}
	same := func() {
		t.Helper()
		got, err := s.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d", len(got), len(want))
		}
		for i, r := range got {
			w := want[i]
			if r.Serial.Cmp(w.Serial) != 0 || string(r.DER) != string(w.DER) || r.Status != w.Status ||
				r.Reason != w.Reason || !r.RevokedAt.Equal(w.RevokedAt) || r.Name != w.Name || !r.NotAfter.Equal(w.NotAfter) {
				t.Errorf("record %d changed: %+v, want %+v", i, r, w)
			}
		}
		if n, err := s.CRLNumber(ctx, "intermediate"); err != nil || n.Int64() != 7 {
			t.Errorf("CRL number = %v, %v; want 7", n, err)
		}
	}
	same()
	if f, err := s.Files(ctx, want[1].Serial); err != nil || f != nil {
		t.Errorf("Files of a version-1 record = %v, %v", f, err)
	}

	// The first write upgrades it, once.
	extra := recordOf(a.CAs["intermediate"], "x", "ca", "root", testNow)
	extra.Serial = big.NewInt(12345)
	extra.Files = []StoredFile{{Kind: OutCert, Path: filepath.Join(filepath.Dir(path), "x.pem")}}
	if err := s.Insert(ctx, extra); err != nil {
		t.Fatal(err)
	}
	if v := s.Version(); v != schemaVersion {
		t.Fatalf("version after the first write = %d, want %d", v, schemaVersion)
	}
	files, err := s.Files(ctx, extra.Serial)
	if err != nil || len(files) != 1 || files[0].Path != extra.Files[0].Path {
		t.Fatalf("Files = %v, %v", files, err)
	}
	var stored string
	s.DB().QueryRow("SELECT path FROM cert_files").Scan(&stored)
	if stored != "x.pem" {
		t.Errorf("a file in the CA directory is kept as %q, want it relative to the directory", stored)
	}
	want = append(want, extra)
	same()
	s.Close()

	// Opened again: nothing to do, the records are all there.
	if s, err = OpenStore(path); err != nil {
		t.Fatal(err)
	}
	if v := s.Version(); v != schemaVersion {
		t.Fatalf("version = %d, want %d", v, schemaVersion)
	}
	same()

	// A newer pkit's store: read, never written.
	if _, err := s.DB().Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = OpenStore(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	same()
	newer := *extra
	newer.Serial = big.NewInt(999)
	err = s.Insert(ctx, &newer)
	var se *StoreError
	if !errors.Is(err, ErrStoreNewer) || !errors.As(err, &se) || !strings.Contains(err.Error(), "store was written by a newer pkit") ||
		!strings.Contains(err.Error(), "99") {
		t.Fatalf("Insert into a newer store = %v, want ErrStoreNewer naming its version", err)
	}
	if _, err := s.RevokeMany(ctx, []Revocation{{Serial: want[1].Serial}}, testNow); !errors.Is(err, ErrStoreNewer) {
		t.Errorf("RevokeMany on a newer store = %v, want ErrStoreNewer", err)
	}
	same()
}

// A placement cut short by a kill is settled by the next writer: kept
// when its files are in place, the record removed when none is, kept with
// the missing files named when some are, kept when revoked meanwhile; a
// placement of a live process is left alone. Store check reports the
// dead ones until --repair settles them.
func testSettlePlacements(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	dir := t.TempDir()
	issue := func(name string) (*big.Int, []string) {
		t.Helper()
		iss := issueWithFiles(t, a, a.NewPlan(PlanOptions{}), serverRequest(name), dir)
		return iss.Cert.SerialNumber, []string{filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")}
	}
	pending := func(serial *big.Int, pid int) {
		t.Helper()
		if _, err := a.Store.DB().Exec("INSERT INTO placements (serial, pid, started_at) VALUES (?, ?, ?)",
			SerialHex(serial), a.Store.ownerOf(pid), testNow.Unix()); err != nil {
			t.Fatal(err)
		}
	}
	whole, _ := issue("whole.internal")
	none, noneFiles := issue("none.internal")
	part, partFiles := issue("part.internal")
	revoked, revokedFiles := issue("revoked.internal")
	live, liveFiles := issue("live.internal")
	if ps, err := a.Store.Placements(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("placements after issuing = %v, %v; want none", ps, err)
	}
	files, err := a.Store.Files(ctx, whole)
	if err != nil || len(files) != 2 || files[0].Kind != OutCert || files[1].Kind != OutKey || !files[0].InPlace() || !files[1].InPlace() {
		t.Fatalf("Files = %+v, %v", files, err)
	}
	for _, s := range []*big.Int{whole, none, part, revoked} {
		pending(s, deadPID)
	}
	pending(live, os.Getpid())
	for _, f := range append(noneFiles, partFiles[1]) {
		os.Remove(f)
	}
	os.Remove(revokedFiles[0])
	os.Remove(revokedFiles[1])
	os.Remove(liveFiles[0])
	if _, err := a.Store.RevokeMany(ctx, []Revocation{{Serial: revoked}}, testNow); err != nil {
		t.Fatal(err)
	}

	rep, err := a.CheckStore(ctx, StoreCheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, p := range rep.Problems {
		if p.Check == "placement" {
			found = append(found, p.Serial)
		}
	}
	if len(found) != 4 {
		t.Errorf("store check found %d dead placements (%v), want 4: %+v", len(found), found, rep.Problems)
	}

	rep, err = a.CheckStore(ctx, StoreCheckOptions{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Repaired) != 4 {
		t.Errorf("repaired %v, want 4 settlements", rep.Repaired)
	}
	for _, p := range rep.Problems {
		if p.Check == "placement" {
			t.Errorf("after --repair: %s", p.Msg)
		}
	}
	got := func(s *big.Int) bool {
		_, err := a.Store.Get(ctx, s)
		return err == nil
	}
	if !got(whole) || got(none) || !got(part) || !got(revoked) || !got(live) {
		t.Errorf("records kept: whole %v none %v part %v revoked %v live %v; want all but none",
			got(whole), got(none), got(part), got(revoked), got(live))
	}
	var missing bool
	for _, p := range rep.Problems {
		missing = missing || (p.Check == "file-missing" && p.File == partFiles[1])
	}
	if !missing {
		t.Errorf("the missing key of the kept partial placement is not reported: %+v", rep.Problems)
	}
	ps, err := a.Store.Placements(ctx)
	if err != nil || len(ps) != 1 || ps[0].Serial.Cmp(live) != 0 || !ps[0].Live {
		t.Errorf("placements left = %+v, %v; want the live one only", ps, err)
	}
	var orphans int
	a.Store.DB().QueryRow(`SELECT (SELECT count(*) FROM cert_files WHERE serial NOT IN (SELECT serial FROM certs)) +
		(SELECT count(*) FROM placements WHERE serial NOT IN (SELECT serial FROM certs))`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d file or placement rows outlived their record", orphans)
	}
	// The settled cases have no mark left, so a second run does nothing.
	if st, err := a.Store.SettlePlacements(ctx); err != nil || len(st) != 0 {
		t.Errorf("settling again = %v, %v", st, err)
	}
}

// A placement whose process died while its hidden links were placed is
// finished from them, and kept.
func testSettleFinishesLinks(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	dir := t.TempDir()
	p := a.NewPlan(PlanOptions{})
	outs := []Output{{OutCert, filepath.Join(dir, "l.pem")}, {OutKey, filepath.Join(dir, "l-key.pem")}}
	if err := p.Add("", outs...); err != nil {
		t.Fatal(err)
	}
	iss, err := a.IssueTo(ctx, &Request{Profile: "server", Name: "l.internal", DNS: []string{"l.internal"}}, p, &Outputs{Files: outs})
	if err != nil {
		t.Fatal(err)
	}
	// As a process killed between placing the certificate and the key
	// leaves them: the key still under its hidden link.
	hidden := filepath.Join(dir, ".l-key.pem.pkit-add-"+itoa(deadPID)+".1.1.2")
	if err := os.Rename(outs[1].Path, hidden); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.DB().Exec("INSERT INTO placements (serial, pid, started_at) VALUES (?, ?, ?)",
		SerialHex(iss.Cert.SerialNumber), a.Store.ownerOf(deadPID), time.Now().Unix()); err != nil {
		t.Fatal(err)
	}
	st, err := a.Store.SettlePlacements(ctx)
	if err != nil || len(st) != 1 || st[0].Outcome != SettlePlaced {
		t.Fatalf("settled %v, %v; want one placed", st, err)
	}
	if _, err := os.Stat(outs[1].Path); err != nil {
		t.Errorf("the key was not finished from its hidden link: %v", err)
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

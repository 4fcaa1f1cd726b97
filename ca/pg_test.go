package ca

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// storeTests are the tests of everything the store does; TestStore runs
// each on both of its databases: SQLite (a file in the CA directory) and
// PostgreSQL (a throwaway server, see internal/pgtest; skipped when
// PostgreSQL is not installed, failed under CI=true).
var storeTests = map[string]func(t *testing.T){
	"RevokeMany":                           testRevokeMany,
	"NextCRLNumber":                        testNextCRLNumber,
	"PublishCRLs":                          testPublishCRLs,
	"PublishCRLsRefusesCompromisedCA":      testPublishCRLsRefusesCompromisedCA,
	"PublishCRLsLayout":                    testPublishCRLsLayout,
	"AdoptPlainFiles":                      testAdoptPlainFiles,
	"RevokeAndPublishPending":              testRevokeAndPublishPending,
	"UnrevokeAndPublish":                   testUnrevokeAndPublish,
	"SettlePlacements":                     testSettlePlacements,
	"SettleFinishesLinks":                  testSettleFinishesLinks,
	"Find":                                 testFind,
	"RenewTarget":                          testRenewTarget,
	"Expiring":                             testExpiring,
	"IssueToRecordsOnlyWithFiles":          testIssueToRecordsOnlyWithFiles,
	"IssueRefusesRevokedIssuer":            testIssueRefusesRevokedIssuer,
	"IssueRefusesCompromisedKey":           testIssueRefusesCompromisedKey,
	"CreateIntermediateNameTakenSinceOpen": testCreateIntermediateNameTakenSinceOpen,
	"IssueEveryKeyType":                    testIssueEveryKeyType,
	"ListFilters":                          testListFilters,
	"Recorded":                             testRecorded,
	"SettleLost":                           testSettleLost,
}

func TestStore(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				pgtest.Shared(t) // skip (or fail under CI) once, not per test
			}
			for name, test := range storeTests {
				t.Run(name, test)
			}
		})
	}
}

// testDB is the database a test's CA keeps its store in: a new
// PostgreSQL database under TestStore/postgres, else "" (the SQLite file).
func testDB(t testing.TB) string {
	if strings.HasPrefix(t.Name(), "TestStore/postgres/") {
		return pgtest.DB(t)
	}
	return ""
}

// testBackend checks that the test's CA uses the database it should.
func testBackend(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	if want := strings.HasPrefix(t.Name(), "TestStore/postgres/"); a.Store.Remote() != want {
		t.Fatalf("Remote() = %v under %s", a.Store.Remote(), t.Name())
	}
	if a.Store.Version() != schemaVersion {
		t.Fatalf("version %d, want %d", a.Store.Version(), schemaVersion)
	}
}

// testNewerSchema: a store whose schema a newer pkit wrote is read, and
// every change is refused with ErrStoreNewer.
func testNewerSchema(t *testing.T) {
	ctx := context.Background()
	a := openTestCA(t, InitOptions{})
	s := a.Store
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.dialect.setVersion(ctx, tx, schemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	b := reopen(t, a)
	if b.Store.Version() != schemaVersion+1 {
		t.Fatalf("version %d", b.Store.Version())
	}
	if n, err := b.Store.Count(ctx); err != nil || n == 0 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	_, err = b.Store.NextCRLNumber(ctx, b.Config.Issuer)
	if !errors.Is(err, ErrStoreNewer) {
		t.Fatalf("writing a newer store: %v", err)
	}
}

func TestPGQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE x = ? AND y IN (?, ?)", "SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)"},
		{"SELECT '?' || ? FROM \"q?\" WHERE z = ?", "SELECT '?' || $1 FROM \"q?\" WHERE z = $2"},
	} {
		if got := pgQuery(c.in); got != c.want {
			t.Errorf("pgQuery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://pkit@db.internal/pki", "postgres://pkit@db.internal/pki"},
		{"postgres://pkit:s3cret@db.internal/pki", "postgres://pkit:xxxxx@db.internal/pki"},
		{"postgres://pkit@db.internal/pki?password=s3cret&sslmode=require", "postgres://pkit@db.internal/pki?password=xxxxx&sslmode=require"},
		{"/var/pki/store", "/var/pki/store"},
	} {
		if got := MaskURL(c.in); got != c.want {
			t.Errorf("MaskURL(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(c.in, "s3cret") && !errors.Is(CheckDatabaseURL(c.in), ErrPasswordInURL) {
			t.Errorf("CheckDatabaseURL(%q) accepted a password", c.in)
		}
	}
}

// TestCopyStore: a store of 100,000 certificates (with files, a
// placement mark, revocations and CRL numbers) copied from SQLite into
// PostgreSQL and back into a new SQLite file holds every row byte for
// byte; a copy cut short is finished by running it again; a destination
// that held other records is reported.
func TestCopyStore(t *testing.T) {
	pgURL := pgtest.DB(t)
	ctx := context.Background()
	n := 100000
	if testing.Short() {
		n = 5000
	}
	a := openTestCA(t, InitOptions{})
	src := a.Store.Path()
	fillStore(t, a.Store, n)
	a.Close()

	rep, err := CopyStore(ctx, src, pgURL)
	if err != nil {
		t.Fatalf("SQLite -> PostgreSQL: %v (%+v)", err, rep)
	}
	if rep.Copied != 3*n+2+1+2 { // certificates and CAs, files, placement, CRL numbers
		t.Errorf("copied %d rows", rep.Copied)
	}
	back := filepath.Join(t.TempDir(), "store")
	rep2, err := CopyStore(ctx, pgURL, back)
	if err != nil {
		t.Fatalf("PostgreSQL -> SQLite: %v (%+v)", err, rep2)
	}
	if !slices.Equal(rep.Source, rep2.Dest) {
		t.Fatalf("the round trip changed the store:\n%+v\n%+v", rep.Source, rep2.Dest)
	}
	// Byte for byte, in the same order (a path belongs to its newest file).
	for _, q := range []string{"SELECT * FROM certs ORDER BY rowid", "SELECT * FROM cert_files ORDER BY rowid",
		"SELECT * FROM placements", "SELECT * FROM crl_numbers ORDER BY ca"} {
		if x, y := dumpRows(t, src, q), dumpRows(t, back, q); x != y {
			t.Fatalf("%s differs after the round trip", q)
		}
	}

	// A copy cut short: the destination has the first rows only.
	pg, err := OpenStore(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pg.DB().Exec("DELETE FROM certs WHERE rowid > (SELECT min(rowid) + ? FROM certs)", n/2)
	if err != nil {
		t.Fatal(err)
	}
	cut, _ := res.RowsAffected()
	pg.Close()
	rep3, err := CopyStore(ctx, src, pgURL)
	if err != nil {
		t.Fatalf("resuming: %v", err)
	}
	if int64(rep3.Copied) < cut || !slices.Equal(rep3.Source, rep3.Dest) {
		t.Fatalf("resumed copy wrote %d rows (%d certificates were missing); sums %+v / %+v", rep3.Copied, cut, rep3.Source, rep3.Dest)
	}

	// Another store's records in the destination.
	other := openTestCA(t, InitOptions{Name: "Other"})
	otherPath := other.Store.Path()
	other.Close()
	if _, err := CopyStore(ctx, otherPath, back); !errors.Is(err, ErrCopyDiffers) {
		t.Fatalf("copying into a store with other records: %v", err)
	}
}

// fillStore adds n synthetic certificates to s in one transaction, each
// with two files, every tenth revoked, plus a placement mark and CRL
// numbers.
func fillStore(t *testing.T, s *Store, n int) {
	t.Helper()
	tx, err := s.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for i := range n {
		serial := fmt.Sprintf("%016x", 0x1000000+i)
		der := make([]byte, 300)
		for k := range der {
			der[k] = byte(i*7 + k)
		}
		var revokedAt, reason any
		status := "valid"
		if i%10 == 0 {
			status, revokedAt, reason = "revoked", int64(1700000000+i), int64(i%6)
		}
		if _, err := tx.Exec(`INSERT INTO certs (serial, name, profile, issuer, subject, sans, not_before, not_after,
			issued_at, status, revoked_at, reason, der) VALUES (?, ?, 'client', 'intermediate', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			serial, fmt.Sprintf("c%d", i), "CN=c"+strconv.Itoa(i), "c.internal\nd.internal", int64(1700000000+i),
			int64(253402300799), int64(1700000000+i), status, revokedAt, reason, der); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"cert", "key"} {
			sum := sha256.Sum256([]byte(serial + kind))
			if _, err := tx.Exec("INSERT INTO cert_files (serial, kind, path, sha256) VALUES (?, ?, ?, ?)",
				serial, kind, fmt.Sprintf("out/c%d-%s.pem", i%(n/2+1), kind), sum[:]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{"INSERT INTO placements (serial, pid, started_at) VALUES ('0000000001000001', 4242, 1700000000)",
		"INSERT INTO crl_numbers (ca, number) VALUES ('intermediate', 41)", "INSERT INTO crl_numbers (ca, number) VALUES ('root', 3)"} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// dumpRows runs q on the SQLite store at path and returns every value.
func dumpRows(t *testing.T, path, q string) string {
	t.Helper()
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	h := sha256.New()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if cols[i] == "rowid" {
				continue
			}
			fmt.Fprintf(h, "%T:%v|", v, v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestPGPipelineFlushMissesRow: when the synchronous second transaction
// of a pipeline changes no row (so it writes no WAL to wait for), the
// write is made durable by a sync of its own, on the store's one
// connection, which the pipeline must have given back first.
func TestPGPipelineFlushMissesRow(t *testing.T) {
	s, err := openPG(pgtest.DB(t), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = s.dialect.(pgDialect).pipeline(ctx, s.db,
		[]stmt{{"CREATE TABLE flushtest (n BIGINT)", nil}, {"INSERT INTO flushtest (n) VALUES (?)", []any{1}}}, true,
		&stmt{"UPDATE flushtest SET n = n WHERE n = ?", []any{2}}, false)
	if err != nil {
		t.Fatalf("pipeline whose flush changes no row: %v", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM flushtest").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the pipeline: %d rows, %v", n, err)
	}
}

// An issuance acknowledged on PostgreSQL is still recorded after the
// whole server is killed right after it: IssueTo returns only once the
// record's commit is in the server's WAL files. The server's WAL writer is
// held back (it writes an asynchronous commit out within
// wal_writer_delay, 200 ms by default, and would hide one), so a record
// committed without waiting for the WAL is lost here every time: as three
// acknowledged issuances were once in cmd/pkit's TestPGFaults, committed
// with synchronous_commit off and never made durable. A killed process
// leaves what it wrote in the system's page cache, so fsync plays no part
// in what survives; it is off so that the restart's recovery does not
// wait for the disk. Then a batch writer's commits (bulk mode), made
// without waiting for the WAL, are lost the same way: its final Sync,
// through the connection made after the crash, reports it.
func TestPGIssuanceSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills PostgreSQL; skipped with -short")
	}
	t.Parallel()
	srv := pgtest.Start(t, "wal_writer_delay=10s", "fsync=off")
	url := srv.NewDB(t)
	a := openTestCAAt(t, InitOptions{DB: url}, testNow)
	ctx := context.Background()
	dir := t.TempDir()
	iss := issueWithFiles(t, a, a.NewPlan(PlanOptions{}), serverRequest("c.internal"), dir)
	srv.Crash()
	if err := srv.Start(); err != nil {
		t.Fatalf("restarting PostgreSQL: %v", err)
	}
	st, err := OpenStore(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if r, err := st.Get(ctx, iss.Cert.SerialNumber); err != nil || r.Name != "c.internal" {
		t.Fatalf("the issuance acknowledged before the crash: %v, %v; want its record", r, err)
	}

	// A batch writer (bulk mode) commits without waiting for the WAL and
	// syncs once at the end: a crash of the server in between may lose
	// those commits, and a sync through the connection made after it
	// cannot vouch for them, so it fails.
	a, err = Open(a.Dir, OpenOptions{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Store.SetBulk(ctx, true); err != nil {
		t.Fatal(err)
	}
	bp := a.NewPlan(PlanOptions{Bulk: true})
	biss := issueWithFiles(t, a, bp, serverRequest("b.internal"), dir)
	srv.Crash()
	if err := srv.Start(); err != nil {
		t.Fatalf("restarting PostgreSQL: %v", err)
	}
	// The batch goes on: its next row fails on the lost connection, the
	// one after is recorded through a new one; then the batch syncs.
	issued := []*Issued{biss}
	for i := range 2 {
		name := fmt.Sprintf("b%d.internal", i)
		outs := []Output{{OutCert, filepath.Join(dir, name+".pem")}}
		if err := bp.Add("", outs...); err != nil {
			t.Fatal(err)
		}
		if iss, err := a.IssueTo(ctx, serverRequest(name), bp, &Outputs{Files: outs}); err == nil {
			issued = append(issued, iss)
		}
	}
	serr := a.Store.Sync(ctx)
	st2, err := OpenStore(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if !errors.Is(serr, ErrBulkCommitsLost) {
		_, gerr := st2.Get(ctx, biss.Cert.SerialNumber)
		t.Fatalf("Sync after the crash: %v (the record committed before it: %v); want ErrBulkCommitsLost", serr, gerr)
	}
	// Then the batch asks which of its certificates the server still
	// holds, and takes back the files of those it lost: the one committed
	// before the crash (its WAL was never written), not those after.
	lost, err := a.Store.SettleLost(ctx, writtenOf(issued...))
	if err != nil {
		t.Fatalf("SettleLost after the crash: %v", err)
	}
	if lost[0] == nil {
		t.Fatalf("the record committed before the crash is not reported lost")
	}
	for i, iss := range issued {
		_, gerr := st2.Get(ctx, iss.Cert.SerialNumber)
		if (lost[i] == nil) != (gerr == nil) {
			t.Errorf("%s: reported lost %v, in the store: %v", iss.Cert.Subject.CommonName, lost[i] != nil, gerr)
		}
		for _, f := range iss.Files {
			if _, err := os.Stat(f.Path); (lost[i] == nil) != (err == nil) {
				t.Errorf("%s: reported lost %v, its file %s: %v", iss.Cert.Subject.CommonName, lost[i] != nil, f.Path, err)
			}
		}
	}
	if len(issued) < 2 {
		t.Errorf("no row was issued after the crash")
	}
}

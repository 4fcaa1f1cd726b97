package ca

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

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

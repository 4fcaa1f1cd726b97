package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pkit/pkit/revoke"
)

// listFixture is a store's worth of records for the listing tests: names
// that repeat, four profiles, both statuses, expiries on both sides of
// testNow and issuance times out of the rows' order.
func listFixture() []*Record {
	var recs []*Record
	add := func(name, profile string, issued, expires time.Duration, revoked bool, sans ...string) {
		r := &Record{Serial: big.NewInt(int64(0x1000 + len(recs)*7919)), Name: name, Profile: profile, Issuer: "intermediate",
			Subject: "CN=" + name, SANs: sans, NotBefore: testNow.Add(issued), NotAfter: testNow.Add(expires),
			IssuedAt: testNow.Add(issued), Status: StatusValid, DER: []byte("der of " + name)}
		if revoked {
			r.Status, r.RevokedAt, r.Reason = StatusRevoked, testNow.Add(-time.Hour), int(revoke.Superseded)
		}
		recs = append(recs, r)
	}
	day := 24 * time.Hour
	add("intermediate", "ca", -400*day, 3000*day, false)
	add("web.internal", "server", -300*day, 10*day, false, "DNS:web.internal", "IP:10.0.0.1")
	add("alice", "client", -200*day, 100*day, false)
	add("web.internal", "server", -5*day, 360*day, false, "DNS:web.internal")
	add("bob", "client", -350*day, -20*day, false) // expired
	add("carol-long-name.example.org", "client", -100*day, 25*day, true)
	add("ocsp", "ocsp-signer", -2*day, 5*day, false)
	add("früh", "client", -250*day, 29*day, false) // issued before the two above it
	add("alice", "client", -1*day, 20*day, true)
	add("dave", "client", -2*day, 3*day, false) // issued with ocsp, recorded after it, expires before it
	return recs
}

// insertRows writes recs into the store db as a store of any version
// holds them (the columns of version 1).
func insertRows(t *testing.T, db *sql.DB, recs []*Record) {
	t.Helper()
	for _, r := range recs {
		var revokedAt, reason any
		if r.Status == StatusRevoked {
			revokedAt, reason = r.RevokedAt.Unix(), r.Reason
		}
		if _, err := db.Exec(`INSERT INTO certs (serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at,
			status, revoked_at, reason, der) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			SerialHex(r.Serial), r.Name, r.Profile, r.Issuer, r.Subject, strings.Join(r.SANs, "\n"), r.NotBefore.Unix(),
			r.NotAfter.Unix(), r.IssuedAt.Unix(), string(r.Status), revokedAt, reason, r.DER); err != nil {
			t.Fatal(err)
		}
	}
}

// storeOfVersion makes a store of schema version v (the released steps
// of migrations up to v) holding recs, and opens it as pkit does, or for
// reading only.
func storeOfVersion(t *testing.T, v int, recs []*Record, readOnly bool) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store")
	db, err := sql.Open(sqliteDriver, sqliteDSN(path, "rwc", false))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range migrations[:v] {
		if _, err := db.Exec(step); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
	insertRows(t, db, recs)
	db.Close()
	mode := "rw"
	if readOnly {
		mode = "ro"
	}
	s, err := openStore(path, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.Version() != v {
		t.Fatalf("store version %d, want %d", s.Version(), v)
	}
	return s
}

// listFilters are the filters the listing tests check, each with what it
// selects, written out as a predicate.
var listFilters = []struct {
	name string
	f    Filter
	want func(*Record) bool
}{
	{"everything", Filter{}, func(*Record) bool { return true }},
	{"no CAs (pkit list)", Filter{ExceptProfiles: []string{"ca"}}, func(r *Record) bool { return r.Profile != "ca" }},
	{"name", Filter{Name: "web.internal"}, func(r *Record) bool { return r.Name == "web.internal" }},
	{"name nobody has", Filter{Name: "nobody"}, func(*Record) bool { return false }},
	{"profile", Filter{Profile: "client"}, func(r *Record) bool { return r.Profile == "client" }},
	{"profile and name", Filter{Profile: "client", Name: "alice"}, func(r *Record) bool { return r.Profile == "client" && r.Name == "alice" }},
	{"issuer", Filter{Issuer: "intermediate"}, func(*Record) bool { return true }},
	{"revoked", Filter{Revoked: true}, func(r *Record) bool { return r.Status == StatusRevoked }},
	{"valid", Filter{Valid: true}, func(r *Record) bool { return r.Status == StatusValid }},
	{"expiring within 30 days (pkit list --expiring 30d)",
		Filter{After: testNow, Before: testNow.Add(30 * 24 * time.Hour), ExceptProfiles: []string{"ca"}},
		func(r *Record) bool {
			return r.Profile != "ca" && r.NotAfter.After(testNow) && r.NotAfter.Before(testNow.Add(30*24*time.Hour))
		}},
	{"expiring, not revoked, leaves (Authority.Expiring)",
		Filter{Valid: true, After: testNow, Before: testNow.Add(30 * 24 * time.Hour), ExceptProfiles: []string{"ca", OCSPSignerProfile}},
		func(r *Record) bool {
			return r.Status == StatusValid && r.Profile != "ca" && r.Profile != OCSPSignerProfile &&
				r.NotAfter.After(testNow) && r.NotAfter.Before(testNow.Add(30*24*time.Hour))
		}},
	{"expired", Filter{Before: testNow}, func(r *Record) bool { return r.NotAfter.Before(testNow) }},
	{"revoked client", Filter{Revoked: true, Profile: "client"}, func(r *Record) bool { return r.Status == StatusRevoked && r.Profile == "client" }},
}

// List, Each and Summarize select the same records, oldest first, on a
// store of this version (on both databases: TestStore/*/ListFilters).
func testListFilters(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	if _, err := a.Store.DB().Exec("DELETE FROM certs"); err != nil {
		t.Fatal(err)
	}
	insertRows(t, a.Store.DB(), listFixture())
	checkListFilters(t, a.Store, listFixture())
}

// The same on stores of every older version, written to and read-only:
// the indexes of version 3 make the filters faster, never different.
func TestStoreListFiltersOlderVersions(t *testing.T) {
	recs := listFixture()
	for v := 1; v <= schemaVersion; v++ {
		for _, readOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("v%d/ro=%v", v, readOnly), func(t *testing.T) {
				checkListFilters(t, storeOfVersion(t, v, recs, readOnly), recs)
			})
		}
	}
}

// checkListFilters checks each of listFilters on s, which holds recs.
func checkListFilters(t *testing.T, s *Store, recs []*Record) {
	ctx := context.Background()
	byAge := slices.Clone(recs)
	slices.SortStableFunc(byAge, func(a, b *Record) int { return a.IssuedAt.Compare(b.IssuedAt) })
	for _, tc := range listFilters {
		t.Run(tc.name, func(t *testing.T) {
			var want []*Record
			for _, r := range byAge {
				if tc.want(r) {
					want = append(want, r)
				}
			}
			listed, err := s.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var each []*Record
			if err := s.Each(ctx, tc.f, func(r *Record) error { each = append(each, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if got, w := serialsOf(listed), serialsOf(want); got != w {
				t.Fatalf("List = %s, want %s", got, w)
			}
			if got, w := serialsOf(each), serialsOf(want); got != w {
				t.Fatalf("Each = %s, want %s", got, w)
			}
			for i, r := range each {
				if err := sameRecord(r, want[i]); err != nil {
					t.Errorf("Each: %v", err)
				}
				if r.DER != nil {
					t.Errorf("Each read the DER of %s", SerialHex(r.Serial))
				}
				if string(listed[i].DER) != string(want[i].DER) {
					t.Errorf("List: DER of %s = %q", SerialHex(r.Serial), listed[i].DER)
				}
			}
			sum, err := s.Summarize(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if w := summaryOf(want); sum != w {
				t.Errorf("Summarize = %+v, want %+v", sum, w)
			}

			// The rows of a table: in one query, and one at a time.
			rows, ok, err := s.Rows(ctx, tc.f, len(want))
			if err != nil || !ok {
				t.Fatalf("Rows(%d) = %v, %v", len(want), ok, err)
			}
			var eachRow []*Row
			if err := s.EachRow(ctx, tc.f, func(r *Row) error { c := *r; eachRow = append(eachRow, &c); return nil }); err != nil {
				t.Fatal(err)
			}
			for name, rows := range map[string][]*Row{"Rows": rows, "EachRow": eachRow} {
				if got, w := rowSerials(rows), serialsOf(want); got != w {
					t.Fatalf("%s = %s, want %s", name, got, w)
				}
				for i, r := range rows {
					if w := want[i]; r.Name != w.Name || r.Profile != w.Profile || r.Status != w.Status ||
						!r.NotAfter.Equal(w.NotAfter) || r.SANs != strings.Join(w.SANs, "\n") {
						t.Errorf("%s: row %+v, want the record %+v", name, r, w)
					}
				}
			}
			if sum := SummaryOf(rows); sum != summaryOf(want) {
				t.Errorf("SummaryOf(Rows) = %+v, want %+v", sum, summaryOf(want))
			}
			if len(want) > 0 {
				if rows, ok, err := s.Rows(ctx, tc.f, len(want)-1); err != nil || ok || rows != nil {
					t.Errorf("Rows(%d) of %d rows = %d rows, %v, %v; want none, false", len(want)-1, len(want), len(rows), ok, err)
				}
			}
		})
	}
}

// queryPlan returns the steps of SQLite's plan for q.
func queryPlan(t *testing.T, s *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.DB().Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// A version-3 store answers the filters of pkit list and pkit renew
// --expiring through an index, never by reading the whole table.
func TestStoreListUsesIndexes(t *testing.T) {
	s := storeOfVersion(t, schemaVersion, listFixture(), false)
	for _, tc := range listFilters {
		where, args := tc.f.where()
		plan := queryPlan(t, s, "SELECT "+listColumns+" FROM certs WHERE "+where+listOrder, args...)
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN certs") && !strings.Contains(step, "INDEX") {
				t.Errorf("%s: the query reads the whole table: %q", tc.name, plan)
			}
		}
	}
}

// The rows of an expiry window (pkit list --expiring) are read through
// the not_after index, in its order, without a sort in the database.
func TestStoreRowsUseExpiryIndex(t *testing.T) {
	s := storeOfVersion(t, schemaVersion, listFixture(), false)
	for _, tc := range listFilters {
		if tc.f.Before.IsZero() {
			continue
		}
		where, args := tc.f.where()
		plan := queryPlan(t, s, "SELECT "+rowColumns+" FROM certs WHERE "+where, args...)
		if len(plan) != 1 || !strings.HasPrefix(plan[0], "SEARCH certs USING INDEX certs_") || !strings.Contains(plan[0], "not_after<?") {
			t.Errorf("%s: the rows are read by %q", tc.name, plan)
		}
	}
}

// Each stops at the first error of its function, and returns it.
func TestStoreEachStops(t *testing.T) {
	s := storeOfVersion(t, schemaVersion, listFixture(), false)
	stop := fmt.Errorf("enough")
	n := 0
	err := s.Each(context.Background(), Filter{}, func(*Record) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("Each = %v after %d records, want %v after 1", err, n, stop)
	}
	if _, err := s.Count(context.Background()); err != nil {
		t.Fatalf("the store after Each stopped: %v", err)
	}
}

func rowSerials(rows []*Row) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Serial)
	}
	return strings.Join(s, " ")
}

func serialsOf(recs []*Record) string {
	var s []string
	for _, r := range recs {
		s = append(s, SerialHex(r.Serial))
	}
	return strings.Join(s, " ")
}

func sameRecord(got, want *Record) error {
	if got.Serial.Cmp(want.Serial) != 0 || got.Name != want.Name || got.Profile != want.Profile || got.Issuer != want.Issuer ||
		got.Subject != want.Subject || strings.Join(got.SANs, ",") != strings.Join(want.SANs, ",") ||
		!got.NotBefore.Equal(want.NotBefore) || !got.NotAfter.Equal(want.NotAfter) || !got.IssuedAt.Equal(want.IssuedAt) ||
		got.Status != want.Status || !got.RevokedAt.Equal(want.RevokedAt) || got.Reason != want.Reason {
		return fmt.Errorf("record %+v, want %+v", got, want)
	}
	return nil
}

func summaryOf(recs []*Record) Summary {
	s := Summary{Count: len(recs)}
	for _, r := range recs {
		s.SerialLen = max(s.SerialLen, len(SerialHex(r.Serial)))
		s.NameLen = max(s.NameLen, utf8.RuneCountInString(r.Name))
		s.ProfileLen = max(s.ProfileLen, len(r.Profile))
		s.Revoked = s.Revoked || r.Status == StatusRevoked
		if r.Status == StatusValid && (s.FirstExpiry.IsZero() || r.NotAfter.Before(s.FirstExpiry)) {
			s.FirstExpiry = r.NotAfter
		}
	}
	return s
}

// A store upgraded to version 3 keeps finding the keys revoked for a
// compromise before the upgrade (their fingerprints filled by the
// upgrade), and those of rows without a fingerprint (read from their
// DER); a read-only older store is read as before. The query reads the
// revoked keys' index.
func TestCompromisedKeyAcrossVersions(t *testing.T) {
	ctx := context.Background()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	cert := func(n int64, k *ecdsa.PrivateKey) *Record {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: fmt.Sprint(n)},
			NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
		if err != nil {
			t.Fatal(err)
		}
		return &Record{Serial: tmpl.SerialNumber, Name: fmt.Sprint(n), Profile: "client", Issuer: "intermediate",
			Subject: "CN=" + fmt.Sprint(n), NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, IssuedAt: testNow,
			Status: StatusRevoked, RevokedAt: testNow, Reason: int(revoke.KeyCompromise), DER: der}
	}
	compromised, superseded, other, later := key(), key(), key(), key()
	recs := []*Record{cert(1, compromised), cert(2, superseded), cert(3, other), cert(4, later)}
	recs[1].Reason = int(revoke.Superseded)
	recs[2].Status, recs[2].Reason, recs[2].RevokedAt = StatusValid, 0, time.Time{}
	recs[3].Status, recs[3].Reason, recs[3].RevokedAt = StatusValid, 0, time.Time{}
	for _, tc := range []struct {
		name     string
		v        int
		readOnly bool
	}{{"v1 read-only", 1, true}, {"v2 read-only", 2, true}, {"v1 upgraded", 1, false}, {"v2 upgraded", 2, false}, {"v3", 3, false}} {
		t.Run(tc.name, func(t *testing.T) {
			s := storeOfVersion(t, tc.v, recs, tc.readOnly)
			if !tc.readOnly {
				if err := s.writable(); err != nil { // the first write upgrades it
					t.Fatal(err)
				}
				var filled int
				s.DB().QueryRow("SELECT count(*) FROM certs WHERE key_sha256 IS NOT NULL").Scan(&filled)
				if want := map[bool]int{true: 1, false: 0}[tc.v < 3]; filled != want {
					t.Errorf("%d fingerprints filled by the upgrade, want %d (the key compromise only)", filled, want)
				}
				// Revoked after the upgrade: a row without a fingerprint.
				if _, err := s.RevokeMany(ctx, []Revocation{{Serial: recs[3].Serial, Reason: revoke.KeyCompromise}}, testNow); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []struct {
				what string
				k    *ecdsa.PrivateKey
				want *big.Int
			}{{"revoked for key compromise", compromised, recs[0].Serial}, {"revoked as superseded", superseded, nil},
				{"revoked for key compromise after the upgrade", later, map[bool]*big.Int{true: nil, false: recs[3].Serial}[tc.readOnly]},
				{"never revoked", other, nil}} {
				for _, issuers := range [][]string{nil, {"intermediate"}} {
					rec, err := s.CompromisedKey(ctx, c.k.Public(), issuers...)
					if err != nil {
						t.Fatal(err)
					}
					if got := rec != nil; got != (c.want != nil) || (got && rec.Serial.Cmp(c.want) != 0) {
						t.Errorf("%s (issuers %v): CompromisedKey = %v, want serial %v", c.what, issuers, rec, c.want)
					}
				}
			}
			if s.Version() < 3 {
				return
			}
			var plan []string
			for _, cond := range []struct {
				sql  string
				args []any
			}{{"key_sha256 = ?", []any{"intermediate", []byte("x")}}, {"key_sha256 IS NULL", []any{"intermediate"}}} {
				rows, err := s.DB().Query("EXPLAIN QUERY PLAN SELECT serial FROM certs WHERE status = 'revoked' AND reason IN (1, 2)"+
					" AND issuer IN (?) AND "+cond.sql, cond.args...)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id, parent, notused int
					var detail string
					rows.Scan(&id, &parent, &notused, &detail)
					plan = append(plan, detail)
				}
				rows.Close()
			}
			if len(plan) != 2 || !strings.Contains(plan[0], "certs_revoked_key") || !strings.Contains(plan[1], "certs_revoked_key") {
				t.Errorf("CompromisedKey's query does not use the revoked keys' index: %q", plan)
			}
		})
	}
}

// parseSerial reads every serial the store may hold as SetString does.
func TestParseSerial(t *testing.T) {
	for _, s := range []string{"00", "01", "7f", "0080", "abcdef0123456789abcdef0123456789", "ABCDEF", "1", "123", "", "zz", "0g",
		strings.Repeat("ff", 64), strings.Repeat("ff", 65), "-01"} {
		got, ok := parseSerial(s)
		want, wantOK := new(big.Int).SetString(s, 16)
		if ok != wantOK || (ok && got.Cmp(want) != 0) {
			t.Errorf("parseSerial(%q) = %v, %v; SetString: %v, %v", s, got, ok, want, wantOK)
		}
	}
}

// A listing reads the store with a small page cache and gives the
// connection its cache back, also when it stops early.
func TestStoreScanCache(t *testing.T) {
	s := storeOfVersion(t, schemaVersion, listFixture(), false)
	ctx := context.Background()
	cacheSize := func() (n int) {
		t.Helper()
		if err := s.DB().QueryRow("PRAGMA cache_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := cacheSize()
	if before == scanCachePages {
		t.Fatalf("the store's cache is already %d pages", before)
	}
	stop := fmt.Errorf("enough")
	var during []int
	err := s.scan(ctx, "PRAGMA cache_size", nil, func(rows *sql.Rows) error {
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				return err
			}
			during = append(during, n)
		}
		return nil
	})
	if err == nil {
		err = s.scan(ctx, "SELECT serial FROM certs", nil, func(*sql.Rows) error { return stop })
	}
	if err != stop {
		t.Fatalf("scan = %v, want %v", err, stop)
	}
	if len(during) != 1 || during[0] != scanCachePages {
		t.Errorf("cache_size during the listing = %v, want %d", during, scanCachePages)
	}
	if after := cacheSize(); after != before {
		t.Errorf("cache_size after the listings = %d, want %d as before", after, before)
	}
}

package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
)

// Status is a certificate's state in the store.
type Status string

// The states a certificate can be in.
const (
	StatusValid   Status = "valid"
	StatusRevoked Status = "revoked"
)

// Record is what the store keeps about one certificate.
type Record struct {
	Serial    *big.Int
	Name      string // the name it was issued under (its CN)
	Profile   string // server, client, a custom profile, or "ca"
	Issuer    string // the name of the CA that signed it
	Subject   string
	SANs      []string
	NotBefore time.Time
	NotAfter  time.Time
	IssuedAt  time.Time
	Status    Status
	RevokedAt time.Time // zero unless revoked
	Reason    int       // RFC 5280 reason code, when revoked
	// InvalidAt is the invalidity date, when one was given.
	InvalidAt time.Time
	DER       []byte
	// Files are the files the certificate was issued to. [Store.Insert]
	// records them, with the certificate marked as being placed (see
	// journal.go); [Store.List] and [Store.Get] leave it empty: read them
	// with [Store.Files].
	Files []StoredFile
	// deferSync: [Store.Insert] commits without SQLite's sync, and the
	// issuance makes it durable with the files (see durable.go).
	deferSync bool
}

// ErrNotFound is returned when no record matches.
var ErrNotFound = errors.New("no such certificate in the store")

// ErrDuplicateSerial is returned when a serial is already in the store.
var ErrDuplicateSerial = errors.New("serial number already in the store")

// Store is the CA directory's database of issued certificates, revocations
// and CRL numbers: SQLite in WAL mode, every change in a transaction, with
// a busy timeout so many processes can share it.
type Store struct {
	db       *sql.DB
	path     string // the file, or the database URL with its password masked
	readOnly bool
	dialect  dialect // SQLite or PostgreSQL (backend.go)
	remote   bool    // a PostgreSQL database rather than a file

	migrateMu sync.Mutex
	version   int // the schema version, as opened and after migrating

	settled     sync.Once  // see settleOnce
	autoSettled []*Settled // what it settled

	bulk atomic.Bool // SetBulk(true)
	// keepLog: the close keeps SQLite's log rather than folding it into
	// the database file, after an issuance's unsynced commit or a
	// revocation (see durable.go).
	keepLog atomic.Bool
}

// migrations are the store's schema, one step per version: a new store
// runs them all, and a store of version N (its PRAGMA user_version) runs
// the steps after N, once, in one transaction, on its first write
// (Store.writable). A step is never changed once released: a new
// version is a new step at the end.
var migrations = []string{
	// Version 1: the certificates and the CRL numbers.
	`
CREATE TABLE IF NOT EXISTS certs (
	serial     TEXT PRIMARY KEY,  -- lowercase hex, even number of digits (SerialHex)
	name       TEXT NOT NULL,
	profile    TEXT NOT NULL,
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	sans       TEXT NOT NULL,     -- newline-separated
	not_before INTEGER NOT NULL,  -- unix seconds
	not_after  INTEGER NOT NULL,
	issued_at  INTEGER NOT NULL,
	status     TEXT NOT NULL DEFAULT 'valid',
	revoked_at INTEGER,
	reason     INTEGER,
	invalid_at INTEGER,
	der        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS certs_name ON certs(name);
CREATE INDEX IF NOT EXISTS certs_issuer_status ON certs(issuer, status);
CREATE TABLE IF NOT EXISTS crl_numbers (
	ca     TEXT PRIMARY KEY,
	number INTEGER NOT NULL
);
`,
	// Version 2: the files each certificate was issued to, and the
	// placement journal (see journal.go).
	`
CREATE TABLE IF NOT EXISTS cert_files (
	serial TEXT NOT NULL REFERENCES certs(serial) ON DELETE CASCADE,
	kind   TEXT NOT NULL,         -- cert, key, chain, p12 (OutputKind)
	path   TEXT NOT NULL,         -- slash-separated, relative to the CA directory when inside it
	sha256 BLOB NOT NULL,         -- of the bytes pkit wrote
	PRIMARY KEY (serial, path)
);
CREATE INDEX IF NOT EXISTS cert_files_path ON cert_files(path);
CREATE TABLE IF NOT EXISTS placements (
	serial     TEXT PRIMARY KEY REFERENCES certs(serial) ON DELETE CASCADE,
	pid        INTEGER NOT NULL,  -- the process placing the files
	started_at INTEGER NOT NULL   -- unix seconds
);
`,
	// Version 3: a store of a million certificates is read through
	// indexes: in listing order, by expiry, by status, by profile (with
	// certs_name, the filters of Filter), and the keys of revoked
	// certificates (CompromisedKey), each certificate's key fingerprint
	// (keyFingerprint) in a column of its own. The upgrade fills the
	// column for the certificates revoked for a key or CA compromise
	// (fillKeyFingerprints); a row left without one is read from its DER.
	`
ALTER TABLE certs ADD COLUMN key_sha256 BLOB;  -- formats.PublicKeyFingerprint of its key
CREATE INDEX IF NOT EXISTS certs_issued_at ON certs(issued_at);
CREATE INDEX IF NOT EXISTS certs_not_after ON certs(not_after);
CREATE INDEX IF NOT EXISTS certs_status ON certs(status, not_after);
CREATE INDEX IF NOT EXISTS certs_profile ON certs(profile, issued_at);
CREATE INDEX IF NOT EXISTS certs_revoked_key ON certs(status, key_sha256) WHERE status = 'revoked';
`,
}

// fills are Go steps of the migrations that SQL cannot do: fills[v] runs
// in the upgrade's transaction after the SQL step of version v, when the
// store was older than v.
var fills = map[int]func(context.Context, *sql.Tx) error{
	3: fillKeyFingerprints,
}

// schemaVersion is the store version this pkit writes: the number of
// migrations.
var schemaVersion = len(migrations)

// StoreError is a store that cannot be used as it is: missing
// ([ErrStoreMissing]) or not writable ([ErrStoreReadOnly]).
type StoreError struct {
	Path string // the store's file
	// Version is the store's schema version, for [ErrStoreNewer].
	Version int
	Err     error
}

func (e *StoreError) Error() string {
	switch {
	case errors.Is(e.Err, ErrStoreMissing):
		return fmt.Sprintf("the CA's store %q is missing", e.Path)
	case errors.Is(e.Err, ErrStoreReadOnly):
		return fmt.Sprintf("the CA's store %q is read-only", e.Path)
	case errors.Is(e.Err, ErrDiskFull):
		return fmt.Sprintf("the CA's store %q cannot be written: %v; nothing was changed", e.Path, ErrDiskFull)
	case errors.Is(e.Err, ErrStoreNewer):
		return fmt.Sprintf("the CA's store %q: %v (schema version %d; this pkit knows up to %d); nothing was changed",
			e.Path, ErrStoreNewer, e.Version, schemaVersion)
	}
	return fmt.Sprintf("the CA's store %q: %v", e.Path, e.Err)
}

// Unwrap returns e.Err.
func (e *StoreError) Unwrap() error { return e.Err }

// Errors of a [*StoreError].
var (
	// ErrStoreMissing: the CA directory has no store. Only [Init]
	// creates one; every other use fails, because an empty store in its
	// place would forget every revocation and restart the CRL numbers.
	ErrStoreMissing = errors.New("store missing")
	// ErrStoreReadOnly: the store (or its folder) is not writable, so it
	// was opened for reading only, and a change was asked for.
	ErrStoreReadOnly = errors.New("store read-only")
	// ErrDiskFull: the file system holding the CA directory has no space
	// left. A store change that fails with it was not made (SQLite rolls
	// the transaction back); CRLs that fail with it were not published.
	ErrDiskFull = errors.New("no space left on its disk")
	// ErrStoreNewer: the store's schema version is newer than this pkit
	// knows. It is read as far as this pkit understands it, and every
	// change is refused, so that an older pkit cannot break what a newer
	// one records.
	ErrStoreNewer = errors.New("store was written by a newer pkit")
)

// failure turns an error of a store operation caused by a full disk into
// a [*StoreError] wrapping [ErrDiskFull]; other errors are returned as
// they are.
func (s *Store) failure(err error) error {
	if s.remote {
		return pgFailure(s.path, err)
	}
	return storeFailure(s.path, err)
}

func storeFailure(path string, err error) error {
	if err == nil {
		return nil
	}
	full := errors.Is(err, syscall.ENOSPC)
	if code, ok := sqliteCode(err); ok {
		switch code {
		case 13: // SQLITE_FULL
			full = true
		case 10: // SQLITE_IOERR: growing the WAL or its index can fail so
			full = full || noSpace(filepath.Dir(path))
		}
	}
	if full {
		return &StoreError{Path: path, Err: ErrDiskFull}
	}
	return err
}

// CreateStore creates a new, empty store at path, which must not exist.
// Only [Init] creates stores.
func CreateStore(path string) (*Store, error) {
	if IsDatabaseURL(path) {
		return openPG(path, true)
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("creating store %q: %w", path, fs.ErrExist)
	}
	return openStore(path, "rwc")
}

// OpenStore opens the existing store at path. A missing store is an error
// wrapping [ErrStoreMissing] (it is never created here: see
// [CreateStore]). When the store or its folder is not writable (a
// read-only mount, a backup copy, another user's CA), it is opened for
// reading only: queries work, and every change fails with an error
// wrapping [ErrStoreReadOnly].
func OpenStore(path string) (*Store, error) {
	if IsDatabaseURL(path) {
		return openPG(path, false)
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &StoreError{Path: path, Err: ErrStoreMissing}
	}
	if err != nil {
		return nil, &StoreError{Path: path, Err: formats.SystemReason(err)}
	}
	if !st.Mode().IsRegular() {
		return nil, &StoreError{Path: path, Err: errors.New("not a file")}
	}
	if writable(path) && writable(filepath.Dir(path)) {
		return openStore(path, "rw")
	}
	s, err := openStore(path, "ro")
	if err != nil {
		// A WAL database opened read-only needs its -shm file, which a
		// read-only folder may not have and cannot get; immutable reads
		// the database file alone.
		s, err = openStore(path, "ro&immutable=1")
	}
	return s, err
}

// sqliteURI is path as an SQLite "file:" URI, without query.
func sqliteURI(path string) string { return "file:" + (&url.URL{Path: path}).EscapedPath() }

// openStore opens path with SQLite's open mode ("rwc" creates it, "rw"
// does not, "ro" reads only) and applies the schema when writable.
func openStore(path, mode string) (*Store, error) {
	readOnly := strings.HasPrefix(mode, "ro")
	sqliteConfigure()
	db, err := sql.Open(sqliteDriver, sqliteDSN(path, mode, readOnly))
	if err != nil {
		return nil, fmt.Errorf("opening store %q: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, storeFailure(path, fmt.Errorf("opening store %q: %w", path, err))
	}
	s := &Store{db: db, path: path, readOnly: readOnly, version: version, dialect: sqliteDialect{}}
	if version == 0 {
		// A new store (CreateStore), or one whose creation was cut short:
		// it gets the whole schema now.
		if readOnly {
			db.Close()
			return nil, &StoreError{Path: path, Err: ErrStoreReadOnly}
		}
		if err := s.migrate(context.Background()); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// migrate brings the store to [schemaVersion]: the steps of migrations
// after its version, in one transaction that first reads the version
// again (another process may have migrated it meanwhile). The many short
// pkit processes of a busy CA read the version once and skip this.
func (s *Store) migrate(ctx context.Context) error {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	if s.version >= schemaVersion {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.failure(fmt.Errorf("upgrading store %q: %w", s.path, err))
	}
	defer tx.Rollback()
	version, err := s.dialect.version(ctx, tx)
	if err != nil {
		return s.failure(fmt.Errorf("upgrading store %q: %w", s.path, err))
	}
	if version < schemaVersion {
		for i, step := range migrations[version:] {
			if _, err := tx.ExecContext(ctx, s.dialect.schema(step)); err != nil {
				return s.failure(fmt.Errorf("upgrading store %q to version %d: %w", s.path, schemaVersion, err))
			}
			if fill := fills[version+i+1]; fill != nil && version > 0 {
				if err := fill(ctx, tx); err != nil {
					return s.failure(fmt.Errorf("upgrading store %q to version %d: %w", s.path, schemaVersion, err))
				}
			}
		}
		if err := s.dialect.setVersion(ctx, tx, schemaVersion); err != nil {
			return s.failure(fmt.Errorf("upgrading store %q: %w", s.path, err))
		}
		if err := tx.Commit(); err != nil {
			return s.failure(fmt.Errorf("upgrading store %q: %w", s.path, err))
		}
		version = schemaVersion
	}
	s.version = version
	return nil
}

// Version returns the store's schema version: migrations has one step
// per version; a store older than this pkit is upgraded on its first
// write.
func (s *Store) Version() int {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	return s.version
}

// hasFiles reports whether the store has the tables of version 2 (the
// files of each certificate and the placement journal). An older store
// that was only read has none: its certificates have no recorded files.
func (s *Store) hasFiles() bool { return s.Version() >= 2 }

// ReadOnly reports whether the store was opened for reading only (see
// [OpenStore]).
func (s *Store) ReadOnly() bool { return s.readOnly }

// Path returns the store's file, or for a PostgreSQL store its URL with
// the password masked.
func (s *Store) Path() string { return s.path }

// Remote reports whether the store is a PostgreSQL database shared by
// several machines rather than a file of the CA directory.
func (s *Store) Remote() bool { return s.remote }

// writable returns nil when the store may be changed, else an error
// wrapping [ErrStoreReadOnly] or [ErrStoreNewer]. Every method that writes
// calls it first; it upgrades an older store (see migrations) first.
func (s *Store) writable() error {
	if s.readOnly {
		return &StoreError{Path: s.path, Err: ErrStoreReadOnly}
	}
	if v := s.Version(); v > schemaVersion {
		return &StoreError{Path: s.path, Version: v, Err: ErrStoreNewer}
	}
	return s.migrate(context.Background())
}

// SetBulk switches the store between full durability (every commit
// synced, the default) and bulk mode for batch writers: commits are still
// atomic and survive a crash of the process, but only [Store.Sync] makes
// them survive a power loss.
func (s *Store) SetBulk(ctx context.Context, on bool) error {
	if s.readOnly {
		return nil
	}
	s.bulk.Store(on)
	return s.dialect.setBulk(ctx, s.db, on)
}

// Sync makes every committed change durable: it checkpoints the WAL into
// the database file, syncing both.
func (s *Store) Sync(ctx context.Context) error {
	if s.readOnly {
		return nil
	}
	return s.dialect.sync(ctx, s.db)
}

// Close closes the store. After an issuance that deferred its syncs, or
// a revocation (see durable.go), it keeps the store's log as it is, for
// the next open (without cgo: syncs it first).
func (s *Store) Close() error {
	if s.keepLog.Load() && !s.readOnly {
		s.closeDeferred()
	}
	return s.db.Close()
}

// DB exposes the database for packages that extend the store (revocation,
// CRL numbers). Use transactions for every change.
func (s *Store) DB() *sql.DB { return s.db }

// SerialHex formats a serial the way the store keys it and pkit prints
// it everywhere ([formats.SerialHex]).
func SerialHex(n *big.Int) string { return formats.SerialHex(n) }

// Insert records a newly issued certificate. It fails with
// [ErrDuplicateSerial] if the serial is already there. When r.Files is not
// empty, the files are recorded with it and the certificate is marked as
// being placed by this process, in the same transaction: the mark is
// cleared by [Store.placed] once the files are in place, or settled by
// [Store.SettlePlacements] if the process dies first.
func (s *Store) Insert(ctx context.Context, r *Record) error {
	if err := s.writable(); err != nil {
		return err
	}
	err := s.insert(ctx, r)
	if err != nil {
		if s.dialect.duplicate(err) {
			return ErrDuplicateSerial
		}
		var re *RequestError
		if errors.As(err, &re) {
			return err
		}
		return s.failure(fmt.Errorf("recording certificate: %w", err))
	}
	return nil
}

func (s *Store) insert(ctx context.Context, r *Record) error {
	stmts := s.recordStmts(r)
	if s.remote && r.Profile == "ca" {
		// The name check (caNameFree) reads inside the transaction
		// before it writes: statement by statement.
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := s.caNameFree(ctx, tx, r); err != nil {
			return err
		}
		if err := execAll(ctx, tx, stmts); err != nil {
			return err
		}
		return tx.Commit()
	}
	if pg, ok := s.dialect.(pgDialect); ok && len(r.Files) > 0 && !s.bulk.Load() {
		// Durable when this returns, but the write lock is not held
		// while the server waits for its disk (see pgDialect.pipeline).
		return pg.pipeline(ctx, s.db, stmts, true, &stmt{"UPDATE placements SET started_at = started_at WHERE serial = ? AND pid = ?",
			[]any{SerialHex(r.Serial), s.placementOwner()}}, false)
	}
	return s.write(ctx, stmts, r.deferSync)
}

// recordStmts are the statements that record r (see [Store.Insert]): the
// certificate, and with files, its files and its placement mark.
func (s *Store) recordStmts(r *Record) []stmt {
	serial := SerialHex(r.Serial)
	out := make([]stmt, 0, len(r.Files)+2)
	out = append(out, stmt{`INSERT INTO certs
		(serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at, status, der, key_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?)`,
		[]any{serial, r.Name, r.Profile, r.Issuer, r.Subject, strings.Join(r.SANs, "\n"),
			r.NotBefore.Unix(), r.NotAfter.Unix(), r.IssuedAt.Unix(), r.DER, keyFingerprint(r.DER)}})
	if len(r.Files) > 0 {
		for _, f := range r.Files {
			out = append(out, stmt{"INSERT INTO cert_files (serial, kind, path, sha256) VALUES (?, ?, ?, ?)",
				[]any{serial, string(f.Kind), s.storedPath(f.Path), f.SHA256[:]}})
		}
		out = append(out, stmt{"INSERT INTO placements (serial, pid, started_at) VALUES (?, ?, ?)",
			[]any{serial, s.placementOwner(), r.IssuedAt.Unix()}})
	}
	return out
}

// Filter selects records for [Store.List] and [Store.Each]. Zero fields
// select everything. Each filter has an index (store version 3), so a
// filtered listing of a large store reads only the rows it returns; an
// older store opened read-only is read without them, the same rows
// slower.
type Filter struct {
	Name    string    // exact name
	Profile string    // exact profile
	Issuer  string    // exact issuing CA name
	Revoked bool      // only revoked certificates
	Valid   bool      // only not-revoked certificates
	Before  time.Time // only certificates expiring before this time
	After   time.Time // only certificates expiring after this time
	// ExceptProfiles leaves out the certificates of these profiles (the
	// CA certificates, "ca", for a listing of what a CA issued).
	ExceptProfiles []string
}

// where returns the SQL condition selecting f's records, with its
// arguments.
func (f Filter) where() (string, []any) {
	q := "1=1"
	var args []any
	if f.Name != "" {
		q += " AND name = ?"
		args = append(args, f.Name)
	}
	if f.Profile != "" {
		q += " AND profile = ?"
		args = append(args, f.Profile)
	}
	if f.Issuer != "" {
		q += " AND issuer = ?"
		args = append(args, f.Issuer)
	}
	if f.Revoked {
		q += " AND status = 'revoked'"
	}
	if f.Valid {
		q += " AND status = 'valid'"
	}
	if !f.Before.IsZero() {
		q += " AND not_after < ?"
		args = append(args, f.Before.Unix())
	}
	if !f.After.IsZero() {
		q += " AND not_after > ?"
		args = append(args, f.After.Unix())
	}
	if len(f.ExceptProfiles) > 0 {
		q += " AND profile NOT IN (?" + strings.Repeat(", ?", len(f.ExceptProfiles)-1) + ")"
		for _, p := range f.ExceptProfiles {
			args = append(args, p)
		}
	}
	return q, args
}

// listOrder is the order of listings: oldest first (certs_issued_at).
const listOrder = " ORDER BY issued_at, rowid"

const recordColumns = `serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at, status,
	revoked_at, reason, invalid_at, der`

// listColumns are recordColumns without the DER, for [Store.Each].
const listColumns = `serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at, status,
	revoked_at, reason, invalid_at`

// List returns the records matching f, oldest first, each with its DER.
// It holds them all: to read many, use [Store.Each].
func (s *Store) List(ctx context.Context, f Filter) ([]*Record, error) {
	where, args := f.where()
	return s.queryRecords(ctx, "SELECT "+recordColumns+" FROM certs WHERE "+where+listOrder, args...)
}

// Each calls fn with each record matching f, in the order of [Store.List],
// reading them from the store one row at a time, so that listing a
// million records holds one. The records have no DER (read it with
// [Store.Get]). It stops at the first error fn returns, and returns it.
// The store has one connection: fn must not use the store.
func (s *Store) Each(ctx context.Context, f Filter, fn func(*Record) error) error {
	where, args := f.where()
	return s.scan(ctx, "SELECT "+listColumns+" FROM certs WHERE "+where+listOrder, args, func(rows *sql.Rows) error {
		for rows.Next() {
			r, err := scanListed(rows)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Summary is what a table of records needs before its first row: how
// many there are and how wide each column is (see [Store.Summarize]).
type Summary struct {
	Count int
	// The longest serial (hex digits), name and profile, in characters.
	SerialLen, NameLen, ProfileLen int
	// Revoked: some of the records are revoked.
	Revoked bool
	// FirstExpiry is the earliest expiry of the records not revoked (zero
	// when all are revoked): one of them has expired at a time after it.
	FirstExpiry time.Time
}

// Summarize returns the [Summary] of the records matching f, in one
// aggregate query: a table can then print its rows as [Store.Each] reads
// them, aligned, without holding them.
func (s *Store) Summarize(ctx context.Context, f Filter) (Summary, error) {
	where, args := f.where()
	var (
		sum                    Summary
		serial, name, profile  sql.NullInt64
		revoked, firstValidEnd sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT count(*), max(length(serial)), max(length(name)), max(length(profile)),
		max(CASE WHEN status = 'revoked' THEN 1 ELSE 0 END), min(CASE WHEN status = 'revoked' THEN NULL ELSE not_after END)
		FROM certs WHERE `+where, args...).Scan(&sum.Count, &serial, &name, &profile, &revoked, &firstValidEnd)
	if err != nil {
		return Summary{}, fmt.Errorf("reading store: %w", err)
	}
	sum.SerialLen, sum.NameLen, sum.ProfileLen = int(serial.Int64), int(name.Int64), int(profile.Int64)
	sum.Revoked = revoked.Int64 == 1
	if firstValidEnd.Valid {
		sum.FirstExpiry = time.Unix(firstValidEnd.Int64, 0).UTC()
	}
	return sum, nil
}

// queryRecords runs q, which selects recordColumns, and reads every row.
func (s *Store) queryRecords(ctx context.Context, q string, args ...any) ([]*Record, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get returns the record with this serial, or [ErrNotFound].
func (s *Store) Get(ctx context.Context, serial *big.Int) (*Record, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+recordColumns+" FROM certs WHERE serial = ?", SerialHex(serial))
	r, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

// Count returns how many certificates the store holds.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM certs").Scan(&n)
	return n, err
}

type scanner interface{ Scan(...any) error }

func scanRecord(sc scanner) (*Record, error) { return scanColumns(sc, true) }

// scanListed reads a row of listColumns.
func scanListed(sc scanner) (*Record, error) { return scanColumns(sc, false) }

func scanColumns(sc scanner, withDER bool) (*Record, error) {
	var (
		r                       Record
		serial, sans, status    string
		nb, na, ia              int64
		revokedAt, reason, inva sql.NullInt64
	)
	dest := []any{&serial, &r.Name, &r.Profile, &r.Issuer, &r.Subject, &sans, &nb, &na, &ia, &status,
		&revokedAt, &reason, &inva}
	if withDER {
		dest = append(dest, &r.DER)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	var ok bool
	if r.Serial, ok = parseSerial(serial); !ok {
		return nil, fmt.Errorf("store holds a bad serial %q", serial)
	}
	if sans != "" {
		r.SANs = strings.Split(sans, "\n")
	}
	r.NotBefore, r.NotAfter, r.IssuedAt = time.Unix(nb, 0).UTC(), time.Unix(na, 0).UTC(), time.Unix(ia, 0).UTC()
	r.Status = Status(status)
	if revokedAt.Valid {
		r.RevokedAt = time.Unix(revokedAt.Int64, 0).UTC()
	}
	if reason.Valid {
		r.Reason = int(reason.Int64)
	}
	if inva.Valid {
		r.InvalidAt = time.Unix(inva.Int64, 0).UTC()
	}
	return &r, nil
}

// parseSerial reads a serial as the store keys it ([SerialHex]): bytes
// of hex, decoded directly (big.Int's SetString took a tenth of "pkit list
// --json"'s time at a million records); anything else through SetString.
func parseSerial(s string) (*big.Int, bool) {
	var buf [64]byte
	if len(s) == 0 || len(s)%2 == 1 || len(s) > 2*len(buf) {
		return new(big.Int).SetString(s, 16)
	}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := hexDigit(s[i])
		lo, ok2 := hexDigit(s[i+1])
		if !ok1 || !ok2 {
			return new(big.Int).SetString(s, 16)
		}
		buf[i/2] = hi<<4 | lo
	}
	return new(big.Int).SetBytes(buf[:len(s)/2]), true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Certificate parses the record's DER.
func (r *Record) Certificate() (*x509.Certificate, error) { return x509.ParseCertificate(r.DER) }

// RevokedAmong returns the records of those serials that are revoked, in
// one query by primary key.
func (s *Store) RevokedAmong(ctx context.Context, serials []*big.Int) ([]*Record, error) {
	if len(serials) == 0 {
		return nil, nil
	}
	args := make([]any, len(serials))
	for i, n := range serials {
		args[i] = SerialHex(n)
	}
	return s.queryRecords(ctx, "SELECT "+recordColumns+" FROM certs WHERE status = 'revoked' AND serial IN (?"+
		strings.Repeat(", ?", len(serials)-1)+")", args...)
}

// CompromisedKey returns a record of a certificate for the public key pub
// that was revoked for keyCompromise or cACompromise (RFC 5280 reasons 1
// and 2), or nil when there is none. issuers names the CAs whose
// certificates are searched (every CA of the directory, from
// [Authority.CANames]). A store of version 3 finds the candidates by the
// key's fingerprint, and the rows that have none, through the
// certs_revoked_key index, and reads the DER of those alone: its cost
// does not grow with the store. An older store is read through the
// (issuer, status) index, every revoked row. It never writes.
func (s *Store) CompromisedKey(ctx context.Context, pub crypto.PublicKey, issuers ...string) (*Record, error) {
	q := "SELECT " + recordColumns + " FROM certs WHERE status = 'revoked' AND reason IN (?, ?)"
	args := []any{int(revoke.KeyCompromise), int(revoke.CACompromise)}
	if len(issuers) > 0 {
		q += " AND issuer IN (?" + strings.Repeat(", ?", len(issuers)-1) + ")"
		for _, n := range issuers {
			args = append(args, n)
		}
	}
	fp, err := formats.PublicKeyFingerprint(pub)
	if s.Version() < 3 || err != nil {
		return s.compromisedAmong(ctx, pub, q, args...)
	}
	// Two queries, not one with OR: each is an equality on the index's
	// columns, which SQLite's planner prefers to the (issuer, status) one.
	if r, err := s.compromisedAmong(ctx, pub, q+" AND key_sha256 = ?", append(args, fp)...); r != nil || err != nil {
		return r, err
	}
	return s.compromisedAmong(ctx, pub, q+" AND key_sha256 IS NULL", args...)
}

// compromisedAmong returns the first record q selects whose certificate
// is for the key pub.
func (s *Store) compromisedAmong(ctx context.Context, pub crypto.PublicKey, q string, args ...any) (*Record, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		c, err := r.Certificate()
		if err != nil {
			return nil, fmt.Errorf("the store holds a certificate it cannot read (serial %s); see \"pkit store check\"", SerialHex(r.Serial))
		}
		if formats.PublicKeysEqual(c.PublicKey, pub) {
			return r, nil
		}
	}
	return nil, rows.Err()
}

// keyFingerprint is what the column key_sha256 holds for the certificate
// der: the [formats.PublicKeyFingerprint] of its key; empty (matching no
// key) when the key is of a kind pkit does not know, and nil (NULL: the
// row is read from its DER) when der is not a certificate.
func keyFingerprint(der []byte) []byte {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	fp, err := formats.PublicKeyFingerprint(c.PublicKey)
	if err != nil {
		return []byte{}
	}
	return fp
}

// fillKeyFingerprints fills key_sha256, in the upgrade to version 3, for
// the certificates [Store.CompromisedKey] reads: those revoked for a key
// or CA compromise. The others keep none until they need one: a
// certificate of an older store revoked later is read from its DER.
func fillKeyFingerprints(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT serial, der FROM certs WHERE status = 'revoked' AND reason IN (?, ?) AND key_sha256 IS NULL",
		int(revoke.KeyCompromise), int(revoke.CACompromise))
	if err != nil {
		return err
	}
	type fill struct {
		serial string
		fp     []byte
	}
	var todo []fill
	for rows.Next() {
		var (
			serial string
			der    []byte
		)
		if err := rows.Scan(&serial, &der); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, fill{serial, keyFingerprint(der)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	upd, err := tx.PrepareContext(ctx, "UPDATE certs SET key_sha256 = ? WHERE serial = ?")
	if err != nil {
		return err
	}
	defer upd.Close()
	for _, f := range todo {
		if _, err := upd.ExecContext(ctx, f.fp, f.serial); err != nil {
			return err
		}
	}
	return nil
}

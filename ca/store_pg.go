package ca

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // database/sql over pgx, the PostgreSQL driver
	"github.com/pkit/pkit/revoke/ocsp"
)

// The store in PostgreSQL, for a CA whose issuing machines share one
// database (--db, PKIT_DB, or "db =" in the config). It is the same
// database/sql store with the same queries; this file holds what only
// PostgreSQL needs:
//
//   - the connection rewrites the "?" placeholders of the store's queries
//     into PostgreSQL's $1, $2…;
//   - every transaction that may write first takes one advisory lock
//     (pg_advisory_xact_lock), as SQLite's BEGIN IMMEDIATE takes the write
//     lock: changes are serialized across every machine exactly as they are
//     across processes on one SQLite file, so the read-then-write checks of
//     revocation, the placement journal and CRL publishing hold unchanged;
//   - the schema version is a row of pkit_schema, not PRAGMA user_version;
//   - INTEGER columns are BIGINT (unix seconds past 2038), BLOB is BYTEA, and
//     each table has a rowid BIGSERIAL column, as SQLite's rowid, which the
//     store orders by.

// IsDatabaseURL reports whether where names a PostgreSQL database
// (postgres:// or postgresql://) rather than a store file.
func IsDatabaseURL(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}

// MaskURL returns a database URL with any password in it replaced by
// "xxxxx", for messages. What is not a URL is returned as it is.
func MaskURL(where string) string {
	u, err := url.Parse(where)
	if err != nil || u.Scheme == "" {
		if IsDatabaseURL(where) {
			return "postgres://(unreadable URL)"
		}
		return where
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// ErrPasswordInURL: a database URL carried its password, which would then
// sit in shell histories, process lists and the config file.
var ErrPasswordInURL = errors.New("the database URL holds a password; give it in a password file (passfile=PATH in the URL, or ~/.pgpass) or in PGPASSWORD instead")

// CheckDatabaseURL returns nil when where is a postgres:// URL pkit can
// use: readable, and without a password ([ErrPasswordInURL]).
func CheckDatabaseURL(where string) error {
	if !IsDatabaseURL(where) {
		return errors.New("not a postgres:// or postgresql:// URL")
	}
	u, err := url.Parse(where)
	if err != nil {
		return errors.New("not a valid database URL")
	}
	if _, ok := u.User.Password(); ok || u.Query().Has("password") {
		return ErrPasswordInURL
	}
	return nil
}

// pgLockKey is the advisory lock every writing transaction holds: one
// writer at a time across every machine, as on SQLite.
const pgLockKey = 0x706b6974 // "pkit"

// pgConnectTimeout bounds connecting when the URL sets no connect_timeout.
const pgConnectTimeout = 10 * time.Second

// openPG opens the PostgreSQL store at rawURL; create makes a new store
// (in a database without one), else the database must hold one.
func openPG(rawURL string, create bool) (*Store, error) {
	masked := MaskURL(rawURL)
	if err := CheckDatabaseURL(rawURL); err != nil {
		return nil, &StoreError{Path: masked, Err: err}
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, &StoreError{Path: masked, Err: pgCause(err)}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	// One round trip per statement: most pkit processes run each
	// statement once, and a cached prepared statement costs a round trip
	// to prepare it first (the parameters' types come from their Go
	// types: string, int64, []byte).
	if !strings.Contains(rawURL, "default_query_exec_mode=") {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "pkit"
	}
	// As SQLite's busy timeout: wait up to a minute for another
	// machine's transaction, then fail.
	cfg.RuntimeParams["lock_timeout"] = "60s"
	conns := &pgConnector{base: stdlib.GetConnector(*cfg)}
	db := sql.OpenDB(conns)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ConnectTimeout+5*time.Second)
	defer cancel()
	d := pgDialect{conns: conns}
	version, err := d.openVersion(ctx, db)
	if err != nil {
		db.Close()
		if pgUnavailable(err) {
			return nil, pgFailure(masked, err)
		}
		return nil, &StoreError{Path: masked, Err: pgCause(err)}
	}
	s := &Store{db: db, path: masked, dialect: d, version: version, remote: true}
	switch {
	case version == 0 && !create:
		db.Close()
		return nil, &StoreError{Path: masked, Err: ErrStoreMissing}
	case version > 0 && create:
		// A store with no certificate is one whose pkit init was cut
		// short: init may run again.
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM certs").Scan(&n); err != nil || n > 0 {
			db.Close()
			return nil, &StoreError{Path: masked, Err: ErrStoreExists}
		}
	case version == 0:
		if err := s.migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// ErrStoreUnavailable: the PostgreSQL server of the store cannot be
// reached, or the connection was lost during the command. A transaction
// cut off so is rolled back by the server (an issuance recorded just
// before is settled by the placement journal), so the command can simply
// be run again. pkit serve answers tryLater meanwhile.
var ErrStoreUnavailable error = unavailableError{}

type unavailableError struct{}

func (unavailableError) Error() string { return "the database cannot be reached" }

// Is makes an unavailable store an unavailable OCSP source: tryLater.
func (unavailableError) Is(target error) bool { return target == ocsp.ErrUnavailable }

// pgFailure turns an error of a PostgreSQL store that comes from the
// connection into a [*StoreError] wrapping [ErrStoreUnavailable].
func pgFailure(where string, err error) error {
	if err == nil || !pgUnavailable(err) {
		return err
	}
	var se *StoreError
	if errors.As(err, &se) {
		return err
	}
	return &StoreError{Path: where, Err: fmt.Errorf("%w: %v; run the command again once it is back", ErrStoreUnavailable, pgCause(err))}
}

// pgUnavailable reports whether err means the server is away: no
// connection, a connection lost, the server shutting down or starting.
func pgUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exceptions; 57P01-57P03: admin or crash
		// shutdown, cannot connect now.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.As(err, &ne) || errors.As(err, &ce) || pgconn.Timeout(err) || pgconn.SafeToRetry(err)
}

// ErrStoreExists: pkit init was pointed at a database that already holds
// a store.
var ErrStoreExists = errors.New("the database already holds a pkit store")

// pgCause is err without what pgx wraps around it, for messages: the
// server's own message, or the network failure. Nothing of it contains
// the password, which pkit never has in the URL.
func pgCause(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Addr != nil {
		return fmt.Errorf("cannot connect to %s: %v", oe.Addr, oe.Err)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("cannot connect: %v", errors.Unwrap(ce))
	}
	return err
}

// pgDialect is the store in PostgreSQL; see the top of this file.
type pgDialect struct {
	conns *pgConnector // the store's connections, counted (see setBulk)
}

// ErrBulkCommitsLost: the connection through which a batch writer
// committed without waiting for the server's disk (bulk mode,
// [Store.SetBulk]) was lost before [Store.Sync] made those commits
// durable. The server may have lost them with it (a server that crashed
// loses the commits it had not yet written out), so Sync cannot vouch for
// them: a sync through a new connection flushes only that session's
// server.
var ErrBulkCommitsLost = errors.New("the connection to the database was lost during the batch: certificates recorded before that may have been lost with the server")

// schema: INTEGER is BIGINT, BLOB is BYTEA, and each new table gets a
// rowid column first (compiled here, not at start-up: most pkit
// processes never migrate).
func (pgDialect) schema(step string) string {
	step = strings.NewReplacer("INTEGER", "BIGINT", "BLOB", "BYTEA").Replace(step)
	newTable := regexp.MustCompile(`(?m)^(CREATE TABLE IF NOT EXISTS \w+ \()`)
	return newTable.ReplaceAllString(step, "$1\n\trowid BIGSERIAL NOT NULL,")
}

func (pgDialect) version(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRowContext(ctx, "SELECT to_regclass('pkit_schema') IS NOT NULL").Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int
	err := q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM pkit_schema").Scan(&v)
	return v, err
}

// openVersion is version for a store being opened, in one query (outside
// a transaction, where a missing table is only an error): the schema
// version, 0 when the database has no pkit_schema table.
func (pgDialect) openVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM pkit_schema").Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return 0, nil
	}
	return v, err
}

func (pgDialect) setVersion(ctx context.Context, tx *sql.Tx, v int) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS pkit_schema (version INTEGER NOT NULL)",
		"DELETE FROM pkit_schema",
		fmt.Sprintf("INSERT INTO pkit_schema (version) VALUES (%d)", v),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (pgDialect) duplicate(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
}

func (pgDialect) indexedBy(string) string { return "" }

// setBulk turns synchronous_commit off for a batch writer's session: each
// commit is still atomic, and survives a crash of pkit, but the server
// acknowledges it before its WAL is on disk; sync then makes them all
// durable. Should the connection be replaced meanwhile (the server
// restarted), the new one syncs every commit (the default), and sync
// fails with [ErrBulkCommitsLost]: what the lost session committed may be
// gone. The connections are counted from here to tell.
func (d pgDialect) setBulk(ctx context.Context, db *sql.DB, on bool) error {
	mode := "on"
	if on {
		mode = "off"
	}
	if _, err := db.ExecContext(ctx, "SET synchronous_commit TO "+mode); err != nil {
		return err
	}
	d.conns.bulk.Store(on)
	if on {
		d.conns.bulkFrom.CompareAndSwap(0, d.conns.made.Load())
	}
	return nil
}

// sync commits one synchronous write: PostgreSQL returns from it once the
// WAL is flushed up to it, so every commit before it on this server is
// durable too. Commits made in bulk mode on a connection lost since are
// not (see setBulk): then it returns [ErrBulkCommitsLost], and keeps
// returning it.
func (d pgDialect) sync(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{"SET LOCAL synchronous_commit TO on", "UPDATE pkit_schema SET version = version"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if from := d.conns.bulkFrom.Load(); from != 0 {
		if d.conns.made.Load() != from {
			return ErrBulkCommitsLost
		}
		if !d.conns.bulk.Load() {
			d.conns.bulkFrom.Store(0) // every bulk commit is durable now
		}
	}
	return nil
}

// recorded asks, in one query, on a connection made for it (not the
// store's, which may be the one its batch wrote through), which of
// serials certs holds: what the server holds now, after any crash and
// recovery. The connection is not counted (see setBulk): it writes
// nothing.
func (d pgDialect) recorded(ctx context.Context, _ *sql.DB, serials []string) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute) // as lock_timeout: a server that hangs is an error
	defer cancel()
	dc, err := d.conns.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer dc.Close()
	rows, err := dc.(*stdlib.Conn).Conn().Query(ctx, "SELECT serial FROM certs WHERE serial = ANY($1::text[])", serials)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	err = scanSerials(rows, have)
	rows.Close()
	return have, err
}

// pipeline runs stmts as one writing transaction sent to the server at
// once (pgx's batch: one round trip, where statement by statement took one
// each for BEGIN, the write lock, every statement and COMMIT): BEGIN, the
// write lock (pgLockKey), with unsynced SET LOCAL synchronous_commit TO
// off, the statements, COMMIT. The server runs them in order and stops at
// the first error, which is returned; the transaction is then rolled back
// (a connection that cannot roll back is closed).
//
// With flush (and unsynced), a second transaction follows in the same
// round trip: flush alone, committed as the session commits (synchronously
// unless in bulk mode). flush must change a row only this process
// touches (its own placement mark), so that it waits for no one. Its
// synchronous commit returns once the WAL is on disk up to it, which holds
// the first transaction's commit: the write is durable when pipeline
// returns, as with one synchronous commit, but the write lock was released
// before the wait for the disk, so other issuers record meanwhile and
// their waits overlap (PostgreSQL flushes them together) instead of each
// waiting for the disk while holding the lock. Should flush change no row
// (it then writes no WAL to wait for), a synchronous commit of its own
// (sync) makes the write durable.
//
// With prepare (a batch writer, which runs the same statements over and
// over on its connection), each statement is prepared on the connection
// once and then only bound and run; a one-shot process sends each
// statement's text with its values, which costs no round trip to prepare.
func (d pgDialect) pipeline(ctx context.Context, db *sql.DB, stmts []stmt, unsynced bool, flush *stmt, prepare bool) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	flushed := true
	err = conn.Raw(func(dc any) error {
		c := dc.(*pgConn).Conn.Conn()
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("SELECT pg_advisory_xact_lock($1)", int64(pgLockKey))
		if unsynced {
			b.Queue("SET LOCAL synchronous_commit TO off")
		}
		for _, st := range stmts {
			b.Queue(pgQuery(st.q), st.args...)
		}
		b.Queue("COMMIT")
		if prepare {
			for _, q := range b.QueuedQueries {
				if _, err := c.Prepare(ctx, q.SQL, q.SQL); err != nil {
					return err
				}
			}
		}
		if flush != nil {
			b.Queue("BEGIN")
			b.Queue(pgQuery(flush.q), flush.args...)
			b.Queue("COMMIT")
		}
		br := c.SendBatch(ctx, b)
		var err error
		for i := range b.QueuedQueries {
			tag, e := br.Exec()
			if e != nil {
				err = e
				break
			}
			if flush != nil && i == len(b.QueuedQueries)-2 {
				flushed = tag.RowsAffected() > 0
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil && c.PgConn().TxStatus() != 'I' {
			if _, rerr := c.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				return fmt.Errorf("%w (%w)", err, driver.ErrBadConn)
			}
		}
		return err
	})
	// The connection goes back to the pool first: the store has one, and
	// sync takes it.
	conn.Close()
	if err == nil && !flushed {
		err = d.sync(ctx, db)
	}
	return err
}

// pgConnector makes the store's connections: pgx's, wrapped in pgConn.
type pgConnector struct {
	base driver.Connector
	// made counts the connections made; bulkFrom is made when bulk mode
	// began with no commit of it yet synced (0: none pending), bulk
	// whether it is on (see pgDialect.setBulk).
	made     atomic.Int64
	bulkFrom atomic.Int64
	bulk     atomic.Bool
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	c.made.Add(1)
	return &pgConn{Conn: conn.(*stdlib.Conn), made: time.Now()}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.base.Driver() }

// pgConn is a pgx connection that takes the store's SQL: placeholders
// rewritten, and the write lock taken by each transaction.
type pgConn struct {
	*stdlib.Conn
	made time.Time
}

// ResetSession is stdlib's check before the connection is used again,
// without its ping (a round trip) during the connection's first second:
// a connection just made is alive, and most pkit processes end within
// that second.
func (c *pgConn) ResetSession(ctx context.Context) error {
	if time.Since(c.made) < time.Second {
		pc := c.Conn.Conn()
		if pc.IsClosed() || pc.PgConn().TxStatus() != 'I' {
			return driver.ErrBadConn
		}
		return nil
	}
	return c.Conn.ResetSession(ctx)
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) { return c.Conn.Prepare(pgQuery(query)) }

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, pgQuery(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, pgQuery(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, pgQuery(query), args)
}

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx begins a transaction and, unless it is read-only, takes the
// store's write lock (see pgLockKey), held until it ends.
func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil || opts.ReadOnly {
		return tx, err
	}
	if _, err := c.Conn.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", []driver.NamedValue{{Ordinal: 1, Value: int64(pgLockKey)}}); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// pgQuery rewrites the "?" placeholders of q into $1, $2…, leaving quoted
// strings and names alone.
func pgQuery(q string) string {
	if !strings.ContainsAny(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// caNameFree refuses, inside the transaction recording r, a CA whose name
// a valid CA recorded in a shared (PostgreSQL) store has already: made on
// another machine, whose CA folder this machine's lock (ca/.lock) does
// not cover. Writers are serialized (pgLockKey), so of two machines
// adding one name at once, one makes the CA and the other is refused
// before it writes a file. On SQLite the directory's lock decides.
func (s *Store) caNameFree(ctx context.Context, tx *sql.Tx, r *Record) error {
	if !s.remote || r.Profile != "ca" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM certs WHERE profile = 'ca' AND name = ? AND status = 'valid'",
		r.Name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &RequestError{Msg: fmt.Sprintf("a CA named %q is already recorded in the shared store (made on another machine)", r.Name),
			Hint: fmt.Sprintf("copy its ca/%s.crt (and its key, to sign with it) from the machine that made it", r.Name)}
	}
	return nil
}

package ca

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"sync"

	"github.com/pkit/pkit/formats"
)

// dialect is what differs between the store's two databases, SQLite (a
// file in the CA directory) and PostgreSQL (one database shared by several
// machines): every query of the store is written once, in SQL both accept,
// with "?" placeholders (the PostgreSQL connection rewrites them, see
// store_pg.go), and only these few things are said twice.
type dialect interface {
	// schema is a step of migrations as this database spells it.
	schema(step string) string
	// version reads the store's schema version (0 for an empty store).
	version(ctx context.Context, q querier) (int, error)
	// setVersion records the schema version inside the migrating
	// transaction.
	setVersion(ctx context.Context, tx *sql.Tx, v int) error
	// duplicate reports whether err is a unique-constraint violation.
	duplicate(err error) bool
	// indexedBy is the hint that makes a query read the named index
	// ("" where the planner is left to choose).
	indexedBy(index string) string
	// setBulk switches between syncing every commit and bulk mode.
	setBulk(ctx context.Context, db *sql.DB, on bool) error
	// sync makes every committed change durable.
	sync(ctx context.Context, db *sql.DB) error
	// recorded returns which of serials (as the store keys them) certs
	// holds (see [Store.Recorded]).
	recorded(ctx context.Context, db *sql.DB, serials []string) (map[string]bool, error)
}

// querier is a database or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqliteDialect is the store in a file of the CA directory: its schema
// version is PRAGMA user_version.
type sqliteDialect struct{}

func (sqliteDialect) schema(step string) string { return step }

func (sqliteDialect) version(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (sqliteDialect) setVersion(ctx context.Context, tx *sql.Tx, v int) error {
	_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

func (sqliteDialect) duplicate(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint")
}

func (sqliteDialect) indexedBy(index string) string { return "INDEXED BY " + index }

func (sqliteDialect) setBulk(ctx context.Context, db *sql.DB, on bool) error {
	mode := "FULL"
	if on {
		mode = "NORMAL"
	}
	_, err := db.ExecContext(ctx, "PRAGMA synchronous="+mode)
	return err
}

func (sqliteDialect) sync(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(FULL)")
	return err
}

// sqliteInChunk is how many serials one query of sqliteDialect.recorded
// asks about: below SQLite's limit of variables in a statement (32766
// since 3.32, 999 before).
const sqliteInChunk = 900

func (sqliteDialect) recorded(ctx context.Context, db *sql.DB, serials []string) (map[string]bool, error) {
	have := map[string]bool{}
	for len(serials) > 0 {
		n := min(len(serials), sqliteInChunk)
		args := make([]any, n)
		for i, s := range serials[:n] {
			args[i] = s
		}
		rows, err := db.QueryContext(ctx, "SELECT serial FROM certs WHERE serial IN (?"+strings.Repeat(", ?", n-1)+")", args...)
		if err != nil {
			return nil, err
		}
		err = scanSerials(rows, have)
		rows.Close()
		if err != nil {
			return nil, err
		}
		serials = serials[n:]
	}
	return have, nil
}

// scanSerials adds the serials of rows (one column) to have.
func scanSerials(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, have map[string]bool) error {
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		have[s] = true
	}
	return rows.Err()
}

// placementOwner is what this process records as the owner of its
// placements (placements.pid): its process id. On PostgreSQL, where the
// machines sharing the store each place files on their own disks, the
// host's identity ([hostID]) is in the bits above 32: only the machine
// that placed a certificate's files can tell whether they are there.
func (s *Store) placementOwner() int { return s.ownerOf(os.Getpid()) }

// ownerOf is the placement owner of process pid of this machine.
func (s *Store) ownerOf(pid int) int {
	if s.remote {
		return int(hostID())<<32 | pid
	}
	return pid
}

// ownerLive reports whether the owner of a placement may still be placing
// its files: this process; a process of this machine that runs; or, on
// PostgreSQL, any process of another machine, which that machine's next
// write (or "pkit store check --repair" there) settles, never this one.
func (s *Store) ownerLive(owner int) bool {
	if owner == s.placementOwner() {
		return true
	}
	if s.remote {
		if owner>>32 != int(hostID()) {
			return true
		}
		owner &= 1<<32 - 1
	}
	return formats.ProcessAlive(owner)
}

// hostID identifies this machine among those sharing a PostgreSQL store:
// 31 bits of a hash of its machine id (/etc/machine-id, where there is
// one) and host name.
var hostID = sync.OnceValue(func() uint32 {
	h := fnv.New32a()
	if id, err := os.ReadFile("/etc/machine-id"); err == nil {
		h.Write(id)
	}
	name, _ := os.Hostname()
	h.Write([]byte(name))
	return h.Sum32()&(1<<31-1) | 1
})

// stmt is one statement of a write, with its arguments.
type stmt struct {
	q    string
	args []any
}

// execer is a database or a transaction that runs statements.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// execAll runs stmts in order, stopping at the first error.
func execAll(ctx context.Context, e execer, stmts []stmt) error {
	for _, st := range stmts {
		if _, err := e.ExecContext(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// write runs stmts as one writing transaction. unsynced lets the commit
// be acknowledged before it is durable: a write whose loss to a power cut
// is harmless (clearing a placement mark) or that the caller makes
// durable itself (see durable.go). On SQLite that is commitUnsynced; on
// PostgreSQL the whole transaction (write lock, statements, commit) goes
// to the server at once, in one round trip (pgDialect.pipeline), and only
// unsynced commits without waiting for the WAL.
func (s *Store) write(ctx context.Context, stmts []stmt, unsynced bool) error {
	if pg, ok := s.dialect.(pgDialect); ok {
		return pg.pipeline(ctx, s.db, stmts, unsynced, nil, s.bulk.Load())
	}
	if unsynced {
		return s.commitUnsynced(ctx, func(tx *sql.Tx) error { return execAll(ctx, tx, stmts) })
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := execAll(ctx, tx, stmts); err != nil {
		return err
	}
	return tx.Commit()
}

// ensureIndex makes the index name with ddl (CREATE INDEX IF NOT EXISTS)
// unless it exists, in tx when not nil. On PostgreSQL the index is looked
// up first and made only under the write lock: there CREATE INDEX IF NOT
// EXISTS takes a lock that stops every writer even when the index exists,
// and two sessions making one index at once collide (a unique violation
// in pg_class), as two machines publishing CRLs at once did.
func (s *Store) ensureIndex(ctx context.Context, tx *sql.Tx, name, ddl string) error {
	if !s.remote {
		var e execer = s.db
		if tx != nil {
			e = tx
		}
		_, err := e.ExecContext(ctx, ddl)
		return err
	}
	var q querier = s.db
	if tx != nil {
		q = tx
	}
	var exists bool
	if err := q.QueryRowContext(ctx, "SELECT to_regclass(?) IS NOT NULL", name).Scan(&exists); err != nil || exists {
		return err
	}
	if tx != nil {
		_, err := tx.ExecContext(ctx, ddl)
		return err
	}
	return s.write(ctx, []stmt{{ddl, nil}}, false)
}

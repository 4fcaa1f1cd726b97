package ca

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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

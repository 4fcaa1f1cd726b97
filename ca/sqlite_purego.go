//go:build !cgo

package ca

import (
	"errors"

	sqlite "modernc.org/sqlite" // pure-Go SQLite, for builds without cgo
)

// sqliteDriver is the database/sql driver of the store in builds without
// cgo (cross-compiled releases): SQLite translated to Go. It reads and
// writes the same files as the C library that cgo builds use
// (sqlite_cgo.go), at some start-up and query cost.
const sqliteDriver = "sqlite"

// sqliteDSN is the data source name that opens path in SQLite's open mode
// ("rwc", "rw", "ro", "ro&immutable=1"): a busy timeout, and for writers
// WAL, full sync, foreign keys and transactions that take the write lock
// when they begin (BEGIN IMMEDIATE), so that two processes never deadlock
// upgrading read locks.
func sqliteDSN(path, mode string, readOnly bool) string {
	dsn := sqliteURI(path) + "?mode=" + mode + "&_pragma=busy_timeout(60000)"
	if !readOnly {
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	}
	return dsn
}

// sqliteCode returns SQLite's primary result code of err, if err came from
// SQLite.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff, true
	}
	return 0, false
}

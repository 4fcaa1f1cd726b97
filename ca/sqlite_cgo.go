//go:build cgo

package ca

import (
	"errors"

	sqlite3 "github.com/mattn/go-sqlite3" // SQLite's C library, built into the binary
)

// sqliteDriver is the database/sql driver of the store: with cgo, SQLite's
// own C code. A pkit process starts about 3 ms sooner with it than with
// the pure-Go driver (whose package initialisation runs at every start,
// store or not: bench/startup.sh), and its queries run faster. Builds
// without cgo (cross-compiled releases) use the pure-Go driver
// (sqlite_purego.go); both read and write the same files.
const sqliteDriver = "sqlite3"

// sqliteDSN is the data source name that opens path in SQLite's open mode
// ("rwc", "rw", "ro", "ro&immutable=1"): a busy timeout, no per-connection
// mutex (SQLITE_OPEN_NOMUTEX: database/sql never uses one connection from
// two goroutines at once, and SQLite's locking of every API call cost
// list --json and crl about 10% of their CPU), and for writers
// WAL, full sync, foreign keys and transactions that take the write lock
// when they begin (BEGIN IMMEDIATE), so that two processes never deadlock
// upgrading read locks.
func sqliteDSN(path, mode string, readOnly bool) string {
	dsn := sqliteURI(path) + "?mode=" + mode + "&_busy_timeout=60000&_mutex=no"
	if !readOnly {
		dsn += "&_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_txlock=immediate"
	}
	return dsn
}

// sqliteCode returns SQLite's primary result code of err, if err came from
// SQLite.
func sqliteCode(err error) (int, bool) {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return int(se.Code), true
	}
	var sp *sqlite3.Error
	if errors.As(err, &sp) && sp != nil {
		return int(sp.Code), true
	}
	return 0, false
}

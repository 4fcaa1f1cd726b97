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

// sqliteDSN: the settings of sqlite_cgo.go's, in this driver's syntax.
func sqliteDSN(path, mode string, readOnly bool) string {
	dsn := sqliteURI(path) + "?mode=" + mode + "&_pragma=busy_timeout(60000)"
	if !readOnly {
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	}
	return dsn
}

// sqliteConfigure: the pure-Go driver keeps SQLite's defaults.
func sqliteConfigure() {}

// sqliteCode: see sqlite_cgo.go.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff, true
	}
	return 0, false
}

// closeSyncs: the close syncs the store's log (see [IssueSyncs]).
const closeSyncs = 1

// noCheckpointOnClose: this driver has no way to set
// SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE; the close syncs the log and keeps it
// (see durable.go, step 3).
func noCheckpointOnClose(any) error { return errors.ErrUnsupported }

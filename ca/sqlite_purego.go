//go:build !cgo

package ca

import (
	"errors"
	"reflect"

	"modernc.org/libc"
	sqlite "modernc.org/sqlite" // pure-Go SQLite, for builds without cgo
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDriver is the database/sql driver of the store in builds without
// cgo ("make build", cross-compiled releases): SQLite translated to Go.
// It reads and writes the same files as the C library of the C build
// (sqlite_cgo.go); its big queries cost more (list --json of 1M records
// 1.3x the CPU), its start costs less where page faults are cheap (see
// the Makefile).
const sqliteDriver = "sqlite"

// sqliteDSN: the settings of sqlite_cgo.go's, in this driver's syntax.
func sqliteDSN(path, mode string, readOnly bool) string {
	dsn := sqliteURI(path) + "?mode=" + mode + "&_pragma=busy_timeout(60000)"
	if !readOnly {
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	}
	return dsn
}

// sqliteConfigure: the pure-Go driver keeps SQLite's defaults. The
// settings sqlite_cgo.go makes (no lookaside memory, no page cache
// allocated ahead), made here through the driver's sqlite3_config, changed
// nothing measurable: "pkit issue client --p12" 0.96-1.03x the CPU
// (bench/cputime, 2 x 101 runs interleaved) and the same page faults.
func sqliteConfigure() {}

// sqliteCode: see sqlite_cgo.go.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff, true
	}
	return 0, false
}

// noCheckpointOnClose makes the connection dc close without SQLite's
// closing checkpoint (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE), as sqlite_cgo.go's
// does: the log is kept as it is, for the next open to recover (see
// durable.go, step 3). The driver calls sqlite3_db_config only for its own
// settings, so the connection's handle and its C thread state are read
// from its fields db and tls (as in the release go.mod names) and
// the call is made through the driver's SQLite. Should they change, it
// returns errors.ErrUnsupported and the close syncs the log and keeps it
// (durable.go). TestIssueCloseKeepsLog checks the store file is left as
// it was.
func noCheckpointOnClose(dc any) error {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return errors.ErrUnsupported
	}
	db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || db.Uint() == 0 ||
		!tls.IsValid() || tls.Type() != reflect.TypeFor[*libc.TLS]() || tls.IsNil() {
		return errors.ErrUnsupported
	}
	t := (*libc.TLS)(tls.UnsafePointer())
	args := libc.Xmalloc(t, 16) // two variadic slots: on, and no result pointer
	if args == 0 {
		return errors.ErrUnsupported
	}
	defer libc.Xfree(t, args)
	const noCheckpointOnCloseOp = 1006 // SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
	if sqlite3.Xsqlite3_db_config(t, uintptr(db.Uint()), noCheckpointOnCloseOp, libc.VaList(args, int32(1), uintptr(0))) != sqlite3.SQLITE_OK {
		return errors.ErrUnsupported
	}
	return nil
}

//go:build cgo

package ca

/*
#if defined(__linux__)
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

int sqlite3_config(int, ...);
int sqlite3_db_config(void *, int, ...);

#if defined(M_ARENA_MAX)
// pkit_one_arena: glibc's malloc keeps one arena for every thread
// (M_ARENA_MAX 1), set before the Go runtime starts its threads; see
// mallocArenas.
__attribute__((constructor)) static void pkit_one_arena(void) {
	mallopt(M_ARENA_MAX, 1);
}

// pkit_malloc_arenas: how many arenas glibc's malloc has made (the heaps
// of malloc_info), or -1 when it cannot tell.
static int pkit_malloc_arenas(void) {
	char *buf = 0;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == 0) {
		return -1;
	}
	int rc = malloc_info(0, f);
	fclose(f);
	int n = 0;
	for (char *p = buf; rc == 0 && p != 0 && (p = strstr(p, "<heap nr=")) != 0; p++) {
		n++;
	}
	free(buf);
	return rc == 0 ? n : -1;
}
#else
static int pkit_malloc_arenas(void) { return -1; }
#endif

// pkit_sqlite_config: no lookaside memory per connection
// (SQLITE_CONFIG_LOOKASIDE 0, 0) and no page-cache pages allocated ahead
// (SQLITE_CONFIG_PAGECACHE without a buffer); see sqliteConfigure.
static int pkit_sqlite_config(void) {
	int rc = sqlite3_config(13, 0, 0);
	if (rc == 0) {
		rc = sqlite3_config(7, (void *)0, 0, 0);
	}
	return rc;
}

// pkit_no_checkpoint_on_close: SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE on db;
// see noCheckpointOnClose.
static int pkit_no_checkpoint_on_close(void *db) {
	return sqlite3_db_config(db, 1006, 1, (int *)0);
}
*/
import "C"

import (
	"errors"
	"reflect"
	"sync"
	"unsafe"

	sqlite3 "github.com/mattn/go-sqlite3" // SQLite's C library, built into the binary
)

// sqliteConfigure sets SQLite's process-wide memory configuration before
// its first connection: no lookaside memory (by default each connection
// takes 120 KiB for it and writes into every slot when it opens) and no
// page-cache pages allocated ahead (20 by default). A pkit process opens
// one connection and runs a few statements: the memory it would touch
// for these costs page faults (about 14 us each in the virtual machines
// bench/faults.sh measures) that the statements never earn back. Measured
// with "pkit issue client --p12", interleaved runs at load 8-10 on 2
// cores, medians: 112 fewer page faults per process (690 -> 578), CPU
// 34.2 -> 29.1 ms, wall 32.2 -> 28.7 ms (40 runs each); a batch of 200
// and "pkit list --json" of 3000 records are no slower, "pkit store
// check" of them takes the same CPU. Once SQLite is initialised the calls
// change nothing (SQLITE_MISUSE), which is harmless.
var sqliteConfigure = sync.OnceFunc(func() { C.pkit_sqlite_config() })

// mallocArenas returns how many arenas glibc's malloc has made in this
// process, or -1 without glibc. SQLite is the C code that mallocs (Go
// does not use malloc), so a C constructor above keeps it to one arena
// (mallopt M_ARENA_MAX 1), set before the Go runtime starts any thread.
// By default glibc gives each new thread an arena of its own at its
// first malloc or free, and in a cgo build every thread the Go runtime
// starts frees its start-up block at once: a "pkit issue client" made
// five arenas (each a 64 MiB reservation, its first pages written),
// though SQLite runs one statement at a time on one connection. Measured
// with "pkit issue client --p12", this build against the one before it,
// each on its own CA directory, bench/cputime 101 runs each way,
// interleaved, load 1.4-1.5 on 2 cores: median CPU 31.91 -> 30.35 ms and
// 32.98 -> 30.30 ms (0.95x and 0.92x), wall 31.24 -> 29.17 ms and
// 31.53 -> 29.16 ms.
func mallocArenas() int { return int(C.pkit_malloc_arenas()) }

// sqliteDriver is the database/sql driver of the store in the C build
// ("make build-cgo"): SQLite's own C code. Its queries run faster than
// the pure-Go driver's (list --json of 1M records 0.76x the CPU); its
// process starts glibc as well as Go, which where page faults are cheap
// costs every short command more than the pure-Go driver's package
// initialisation, and where they cost about 15 us it cost less (the
// Makefile has the figures). "make build" uses the pure-Go driver
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

// noCheckpointOnClose makes the connection dc close without SQLite's
// closing checkpoint (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE): the log is kept
// as it is, for the next open to recover (see durable.go, step 3). The
// driver has no method for sqlite3_db_config, so the handle is read from
// its connection's field db (a *C.sqlite3 in every release so far);
// should that change, it returns errors.ErrUnsupported and the close
// takes the pure-Go driver's way. Measured with "pkit issue client
// --p12" against the close that synced the log and let SQLite copy it
// into the database file: see the commit that added it.
func noCheckpointOnClose(dc any) error {
	c, ok := dc.(*sqlite3.SQLiteConn)
	if !ok || c == nil {
		return errors.ErrUnsupported
	}
	f := reflect.ValueOf(c).Elem().FieldByName("db")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return errors.ErrUnsupported
	}
	if rc := C.pkit_no_checkpoint_on_close(unsafe.Pointer(f.Pointer())); rc != 0 {
		return errors.ErrUnsupported
	}
	return nil
}

package ca

// How an issuance with files reaches stable storage, in few sync calls.
//
// What must hold after a crash of the process or a power loss at any
// point (plan.go, journal.go): no output file under its name without the
// certificate's record on stable storage; when [Authority.IssueTo]
// returns, the record and every file are on stable storage; the store is
// never torn. The commit that clears the placement mark need not be
// durable: if a power loss takes it back, the next writer settles the
// placement, finds every file in place and keeps the record, as after a
// kill.
//
// The portable way (SQLite at synchronous=FULL, every file synced) costs
// one certificate with a key and a .p12 ten sync calls: an fsync per
// staged file (3); SQLite's commit of the record (the log's header and,
// for a new log, its folder, then the commit: 3); the output folder (1);
// the commit that clears the mark (1); and at close SQLite's checkpoint,
// which syncs the log and then the database file before it deletes the
// log (2).
//
// With syncfs(2) (Linux: [formats.HasSyncFS]) and a driver that can keep
// the log at close (persistWAL), IssueTo takes [IssueSyncs]:
//
//  1. The files are staged unsynced ([formats.WriteOptions.DeferSync])
//     and the record committed with synchronous=OFF and no automatic
//     checkpoint (commitUnsynced): written, not yet durable. Then, before
//     any file gets its name, the files' data, the record's log frames
//     and the log's name are made durable together: by one syncfs of the
//     file system holding the outputs and the CA directory (one each when
//     they differ), or, when much data of any process waits to be written
//     back ([formats.SyncFSCheap] is false: syncfs would write all of it,
//     which on a busy machine costs more than the calls it saves), by one
//     fsync per staged file, the log and its folder, all issued at once
//     ([formats.StagedFiles.SyncEach]): five calls that wait on the disk
//     together, about as long as one of them, where the portable way
//     waits for six one after another (on a loaded 2-core machine, in 100
//     interleaved runs of each, an issuance from IssueTo to the store's
//     close took a median of 28.7 ms this way against 32.0 ms the
//     portable way, and 35.4 ms with a syncfs regardless). A power loss before it loses at most the record, with no
//     file named: nothing was issued. (The log is never checkpointed from
//     unsynced frames: only at close, below, or by SQLite at FULL, which
//     syncs the log first.)
//  2. The files are linked into place and their folder is synced, as the
//     portable way does; then the mark is cleared with synchronous=OFF.
//  3. At [Store.Close], the store is closed without SQLite's closing
//     checkpoint (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, noCheckpointOnClose):
//     nothing is synced or copied, and the log stays as it is, its last
//     frames (the cleared mark) perhaps not yet durable. The database
//     file is never written from frames that are not durable, so a power
//     loss can only take back the cleared mark (whole: SQLite's recovery
//     stops at the first frame whose checksum fails). The next open
//     replays the log (SQLite's recovery makes every frame in it live
//     again, so nothing restarts the log before a checkpoint that syncs
//     the database file: SQLite's own, at FULL), and the next issuance's
//     sync covers the frames before its own. This costs what a kill after
//     the commit would, and SQLite is built for that. (Should a driver
//     not let pkit skip the checkpoint: one fsync of the log
//     makes every frame in it durable, and the store is closed with
//     synchronous=OFF and SQLITE_FCNTL_PERSIST_WAL: the closing checkpoint
//     copies the frames into the database file without syncing it, and
//     keeps the log whole. SQLite checkpoints at close only as the last
//     connection, holding an exclusive lock that keeps new ones out until
//     the copy is done, so no other process restarts the log over the
//     unsynced copy either. The one gap there: frames another process
//     commits without syncing, in bulk mode, and leaves by dying, all
//     between that fsync and the close, would be copied unsynced.)
//     Every issuance that clears its mark closes this way, whichever
//     way step 1 took.
//
// A revocation ([Store.RevokeMany]) and the lifting of a hold
// ([Store.Unrevoke]) commit at FULL, so they are on stable storage when
// they return, and then close as in step 3 too. Folding the log at a
// revocation's close copied back every page it and the issuances before
// it had changed and synced the database file: on a store of a million
// certificates those pages lie far apart (every index is deep and wide),
// and "pkit revoke --no-publish" sent 24 to 35 write requests to the disk
// against 20 to 29 on an empty store; it now sends 5 (the log's frames
// and their sync) on either, and costs the same on both.
//
// The log is kept up to walFoldLimit; past it, the store checkpoints at
// FULL before closing (log, its folder, database: that issuance takes
// [IssueSyncs]+2), which folds the log into the database file, and SQLite
// deletes it at close (or the next writer starts it afresh, when another
// process has the store open). Commands that neither issue nor revoke
// close at FULL and fold it too. A store without syncfs(2) or without
// persistWAL takes the portable way at the step it cannot do (more syncs,
// same guarantees). On PostgreSQL the record's commit is durable on the server
// when Insert returns (synchronous_commit), the files are synced here, and
// the commit that clears the mark is acknowledged without waiting for the
// server's WAL (SET LOCAL synchronous_commit TO off), for the reason above.

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
)

// IssueSyncs is the number of sync calls (fsync, syncfs) one issuance with
// files takes on Linux, for outputs in one folder on the file system of
// the CA directory: one syncfs and the output folder (see durable.go),
// with either SQLite driver (none at close: noCheckpointOnClose). When much
// data waits to be written back the syncfs is replaced by five fsyncs
// issued at once. cmd/pkit's TestIssueSyncBudget counts them with strace.
const IssueSyncs = 2

// walFoldLimit is the size of the store's log kept at close after an
// issuance, a revocation or a lifted hold (see durable.go); a larger one
// is folded into the database file. About twenty issuances' worth: every
// open of the store reads the whole log to recover it.
const walFoldLimit = 1 << 20

// sqliteAutoCheckpoint is SQLite's default wal_autocheckpoint, in pages,
// which the store's connection keeps except during commitUnsynced.
const sqliteAutoCheckpoint = 1000

// commitUnsynced runs fn in one transaction that SQLite commits without
// syncing (synchronous=OFF) and without an automatic checkpoint, then
// restores the connection's settings. The caller makes the commit durable
// (see durable.go); until then a power loss may take it back, whole.
func (s *Store) commitUnsynced(ctx context.Context, fn func(*sql.Tx) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=OFF"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous="+s.syncMode())
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint=0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_autocheckpoint="+strconv.Itoa(sqliteAutoCheckpoint))
	s.keepLog.Store(true) // from here the log may hold unsynced frames
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// localFiles are the store's files on this machine, whose file system an
// issuance syncs with its own files (see durable.go): the SQLite
// database, whose log is beside it; none on PostgreSQL.
func (s *Store) localFiles() []string {
	if s.remote {
		return nil
	}
	return []string{s.path}
}

// logFiles are what an issuance syncs, with its files, to make a commit
// of commitUnsynced durable when it does not sync the whole file system
// (see durable.go): SQLite's log, and the folder holding it, whose entry
// for the log SQLite would sync on the first commit after an open (a log
// made by this process is named only there); none on PostgreSQL.
func (s *Store) logFiles() []string {
	if s.remote {
		return nil
	}
	return []string{s.path + "-wal", filepath.Dir(s.path)}
}

// syncMode is the connection's synchronous setting outside
// commitUnsynced: FULL, or NORMAL in bulk mode ([Store.SetBulk]).
func (s *Store) syncMode() string {
	if s.bulk.Load() {
		return "NORMAL"
	}
	return "FULL"
}

// closeDeferred prepares the close of a store that committed with
// commitUnsynced, or recorded a revocation or a lifted hold (see
// durable.go, step 3): the connection closes without SQLite's
// checkpoint, or where the driver cannot do that, it syncs the log and
// sets the connection to keep it and to close without syncing. Whatever
// it cannot do leaves the close to SQLite at FULL, which syncs the log
// before it copies anything.
func (s *Store) closeDeferred() {
	wal := s.path + "-wal"
	st, err := os.Stat(wal)
	if err != nil {
		return
	}
	if st.Size() > walFoldLimit {
		// Folded at FULL, here rather than only by SQLite's closing
		// checkpoint, which does not run while another process has the
		// store open (pkit serve): unsynced commits make no automatic
		// checkpoints, and the log would grow for as long as it runs.
		s.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		return
	}
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if conn.Raw(noCheckpointOnClose) == nil {
		return
	}
	f, err := os.Open(wal)
	if err != nil {
		return
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return
	}
	if persistWAL(ctx, conn) != nil {
		return
	}
	conn.ExecContext(ctx, "PRAGMA synchronous=OFF")
}

//go:build linux

package main

// The sync budget of one issuance (ca/durable.go): the fsync-family calls
// of whole pkit processes, SQLite's included, counted with strace, so
// that a change in how the store or the files are synced cannot add
// calls unnoticed.

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
)

// syncCalls are the system calls that flush data to stable storage.
var syncCalls = []string{"fsync", "fdatasync", "syncfs", "sync_file_range", "msync"}

func TestIssueSyncBudget(t *testing.T) {
	if !formats.HasSyncFS() {
		t.Skip("the portable file path syncs each file")
	}
	needTool(t, "strace")
	if o, err := exec.Command("strace", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		if inCI() {
			t.Fatalf("strace cannot trace here (ptrace not permitted?): %v\n%s", err, o)
		}
		t.Skipf("strace cannot trace here: %v", err)
	}
	bin := buildPkit(t)
	d := t.TempDir()
	caDir, out := filepath.Join(d, "pki"), filepath.Join(d, "out")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "Sync Budget")
	steps := []struct {
		what string
		args []string
	}{
		{"issue client --p12", []string{"issue", "client", "alice", "--p12", "--out-dir", out, "--force"}},
		{"issue server --chain", []string{"issue", "server", "www.internal", "--chain", "--out-dir", out, "--force"}},
		{"renew --force (client, .p12)", []string{"renew", "alice", "--force"}},
		{"renew --force (server, chain)", []string{"renew", "www.internal", "--force"}},
	}
	cheap := 0
	for _, s := range steps {
		// The syncfs path is taken when little data waits to be written
		// back (formats.SyncFSCheap); flush first, and try again a few
		// times on a machine where other work keeps dirtying pages.
		for try := range 4 {
			syscall.Sync()
			n, syncfs := countSyncs(t, d, bin, append(s.args, "--dir", caDir)...)
			budget := ca.IssueSyncs
			if !syncfs {
				budget = issueSyncsFileByFile
			}
			if n > budget {
				t.Errorf("pkit %s: %d sync calls (syncfs: %v); the budget is %d (ca/durable.go)", s.what, n, syncfs, budget)
			}
			t.Logf("pkit %s: %d sync calls (syncfs: %v, try %d)", s.what, n, syncfs, try+1)
			if syncfs {
				cheap++
				break
			}
		}
	}
	if cheap == 0 {
		t.Skip("every run had too much dirty data on the machine to take the syncfs path; only the file-by-file budget was checked")
	}
	// What was deferred is all there: every record, every file.
	if o, err := pkitCmd(context.Background(), bin, "store", "check", "--dir", caDir).CombinedOutput(); err != nil {
		t.Errorf("store check: %v\n%s", err, o)
	}
}

// issueSyncsFileByFile is the budget of an issuance that syncs its files
// one by one (much dirty data on the machine): one per file (three), the
// record's commit (the log's header, its folder, the commit), the output
// folder, the log at close. Before ca/durable.go it was ten.
const issueSyncsFileByFile = 8

// countSyncs runs bin with args under strace, in dir, and returns how
// many sync calls its processes made, and whether one was a syncfs.
func countSyncs(t *testing.T, dir, bin string, args ...string) (n int, syncfs bool) {
	t.Helper()
	trace := filepath.Join(t.TempDir(), "trace")
	cmd := pkitCmd(context.Background(), "strace", append([]string{"-f", "-qq", "-o", trace,
		"-e", "trace=" + strings.Join(syncCalls, ","), bin}, args...)...)
	cmd.Env = append(cmd.Env, "PKIT_P12_PASSWORD=budget")
	cmd.Dir = dir
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pkit %s: %v\n%s", strings.Join(args, " "), err, o)
	}
	f, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "PID fsync(3) = 0", or "PID fsync(3 <unfinished ...>" and later
		// "PID <... fsync resumed>) = 0": count the start.
		_, call, _ := strings.Cut(sc.Text(), " ")
		call = strings.TrimLeft(call, " ")
		for _, name := range syncCalls {
			if strings.HasPrefix(call, name+"(") {
				n++
				syncfs = syncfs || name == "syncfs"
			}
		}
	}
	return n, syncfs
}

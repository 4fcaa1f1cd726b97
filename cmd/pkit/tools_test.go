package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkit/pkit/ca"
	"github.com/rogpeppe/go-internal/testscript"
)

// inCI reports whether the tests run under CI, where every interop tool
// must be installed (by .ci/run) and a missing one is a failure.
func inCI() bool { return os.Getenv("CI") == "true" }

// needTool skips t when tool is not on PATH, or fails it under CI=true.
func needTool(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if inCI() {
				t.Fatalf("%s is required under CI=true; install it in .ci/run", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

// scriptCondition adds the condition [have:TOOL] to scripts: true when
// TOOL is on PATH; when it is missing under CI=true the script fails
// instead, so "[!have:nginx] skip" never hides a missing install in CI.
func scriptCondition(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "have:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(tool); err != nil {
		if inCI() {
			return false, fmt.Errorf("%s is required under CI=true; install it in .ci/run", tool)
		}
		return false, nil
	}
	return true, nil
}

// dirSum lists every file under dir with its SHA-256, sorted by path;
// "absent" when dir does not exist.
func dirSum(dir string) (string, error) {
	var b strings.Builder
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return "absent\n", nil
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if d.Name() == "store-wal" || d.Name() == "store-shm" {
			// SQLite's log and index beside a CA's store come and go: an
			// issuance or a revocation keeps the log (ca/durable.go), a
			// later command that opens the store folds it into the store
			// and removes both. The
			// store itself holds every change once they are gone.
			return nil
		}
		if d.Name() == "store" {
			// An issuance or a revocation closes the store without
			// copying its log into it (ca/durable.go), so the store's
			// bytes lag behind what it holds until a later command folds
			// the log: fold it here, as that command would, so that what
			// is compared is what the store holds.
			if _, err := os.Stat(path + "-wal"); err == nil {
				if s, err := ca.OpenStore(path); err == nil {
					s.Close()
				}
			}
		}
		if d.Type()&fs.ModeSymlink != 0 { // published CRLs are links into a generation folder
			target, err := os.Readlink(path)
			fmt.Fprintf(&b, "link %s  %s\n", target, path)
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(data), path)
		return nil
	})
	return b.String(), err
}

// scriptCmds are the extra commands scripts may use:
//
//	dirsum DIR      print every file under DIR with its SHA-256 (to compare with cmp)
//	snapshot DIR    remember DIR's files and hashes
//	unchanged DIR   fail unless DIR is exactly as at the last snapshot
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"dirsum": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: dirsum DIR")
		}
		sum, err := dirSum(ts.MkAbs(args[0]))
		ts.Check(err)
		fmt.Fprint(ts.Stdout(), sum)
	},
	"snapshot": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: snapshot DIR")
		}
		sum, err := dirSum(ts.MkAbs(args[0]))
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(".snapshot-"+filepath.Base(args[0])), []byte(sum), 0o644))
	},
	"unchanged": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: unchanged DIR")
		}
		want, err := os.ReadFile(ts.MkAbs(".snapshot-" + filepath.Base(args[0])))
		ts.Check(err)
		got, err := dirSum(ts.MkAbs(args[0]))
		ts.Check(err)
		if got != string(want) {
			ts.Fatalf("%s changed:\nbefore:\n%s\nafter:\n%s", args[0], want, got)
		}
	},
}

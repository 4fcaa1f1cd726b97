//go:build linux

package main

// A full disk under the CA directory: "pkit revoke" and "pkit crl" fail
// with one error line that says so, the store stays consistent (a batch
// of revocations is all in or all out) and the published CRLs are whole,
// the old set or the new one. mountTmpfs (diskfull_test.go) skips the
// test where a tmpfs cannot be mounted (not root, no permission).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pkit/pkit/ca"
)

// fillDisk fills the file system holding dir up to slack free bytes with
// a file it returns the path of.
func fillDisk(t *testing.T, dir string, slack int64) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var n int64
	for {
		w, err := f.Write(buf)
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(max(n-slack, 0)); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiskFullRevokeCRL(t *testing.T) {
	mnt := mountTmpfs(t, 4<<20)
	out := t.TempDir() // the certificates, on another disk
	caDir := filepath.Join(mnt, "pki")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "Full")
	const batches, batch = 12, 5
	var lists [][]string
	for b := range batches {
		var names []string
		for i := range batch {
			name := fmt.Sprintf("c%d-%d", b, i)
			pkitIn(t, "issue", "client", name, "--dir", caDir, "--out-dir", out)
			names = append(names, name)
		}
		lists = append(lists, names)
	}
	pkitIn(t, "crl", "--dir", caDir)
	a, err := ca.Open(caDir, ca.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cas := a.CAs
	a.Close()

	maxPublished := map[string]int64{}
	maxStored := map[string]int64{"root": 1, "intermediate": 1}
	failed := map[string]int{}
	for b, slack := range []int64{0, 0, 4 << 10, 8 << 10, 12 << 10, 16 << 10, 24 << 10, 32 << 10, 48 << 10, 64 << 10, 96 << 10, 128 << 10} {
		list := filepath.Join(out, fmt.Sprintf("batch%d.txt", b))
		if err := os.WriteFile(list, []byte(strings.Join(lists[b], "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		filler := fillDisk(t, mnt, slack)
		for _, args := range [][]string{
			{"revoke", "--dir", caDir, "--from", list, "--reason", "superseded"},
			{"crl", "--dir", caDir},
		} {
			code, _, stderr := runPkit(args...)
			if code == 0 {
				continue
			}
			failed[args[0]]++
			if code != 1 || strings.Count(stderr, "pkit: error: ") != 1 || !strings.Contains(stderr, "no space left") ||
				strings.Contains(stderr, "x509:") || strings.Contains(stderr, "goroutine") {
				t.Errorf("slack %d: pkit %s on a full disk: exit %d, want 1 and one error line saying there is no space left:\n%s",
					slack, strings.Join(args, " "), code, stderr)
			}
		}
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}

		// The store: each batch all in or all out.
		a, err := ca.Open(caDir, ca.OpenOptions{})
		if err != nil {
			t.Fatalf("slack %d: the CA directory does not open after a full disk: %v", slack, err)
		}
		recs, err := a.Store.List(context.Background(), ca.Filter{Revoked: true})
		if err != nil {
			t.Fatal(err)
		}
		revoked, byName := map[string]bool{}, map[string]bool{}
		for _, r := range recs {
			revoked[ca.SerialHex(r.Serial)], byName[r.Name] = true, true
		}
		for i := 0; i <= b; i++ {
			n := 0
			for _, name := range lists[i] {
				if byName[name] {
					n++
				}
			}
			if n != 0 && n != batch {
				t.Fatalf("slack %d: batch %d is half revoked (%d of %d)", slack, i, n, batch)
			}
		}
		for _, name := range []string{"root", "intermediate"} {
			n, err := a.Store.CRLNumber(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			maxStored[name] = n.Int64()
		}
		a.Close()
		// The published CRLs: whole, one number per CA across PEM, DER and
		// the bundle, never above the store's or the recorded number.
		checkPublished(t, b, caDir, cas, revoked, maxPublished, maxStored)
		if t.Failed() {
			return
		}
	}
	if failed["revoke"] == 0 || failed["crl"] == 0 {
		t.Fatalf("failures on a full disk: %v; both commands must have met a full disk for the test to prove anything", failed)
	}
	// With space again, everything is published and consistent.
	pkitIn(t, "crl", "--dir", caDir)
	if code, _, stderr := runPkit("store", "check", "--dir", caDir); code != 0 {
		t.Fatalf("store check after the disk was freed: exit %d\n%s", code, stderr)
	}
	t.Logf("failed on a full disk: %v", failed)
}

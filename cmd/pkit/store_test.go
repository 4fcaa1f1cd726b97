package main

// The CA's store on a file system pkit cannot write: read-only commands
// work, changes fail with one error line and change nothing.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runPkit runs pkit in this process and returns its exit code, stdout and
// stderr.
func runPkit(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"pkit"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// makeReadOnly makes dir read-only for this process until the test ends:
// as root, whom file modes do not stop, by a read-only bind mount of dir
// over itself (skipping the test when mounting is not possible); else by
// taking the write permission away.
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil {
				os.Chmod(p, fi.Mode().Perm()&^0o222)
			}
			return nil
		})
		t.Cleanup(func() {
			filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
				if err == nil {
					os.Chmod(p, fi.Mode().Perm()|0o200)
				}
				return nil
			})
		})
		return
	}
	if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
		t.Skipf("running as root, a read-only store needs a read-only bind mount, and mount failed here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", dir).CombinedOutput(); err != nil {
		t.Skipf("running as root, a read-only store needs a read-only bind mount, and remounting read-only failed here: %v: %s", err, out)
	}
}

func TestReadOnlyStore(t *testing.T) {
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	alice, bob := filepath.Join(d, "alice-client.pem"), filepath.Join(d, "bob-client.pem")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "RO")
	pkitIn(t, "issue", "client", "alice", "--dir", caDir, "--out-dir", d)
	pkitIn(t, "issue", "client", "bob", "--dir", caDir, "--out-dir", d)
	pkitIn(t, "revoke", "alice", "--dir", caDir, "--reason", "keyCompromise", "--no-publish")
	pkitIn(t, "crl", "--dir", caDir)
	before, err := dirSum(caDir)
	if err != nil {
		t.Fatal(err)
	}
	makeReadOnly(t, caDir)

	// What only reads works.
	for _, tc := range []struct {
		args []string
		code int
		out  string // a regexp stdout must match
	}{
		{[]string{"list", "--all"}, 0, `(?m)^[0-9a-f]+ +alice +client +revoked`},
		{[]string{"list", "--revoked", "--json"}, 0, `"name": "alice"`},
		{[]string{"ca", "list"}, 0, `(?m)^intermediate `},
		{[]string{"crl", "check", alice}, 3, `revoked .*keyCompromise`},
		{[]string{"crl", "check", bob}, 0, `not revoked`},
		{[]string{"crl", "--check-expiry", "1d"}, 0, `intermediate: CRL 1 ok`},
		{[]string{"store", "check", "--json"}, 0, `"problems": \[\]`},
	} {
		code, stdout, stderr := runPkit(append(tc.args, "--dir", caDir)...)
		if code != tc.code || !regexp.MustCompile(tc.out).MatchString(stdout) {
			t.Errorf("pkit %s on a read-only store: exit %d (want %d)\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, stdout, stderr)
		}
	}
	// What changes the store fails with one error line, and nothing changes.
	for _, args := range [][]string{
		{"revoke", "bob"},
		{"crl"},
		{"store", "check", "--repair"},
	} {
		code, _, stderr := runPkit(append(args, "--dir", caDir)...)
		if code != 1 || strings.Count(stderr, "pkit: error: ") != 1 ||
			!strings.Contains(stderr, `pkit: error: the CA's store "`+filepath.Join(caDir, "store")+`" is read-only`) {
			t.Errorf("pkit %s on a read-only store: exit %d, want 1 and one error line saying the store is read-only\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	if after, err := dirSum(caDir); err != nil || after != before {
		t.Fatalf("the read-only CA directory changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

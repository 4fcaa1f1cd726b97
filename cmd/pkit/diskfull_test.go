//go:build linux

package main

// A full disk: a tiny tmpfs as the output folder, and another as the CA
// directory, filled by single issues and batches until space runs out.
// Afterwards every record in the store has its files, every certificate
// file has its record, and what each command printed (--json) names
// exactly the certificates it recorded.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
)

// mountTmpfs mounts a tmpfs of size bytes at a new folder, or skips t
// with the reason it cannot (not root, no mount permission).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		t.Skipf("cannot mount a tmpfs at %s: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// resizeTmpfs sets the size of the tmpfs at dir to what it uses now plus
// extra bytes.
func resizeTmpfs(t *testing.T, dir string, extra int) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	used := int(st.Blocks-st.Bfree) * int(st.Bsize)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, fmt.Sprintf("size=%d", used+extra)); err != nil {
		t.Skipf("cannot resize the tmpfs at %s: %v", dir, err)
	}
}

// diskFullRun is what one pkit process reported: the serials of the
// certificates it says it issued.
type diskFullRun struct {
	args    []string
	exit    int
	serials []string
	stderr  string
}

func runDiskFull(t *testing.T, bin string, args ...string) diskFullRun {
	t.Helper()
	cmd := pkitCmd(context.Background(), bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := diskFullRun{args: args, stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("pkit %s: %s", strings.Join(args, " "), r.stderr)
	}
	if slicesContains(args, "--batch") {
		var rows []batchRow
		if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
			t.Fatalf("pkit %s: --json: %v\n%s", strings.Join(args, " "), err, stdout.String())
		}
		n := 0
		for _, row := range rows {
			if row.Result != nil {
				r.serials = append(r.serials, row.Result.Serial)
				n++
			}
		}
		if want := fmt.Sprintf("issued %d of %d certificates", n, len(rows)); !strings.Contains(r.stderr, want) {
			t.Errorf("pkit %s: the summary does not say %q:\n%s", strings.Join(args, " "), want, r.stderr)
		}
		return r
	}
	if r.exit == 0 {
		var res issueResult
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Serial == "" {
			t.Fatalf("pkit %s succeeded without a serial: %v\n%s", strings.Join(args, " "), err, stdout.String())
		}
		r.serials = []string{res.Serial}
	} else if !strings.Contains(r.stderr, "nothing was recorded or written") && !strings.Contains(r.stderr, "full") {
		t.Errorf("pkit %s failed without saying that nothing was recorded: %s", strings.Join(args, " "), r.stderr)
	}
	return r
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestDiskFull(t *testing.T) {
	bin := buildPkit(t)
	for _, tc := range []struct {
		name string
		// setup returns the CA directory and the output folder; one of
		// them is on a tmpfs that runs out of space.
		setup func(t *testing.T) (caDir, out string)
	}{
		{"output folder", func(t *testing.T) (string, string) {
			caDir := filepath.Join(t.TempDir(), "pki")
			initDiskFullCA(t, bin, caDir)
			return caDir, mountTmpfs(t, 80<<10)
		}},
		{"CA directory", func(t *testing.T) (string, string) {
			full := mountTmpfs(t, 4<<20)
			caDir := filepath.Join(full, "pki")
			initDiskFullCA(t, bin, caDir)
			// Room for a few issuances: each writes the certificate, its
			// files and a placement mark through the WAL.
			resizeTmpfs(t, full, 128<<10)
			return caDir, filepath.Join(t.TempDir(), "out")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			caDir, out := tc.setup(t)
			var runs []diskFullRun
			batch := func(b int) diskFullRun {
				manifest := filepath.Join(t.TempDir(), "rows.csv")
				csv := "profile,name,p12\n"
				for i := range 18 {
					csv += fmt.Sprintf("client,b%d-%d,%v\n", b, i, i%3 == 0)
				}
				if err := os.WriteFile(manifest, []byte(csv), 0o644); err != nil {
					t.Fatal(err)
				}
				r := runDiskFull(t, bin, "issue", "--batch", manifest, "--dir", caDir, "--out-dir", out, "--json", "--p12-empty-password")
				runs = append(runs, r)
				for _, l := range strings.Split(r.stderr, "\n") {
					if strings.HasPrefix(l, "issued ") {
						t.Logf("batch %d: %s", b, l)
					}
				}
				return r
			}
			// A batch that may run out of space half-way, single issues
			// until two in a row fail, then batches on the full disk.
			batch(0)
			failed := 0
			for i := 0; i < 200 && failed < 2; i++ {
				r := runDiskFull(t, bin, "issue", "server", fmt.Sprintf("s%d.internal", i), "--dir", caDir, "--out-dir", out, "--json")
				runs = append(runs, r)
				if r.exit != 0 {
					failed++
				} else {
					failed = 0
				}
			}
			if failed < 2 {
				t.Fatal("200 certificates issued and the disk is not full")
			}
			for b := 1; b <= 2; b++ {
				if r := batch(b); r.exit == 0 {
					t.Errorf("batch %d succeeded on a full disk", b)
				}
			}
			checkRecordsAndFiles(t, caDir, out, runs)
		})
	}
}

func initDiskFullCA(t *testing.T, bin, dir string) {
	t.Helper()
	if o, err := pkitCmd(context.Background(), bin, "init", "--dir", dir, "--no-encrypt", "--name", "Full").CombinedOutput(); err != nil {
		t.Fatalf("pkit init: %v\n%s", err, o)
	}
}

// checkRecordsAndFiles fails t unless the store's leaf records and the
// certificate files in out are the same set, each certificate file with
// a matching key file, and the serials the runs reported are exactly the
// store's leaf records.
func checkRecordsAndFiles(t *testing.T, caDir, out string, runs []diskFullRun) {
	t.Helper()
	recs := storeRecords(t, caDir)
	leaves := map[string]*ca.Record{}
	for s, r := range recs {
		if r.Profile != "ca" {
			leaves[s] = r
		}
	}
	reported := map[string]bool{}
	for _, r := range runs {
		for _, s := range r.serials {
			reported[s] = true
			if leaves[s] == nil {
				t.Errorf("pkit %s reported serial %s, which is not in the store", strings.Join(r.args, " "), s)
			}
		}
	}
	onDisk := map[string]bool{}
	ents, err := os.ReadDir(out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // nothing written: no folder either
		t.Fatal(err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".pem") || strings.HasSuffix(name, "-key.pem") {
			if !strings.HasSuffix(name, "-key.pem") && !strings.HasSuffix(name, ".p12") {
				t.Errorf("stray file in the output folder: %s", name)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(data)
		if b == nil {
			t.Errorf("%s: not a whole certificate", name)
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		serial := ca.SerialHex(c.SerialNumber)
		onDisk[serial] = true
		if leaves[serial] == nil {
			t.Errorf("%s: certificate %s has no record in the store", name, serial)
		}
		kdata, err := os.ReadFile(filepath.Join(out, strings.TrimSuffix(name, ".pem")+"-key.pem"))
		if err != nil {
			t.Errorf("%s: no key file: %v", name, err)
			continue
		}
		k, err := formats.ParsePrivateKey(kdata, nil)
		if err != nil || !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) {
			t.Errorf("%s: the key file is not its key (%v)", name, err)
		}
	}
	for s, r := range leaves {
		if !onDisk[s] {
			t.Errorf("record %s (%q) has no certificate file", s, r.Name)
		}
		if !reported[s] {
			t.Errorf("record %s (%q) was never reported as issued", s, r.Name)
		}
	}
	t.Logf("%d certificates recorded and written before the disk was full; %d commands", len(leaves), len(runs))
}

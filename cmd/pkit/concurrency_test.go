package main

// Concurrency: many pkit processes issuing from one CA directory at once
// lose nothing and never reuse a serial.

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/internal/startcpu"
)

// buildPkit builds the pkit binary once for t into a temporary directory.
func buildPkit(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pkit")
	args := []string{"build", "-o", bin}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		// As make build links it: starting on one CPU (internal/startcpu).
		args = append(args, "-ldflags="+startcpu.EntryFlag)
	}
	build := exec.Command("go", append(args, ".")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// pkitCmd is an exec.Cmd for the built binary with a clean environment
// (no PKIT_* variables from the caller).
func pkitCmd(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PKIT_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}

// caPool returns the roots and intermediates of the CA directory dir.
func caPool(t testing.TB, dir string) (roots, inters *x509.CertPool) {
	t.Helper()
	roots, inters = x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(certFile(t, filepath.Join(dir, "ca", "root.crt")))
	if _, err := os.Stat(filepath.Join(dir, "ca", "intermediate.crt")); err == nil {
		inters.AddCert(certFile(t, filepath.Join(dir, "ca", "intermediate.crt")))
	}
	return roots, inters
}

// storeRecords reads every record of the store in the CA directory dir,
// by serial.
func storeRecords(t testing.TB, dir string) map[string]*ca.Record {
	t.Helper()
	st, err := ca.OpenStore(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	defer st.Close()
	recs, err := st.List(context.Background(), ca.Filter{})
	if err != nil {
		t.Fatalf("listing the store: %v", err)
	}
	out := map[string]*ca.Record{}
	for _, r := range recs {
		out[ca.SerialHex(r.Serial)] = r
	}
	return out
}

// TestConcurrentIssue runs 8 loops at once, each issuing 250 client
// certificates as separate "pkit issue client" processes against one CA
// directory: 2000 certificates with 2000 distinct serials, 2000 store
// records (plus the 2 CA certificates), and every one verifies.
func TestConcurrentIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("2000 processes; skipped with -short")
	}
	const loops, perLoop = 8, 250
	bin := buildPkit(t)
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	if out, err := pkitCmd(context.Background(), bin, "init", "--dir", caDir, "--no-encrypt", "--name", "Concurrency").CombinedOutput(); err != nil {
		t.Fatalf("pkit init: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, loops)
	for l := range loops {
		out := filepath.Join(d, fmt.Sprintf("out%d", l))
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perLoop {
				name := fmt.Sprintf("c%d-%d", l, i)
				cmd := pkitCmd(ctx, bin, "issue", "client", name, "--dir", caDir, "--out-dir", out)
				if o, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("loop %d: pkit issue client %s: %v\n%s", l, name, err, o)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d processes in %s (%.1f ms each, wall clock)", loops*perLoop, time.Since(start).Round(time.Millisecond),
		float64(time.Since(start).Milliseconds())/float64(loops*perLoop))

	roots, inters := caPool(t, caDir)
	recs := storeRecords(t, caDir)
	serials := map[string]string{}
	for l := range loops {
		for i := range perLoop {
			name := fmt.Sprintf("c%d-%d", l, i)
			c := certFile(t, filepath.Join(d, fmt.Sprintf("out%d", l), name+"-client.pem"))
			if c.Subject.CommonName != name {
				t.Errorf("%s: CN %q", name, c.Subject.CommonName)
			}
			if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("%s does not verify: %v", name, err)
			}
			s := ca.SerialHex(c.SerialNumber)
			if other, dup := serials[s]; dup {
				t.Errorf("serial %s issued twice: %s and %s", s, other, name)
			}
			serials[s] = name
			r := recs[s]
			if r == nil {
				t.Errorf("%s (serial %s) is not in the store", name, s)
			} else if string(r.DER) != string(c.Raw) || r.Name != name || r.Profile != "client" {
				t.Errorf("%s: store record differs: name %q profile %q", name, r.Name, r.Profile)
			}
		}
	}
	if len(serials) != loops*perLoop {
		t.Errorf("%d distinct serials, want %d", len(serials), loops*perLoop)
	}
	leaves := 0
	for _, r := range recs {
		if r.Profile != "ca" {
			leaves++
		}
	}
	if leaves != loops*perLoop || len(recs) != loops*perLoop+2 {
		t.Errorf("store holds %d leaf records (%d in all), want %d (+2 CA certificates)", leaves, len(recs), loops*perLoop)
	}
}

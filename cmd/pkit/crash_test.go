//go:build unix

package main

// Crash safety: pkit killed with SIGKILL at any moment of issuance leaves
// a CA directory that opens, a store that holds every certificate a
// command reported as issued, and no temporary or half-written files.

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"software.sslmate.com/src/go-pkcs12"
)

// crashRun is one pkit process of the crash test and how it ended.
type crashRun struct {
	name    string
	killed  bool     // SIGKILL arrived while it ran
	ok      bool     // it exited 0 on its own: it reported success
	force   bool     // it ran with --force over an earlier name
	serials []string // the serials it reported (--json), when ok
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of processes; skipped with -short")
	}
	const rounds, parallel = 100, 4 // 400 processes, 4 at a time
	bin := buildPkit(t)
	d := t.TempDir()
	caDir, out := filepath.Join(d, "pki"), filepath.Join(d, "out")
	if o, err := pkitCmd(context.Background(), bin, "init", "--dir", caDir, "--no-encrypt", "--name", "Crash").CombinedOutput(); err != nil {
		t.Fatalf("pkit init: %v\n%s", err, o)
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	args := func(name string, force bool) []string {
		a := []string{"issue", "client", name, "--dir", caDir, "--out-dir", out, "--chain", "--p12", "--p12-empty-password", "--json"}
		if force {
			a = append(a, "--force")
		}
		return a
	}
	// How long an undisturbed run takes, to start spreading the kills
	// over it.
	start := time.Now()
	if o, err := pkitCmd(context.Background(), bin, args("warm0", false)...).CombinedOutput(); err != nil {
		t.Fatalf("pkit issue: %v\n%s", err, o)
	}
	// Each kill lands at a random moment in [0, limit). limit adapts so
	// that about half the processes are killed and half finish, whatever
	// the speed of the machine: it grows after a kill and shrinks after a
	// run that finished first.
	limit := 2 * time.Since(start)

	var mu sync.Mutex
	var runs []crashRun
	for r := range rounds {
		var wg sync.WaitGroup
		for p := range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// One process in each round overwrites a name of the
				// round before with --force, which takes the rename path
				// of formats.WriteFiles.
				name, force := fmt.Sprintf("c%d-%d", r, p), false
				if p == parallel-1 && r > 0 {
					name, force = fmt.Sprintf("c%d-%d", r-1, 0), true
				}
				mu.Lock()
				delay := rand.N(limit)
				mu.Unlock()
				res := killAtRandom(t, bin, args(name, force), delay)
				res.name, res.force = name, force
				mu.Lock()
				runs = append(runs, res)
				if res.killed {
					limit = limit * 21 / 20
				} else {
					limit = limit * 19 / 20
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	// Batches: 20 rows issued by parallel workers with one store sync at
	// the end, killed at random moments too.
	const batches, rows = 24, 20
	batchLimit, batchKilled := 2*limit, 0
	for b := range batches {
		manifest := filepath.Join(d, fmt.Sprintf("batch%d.csv", b))
		csv := "profile,name,dns,ip,email,uri,p12\n"
		for i := range rows {
			csv += fmt.Sprintf("client,b%d-%d,,,,,yes\n", b, i)
		}
		if err := os.WriteFile(manifest, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		res := killAtRandom(t, bin, []string{"issue", "--batch", manifest, "--dir", caDir, "--out-dir", out,
			"--p12-empty-password", "--json"}, rand.N(batchLimit))
		res.name = fmt.Sprintf("batch%d", b)
		if res.ok && len(res.serials) != rows {
			t.Errorf("batch %d reported %d certificates, want %d", b, len(res.serials), rows)
		}
		if res.killed {
			batchLimit = batchLimit * 5 / 4
		} else {
			batchLimit = batchLimit * 4 / 5
		}
		runs = append(runs, res)
		if res.killed {
			batchKilled++
		}
	}
	t.Logf("%d of %d batches of %d rows killed", batchKilled, batches, rows)

	var killed, ok int
	for _, r := range runs {
		if r.killed {
			killed++
		}
		if r.ok {
			ok++
		}
	}
	t.Logf("%d processes: %d killed, %d completed; kills landed up to %s after the start", len(runs), killed, ok, limit)
	if killed < len(runs)/5 || ok < len(runs)/5 {
		t.Errorf("%d of %d processes killed, %d completed: the test needs plenty of both", killed, len(runs), ok)
	}

	// The store opens, passes SQLite's integrity check and holds every
	// certificate whose command succeeded, and every certificate file
	// that exists.
	st, err := ca.OpenStore(filepath.Join(caDir, "store"))
	if err != nil {
		t.Fatalf("the store does not open after the kills: %v", err)
	}
	var check string
	if err := st.DB().QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q %v", check, err)
	}
	st.Close()
	recs := storeRecords(t, caDir)
	roots, inters := caPool(t, caDir)
	for _, r := range runs {
		if !r.ok {
			continue
		}
		for _, serial := range r.serials {
			if recs[serial] == nil {
				t.Errorf("%s: its command reported serial %s, which is not in the store", r.name, serial)
			}
		}
	}
	// Every output file is whole. A write killed while it placed its
	// files leaves hidden ".NAME.pkit-new-PID.SEQ.I.N" (--force) or
	// ".NAME.pkit-add-PID.SEQ.I.N" links (Linux cannot link an unnamed
	// O_TMPFILE over an existing name); such a leftover must belong to a
	// killed run, and the next write into that folder settles it
	// (formats.Recover).
	outputs := regexp.MustCompile(`^(warm0|c\d+-\d+|b\d+-\d+)-client(-key\.pem|-chain\.pem|\.pem|\.p12)$`)
	leftover := regexp.MustCompile(`^\.((c\d+-\d+|b\d+-\d+)-client(-key\.pem|-chain\.pem|\.pem|\.p12))\.pkit-(new|add)-\d+(\.\d+){3}$`)
	killedNames := map[string]bool{}
	for _, r := range runs {
		if r.killed {
			killedNames[r.name] = true
		}
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, e := range ents {
		path := filepath.Join(out, e.Name())
		if m := leftover.FindStringSubmatch(e.Name()); m != nil && (killedNames[m[2]] || strings.HasPrefix(m[2], "b")) {
			left++
			continue
		}
		if !outputs.MatchString(e.Name()) {
			t.Errorf("stray file after the kills: %s", path)
			continue
		}
		checkWhole(t, path, recs, roots, inters)
	}
	checkKeysMatch(t, out, runs, true)
	checkCADir(t, caDir)

	// The CA still issues, and the next write settles what killed writes
	// left behind: every pair matches then.
	if o, err := pkitCmd(context.Background(), bin, args("warm0", true)...).CombinedOutput(); err != nil {
		t.Errorf("pkit issue after the kills: %v\n%s", err, o)
	}
	t.Logf("%d hidden links left by runs killed while placing files", left)
	ents, _ = os.ReadDir(out)
	for _, e := range ents {
		if !outputs.MatchString(e.Name()) {
			t.Errorf("stray file after the next overwrite: %s", filepath.Join(out, e.Name()))
		}
	}
	checkKeysMatch(t, out, runs, false)
	checkCADir(t, caDir)
}

// checkKeysMatch fails t when a name's certificate and key files both
// exist but do not belong together, unless (with beforeRecovery) a --force
// overwrite of that name was killed: formats.WriteFiles places a
// command's files one after the other, so a kill between placing the new
// certificate and the new key leaves the new certificate beside the old
// key until the next write into the folder finishes the set. That window
// is a few system calls wide; it is counted and logged here. Without
// --force a name is written once, so its files, when both there, must
// always match.
func checkKeysMatch(t *testing.T, out string, runs []crashRun, beforeRecovery bool) {
	t.Helper()
	forceKilled := map[string]bool{}
	for _, r := range runs {
		if r.force && r.killed {
			forceKilled[r.name] = true
		}
	}
	checked, mismatched := map[string]bool{}, 0
	for _, r := range runs {
		if checked[r.name] {
			continue
		}
		checked[r.name] = true
		cdata, err1 := os.ReadFile(filepath.Join(out, r.name+"-client.pem"))
		kdata, err2 := os.ReadFile(filepath.Join(out, r.name+"-client-key.pem"))
		if err1 != nil || err2 != nil {
			continue
		}
		b, _ := pem.Decode(cdata)
		if b == nil {
			continue // reported by checkWhole
		}
		c, err := x509.ParseCertificate(b.Bytes)
		k, err2 := formats.ParsePrivateKey(kdata, nil)
		if err != nil || err2 != nil {
			continue // reported by checkWhole
		}
		if k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) {
			continue
		}
		if forceKilled[r.name] && beforeRecovery {
			mismatched++
			continue
		}
		t.Errorf("%s: the certificate and key on disk do not belong together", r.name)
	}
	t.Logf("%d names whose killed --force overwrite left a new certificate beside the old key", mismatched)
}

// killAtRandom starts pkit with args and sends it SIGKILL after delay,
// unless it has finished by then.
func killAtRandom(t *testing.T, bin string, args []string, delay time.Duration) crashRun {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := pkitCmd(ctx, bin, args...)
	var stdout, output strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &output
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return crashRun{}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var res crashRun
	var err error
	select {
	case err = <-done:
	case <-time.After(delay):
		// If the process exited in the meantime, Kill reaches a zombie
		// and Wait still reports its own exit status.
		cmd.Process.Kill()
		err = <-done
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		// One issueResult, or every row from --batch, each with its result.
		var list []issueResult
		var rows []batchRow
		var one issueResult
		out := []byte(stdout.String())
		if err := json.Unmarshal(out, &rows); err == nil {
			for _, r := range rows {
				if r.Result == nil {
					r.Result = &issueResult{}
				}
				list = append(list, *r.Result)
			}
		} else {
			err = json.Unmarshal(out, &one)
			list = []issueResult{one}
		}
		for _, r := range list {
			if r.Serial == "" {
				t.Errorf("pkit %s succeeded but did not print every serial: %q", strings.Join(args, " "), out)
			}
			res.serials = append(res.serials, r.Serial)
		}
		res.ok = true
	case errors.As(err, &ee) && ee.ProcessState.String() == "signal: killed":
		res.killed = true
	default:
		t.Errorf("pkit %s failed on its own: %v\n%s", strings.Join(args, " "), err, output.String())
	}
	return res
}

// checkWhole fails t unless the output file at path is complete: a
// certificate in the store that verifies, a whole key, a whole chain, or
// a .p12 that decodes.
func checkWhole(t *testing.T, path string, recs map[string]*ca.Record, roots, inters *x509.CertPool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	switch {
	case strings.HasSuffix(path, ".p12"):
		if _, _, _, err := pkcs12.DecodeChain(data, ""); err != nil {
			t.Errorf("%s: partial or broken .p12: %v", path, err)
		}
	case strings.HasSuffix(path, "-key.pem"):
		if _, err := formats.ParsePrivateKey(data, nil); err != nil {
			t.Errorf("%s: partial or broken key: %v", path, err)
		}
	default:
		var certs []*x509.Certificate
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				if len(strings.TrimSpace(string(rest))) > 0 {
					t.Errorf("%s: trailing bytes after the PEM blocks", path)
				}
				break
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			certs = append(certs, c)
		}
		want := 1
		if strings.HasSuffix(path, "-chain.pem") {
			want = 2
		}
		if len(certs) != want {
			t.Errorf("%s: %d certificates, want %d", path, len(certs), want)
			return
		}
		if recs[ca.SerialHex(certs[0].SerialNumber)] == nil {
			t.Errorf("%s: certificate file exists but serial %x is not in the store", path, certs[0].SerialNumber)
		}
		if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// checkCADir fails t if the CA directory holds anything but the files a
// CA has: SQLite's -wal and -shm files are part of the store, not
// leftovers.
func checkCADir(t *testing.T, dir string) {
	t.Helper()
	allowed := map[string]bool{"config": true, "store": true, "store-wal": true, "store-shm": true, "ca": true, "crl": true,
		"ca/root.crt": true, "ca/root.key": true, "ca/intermediate.crt": true, "ca/intermediate.key": true}
	var stray []string
	filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !allowed[rel] {
			stray = append(stray, rel)
		}
		return nil
	})
	sort.Strings(stray)
	if len(stray) > 0 {
		t.Errorf("stray files in the CA directory: %s", strings.Join(stray, ", "))
	}
}

// TestCrashRenew kills "pkit renew NAME --force" at random moments, many
// times. The certificate, key and chain files are replaced one rename
// after another, so a kill between two renames leaves a new certificate
// beside the old key for the moment; the killed write's hidden links then
// hold the rest of the set, and the next write into the folder finishes
// it first (formats.Recover, run here directly). After that, every time:
// the certificate and key are a matching pair, the chain starts with
// that certificate, the certificate is in the store, and no hidden file
// is left.
func TestCrashRenew(t *testing.T) {
	if testing.Short() {
		t.Skip("many processes; skipped with -short")
	}
	bin := buildPkit(t)
	d := t.TempDir()
	caDir, out := filepath.Join(d, "pki"), filepath.Join(d, "out")
	if o, err := pkitCmd(context.Background(), bin, "init", "--dir", caDir, "--no-encrypt", "--name", "Renew").CombinedOutput(); err != nil {
		t.Fatalf("pkit init: %v\n%s", err, o)
	}
	if o, err := pkitCmd(context.Background(), bin, "issue", "server", "r.internal", "--dir", caDir, "--out-dir", out, "--chain").CombinedOutput(); err != nil {
		t.Fatalf("pkit issue: %v\n%s", err, o)
	}
	args := []string{"renew", "r.internal", "--dir", caDir, "--out-dir", out, "--chain", "--force", "--json"}
	start := time.Now()
	if o, err := pkitCmd(context.Background(), bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("pkit renew: %v\n%s", err, o)
	}
	limit := 2 * time.Since(start)
	var killed, completed, window int
	begin := time.Now()
	for trial := 0; trial < 200 && (trial < 30 || time.Since(begin) < 5*time.Second); trial++ {
		res := killAtRandom(t, bin, args, rand.N(limit))
		if res.killed {
			killed++
			limit = limit * 21 / 20
		} else {
			completed++
			limit = limit * 19 / 20
		}
		if !renewPairMatches(t, out, false) {
			window++
			if len(formats.StaleTempLinks(out)) == 0 {
				t.Fatalf("trial %d: a mismatched pair with nothing left to finish it", trial)
			}
		}
		// What the next write into the folder runs: only where the
		// killed renew left its mark, so the mark must be there whenever
		// something is left to settle.
		if err := formats.RecoverInterrupted(out); err != nil {
			t.Fatalf("trial %d: recovering: %v", trial, err)
		}
		if !renewPairMatches(t, out, true) {
			t.Fatalf("trial %d: certificate and key do not match after recovery", trial)
		}
		if left := formats.StaleTempLinks(out); len(left) > 0 {
			t.Fatalf("trial %d: hidden links left after recovery: %v", trial, left)
		}
		if _, err := os.Lstat(filepath.Join(out, formats.PlacingMark)); err == nil {
			t.Fatalf("trial %d: %s left after recovery", trial, formats.PlacingMark)
		}
	}
	t.Logf("%d renews killed, %d completed; %d kills landed between the renames (finished by recovery)", killed, completed, window)
	if killed < 5 || completed < 5 {
		t.Errorf("%d killed, %d completed: the test needs plenty of both", killed, completed)
	}
}

// renewPairMatches reports whether r.internal's certificate, key and chain
// in out belong together; with strict, it also fails t unless the
// certificate is in the store and the files are whole.
func renewPairMatches(t *testing.T, out string, strict bool) bool {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cb, _ := pem.Decode(read("r.internal.pem"))
	chb, _ := pem.Decode(read("r.internal-chain.pem"))
	k, err := formats.ParsePrivateKey(read("r.internal-key.pem"), nil)
	if cb == nil || chb == nil || err != nil {
		t.Fatalf("a partial file after a kill (%v)", err)
	}
	c, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		recs := storeRecords(t, filepath.Join(filepath.Dir(out), "pki"))
		if recs[ca.SerialHex(c.SerialNumber)] == nil {
			t.Errorf("certificate %x on disk is not in the store", c.SerialNumber)
		}
	}
	return k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) && string(chb.Bytes) == string(cb.Bytes)
}

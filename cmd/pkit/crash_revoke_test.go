//go:build unix

package main

// Crash safety of revocation: "pkit revoke --from" and "pkit crl" killed
// with SIGKILL at random moments, many times, while running together.
// After every round the store opens, each batch of revocations is all in
// or all out, the CRL number never goes backwards, and every published
// CRL file is a whole CRL whose signature verifies.

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
)

func TestCrashSafetyRevokeCRL(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of processes; skipped with -short")
	}
	const rounds, batch = 40, 4
	bin := buildPkit(t)
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "Crash CRL")
	batches, cas := issueBatches(t, caDir, rounds, batch)

	// The kills land anywhere in a run: up to three times what one
	// undisturbed "pkit crl" takes on this machine now (three run at
	// once), however loaded it is.
	start := time.Now()
	if out, err := pkitCmd(context.Background(), bin, "crl", "--dir", caDir).CombinedOutput(); err != nil {
		t.Fatalf("pkit crl: %v\n%s", err, out)
	}
	window := 3 * time.Since(start)

	maxPublished := map[string]int64{} // per file
	maxStored := map[string]int64{"root": 1, "intermediate": 1}
	killed, finished := 0, 0
	for r := range rounds {
		list := filepath.Join(d, fmt.Sprintf("batch%d.txt", r))
		if err := os.WriteFile(list, []byte(strings.Join(batches[r], "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, args := range [][]string{
			{"revoke", "--dir", caDir, "--from", list, "--reason", "superseded"},
			{"crl", "--dir", caDir},
			{"crl", "--dir", caDir},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := killedRun(t, bin, args, time.Duration(rand.Int64N(int64(window))))
				mu.Lock()
				if k {
					killed++
				} else if args[0] == "crl" {
					finished++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		a, err := ca.Open(caDir, ca.OpenOptions{})
		if err != nil {
			t.Fatalf("round %d: the CA directory does not open: %v", r, err)
		}
		revoked := map[string]bool{}
		recs, err := a.Store.List(context.Background(), ca.Filter{Revoked: true})
		if err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		for _, rec := range recs {
			revoked[ca.SerialHex(rec.Serial)] = true
		}
		for i := 0; i <= r; i++ {
			n := 0
			for _, s := range batches[i] {
				if revoked[s] {
					n++
				}
			}
			if n != 0 && n != batch {
				t.Fatalf("round %d: batch %d is half revoked (%d of %d)", r, i, n, batch)
			}
		}
		for _, name := range []string{"root", "intermediate"} {
			n, err := a.Store.CRLNumber(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if n.Int64() < maxStored[name] {
				t.Fatalf("round %d: the stored CRL number of %s went back from %d to %d", r, name, maxStored[name], n)
			}
			maxStored[name] = n.Int64()
		}
		a.Close()
		checkPublished(t, r, caDir, cas, revoked, maxPublished, maxStored)
	}
	t.Logf("%d rounds, %d processes killed, %d pkit crl finished (kills within %v); highest CRL numbers %v",
		rounds, killed, finished, window, maxStored)
	// A last, undisturbed run cleans up whatever the killed ones left.
	pkitIn(t, "crl", "--dir", caDir)
	ents, _ := os.ReadDir(filepath.Join(caDir, "crl"))
	for _, e := range ents {
		if staleLink.MatchString(e.Name()) {
			t.Errorf("%q is still in crl/ after a whole run", e.Name())
		}
	}
	if killed == 0 || finished == 0 || maxStored["intermediate"] < 3 {
		t.Fatalf("%d processes killed, %d pkit crl finished, CRL number %d: the test proved nothing", killed, finished, maxStored["intermediate"])
	}
}

var staleLink = regexp.MustCompile(`^\..+\.pkit-new-[0-9]+$`)

// killedRun runs pkit and kills it after delay; it reports whether the
// kill arrived while it ran. A run that ends on its own must succeed.
func killedRun(t *testing.T, bin string, args []string, delay time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := pkitCmd(ctx, bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return false
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(delay):
		cmd.Process.Kill()
		err = <-done
	}
	if err == nil {
		return false
	}
	if cmd.ProcessState != nil && cmd.ProcessState.String() == "signal: killed" {
		return true
	}
	// A batch already revoked by an earlier, killed-late run is refused
	// as a whole: that is the right answer, not a failure.
	if args[0] == "revoke" && strings.Contains(out.String(), "already revoked") {
		return false
	}
	t.Errorf("pkit %s failed on its own: %v\n%s", strings.Join(args, " "), err, out.String())
	return false
}

// checkPublished checks every published CRL file: whole, signed by its
// CA, never listing a certificate the store does not hold as revoked, its
// number never lower than before nor higher than the store's or the
// number recorded in ca/crl-numbers; and each CA's PEM, DER and bundle
// entry at one CRL number (the set is published as one unit).
func checkPublished(t *testing.T, round int, caDir string, cas map[string]*x509.Certificate, revoked map[string]bool,
	maxPublished, maxStored map[string]int64) {
	t.Helper()
	dir := filepath.Join(caDir, "crl")
	recorded, err := ca.ReadCRLNumbers(caDir)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		switch name := e.Name(); {
		case name == ".lock":
		case name == ca.CRLFolderLayout, strings.HasPrefix(name, ".gen-"):
			// the current generation, and others a later run removes
		case strings.HasSuffix(name, ".crl"), strings.HasSuffix(name, ".pem"):
			if e.Type()&os.ModeSymlink == 0 {
				t.Errorf("round %d: %s is a plain file, not a link into the current generation", round, name)
			}
		case staleLink.MatchString(name), strings.Contains(name, ".pkit-link-"):
			// A publisher killed between making a link and renaming it
			// leaves it under a hidden name; the next "pkit crl" removes it.
		default:
			t.Errorf("round %d: stray file %q in crl/", round, name)
		}
	}
	numbers := map[string]map[string]int64{} // CA -> file -> number
	check := func(file, caName string, der []byte) {
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatalf("round %d: %s is not a whole CRL: %v", round, file, err)
		}
		if err := rl.CheckSignatureFrom(cas[caName]); err != nil {
			t.Fatalf("round %d: %s: %v", round, file, err)
		}
		key := file + "/" + caName
		n := rl.Number.Int64()
		if n < maxPublished[key] {
			t.Fatalf("round %d: %s: CRL number went back from %d to %d", round, file, maxPublished[key], n)
		}
		if n > maxStored[caName] {
			t.Fatalf("round %d: %s: CRL number %d is above the stored %d", round, file, n, maxStored[caName])
		}
		if rec := recorded[caName]; rec == nil || n > rec.Int64() {
			t.Fatalf("round %d: %s: CRL number %d is above the one recorded in %s (%v)", round, file, n, ca.CRLNumbersFile, rec)
		}
		maxPublished[key] = n
		if numbers[caName] == nil {
			numbers[caName] = map[string]int64{}
		}
		numbers[caName][filepath.Base(file)] = n
		for _, e := range rl.RevokedCertificateEntries {
			if s := ca.SerialHex(e.SerialNumber); caName == "intermediate" && !revoked[s] {
				t.Fatalf("round %d: %s lists %s, which the store does not hold as revoked", round, file, s)
			}
		}
	}
	for _, caName := range []string{"root", "intermediate"} {
		pemPath, derPath := ca.CRLFiles(dir, caName)
		if der, err := os.ReadFile(derPath); err == nil {
			check(derPath, caName, der)
		}
		if data, err := os.ReadFile(pemPath); err == nil {
			b, rest := pem.Decode(data)
			if b == nil || len(strings.TrimSpace(string(rest))) != 0 {
				t.Fatalf("round %d: %s is not one whole PEM block", round, pemPath)
			}
			check(pemPath, caName, b.Bytes)
		}
	}
	bundle := filepath.Join(dir, ca.CRLBundle)
	data, err := os.ReadFile(bundle)
	if err == nil {
		var seen []string
		for {
			var b *pem.Block
			b, data = pem.Decode(data)
			if b == nil {
				break
			}
			rl, err := x509.ParseRevocationList(b.Bytes)
			if err != nil {
				t.Fatalf("round %d: bundle: %v", round, err)
			}
			for name, c := range cas {
				if rl.CheckSignatureFrom(c) == nil {
					check(bundle, name, b.Bytes)
					seen = append(seen, name)
				}
			}
		}
		if len(strings.TrimSpace(string(data))) != 0 || len(seen) != len(cas) {
			t.Fatalf("round %d: the bundle is not whole: CRLs of %v, %d bytes left over", round, seen, len(data))
		}
	}
	// One set: a CA's files exist together and carry one number.
	for caName, byFile := range numbers {
		if len(byFile) != 3 {
			t.Fatalf("round %d: CA %s has CRLs in %v only, not in its PEM, DER and the bundle", round, caName, byFile)
		}
		var first int64 = -1
		for _, n := range byFile {
			if first >= 0 && n != first {
				t.Fatalf("round %d: CA %s's published files are at different CRL numbers: %v", round, caName, byFile)
			}
			first = n
		}
	}
}

// issueBatches issues rounds batches of n client certificates in the CA
// directory, recorded directly through ca (issuing each through a pkit
// process would take most of a crash test), and returns their serials
// per batch and the directory's CAs.
func issueBatches(t *testing.T, caDir string, rounds, n int) ([][]string, map[string]*x509.Certificate) {
	t.Helper()
	a, err := ca.Open(caDir, ca.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var batches [][]string
	for r := range rounds {
		var serials []string
		for i := range n {
			iss, err := a.Issue(context.Background(), &ca.Request{Profile: "client", Name: fmt.Sprintf("c%d-%d", r, i)})
			if err != nil {
				t.Fatal(err)
			}
			serials = append(serials, ca.SerialHex(iss.Cert.SerialNumber))
		}
		batches = append(batches, serials)
	}
	return batches, a.CAs
}

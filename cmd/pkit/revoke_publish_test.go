//go:build unix

package main

// A revocation takes effect at once: nginx and HAProxy, given pkit's CRL
// bundle, refuse a client certificate right after "pkit revoke" and a
// reload, with no "pkit crl" in between; --no-publish waits for it.

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
)

func TestRevokePublishesForNginxAndHAProxy(t *testing.T) {
	needTool(t, "nginx", "haproxy", "curl")
	s := newMTLSSet(t)
	nginx := startNginx(t, s)
	haproxy := s.startHAProxy(t, "haproxy", fmt.Sprintf("ca-file %s crl-file %s", s.clientCAs, s.bundle))
	reload := func() {
		nginx.signal(t, syscall.SIGHUP)
		haproxy.signal(t, syscall.SIGUSR2)
	}
	expect := func(want map[string]bool) {
		t.Helper()
		s.expect(t, nginx.port, want)
		s.expect(t, haproxy.port, want)
	}
	// settle reloads until want holds: a reload signal that reaches
	// HAProxy while it is still re-executing from the previous one (which
	// left nothing to see, so nothing waited for it) can be lost on a
	// loaded machine. A server that never takes the change still fails.
	settle := func(want map[string]bool) {
		t.Helper()
		for try := 0; try < 2; try++ {
			reload()
			if s.holds(t, nginx.port, want, 10*time.Second) && s.holds(t, haproxy.port, want, 10*time.Second) {
				return
			}
		}
		reload()
		expect(want)
	}
	expect(map[string]bool{"alice": true, "bob": true, "carol": true})

	// pkit revoke alone, then a reload: refused.
	pkitIn(t, "revoke", "alice", "--dir", s.caDir, "--reason", "keyCompromise")
	reload()
	expect(map[string]bool{"alice": false, "bob": true, "carol": true})
	if code, out, _ := runPkit("crl", "--check", "--dir", s.caDir); code != 0 {
		t.Fatalf("crl --check after revoke: exit %d\n%s", code, out)
	}

	// A hold and its lifting, each published by the command itself.
	pkitIn(t, "revoke", "bob", "--dir", s.caDir, "--reason", "certificateHold")
	reload()
	expect(map[string]bool{"bob": false})
	pkitIn(t, "unrevoke", "bob", "--dir", s.caDir)
	reload()
	expect(map[string]bool{"bob": true})

	// --no-publish: the servers still accept carol, crl --check names
	// her (exit 3) until pkit crl publishes.
	pkitIn(t, "revoke", "carol", "--dir", s.caDir, "--no-publish")
	reload()
	// Nothing changes for the servers, so nothing shows when the reload
	// is done: give it time, as a reload arriving during another is lost
	// (HAProxy's master ignores it).
	time.Sleep(3 * time.Second)
	expect(map[string]bool{"carol": true})
	code, out, stderr := runPkit("crl", "--check", "--dir", s.caDir)
	if code != 3 || !strings.Contains(out, `pending: serial `) || !strings.Contains(out, `"carol"`) {
		t.Fatalf("crl --check with carol pending: exit %d, want 3 naming carol\n%s%s", code, out, stderr)
	}
	pkitIn(t, "crl", "--dir", s.caDir)
	settle(map[string]bool{"alice": false, "bob": true, "carol": false})
}

// holds reports whether every client's access is as want, waiting
// (bounded) for it.
func (s *mtlsSet) holds(t *testing.T, port int, want map[string]bool, wait time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ok := true
		for name, in := range want {
			if got, _ := s.curl(t, port, name); got != in {
				ok = false
			}
		}
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestCrashRevokePublish kills "pkit revoke --from" (which revokes, then
// publishes) with SIGKILL at random moments. After every kill the store
// opens, the batch is all in or all out, published CRLs are whole and
// their numbers never go backwards (checkPublished), and every revocation
// in the store is either on the published CRL or named as pending by
// "pkit crl --check": none is lost between commit and publish. The next
// publication carries them all.
func TestCrashRevokePublish(t *testing.T) {
	if testing.Short() {
		t.Skip("dozens of processes; skipped with -short")
	}
	const rounds, batch = 30, 3
	bin := buildPkit(t)
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "Crash Publish")
	batches, cas := issueBatches(t, caDir, rounds+1, batch)
	pkitIn(t, "crl", "--dir", caDir)
	writeList := func(r int) string {
		list := filepath.Join(d, fmt.Sprintf("batch%d.txt", r))
		if err := os.WriteFile(list, []byte(strings.Join(batches[r], "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return list
	}
	// The kills land anywhere in a run: up to 1.5 times what one
	// undisturbed revoke and publish takes now.
	start := time.Now()
	if out, err := pkitCmd(context.Background(), bin, "revoke", "--dir", caDir, "--from", writeList(rounds)).CombinedOutput(); err != nil {
		t.Fatalf("pkit revoke: %v\n%s", err, out)
	}
	window := 3 * time.Since(start) / 2

	maxPublished := map[string]int64{}
	maxStored := map[string]int64{}
	pendingSeen, killed := 0, 0
	pendingLine := regexp.MustCompile(`(?m)^intermediate: pending: serial ([0-9a-f]+) `)
	for r := range rounds {
		if killedRun(t, bin, []string{"revoke", "--dir", caDir, "--from", writeList(r), "--reason", "superseded"},
			time.Duration(rand.Int64N(int64(window)))) {
			killed++
		}
		if t.Failed() {
			return
		}
		a, err := ca.Open(caDir, ca.OpenOptions{})
		if err != nil {
			t.Fatalf("round %d: the CA directory does not open: %v", r, err)
		}
		recs, err := a.Store.List(context.Background(), ca.Filter{Revoked: true})
		if err != nil {
			t.Fatal(err)
		}
		revoked := map[string]bool{}
		for _, rec := range recs {
			revoked[ca.SerialHex(rec.Serial)] = true
		}
		n := 0
		for _, sr := range batches[r] {
			if revoked[sr] {
				n++
			}
		}
		if n != 0 && n != batch {
			t.Fatalf("round %d: the batch is half revoked (%d of %d)", r, n, batch)
		}
		for _, name := range []string{"root", "intermediate"} {
			num, err := a.Store.CRLNumber(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if num.Int64() < maxStored[name] {
				t.Fatalf("round %d: the stored CRL number of %s went back", r, name)
			}
			maxStored[name] = num.Int64()
		}
		a.Close()
		checkPublished(t, r, caDir, cas, revoked, maxPublished, maxStored)

		// Every revocation is on the CRL or pending, never both, never
		// neither.
		onCRL := publishedSerials(t, filepath.Join(caDir, "crl", "intermediate.crl"))
		code, out, stderr := runPkit("crl", "--check", "--dir", caDir)
		pending := map[string]bool{}
		for _, m := range pendingLine.FindAllStringSubmatch(out, -1) {
			pending[m[1]] = true
		}
		if len(pending) > 0 {
			pendingSeen++
			if code != 3 {
				t.Fatalf("round %d: crl --check names pending revocations but exits %d\n%s%s", r, code, out, stderr)
			}
		} else if code != 0 {
			t.Fatalf("round %d: crl --check exits %d with nothing pending\n%s%s", r, code, out, stderr)
		}
		for sr := range revoked {
			if onCRL[sr] == pending[sr] {
				t.Fatalf("round %d: serial %s: on the published CRL %v, pending %v\n%s", r, sr, onCRL[sr], pending[sr], out)
			}
		}
		for sr := range onCRL {
			if !revoked[sr] {
				t.Fatalf("round %d: the CRL lists %s, which the store does not hold as revoked", r, sr)
			}
		}
	}
	// The next publication carries everything.
	pkitIn(t, "crl", "--dir", caDir)
	if code, out, stderr := runPkit("crl", "--check", "--dir", caDir); code != 0 {
		t.Fatalf("crl --check after pkit crl: exit %d\n%s%s", code, out, stderr)
	}
	t.Logf("%d rounds, %d killed, %d left revocations pending (kills within %v)", rounds, killed, pendingSeen, window)
	if killed == 0 {
		t.Fatal("no run was killed: the test proved nothing")
	}
}

// publishedSerials returns the serials (hex) the CRL file lists.
func publishedSerials(t *testing.T, path string) map[string]bool {
	t.Helper()
	der, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]bool{}
	for _, e := range rl.RevokedCertificateEntries {
		out[ca.SerialHex(e.SerialNumber)] = true
	}
	return out
}

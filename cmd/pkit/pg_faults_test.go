//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/internal/pgtest"
	"golang.org/x/crypto/ocsp"
)

// TestPGFaults: while two loops issue certificates and a third publishes
// CRLs against a PostgreSQL store, the PostgreSQL server is killed
// (SIGKILL) and restarted, twice, and issuers are killed mid-command. The
// first time only the postmaster is killed (pgtest.Server.Kill): its
// sessions run on until they next wait, and may commit and acknowledge
// what pkit had sent after the server is gone; a commit acknowledged
// without waiting for the WAL is then lost, which is how this test once
// lost three acknowledged issuances (the record was committed with
// synchronous_commit off). The second time every server process is killed
// at once (pgtest.Server.Crash), as a power loss or a killed container
// would. pkit's guarantee must hold in both.
// Every failure is one "pkit: error:" line (or the SIGKILL), running the
// command again succeeds, every issuance acknowledged (exit 0) is in the
// store, CRL numbers never go back, and pkit store check finds nothing
// half-written once the killed placements are settled. pkit serve answers
// OCSP tryLater (never a wrong answer) while the server is away and good
// again by itself once it is back.
func TestPGFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("kills PostgreSQL; skipped with -short")
	}
	srv := pgtest.Start(t)
	url := srv.NewDB(t)
	bin := buildPkit(t)
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	if out, err := pkitCmd(ctx, bin, "init", "--dir", caDir, "--db", url+"&connect_timeout=3", "--no-encrypt").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	port := freePort(t)
	startServer(t, port, bin, "serve", "--dir", caDir, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	issuer := certFile(t, filepath.Join(caDir, "ca", "intermediate.crt"))

	var (
		mu      sync.Mutex
		running = map[*exec.Cmd]bool{}
		acked   = map[string]string{} // serial -> name
		problem []string
		sample  string // one failure's output, for the log
	)
	// attempt runs pkit until it succeeds (at most 40 times), checking
	// each failure's output. force is added after a first failure: a
	// killed attempt may have left the files in place.
	attempt := func(what string, args ...string) bool {
		for try := 0; try < 40; try++ {
			cmd := pkitCmd(ctx, bin, args...)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Error(err)
				return false
			}
			mu.Lock()
			running[cmd] = true
			mu.Unlock()
			err := cmd.Wait()
			mu.Lock()
			delete(running, cmd)
			mu.Unlock()
			if err == nil {
				return true
			}
			killed := cmd.ProcessState != nil && cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
			if !killed && sample == "" && strings.HasPrefix(args[0], "issue") {
				mu.Lock()
				sample = out.String()
				mu.Unlock()
			}
			if !killed && (strings.Count(out.String(), "pkit: error: ") != 1 || strings.Contains(out.String(), "goroutine ")) {
				mu.Lock()
				problem = append(problem, fmt.Sprintf("%s: %v\n%s", what, err, out.String()))
				mu.Unlock()
			}
			if ctx.Err() != nil {
				return false
			}
			if try == 0 && args[0] == "issue" {
				args = append(args, "--force")
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("%s never succeeded", what)
		return false
	}
	const perLoop = 40
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for l := range 2 {
		out := filepath.Join(d, fmt.Sprintf("out%d", l))
		os.Mkdir(out, 0o755)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perLoop {
				name := fmt.Sprintf("f%d-%d", l, i)
				if !attempt("issue "+name, "issue", "client", name, "--dir", caDir, "--out-dir", out) {
					return
				}
				c := certFile(t, filepath.Join(out, name+"-client.pem"))
				mu.Lock()
				acked[ca.SerialHex(c.SerialNumber)] = name
				mu.Unlock()
			}
		}()
	}
	var crlNumbers []int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			if !attempt(fmt.Sprintf("crl %d", k), "crl", "--dir", caDir) {
				return
			}
			data, err := os.ReadFile(filepath.Join(caDir, "crl", "intermediate.crl"))
			if err == nil {
				if rl, err := x509.ParseRevocationList(data); err == nil {
					crlNumbers = append(crlNumbers, rl.Number.Int64())
				}
			}
		}
	}()

	// The faults: the server killed and restarted twice; issuers killed.
	sawTryLater := false
	for round := range 2 {
		time.Sleep(1500 * time.Millisecond)
		if round == 0 {
			srv.Kill()
		} else {
			srv.Crash()
		}
		// While it is away, serve says tryLater (or answers from what it
		// holds), never something wrong.
		for i := 0; i < 3; i++ {
			switch st := ocspStatusOrFailure(t, port, issuer, issuer.SerialNumber); st {
			case "tryLater":
				sawTryLater = true
			case "unknown", "good":
			default:
				t.Errorf("OCSP while the database is away: %s", st)
			}
		}
		time.Sleep(time.Second)
		if err := srv.Start(); err != nil {
			t.Fatalf("restarting PostgreSQL (round %d): %v", round, err)
		}
		time.Sleep(time.Second)
		mu.Lock()
		for cmd := range running {
			if len(cmd.Args) > 1 && cmd.Args[1] == "issue" {
				cmd.Process.Kill()
				break
			}
		}
		mu.Unlock()
	}
	// Let the issuers finish, then the publisher.
	done := make(chan struct{})
	go func() {
		for {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= 2*perLoop || ctx.Err() != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		close(stop)
		close(done)
	}()
	<-done
	wg.Wait()
	for _, p := range problem {
		t.Error(p)
	}
	if !sawTryLater {
		t.Log("serve never answered tryLater (its answers came from its cache)")
	}
	t.Logf("an issuance while PostgreSQL was away said:\n%s", sample)

	// serve recovers by itself: the last issued certificate is good.
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for serial := range acked {
		last = serial
		break
	}
	n, _ := new(big.Int).SetString(last, 16)
	for {
		st := ocspStatusOrFailure(t, port, issuer, n)
		if st == "good" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pkit serve does not answer good again after the database came back: %s", st)
		}
		time.Sleep(200 * time.Millisecond)
	}

	for i := 1; i < len(crlNumbers); i++ {
		if crlNumbers[i] <= crlNumbers[i-1] {
			t.Errorf("CRL numbers went %d then %d", crlNumbers[i-1], crlNumbers[i])
		}
	}
	// Settle what the killed issuers left, then nothing is half-written.
	repair, err := pkitCmd(ctx, bin, "store", "check", "--dir", caDir, "--repair").CombinedOutput()
	if err != nil {
		t.Logf("store check --repair: %v\n%s", err, repair)
	}
	if out, err := pkitCmd(ctx, bin, "store", "check", "--dir", caDir).CombinedOutput(); err != nil {
		t.Fatalf("store check after the faults: %v\n%s", err, out)
	}
	st, err := ca.OpenStore(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lost := false
	for serial, name := range acked {
		n, _ := new(big.Int).SetString(serial, 16)
		r, err := st.Get(ctx, n)
		if err != nil || r.Name != name {
			lost = true
			// What the store holds under that name tells a record
			// never made durable from one settled away afterwards.
			recs, _ := st.List(ctx, ca.Filter{Name: name})
			held := []string{}
			for _, r := range recs {
				held = append(held, ca.SerialHex(r.Serial)+" "+string(r.Status))
			}
			t.Errorf("acknowledged %s (serial %s) is not in the store: %v; the store holds under that name: %v", name, serial, err, held)
		}
	}
	if lost {
		t.Logf("store check --repair said:\n%s\nPostgreSQL's log ends:\n%s", repair, srv.LogTail(4096))
	}
	t.Logf("%d issuances acknowledged, %d CRLs published through two PostgreSQL crashes", len(acked), len(crlNumbers))
}

// ocspStatusOrFailure asks the pkit serve on port about serial: "good",
// "revoked", "unknown", or the response status of a failed answer
// ("tryLater", "internalError"…), or "no answer" when the request fails.
func ocspStatusOrFailure(t *testing.T, port int, issuer *x509.Certificate, serial *big.Int) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: serial}
	der, err := ocsp.CreateRequest(tmpl, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Post(fmt.Sprintf("http://127.0.0.1:%d/ocsp", port), "application/ocsp-request", bytes.NewReader(der))
	if err != nil {
		return "no answer: " + err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r, err := ocsp.ParseResponseForCert(body, tmpl, issuer)
	var re ocsp.ResponseError
	if errors.As(err, &re) {
		if re.Status == ocsp.TryLater {
			return "tryLater"
		}
		return re.Status.String()
	}
	if err != nil {
		return "bad answer: " + err.Error()
	}
	switch r.Status {
	case ocsp.Good:
		return "good"
	case ocsp.Revoked:
		return "revoked"
	}
	return "unknown"
}

//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/internal/pgtest"
	"golang.org/x/crypto/ocsp"
)

// TestPGTwoMachines: two "machines" (separate pkit processes, each with
// its own copy of the CA directory and its own working folder) share one
// PostgreSQL store. At once, each issues 1000 certificates (4 batches of
// 250), revokes 25 of each batch (pkit revoke publishes), and publishes
// CRLs in a loop. Then: 2000 records with 2000 distinct serials; every
// CRL number published, on either machine, is new (they only go up);
// pkit crl on either machine lists the same 200 revocations; and the two
// machines' pkit serve give the same OCSP answers.
func TestPGTwoMachines(t *testing.T) {
	if testing.Short() {
		t.Skip("2000 certificates on two machines; skipped with -short")
	}
	url := pgtest.DB(t)
	bin := buildPkit(t)
	root := t.TempDir()
	machines := []string{filepath.Join(root, "m0"), filepath.Join(root, "m1")}
	for _, m := range machines {
		if err := os.Mkdir(m, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := func(m string, args ...string) ([]byte, error) {
		cmd := pkitCmd(ctx, bin, args...)
		cmd.Dir = m
		return cmd.CombinedOutput()
	}
	if out, err := run(machines[0], "init", "--db", url, "--no-encrypt", "--name", "Two"); err != nil {
		t.Fatalf("pkit init: %v\n%s", err, out)
	}
	copyDir(t, filepath.Join(machines[0], "pki"), filepath.Join(machines[1], "pki"))

	const batches, perBatch, revokePerBatch = 4, 250, 25
	var (
		mu      sync.Mutex
		numbers = map[int64]string{} // CRL number of intermediate -> who published it
		errs    []string
	)
	fail := func(format string, a ...any) {
		mu.Lock()
		errs = append(errs, fmt.Sprintf(format, a...))
		mu.Unlock()
	}
	// published notes the intermediate's CRL number a command of machine
	// i published, from what the command said ("signed CRL N of
	// \"intermediate\""): the file, read after the command, may already
	// hold the next CRL, which the machine's other loop published meanwhile.
	// Each loop's numbers go up (the two loops of one machine are not
	// ordered between them).
	last := map[string]int64{} // "m0 crl" -> the number it published last
	signed := regexp.MustCompile(`signed CRL (\d+) of "intermediate"`)
	published := func(i int, what string, out []byte) {
		m := signed.FindSubmatch(out)
		if m == nil {
			fail("m%d %s said no CRL of the intermediate:\n%s", i, what, out)
			return
		}
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		mu.Lock()
		defer mu.Unlock()
		loop := fmt.Sprintf("m%d %s", i, strings.Fields(what)[0])
		if n <= last[loop] {
			errs = append(errs, fmt.Sprintf("m%d %s published CRL number %d after %d", i, what, n, last[loop]))
		}
		if who, dup := numbers[n]; dup {
			errs = append(errs, fmt.Sprintf("CRL number %d published twice: by %s and by m%d %s", n, who, i, what))
		}
		numbers[n] = fmt.Sprintf("m%d %s", i, what)
		last[loop] = n
	}
	var issuers, publishers sync.WaitGroup
	done := make(chan struct{})
	for i, m := range machines {
		issuers.Add(1)
		go func() {
			defer issuers.Done()
			for b := range batches {
				var csv, revoke bytes.Buffer
				csv.WriteString("profile,name\n")
				for k := range perBatch {
					name := fmt.Sprintf("m%d-b%d-%d", i, b, k)
					fmt.Fprintf(&csv, "client,%s\n", name)
					if k < revokePerBatch {
						fmt.Fprintf(&revoke, "out/%s-client.pem\n", name)
					}
				}
				manifest := filepath.Join(m, fmt.Sprintf("batch%d.csv", b))
				list := filepath.Join(m, fmt.Sprintf("revoke%d.txt", b))
				os.WriteFile(manifest, csv.Bytes(), 0o644)
				os.WriteFile(list, revoke.Bytes(), 0o644)
				if out, err := run(m, "issue", "--batch", manifest, "--out-dir", "out"); err != nil {
					fail("m%d batch %d: %v\n%s", i, b, err, out)
					return
				}
				out, err := run(m, "revoke", "--from", list, "--reason", "superseded")
				if err != nil {
					fail("m%d revoke %d: %v\n%s", i, b, err, out)
					return
				}
				published(i, fmt.Sprintf("revoke %d", b), out)
			}
		}()
		publishers.Add(1)
		go func() {
			defer publishers.Done()
			for k := 0; ; k++ {
				select {
				case <-done:
					return
				default:
				}
				out, err := run(m, "crl")
				if err != nil {
					fail("m%d crl %d: %v\n%s", i, k, err, out)
					return
				}
				published(i, fmt.Sprintf("crl %d", k), out)
			}
		}()
	}
	issuers.Wait()
	close(done)
	publishers.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d CRLs of the intermediate published by the two machines", len(numbers))

	// Every record, once; every serial distinct.
	st, err := ca.OpenStore(url)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.List(ctx, ca.Filter{Profile: "client"})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	serials := map[string]bool{}
	revoked := map[string]bool{}
	for _, r := range recs {
		serials[ca.SerialHex(r.Serial)] = true
		if r.Status == ca.StatusRevoked {
			revoked[ca.SerialHex(r.Serial)] = true
		}
	}
	want := len(machines) * batches * perBatch
	if len(recs) != want || len(serials) != want {
		t.Fatalf("%d records, %d distinct serials; want %d", len(recs), len(serials), want)
	}
	if len(revoked) != len(machines)*batches*revokePerBatch {
		t.Fatalf("%d revoked, want %d", len(revoked), len(machines)*batches*revokePerBatch)
	}

	// pkit crl on either machine lists the same revocations: the store's.
	var lists []string
	for i, m := range machines {
		out, err := run(m, "crl")
		if err != nil {
			t.Fatalf("m%d crl: %v\n%s", i, err, out)
		}
		published(i, "final crl", out)
		data, _ := os.ReadFile(filepath.Join(m, "pki", "crl", "intermediate.crl"))
		rl, err := x509.ParseRevocationList(data)
		if err != nil {
			t.Fatal(err)
		}
		var entries []string
		for _, e := range rl.RevokedCertificateEntries {
			s := ca.SerialHex(e.SerialNumber)
			if !revoked[s] {
				t.Errorf("m%d's CRL lists %s, which the store holds as valid", i, s)
			}
			entries = append(entries, s+" "+e.RevocationTime.UTC().String())
		}
		sort.Strings(entries)
		if len(entries) != len(revoked) {
			t.Errorf("m%d's CRL lists %d certificates, want %d", i, len(entries), len(revoked))
		}
		lists = append(lists, strings.Join(entries, "\n"))
	}
	if lists[0] != lists[1] {
		t.Error("the two machines' CRLs list different revocations")
	}
	for _, e := range errs {
		t.Error(e)
	}

	// Both machines' pkit serve give the same OCSP answers.
	issuer := certFile(t, filepath.Join(machines[0], "pki", "ca", "intermediate.crt"))
	var ports []int
	for _, m := range machines {
		port := freePort(t)
		startServer(t, port, bin, "serve", "--dir", filepath.Join(m, "pki"), "--listen", fmt.Sprintf("127.0.0.1:%d", port))
		ports = append(ports, port)
	}
	checked := 0
	for s := range serials {
		if checked == 40 {
			break
		}
		checked++
		n, _ := new(big.Int).SetString(s, 16)
		var answers []string
		for _, port := range ports {
			answers = append(answers, ocspAnswer(t, port, issuer, n))
		}
		want := "good"
		if revoked[s] {
			want = "revoked"
		}
		if answers[0] != answers[1] || !strings.HasPrefix(answers[0], want) {
			t.Errorf("serial %s: OCSP answers %q, want both %s", s, answers, want)
		}
	}
}

// ocspAnswer asks the pkit serve on port about serial and returns the
// status (with the revocation time and reason).
func ocspAnswer(t *testing.T, port int, issuer *x509.Certificate, serial *big.Int) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: serial}
	der, err := ocsp.CreateRequest(tmpl, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/ocsp", port), "application/ocsp-request", bytes.NewReader(der))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r, err := ocsp.ParseResponseForCert(body, tmpl, issuer)
	if err != nil {
		t.Fatalf("port %d: %v", port, err)
	}
	switch r.Status {
	case ocsp.Good:
		return "good"
	case ocsp.Revoked:
		return fmt.Sprintf("revoked %s %d", r.RevokedAt.UTC(), r.RevocationReason)
	}
	return fmt.Sprintf("status %d", r.Status)
}

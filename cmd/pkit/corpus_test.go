package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/pkit/pkit/chain/chaintest"
)

// corpusResult is what the three validators said about one case.
type corpusResult struct {
	pkit, openssl, goV string // "valid", "invalid", "n/a" or "error …"
	pkitOut, osslOut   string
	goErr              string
	// refusedBy lists, per consumer named in pkit's refused_by, the
	// problem kinds pkit says that consumer refuses.
	refusedBy map[string][]string
}

func corpusVerdict(valid bool) string {
	if valid {
		return "valid"
	}
	return "invalid"
}

// TestCorpus runs the differential corpus of chain/chaintest (RFC 5280
// path validation, CRLs and profile rules, each case with the verdict the
// RFC gives) through "pkit chain verify", "openssl verify" and Go's
// Certificate.Verify. pkit must give the expected verdict in every case
// that is not pending; a pending case that passes fails the test, so the
// pending list stays true. With -v it logs the agreement table.
func TestCorpus(t *testing.T) {
	// testscript.Main (main_test.go) put this test binary on PATH as
	// "pkit": each case runs the real command in its own process.
	bin, err := exec.LookPath("pkit")
	if err != nil {
		t.Fatalf("pkit not on PATH: %v", err)
	}
	haveOpenSSL := true
	if _, err := exec.LookPath("openssl"); err != nil {
		if inCI() {
			t.Fatal("openssl is required under CI=true; install it in .ci/run")
		}
		haveOpenSSL = false
		t.Log("openssl not installed: its column is n/a")
	}
	dir := t.TempDir()
	start := time.Now()
	cases, err := chaintest.Corpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	if len(cases) < 300 {
		t.Fatalf("the corpus has %d cases, fewer than 300", len(cases))
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PKIT_") {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results := make([]corpusResult, len(cases))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = runCorpusCase(ctx, bin, env, haveOpenSSL, cases[i])
			}
		}()
	}
	for i := range cases {
		work <- i
	}
	close(work)
	wg.Wait()

	type tally struct{ n, pkit, ossl, osslN, goOK, goN, pending int }
	total := tally{}
	groups := map[string]*tally{}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 1, ' ', 0)
	var claims []string
	fmt.Fprintln(tw, "case\texpected\tpkit\topenssl\tgo\treason / notes")
	for i, c := range cases {
		r := results[i]
		want := corpusVerdict(c.Valid)
		gt := groups[c.Group]
		if gt == nil {
			gt = &tally{}
			groups[c.Group] = gt
		}
		for _, tl := range []*tally{&total, gt} {
			tl.n++
			if r.pkit == want {
				tl.pkit++
			}
			if r.openssl != "n/a" {
				tl.osslN++
				if r.openssl == want {
					tl.ossl++
				}
			}
			if r.goV != "n/a" {
				tl.goN++
				if r.goV == want {
					tl.goOK++
				}
			}
			if c.Pending != "" {
				tl.pending++
			}
		}
		pk := r.pkit
		if c.Pending != "" {
			pk += " (pending)"
		}
		notes := c.Reason
		if c.Pending != "" {
			notes += " | PENDING: " + c.Pending
		}
		if c.OpenSSLNote != "" && r.openssl != want {
			notes += " | OpenSSL: " + c.OpenSSLNote
		}
		if c.GoNote != "" && r.goV != want {
			notes += " | Go: " + c.GoNote
		}
		if c.OpenSSLNote == "" && r.openssl != want && r.openssl != "n/a" && r.openssl != "valid" {
			notes += " | openssl said: " + corpusLastLine(r.osslOut)
		}
		if c.GoNote == "" && r.goV != want && r.goErr != "" {
			notes += " | Go said: " + r.goErr
		}
		if r.goV == "n/a" && c.GoNA != "" {
			notes += " | Go n/a: " + c.GoNA
		}
		mark := func(s string) string {
			if s != want && s != "n/a" {
				return s + " ✗"
			}
			return s
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, want, mark(pk), mark(r.openssl), mark(r.goV), notes)

		claims = append(claims, corpusClaims(c, r)...)
		switch {
		case c.Pending != "" && r.pkit == want:
			t.Errorf("case %s now passes; remove it from pendingCases in chain/chaintest (it was pending: %s)", c.Name, c.Pending)
		case c.Pending == "" && r.pkit != want:
			t.Errorf("case %s: pkit says %s, RFC 5280 says %s (%s)\n  pkit %s\n%s", c.Name, r.pkit, want, c.Reason,
				strings.Join(c.Pkit, " "), corpusIndent(r.pkitOut))
		}
	}
	tw.Flush()
	if testing.Verbose() || t.Failed() {
		t.Logf("agreement table (expected verdicts from RFC 5280; ✗ marks a validator that disagrees):\n%s", table.String())
		var names []string
		for g := range groups {
			names = append(names, g)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, g := range names {
			gt := groups[g]
			fmt.Fprintf(&b, "  %-11s %3d cases: pkit %d/%d, openssl %d/%d, Go %d/%d, pending %d\n", g, gt.n, gt.pkit, gt.n, gt.ossl, gt.osslN, gt.goOK, gt.goN, gt.pending)
		}
		t.Logf("by group:\n%s", b.String())
	}
	if len(claims) > 0 {
		t.Logf("pkit's refused_by claims that the run contradicts (%d):\n  %s", len(claims), strings.Join(claims, "\n  "))
	}
	t.Logf("corpus totals: %d cases (generated in %v, checked in %v): pkit %d/%d, openssl %d/%d, Go %d/%d (Go n/a %d: CRLs, policy flags, raw files); %d pending",
		total.n, gen.Round(time.Millisecond), time.Since(start).Round(time.Millisecond)-gen.Round(time.Millisecond),
		total.pkit, total.n, total.ossl, total.osslN, total.goOK, total.goN, total.n-total.goN, total.pending)
}

// corpusClaims checks pkit's refused_by against what OpenSSL and Go
// answered in this run: a claim that OpenSSL refuses (with the flags it
// names, when the case passes them) or that Go refuses, where that one
// said valid, is returned as a line for the log.
func corpusClaims(c chaintest.Case, r corpusResult) []string {
	var out []string
	for who, kinds := range r.refusedBy {
		fields := strings.Fields(who)
		var said string
		switch {
		case len(fields) > 0 && fields[0] == "OpenSSL":
			ok := true
			for _, f := range fields[1:] {
				ok = ok && slices.Contains(c.OpenSSL, f)
			}
			if !ok {
				continue
			}
			said = r.openssl
		case who == "Go":
			said = r.goV
		default:
			continue
		}
		if said == "valid" {
			out = append(out, fmt.Sprintf("%s: pkit says %s refuses it (%s), but %s accepted it", c.Name, who, strings.Join(kinds, ", "), fields[0]))
		}
	}
	sort.Strings(out)
	return out
}

// corpusLastLine is openssl's last error line ("error N at D depth lookup:
// …"), or its last line.
func corpusLastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "lookup:") {
			return strings.TrimSpace(lines[i])
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

func corpusIndent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// runCorpusCase runs one case through the three validators.
func runCorpusCase(ctx context.Context, bin string, env []string, haveOpenSSL bool, c chaintest.Case) corpusResult {
	var r corpusResult
	cmd := exec.CommandContext(ctx, bin, append(c.Pkit[:len(c.Pkit):len(c.Pkit)], "--json")...)
	cmd.Dir, cmd.Env = c.Dir, env
	var stdout, out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &out
	err := cmd.Run()
	r.pkitOut = out.String()
	var js struct {
		Problems []struct {
			Kind      string   `json:"kind"`
			Warning   bool     `json:"warning"`
			RefusedBy []string `json:"refused_by"`
		} `json:"problems"`
	}
	if json.Unmarshal(stdout.Bytes(), &js) == nil {
		r.refusedBy = map[string][]string{}
		for _, p := range js.Problems {
			for _, who := range p.RefusedBy {
				r.refusedBy[who] = append(r.refusedBy[who], p.Kind)
			}
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		r.pkit = "valid"
	case errors.As(err, &ee) && ee.ExitCode() == exitNo:
		r.pkit = "invalid"
	case errors.As(err, &ee):
		r.pkit = fmt.Sprintf("error %d", ee.ExitCode())
	default:
		r.pkit = "error: " + err.Error()
	}
	r.openssl = "n/a"
	if haveOpenSSL {
		cmd := exec.CommandContext(ctx, "openssl", c.OpenSSL...)
		cmd.Dir = c.Dir
		b, err := cmd.CombinedOutput()
		r.osslOut = string(b)
		switch {
		case err == nil:
			r.openssl = "valid"
		case errors.As(err, &ee) && ee.ExitCode() == 2:
			r.openssl = "invalid"
		case errors.As(err, &ee):
			r.openssl = fmt.Sprintf("error %d", ee.ExitCode())
		default:
			r.openssl = "error: " + err.Error()
		}
	}
	r.goV = "n/a"
	if c.Go != nil {
		if err := c.Go.Verify(); err != nil {
			r.goV, r.goErr = "invalid", err.Error()
		} else {
			r.goV = "valid"
		}
	}
	return r
}

//go:build unix

package main

// An interrupted batch: SIGINT or SIGTERM stops "pkit issue --batch"
// between rows, finishes the rows in flight and reports the rest as not
// done, so that nothing is issued without its files.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
)

func TestBatchSignal(t *testing.T) {
	const rows = 200
	bin := buildPkit(t)
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	if o, err := pkitCmd(context.Background(), bin, "init", "--dir", caDir, "--no-encrypt", "--name", "Signal").CombinedOutput(); err != nil {
		t.Fatalf("pkit init: %v\n%s", err, o)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
		t.Run(name, func(t *testing.T) {
			// RSA keys make each row slow enough to be caught in the middle.
			prefix := strings.ToLower(name)
			manifest, out := filepath.Join(d, prefix+".csv"), filepath.Join(d, prefix)
			csv := "profile,name,key_type\n"
			for i := range rows {
				csv += fmt.Sprintf("client,%s%d,rsa-2048\n", prefix, i)
			}
			if err := os.WriteFile(manifest, []byte(csv), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := pkitCmd(ctx, bin, "issue", "--batch", manifest, "--dir", caDir, "--out-dir", out, "--json")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Signal once the first rows are on disk (bounded wait).
			for i := 0; ; i++ {
				if ents, _ := os.ReadDir(out); len(ents) >= 4 {
					break
				}
				if i == 3000 {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no row written after 60s\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("pkit issue --batch after %s: %v, want exit code 1\n%s", name, err, stderr.String())
			}

			// stderr: one error line for the interruption, the summary,
			// and which rows to run again.
			errOut := stderr.String()
			if n := len(regexp.MustCompile(`(?m)^pkit: error: `).FindAllString(errOut, -1)); n != 1 {
				t.Errorf("%d error lines, want 1:\n%s", n, errOut)
			}
			m := regexp.MustCompile(`(?m)^pkit: error: interrupted by ` + name + `: (\d+) rows were not started; the rows already started were finished$`).FindStringSubmatch(errOut)
			sum := regexp.MustCompile(`(?m)^issued (\d+) of 200 certificates into "[^"]+"; (\d+) rows not done \(interrupted\)$`).FindStringSubmatch(errOut)
			if m == nil || sum == nil || m[1] != sum[2] {
				t.Fatalf("no interruption line or summary on stderr:\n%s", errOut)
			}
			if !regexp.MustCompile(`(?m)^pkit: hint: run again with only the rows not done: rows \d+-200 \(lines \d+-201\) of "`).MatchString(errOut) {
				t.Errorf("no hint naming the rows not done:\n%s", errOut)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine") {
				t.Errorf("stack trace on stderr:\n%s", errOut)
			}

			// --json: every row, issued or marked not done.
			var report []batchRow
			if err := json.Unmarshal([]byte(stdout.String()), &report); err != nil {
				t.Fatalf("--json output is not valid JSON: %v\n%q", err, stdout.String())
			}
			if len(report) != rows {
				t.Fatalf("--json has %d rows, want %d", len(report), rows)
			}
			issued := map[string]string{} // serial → name
			notDone := 0
			for i, r := range report {
				switch {
				case r.Row != i+1:
					t.Errorf("--json row %d is row %d", i+1, r.Row)
				case r.Result != nil && !r.NotDone && r.Error == "":
					issued[r.Result.Serial] = r.Name
				case r.Result == nil && r.NotDone && r.Error != "":
					notDone++
				default:
					t.Errorf("--json row %d is neither issued nor not done: %+v", r.Row, r)
				}
			}
			if fmt.Sprint(len(issued)) != sum[1] || fmt.Sprint(notDone) != sum[2] || len(issued) == 0 || notDone == 0 {
				t.Errorf("--json: %d issued, %d not done; stderr says %s issued, %s not done", len(issued), notDone, sum[1], sum[2])
			}

			// The disk and the store agree: every file is whole and
			// recorded, every record of this run has its certificate and
			// key, and they are the rows --json reports as issued.
			recs := storeRecords(t, caDir)
			roots, inters := caPool(t, caDir)
			ents, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			outputs := regexp.MustCompile(`^` + prefix + `\d+-client(-key)?\.pem$`)
			for _, e := range ents {
				if !outputs.MatchString(e.Name()) {
					t.Errorf("stray file: %s", e.Name())
					continue
				}
				checkWhole(t, filepath.Join(out, e.Name()), recs, roots, inters)
			}
			var names []crashRun
			for serial, r := range recs {
				if !strings.HasPrefix(r.Name, prefix) {
					continue
				}
				if issued[serial] != r.Name {
					t.Errorf("%s (serial %s) is in the store but not reported as issued", r.Name, serial)
				}
				cert := filepath.Join(out, r.Name+"-client.pem")
				if _, err := os.Stat(filepath.Join(out, r.Name+"-client-key.pem")); err != nil {
					t.Errorf("%s is in the store without its key file: %v", r.Name, err)
				}
				if _, err := os.Stat(cert); err != nil {
					t.Errorf("%s is in the store without its certificate file: %v", r.Name, err)
				} else if got := ca.SerialHex(certFile(t, cert).SerialNumber); got != serial {
					t.Errorf("%s: the file holds serial %s, the store %s", cert, got, serial)
				}
				names = append(names, crashRun{name: r.Name})
			}
			if len(names) != len(issued) {
				t.Errorf("%d records of this batch in the store, %d reported as issued", len(names), len(issued))
			}
			checkKeysMatch(t, out, names, false)
		})
	}
}

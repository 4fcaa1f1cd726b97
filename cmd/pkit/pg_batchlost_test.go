//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/internal/pgtest"
)

// TestPGBatchCommitsLost: a batch on a PostgreSQL store commits each row
// without waiting for the server's disk and syncs once at the end. Here the
// whole server crashes mid-batch (pkit is held still meanwhile, so that the
// crash falls between its rows) with its WAL writer held back, so the rows
// committed before the crash are lost with it. The batch goes on through a
// new connection, and its final sync fails (ca.ErrBulkCommitsLost). Then
// every row reported issued must be in the store with its files, every row
// reported lost must be neither in the store nor on disk, the counts add
// up, and the exit code is 1.
func TestPGBatchCommitsLost(t *testing.T) {
	if testing.Short() {
		t.Skip("kills PostgreSQL; skipped with -short")
	}
	srv := pgtest.Start(t, "wal_writer_delay=10s", "fsync=off")
	url := srv.NewDB(t)
	bin := buildPkit(t)
	d := t.TempDir()
	caDir, out := filepath.Join(d, "pki"), filepath.Join(d, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if o, err := pkitCmd(ctx, bin, "init", "--dir", caDir, "--db", url+"&connect_timeout=3", "--no-encrypt").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, o)
	}
	const rows = 400
	var m strings.Builder
	m.WriteString("profile,name\n")
	for i := range rows {
		fmt.Fprintf(&m, "client,u%03d\n", i)
	}
	manifest := filepath.Join(d, "m.csv")
	if err := os.WriteFile(manifest, []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := pkitCmd(ctx, bin, "issue", "--batch", manifest, "--dir", caDir, "--out-dir", out, "--json")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Hold pkit still once its first rows are placed, crash the server
	// and start it again, then let pkit go on.
	for {
		if ms, _ := filepath.Glob(filepath.Join(out, "*-client.pem")); len(ms) >= 3 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the batch placed no file")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGSTOP)
	srv.Crash()
	if err := srv.Start(); err != nil {
		cmd.Process.Kill()
		t.Fatalf("restarting PostgreSQL: %v", err)
	}
	cmd.Process.Signal(syscall.SIGCONT)
	err := cmd.Wait()
	if err == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("the batch across the crash: %v, want exit 1\n%s", err, stderr.String())
	}
	t.Logf("stderr (without the failed rows' lines):\n%s", withoutRowErrors(stderr.String()))
	var report []struct {
		Name   string `json:"name"`
		Result *struct {
			Serial string            `json:"serial"`
			Files  map[string]string `json:"files"`
		} `json:"result"`
		Error  string `json:"error"`
		Lost   bool   `json:"lost"`
		Serial string `json:"serial"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &report); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout.String())
	}
	if len(report) != rows {
		t.Fatalf("--json has %d rows, want %d", len(report), rows)
	}
	st, err := ca.OpenStore(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	issued, lost, failed := 0, 0, 0
	for _, r := range report {
		switch {
		case r.Result != nil:
			issued++
			n, _ := new(big.Int).SetString(r.Result.Serial, 16)
			if rec, err := st.Get(ctx, n); err != nil || rec.Name != r.Name {
				t.Errorf("%s reported issued (serial %s) is not in the store: %v", r.Name, r.Result.Serial, err)
			}
			for kind, f := range r.Result.Files {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s reported issued: its %s file: %v", r.Name, kind, err)
				}
			}
		case r.Lost:
			lost++
			n, ok := new(big.Int).SetString(r.Serial, 16)
			if !ok {
				t.Errorf("%s reported lost without its serial: %+v", r.Name, r)
				continue
			}
			if _, err := st.Get(ctx, n); err == nil {
				t.Errorf("%s reported lost (serial %s) is in the store", r.Name, r.Serial)
			}
			for _, f := range []string{r.Name + "-client.pem", r.Name + "-client-key.pem"} {
				if _, err := os.Stat(filepath.Join(out, f)); err == nil {
					t.Errorf("%s reported lost: its file %s is still there", r.Name, f)
				}
			}
		case r.Error != "":
			failed++
			if recs, err := st.List(ctx, ca.Filter{Name: r.Name}); err != nil || len(recs) != 0 {
				t.Errorf("%s reported failed has %d records (%v)", r.Name, len(recs), err)
			}
		default:
			t.Errorf("row %s has neither result nor error", r.Name)
		}
	}
	t.Logf("%d rows: %d issued, %d lost with the server, %d failed", rows, issued, lost, failed)
	if lost == 0 {
		t.Errorf("no row reported lost, although the rows committed before the crash were (the WAL writer was held back)")
	}
	sum := regexp.MustCompile(`issued (\d+) of (\d+) certificates`).FindStringSubmatch(stderr.String())
	if sum == nil || sum[1] != strconv.Itoa(issued) || sum[2] != strconv.Itoa(rows) {
		t.Errorf("summary %q, want issued %d of %d", sum, issued, rows)
	}
	if lost > 0 && !strings.Contains(stderr.String(), fmt.Sprintf("pkit: error: the database server lost %d certificates this batch had recorded", lost)) {
		t.Errorf("stderr does not name how many were lost (%d)", lost)
	}
	// Each lost row was reported once, nothing else recorded: the store
	// holds exactly the rows reported issued.
	all, err := st.List(ctx, ca.Filter{Profile: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != issued {
		t.Errorf("the store holds %d client certificates, the batch reported %d issued", len(all), issued)
	}
}

// withoutRowErrors drops the lines of rows that failed on the lost
// connection, for the log.
func withoutRowErrors(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !regexp.MustCompile(`^pkit: error: \S+ line \d+: `).MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

//go:build unix

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkit/pkit/internal/pgtest"
)

// copyDir copies the CA directory src to dst, as a user copies it to
// another issuing machine.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v: %s", err, out)
	}
}

// TestPGCommands: a CA whose store is PostgreSQL ("pkit --db URL init"
// writes "db =" into the config), copied to a second folder as to a
// second machine: both issue into one store, either lists, revokes and
// publishes what both issued, db status and db migrate report the
// schema; a URL with a password is refused with the password masked, and
// an unreachable server is one clear error.
func TestPGCommands(t *testing.T) {
	url := pgtest.DB(t)
	d := t.TempDir()
	a, b := filepath.Join(d, "a", "pki"), filepath.Join(d, "b", "pki")
	must := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runPkit(args...)
		if code != 0 {
			t.Fatalf("pkit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		return stdout
	}
	must("--db", url, "init", "--dir", a, "--no-encrypt", "--name", "Shared")
	if cfg, _ := os.ReadFile(filepath.Join(a, "config")); !strings.Contains(string(cfg), "db = "+url+"\n") {
		t.Fatalf("config has no db line:\n%s", cfg)
	}
	if _, err := os.Stat(filepath.Join(a, "store")); err == nil {
		t.Fatal("init --db made a store file too")
	}
	if err := os.MkdirAll(filepath.Dir(b), 0o755); err != nil {
		t.Fatal(err)
	}
	copyDir(t, a, b)
	must("issue", "server", "one.internal", "--dir", a, "--out-dir", filepath.Join(d, "a"))
	must("issue", "server", "two.internal", "--dir", b, "--out-dir", filepath.Join(d, "b"))
	for _, dir := range []string{a, b} {
		out := must("list", "--dir", dir)
		if !strings.Contains(out, "one.internal") || !strings.Contains(out, "two.internal") {
			t.Fatalf("pkit list --dir %s does not show both machines' certificates:\n%s", dir, out)
		}
	}
	st := must("db", "status", "--dir", b)
	if !strings.Contains(st, "(postgres)") || !strings.Contains(st, "certificates: 4") {
		t.Fatalf("db status:\n%s", st)
	}
	must("db", "migrate", "--dir", a)
	must("revoke", "one.internal", "--dir", b)
	crl := must("crl", "--dir", a, "--json")
	_ = crl
	out := must("list", "--dir", a, "--revoked")
	if !strings.Contains(out, "one.internal") {
		t.Fatalf("machine a does not see machine b's revocation:\n%s", out)
	}

	// PKIT_DB points a CA directory without a db line at the database.
	plain := filepath.Join(d, "plain")
	copyDir(t, a, plain)
	cfg, _ := os.ReadFile(filepath.Join(plain, "config"))
	os.WriteFile(filepath.Join(plain, "config"), []byte(strings.ReplaceAll(string(cfg), "db = "+url+"\n", "")), 0o644)
	t.Setenv("PKIT_DB", url)
	if st := must("db", "status", "--dir", plain); !strings.Contains(st, "certificates: 4") {
		t.Fatalf("PKIT_DB: db status:\n%s", st)
	}
	os.Unsetenv("PKIT_DB")

	secret := strings.Replace(url, "pkit@", "pkit:s3cret@", 1)
	code, _, stderr := runPkit("--db", secret, "db", "status", "--dir", a)
	if code != 1 || strings.Contains(stderr, "s3cret") || !strings.Contains(stderr, "pkit:xxxxx@") ||
		strings.Count(stderr, "pkit: error: ") != 1 {
		t.Fatalf("a URL with a password: exit %d\n%s", code, stderr)
	}
	dead := "postgres://pkit@127.0.0.1:1/none?connect_timeout=2"
	code, _, stderr = runPkit("--db", dead, "db", "status", "--dir", a)
	if code != 1 || strings.Count(stderr, "pkit: error: ") != 1 || !strings.Contains(stderr, "cannot connect") {
		t.Fatalf("an unreachable server: exit %d\n%s", code, stderr)
	}
}

// TestPGMigrateCommand: pkit db migrate --from a SQLite store --to an
// empty PostgreSQL database and back prints the same counts and hashes on
// both sides, and the CA then works from the database.
func TestPGMigrateCommand(t *testing.T) {
	url := pgtest.DB(t)
	d := t.TempDir()
	dir := filepath.Join(d, "pki")
	must := func(args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := runPkit(args...)
		if code != 0 {
			t.Fatalf("pkit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		return stdout, stderr
	}
	must("init", "--dir", dir, "--no-encrypt")
	must("issue", "client", "alice", "--dir", dir, "--out-dir", d)
	must("revoke", "alice", "--dir", dir)
	out, stderr := must("db", "migrate", "--from", filepath.Join(dir, "store"), "--to", url)
	if strings.Count(out, " same\n") != 4 || !strings.Contains(stderr, "copied") {
		t.Fatalf("db migrate --from --to:\n%s%s", out, stderr)
	}
	if list, _ := must("list", "--dir", dir, "--db", url, "--revoked"); !strings.Contains(list, "alice") {
		t.Fatalf("the CA with --db does not list alice as revoked:\n%s", list)
	}
	back := filepath.Join(d, "back.store")
	out2, _ := must("db", "migrate", "--from", url, "--to", back, "--json")
	for _, table := range []string{"certs", "cert_files", "crl_numbers"} {
		i := strings.Index(out, table)
		hash := strings.Fields(out[i:])[3]
		if !strings.Contains(out2, hash) {
			t.Errorf("%s: hash %s after SQLite -> PostgreSQL is not in PostgreSQL -> SQLite:\n%s", table, hash, out2)
		}
	}
	if code, _, stderr := runPkit("db", "migrate", "--from", url); code != 2 || !strings.Contains(stderr, "go together") {
		t.Fatalf("--from alone: exit %d\n%s", code, stderr)
	}
}

// TestPGIntermediateRace: "pkit ca intermediate ops" run at once on two
// machines sharing a PostgreSQL store makes one CA: one succeeds, the
// other is refused with one error line and writes no file.
func TestPGIntermediateRace(t *testing.T) {
	url := pgtest.DB(t)
	bin := buildPkit(t)
	d := t.TempDir()
	a, b := filepath.Join(d, "a"), filepath.Join(d, "b")
	if out, err := pkitCmd(context.Background(), bin, "init", "--dir", a, "--db", url, "--no-encrypt").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	copyDir(t, a, b)
	type result struct {
		dir string
		out []byte
		err error
	}
	results := make(chan result, 2)
	for _, dir := range []string{a, b} {
		go func() {
			out, err := pkitCmd(context.Background(), bin, "ca", "intermediate", "ops", "--dir", dir, "--no-encrypt").CombinedOutput()
			results <- result{dir, out, err}
		}()
	}
	ok := 0
	for range 2 {
		r := <-results
		_, statErr := os.Stat(filepath.Join(r.dir, "ca", "ops.crt"))
		if r.err == nil {
			ok++
			if statErr != nil {
				t.Errorf("%s made the CA but has no ca/ops.crt", r.dir)
			}
			continue
		}
		if strings.Count(string(r.out), "pkit: error: ") != 1 || !strings.Contains(string(r.out), "already recorded in the shared store") {
			t.Errorf("%s: %v\n%s", r.dir, r.err, r.out)
		}
		if statErr == nil {
			t.Errorf("%s was refused but wrote ca/ops.crt", r.dir)
		}
	}
	if ok != 1 {
		t.Fatalf("%d machines made the CA, want 1", ok)
	}
}

// TestPGRevocationLookups: --db and PKIT_DB reach the store lookups of
// chain verify --revocation (what the store has revoked and no published
// CRL says yet) and of probe (a client certificate the records hold as
// revoked), on a CA directory whose config has no db line, as they reach
// every other command's.
func TestPGRevocationLookups(t *testing.T) {
	url := pgtest.DB(t)
	d := t.TempDir()
	dir := filepath.Join(d, "pki")
	pkitIn(t, "--db", url, "init", "--dir", dir, "--no-encrypt", "--name", "Lookups")
	pkitIn(t, "issue", "server", "localhost", "127.0.0.1", "--dir", dir, "--out-dir", d, "--chain")
	pkitIn(t, "issue", "client", "carol", "--dir", dir, "--out-dir", d)
	pkitIn(t, "crl", "--dir", dir)
	pkitIn(t, "revoke", "carol", "--dir", dir, "--reason", "keyCompromise", "--no-publish")
	cfg, err := os.ReadFile(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	plain := strings.ReplaceAll(string(cfg), "db = "+url+"\n", "")
	if plain == string(cfg) {
		t.Fatalf("config has no db line:\n%s", cfg)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(plain), 0o644); err != nil {
		t.Fatal(err)
	}
	carol := filepath.Join(d, "carol-client.pem")
	pending := `"carol" (serial `

	// chain verify --revocation: the published CRL does not list carol
	// yet; the store, reached only through --db or PKIT_DB, does.
	verify := []string{"chain", "verify", carol, "--dir", dir, "--purpose", "client", "--revocation"}
	if _, _, stderr := runPkit(verify...); strings.Contains(stderr, pending) {
		t.Fatalf("without --db, chain verify read a store the config does not name:\n%s", stderr)
	}
	for _, how := range []string{"--db", "PKIT_DB"} {
		args := append([]string{}, verify...)
		if how == "--db" {
			args = append(args, "--db", url)
		} else {
			t.Setenv("PKIT_DB", url)
		}
		code, _, stderr := runPkit(args...)
		os.Unsetenv("PKIT_DB")
		if code != 0 || !strings.Contains(stderr, pending) || !strings.Contains(stderr, `until "pkit crl"`) {
			t.Fatalf("chain verify --revocation with %s: exit %d, no warning that the store revoked carol:\n%s", how, code, stderr)
		}
	}

	// probe: a server that accepts carol (it has no CRL); the CA's
	// records say she is revoked.
	pair, err := tls.LoadX509KeyPair(filepath.Join(d, "localhost-chain.pem"), filepath.Join(d, "localhost-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	for _, f := range []string{"root.crt", "intermediate.crt"} {
		pem, err := os.ReadFile(filepath.Join(dir, "ca", f))
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("reading ca/%s: %v", f, err)
		}
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "https://")
	probeArgs := []string{addr, "--dir", dir, "--timeout", "5s", "--cert", carol, "--key", filepath.Join(d, "carol-client-key.pem")}
	revoked := func(out probeOut) bool {
		for _, f := range out.Findings {
			if f.Cause == "client-cert-revoked" && strings.Contains(f.Detail, "keyCompromise") {
				return true
			}
		}
		return false
	}
	if out, stderr := probeRun(t, probeArgs...); out.Outcome != "accepted" || revoked(out) {
		t.Fatalf("without --db: outcome %q, findings %+v\n%s", out.Outcome, out.Findings, stderr)
	}
	for _, how := range []string{"--db", "PKIT_DB"} {
		args := append([]string{}, probeArgs...)
		if how == "--db" {
			args = append(args, "--db", url)
		} else {
			t.Setenv("PKIT_DB", url)
		}
		out, stderr := probeRun(t, args...)
		os.Unsetenv("PKIT_DB")
		if out.Outcome != "accepted" || !revoked(out) {
			t.Fatalf("probe with %s: outcome %q, no finding that the records hold carol as revoked: %+v\n%s", how, out.Outcome, out.Findings, stderr)
		}
	}
}

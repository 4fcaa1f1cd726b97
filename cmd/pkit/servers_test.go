//go:build unix

package main

// Revocation, end to end, in the servers that enforce it: nginx and
// HAProxy started on 127.0.0.1 with client certificate verification and
// pkit's CRL bundle, driven with curl, and headless Chromium holding a
// pkit-exported .p12 in a fresh NSS database. A good certificate gets the
// page; after "pkit revoke" + "pkit crl" + reload it is refused, other
// certificates still get in, and a certificate of another CA never does.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// marker is the page content the test servers return.
const marker = "hello-mtls-from-pkit"

// mtlsSet is a CA with a server certificate and client certificates, and
// a foreign CA's client certificate.
type mtlsSet struct {
	dir, caDir       string
	root, clientCAs  string // root; root + intermediate (what servers trust for clients)
	serverChain, key string
	bundle           string // pki/crl/bundle.pem
	pwFile           string
}

func newMTLSSet(t *testing.T) *mtlsSet {
	t.Helper()
	d := t.TempDir()
	s := &mtlsSet{dir: d, caDir: filepath.Join(d, "pki"), pwFile: filepath.Join(d, "p12pass")}
	if err := os.WriteFile(s.pwFile, []byte("pkit servers test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pkitIn(t, "init", "--dir", s.caDir, "--no-encrypt", "--name", "Servers")
	pkitIn(t, "issue", "server", "localhost", "127.0.0.1", "--dir", s.caDir, "--out-dir", d, "--chain")
	for _, name := range []string{"alice", "bob", "carol"} {
		pkitIn(t, "issue", "client", name, "--dir", s.caDir, "--out-dir", d)
	}
	other := filepath.Join(d, "other")
	pkitIn(t, "init", "--dir", other, "--no-encrypt", "--name", "Foreign")
	pkitIn(t, "issue", "client", "mallory", "--dir", other, "--out-dir", d)
	pkitIn(t, "crl", "--dir", s.caDir)

	s.root = filepath.Join(s.caDir, "ca", "root.crt")
	s.clientCAs = filepath.Join(d, "client-cas.pem")
	cat(t, s.clientCAs, s.root, filepath.Join(s.caDir, "ca", "intermediate.crt"))
	s.serverChain, s.key = filepath.Join(d, "localhost-chain.pem"), filepath.Join(d, "localhost-key.pem")
	s.bundle = filepath.Join(s.caDir, "crl", "bundle.pem")
	return s
}

func cat(t *testing.T, out string, in ...string) {
	t.Helper()
	var b []byte
	for _, f := range in {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, data...)
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// revokeAndPublish revokes a client and publishes the CRLs, as an
// operator would.
func (s *mtlsSet) revokeAndPublish(t *testing.T, name string) {
	t.Helper()
	pkitIn(t, "revoke", name, "--dir", s.caDir, "--reason", "keyCompromise")
	pkitIn(t, "crl", "--dir", s.caDir)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// server is a test server process in its own process group.
type server struct {
	cmd  *exec.Cmd
	port int
	out  *strings.Builder
}

// startServer starts a server, waits (bounded) until it accepts TCP
// connections on port, and stops its whole process group when t ends.
func startServer(t *testing.T, port int, name string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(name, args...)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("%s exited at start:\n%s", name, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on port %d after 15s:\n%s", name, port, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &server{cmd: cmd, port: port, out: out}
}

// signal sends sig to the server's main process (a reload).
func (s *server) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// curl fetches the page with the client certificate of name (none when
// name is ""), and reports whether the page content arrived.
func (s *mtlsSet) curl(t *testing.T, port int, name string) (bool, string) {
	t.Helper()
	args := []string{"-sS", "--max-time", "10", "--cacert", s.root,
		"--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", port), fmt.Sprintf("https://localhost:%d/", port)}
	if name != "" {
		args = append(args, "--cert", filepath.Join(s.dir, name+"-client.pem"), "--key", filepath.Join(s.dir, name+"-client-key.pem"))
	}
	out, _ := tool(t, 20*time.Second, "curl", args...)
	return strings.Contains(out, marker), out
}

// expect checks every client's access at once, waiting (bounded) for a
// reload to take effect.
func (s *mtlsSet) expect(t *testing.T, port int, want map[string]bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var wrong []string
		for name, ok := range want {
			got, out := s.curl(t, port, name)
			if got != ok {
				wrong = append(wrong, fmt.Sprintf("%q: got the page %v, want %v (%s)", name, got, ok, strings.TrimSpace(out)))
			}
		}
		if len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15s:\n%s", strings.Join(wrong, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// startNginx runs nginx in the foreground (master and one worker) with
// mTLS, ssl_verify_depth 2 and pkit's CRL bundle.
func startNginx(t *testing.T, s *mtlsSet) *server {
	t.Helper()
	needTool(t, "nginx")
	prefix := filepath.Join(s.dir, "nginx")
	port := freePort(t)
	http := fmt.Sprintf(`	access_log off;
	server {
		listen 127.0.0.1:%[2]d ssl;
		server_name localhost;
		ssl_certificate %[3]s;
		ssl_certificate_key %[4]s;
		ssl_client_certificate %[5]s;
		ssl_verify_client on;
		ssl_verify_depth 2;
		ssl_crl %[6]s;
		location / {
			default_type text/html;
			return 200 '<!doctype html><html><body><p id="m">%[7]s</p></body></html>\n';
		}
	}
`, prefix, port, s.serverChain, s.key, s.clientCAs, s.bundle, marker)
	return startNginxHTTP(t, prefix, port, http)
}

// startNginxHTTP runs nginx in the foreground (master and one worker)
// from prefix, its http block holding http (server blocks and the like)
// after the temporary paths every test server needs, and waits until it
// listens on port.
func startNginxHTTP(t *testing.T, prefix string, port int, http string) *server {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log info;
events { worker_connections 64; }
http {
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
%[2]s}
`, prefix, http)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return startServer(t, port, "nginx", "-p", prefix, "-c", confPath, "-e", filepath.Join(prefix, "logs", "error.log"))
}

func TestNginxEnforcesCRL(t *testing.T) {
	needTool(t, "nginx", "curl")
	s := newMTLSSet(t)
	srv := startNginx(t, s)
	s.expect(t, srv.port, map[string]bool{"alice": true, "bob": true, "carol": true, "mallory": false, "": false})
	s.revokeAndPublish(t, "alice")
	srv.signal(t, syscall.SIGHUP)
	s.expect(t, srv.port, map[string]bool{"alice": false, "bob": true, "carol": true, "mallory": false})
	// Revoking the intermediate locks every client out: nginx checks the
	// whole path (ssl_verify_depth 2) against the bundle.
	pkitIn(t, "revoke", filepath.Join(s.caDir, "ca", "intermediate.crt"), "--dir", s.caDir, "--reason", "cACompromise")
	pkitIn(t, "crl", "--dir", s.caDir)
	srv.signal(t, syscall.SIGHUP)
	s.expect(t, srv.port, map[string]bool{"bob": false, "carol": false})
}

// startHAProxy runs HAProxy in master-worker mode (SIGUSR2 reloads its
// configuration and files) with one mTLS frontend answering marker, its
// bind line ending in the ca-file/crl-file options given, after checking
// the configuration with haproxy -c. The server's chain and key are put
// in one file with pkit convert, as the README says.
func (s *mtlsSet) startHAProxy(t *testing.T, name, fileOpts string) *server {
	t.Helper()
	crt := filepath.Join(s.dir, "localhost-haproxy.pem")
	if !fileExists(crt) {
		pkitIn(t, "convert", s.serverChain, crt, "--key", s.key)
	}
	port := freePort(t)
	conf := fmt.Sprintf(`global
	maxconn 64
defaults
	mode http
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend mtls
	bind 127.0.0.1:%d ssl crt %s %s verify required
	http-request return status 200 content-type text/plain string "%s"
`, port, crt, fileOpts, marker)
	confPath := filepath.Join(s.dir, name+".cfg")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := tool(t, 20*time.Second, "haproxy", "-c", "-f", confPath); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	return startServer(t, port, "haproxy", "-W", "-db", "-f", confPath)
}

func TestHAProxyEnforcesCRL(t *testing.T) {
	needTool(t, "haproxy", "curl")
	s := newMTLSSet(t)
	srv := s.startHAProxy(t, "haproxy", fmt.Sprintf("ca-file %s crl-file %s", s.clientCAs, s.bundle))
	s.expect(t, srv.port, map[string]bool{"alice": true, "bob": true, "mallory": false, "": false})
	s.revokeAndPublish(t, "bob")
	srv.signal(t, syscall.SIGUSR2)
	s.expect(t, srv.port, map[string]bool{"alice": true, "bob": false, "carol": true, "mallory": false})
}

// TestChromiumEnforcesCRL loads a page from the nginx mTLS server in
// headless Chromium with a client .p12 pkit exported, imported into a
// fresh NSS database, once for the default and once for the --legacy
// encoding.
func TestChromiumEnforcesCRL(t *testing.T) {
	needTool(t, "nginx", "chromium", "certutil", "pk12util")
	if os.Geteuid() != 0 {
		if inCI() {
			t.Fatal("the Chromium test writes a managed policy under /etc/chromium and must run as root in CI")
		}
		t.Skip("needs root to write the Chromium managed policy")
	}
	s := newMTLSSet(t)
	for _, c := range []struct{ name, flag string }{{"dora", ""}, {"eve", "--legacy"}} {
		args := []string{"issue", "client", c.name, "--dir", s.caDir, "--out-dir", s.dir, "--p12", "--p12-password-file", s.pwFile}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		pkitIn(t, args...)
	}
	pkitIn(t, "crl", "--dir", s.caDir)
	srv := startNginx(t, s)
	origin := fmt.Sprintf("https://localhost:%d", srv.port)
	installPolicy(t, origin)

	// Without any client certificate nginx answers 400.
	if page := chromium(t, s, "", origin); strings.Contains(page, marker) || !strings.Contains(page, "No required SSL certificate") {
		t.Fatalf("without a client certificate the page loaded or the error is not nginx's:\n%s", page)
	}
	for _, name := range []string{"dora", "eve"} {
		t.Run(name, func(t *testing.T) {
			if page := chromium(t, s, name, origin); !strings.Contains(page, marker) {
				t.Fatalf("with %s's .p12 the page did not load:\n%s", name, page)
			}
			s.revokeAndPublish(t, name)
			srv.signal(t, syscall.SIGHUP)
			deadline := time.Now().Add(15 * time.Second)
			for {
				page := chromium(t, s, name, origin)
				if !strings.Contains(page, marker) && strings.Contains(page, "SSL certificate error") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after revoking %s the page still loads, or the error is not nginx's:\n%s", name, page)
				}
				time.Sleep(500 * time.Millisecond)
			}
		})
	}
}

// installPolicy writes a managed Chromium policy that selects the client
// certificate for origin without asking, and removes it when t ends.
func installPolicy(t *testing.T, origin string) {
	t.Helper()
	dir := "/etc/chromium/policies/managed"
	created := []string{}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = append([]string{d}, created...)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Chromium takes one of several files setting the same policy: a
	// file a killed run of this test left behind (its cleanup never ran)
	// would select for another port, and Chromium would wait on its
	// certificate dialog. Those are removed; any other file setting the
	// policy is an error naming it.
	stale, _ := filepath.Glob(filepath.Join(dir, "pkit-test-*.json"))
	for _, f := range stale {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(f), "pkit-test-%d.json", &pid); err == nil && pid > 0 &&
			syscall.Kill(pid, 0) == syscall.ESRCH {
			os.Remove(f)
		}
	}
	others, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range others {
		if data, err := os.ReadFile(f); err == nil && strings.Contains(string(data), "AutoSelectCertificateForUrls") {
			t.Fatalf("%s also sets Chromium's AutoSelectCertificateForUrls policy, which this test sets; remove it", f)
		}
	}
	rule, _ := json.Marshal(map[string]any{"pattern": origin, "filter": map[string]any{}})
	policy, _ := json.Marshal(map[string]any{"AutoSelectCertificateForUrls": []string{string(rule)}})
	path := filepath.Join(dir, fmt.Sprintf("pkit-test-%d.json", os.Getpid()))
	if err := os.WriteFile(path, policy, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(path)
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i]) // only if empty
		}
	})
}

// chromium loads origin in a fresh headless Chromium whose NSS database
// trusts pkit's root and holds name's .p12 (none when name is ""), and
// returns the DOM.
func chromium(t *testing.T, s *mtlsSet, name, origin string) string {
	t.Helper()
	home := t.TempDir()
	db := "sql:" + filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(filepath.Join(home, ".pki", "nssdb"), 0o700); err != nil {
		t.Fatal(err)
	}
	mustTool(t, "certutil", "-N", "-d", db, "--empty-password")
	mustTool(t, "certutil", "-A", "-d", db, "-n", "pkit test root", "-t", "C,,", "-i", s.root)
	if name != "" {
		mustTool(t, "pk12util", "-i", filepath.Join(s.dir, name+"-client.p12"), "-d", db, "-w", s.pwFile)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(home, "profile"), "--dump-dom", origin+"/")
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.WaitDelay = 2 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && ctx.Err() != nil {
		t.Fatalf("chromium timed out after 60s (headless Chromium waits on its certificate dialog when no AutoSelectCertificateForUrls policy selects one):\n%s", stderr.String())
	}
	return stdout.String()
}

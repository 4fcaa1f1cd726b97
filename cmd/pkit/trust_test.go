//go:build unix

package main

// pkit trust, end to end with the clients that read the stores: an nginx
// on 127.0.0.1 serves a pkit server certificate; headless Chromium (its
// NSS database), a one-file Java HttpsURLConnection program (a keystore),
// and under CI=true curl and Python's urllib (the system store) must
// accept it after "pkit trust install" and refuse it again after
// "pkit trust uninstall", with "pkit trust status" saying the same at
// each step.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkit/pkit/ca/trust"
)

// trustSite is a CA whose server certificate for localhost an nginx
// serves over TLS.
type trustSite struct {
	dir, caDir, root string
	url              string // https://localhost:PORT/
	javaHome         string // JAVA_HOME for pkit; "" leaves the environment's
}

const trustMarker = "hello-trust-from-pkit"

func newTrustSite(t *testing.T) *trustSite {
	t.Helper()
	needTool(t, "nginx")
	d := t.TempDir()
	s := &trustSite{dir: d, caDir: filepath.Join(d, "pki")}
	pkitIn(t, "init", "--dir", s.caDir, "--no-encrypt", "--name", "Trust Test")
	pkitIn(t, "issue", "server", "localhost", "--dir", s.caDir, "--out-dir", d, "--chain")
	s.root = filepath.Join(s.caDir, "ca", "root.crt")
	prefix := filepath.Join(d, "nginx")
	port := freePort(t)
	http := fmt.Sprintf(`	access_log off;
	server {
		listen 127.0.0.1:%[2]d ssl;
		server_name localhost;
		ssl_certificate %[3]s;
		ssl_certificate_key %[4]s;
		location / {
			default_type text/html;
			return 200 '<!doctype html><html><body><p>%[5]s</p></body></html>\n';
		}
	}
`, prefix, port, filepath.Join(d, "localhost-chain.pem"), filepath.Join(d, "localhost-key.pem"), trustMarker)
	startNginxHTTP(t, prefix, port, http)
	s.url = fmt.Sprintf("https://localhost:%d/", port)
	return s
}

// pkitTrust runs "pkit trust ARGS --dir CA" in this process with HOME set
// to home, and returns its exit code, stdout and stderr.
func (s *trustSite) pkitTrust(t *testing.T, home string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		if k == "JAVA_HOME" && s.javaHome != "" {
			return s.javaHome
		}
		return os.Getenv(k)
	}}
	code := e.main(append(append([]string{"pkit", "trust"}, args...), "--dir", s.caDir))
	return code, stdout.String(), stderr.String()
}

// status runs "pkit trust status --json" and returns, per store, whether
// each location trusts the root and whether pkit added it.
func (s *trustSite) status(t *testing.T, home string, args ...string) map[trust.Store][2]bool {
	t.Helper()
	code, out, errOut := s.pkitTrust(t, home, append([]string{"status", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("pkit trust status: exit %d\n%s", code, errOut)
	}
	var st struct{ Locations []trust.Location }
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("pkit trust status --json: %v\n%s", err, out)
	}
	got := map[trust.Store][2]bool{}
	for _, l := range st.Locations {
		got[l.Store] = [2]bool{l.Trusted, l.AddedByPkit}
	}
	return got
}

func (s *trustSite) wantStatus(t *testing.T, home string, want map[trust.Store][2]bool, args ...string) {
	t.Helper()
	got := s.status(t, home, args...)
	for st, w := range want {
		if got[st] != w {
			t.Errorf("status of %s: [trusted added_by_pkit] = %v, want %v", st, got[st], w)
		}
	}
}

// change runs install or uninstall with --yes --json and returns the
// stores it changed.
func (s *trustSite) change(t *testing.T, home, verb string, args ...string) []trust.Store {
	t.Helper()
	code, out, errOut := s.pkitTrust(t, home, append([]string{verb, "--yes", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("pkit trust %s: exit %d\n%s", verb, code, errOut)
	}
	var p trust.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("pkit trust %s --json: %v\n%s", verb, err, out)
	}
	var done []trust.Store
	for _, c := range p.Changes {
		if c.Done {
			done = append(done, c.Store)
		}
	}
	return done
}

// newNSSDB makes an empty NSS database where Chromium looks for one under
// home.
func newNSSDB(t *testing.T, home string) string {
	t.Helper()
	db := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	mustTool(t, "certutil", "-N", "-d", "sql:"+db, "--empty-password")
	return db
}

// chromiumAccepts loads url in a fresh headless Chromium whose HOME is
// home (so its NSS database is home/.pki/nssdb) and reports whether the
// page arrived.
func chromiumAccepts(t *testing.T, home, url string) (bool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	profile, err := os.MkdirTemp(t.TempDir(), "chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.WaitDelay = 2 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && ctx.Err() != nil {
		t.Fatalf("chromium timed out after 60s:\n%s", stderr.String())
	}
	ok := strings.Contains(stdout.String(), trustMarker)
	if !ok && !strings.Contains(stderr.String(), "ERR_CERT_AUTHORITY_INVALID") {
		t.Fatalf("chromium: neither the page nor an unknown-issuer refusal:\n%s\n%s", stdout.String(), stderr.String())
	}
	return ok, stdout.String() + stderr.String()
}

// javaProbe is a Java program that fetches a URL with
// HttpsURLConnection and the JVM's trust store.
const javaProbe = `import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

public class Probe {
    public static void main(String[] args) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL(args[0]).openConnection();
        c.setConnectTimeout(10000);
        c.setReadTimeout(10000);
        System.out.println(new String(c.getInputStream().readAllBytes(), "UTF-8"));
    }
}
`

// javaProber compiles the probe once and returns a function that runs it
// against url with the keystore trustStore ("" for Java's default
// cacerts) and reports whether the page arrived; a refusal must be
// Java's PKIX refusal, not some other failure.
func javaProber(t *testing.T) func(trustStore, url string) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "Probe.java")
	if err := os.WriteFile(src, []byte(javaProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	mustTool(t, "javac", "-d", dir, src)
	return func(trustStore, url string) (bool, string) {
		t.Helper()
		args := []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", dir}
		if trustStore != "" {
			args = append(args, "-Djavax.net.ssl.trustStore="+trustStore, "-Djavax.net.ssl.trustStorePassword=changeit")
		}
		out, err := tool(t, time.Minute, "java", append(args, "Probe", url)...)
		if err == nil && strings.Contains(out, trustMarker) {
			return true, out
		}
		if !strings.Contains(out, "PKIX path building failed") {
			t.Fatalf("java Probe %s: neither the page nor a PKIX refusal: %v\n%s", url, err, out)
		}
		return false, out
	}
}

// newKeystore makes a keystore (password changeit) holding only a root of
// another CA, as a stand-in for Java's cacerts.
func newKeystore(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	pkitIn(t, "init", "--dir", filepath.Join(d, "other"), "--no-encrypt", "--name", "Unrelated", "--single")
	ks := filepath.Join(d, "cacerts")
	mustTool(t, "keytool", "-importcert", "-noprompt", "-keystore", ks, "-storepass", "changeit",
		"-alias", "unrelated", "-file", filepath.Join(d, "other", "ca", "root.crt"))
	return ks
}

func fileSum(t *testing.T, paths ...string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range paths {
		sum, err := dirSum(p)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(sum))
		if data, err := os.ReadFile(p); err == nil {
			h.Write(data)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestTrustNSSJava installs the root into a fresh NSS database and a
// keystore (no root needed), checks status, Chromium and Java, installs
// again (nothing changes), uninstalls, checks that both refuse again, and
// uninstalls again (nothing to do). A copy of the root under a name pkit
// did not give it is reported and left alone.
func TestTrustNSSJava(t *testing.T) {
	needTool(t, "nginx", "certutil", "keytool", "java", "javac", "chromium")
	s := newTrustSite(t)
	javaAccepts := javaProber(t)
	home := t.TempDir()
	db := newNSSDB(t, home)
	ks := newKeystore(t)
	stores := []string{"--nss-db", db, "--java-keystore", ks}
	off := map[trust.Store][2]bool{trust.NSS: {false, false}, trust.Java: {false, false}}
	on := map[trust.Store][2]bool{trust.NSS: {true, true}, trust.Java: {true, true}}

	s.wantStatus(t, home, off, stores...)
	if ok, out := javaAccepts(ks, s.url); ok {
		t.Fatalf("java accepted the server before install:\n%s", out)
	}

	if done := s.change(t, home, "install", stores...); len(done) != 2 {
		t.Fatalf("install changed %v, want nss and java", done)
	}
	s.wantStatus(t, home, on, stores...)
	if ok, out := chromiumAccepts(t, home, s.url); !ok {
		t.Fatalf("chromium refused the server after install:\n%s", out)
	}
	if ok, out := javaAccepts(ks, s.url); !ok {
		t.Fatalf("java refused the server after install:\n%s", out)
	}
	// By default (no store flags) pkit finds home/.pki/nssdb itself.
	s.wantStatus(t, home, map[trust.Store][2]bool{trust.NSS: {true, true}}, "--nss")

	before := fileSum(t, db, ks)
	if done := s.change(t, home, "install", stores...); len(done) != 0 {
		t.Fatalf("a second install changed %v", done)
	}
	if fileSum(t, db, ks) != before {
		t.Fatal("a second install changed the NSS database or the keystore")
	}

	if done := s.change(t, home, "uninstall", stores...); len(done) != 2 {
		t.Fatalf("uninstall changed %v, want nss and java", done)
	}
	s.wantStatus(t, home, off, stores...)
	if ok, out := chromiumAccepts(t, home, s.url); ok {
		t.Fatalf("chromium accepted the server after uninstall:\n%s", out)
	}
	if ok, out := javaAccepts(ks, s.url); ok {
		t.Fatalf("java accepted the server after uninstall:\n%s", out)
	}
	if done := s.change(t, home, "uninstall", stores...); len(done) != 0 {
		t.Fatalf("a second uninstall changed %v", done)
	}

	// The root put in by hand under another name: trusted, not pkit's;
	// install has nothing to do and uninstall leaves it.
	mustTool(t, "certutil", "-A", "-d", "sql:"+db, "-n", "mine", "-t", "C,,", "-i", s.root)
	mustTool(t, "keytool", "-importcert", "-noprompt", "-keystore", ks, "-storepass", "changeit", "-alias", "mine", "-file", s.root)
	mine := map[trust.Store][2]bool{trust.NSS: {true, false}, trust.Java: {true, false}}
	s.wantStatus(t, home, mine, stores...)
	if done := s.change(t, home, "install", stores...); len(done) != 0 {
		t.Fatalf("install over a root trusted under another name changed %v", done)
	}
	if done := s.change(t, home, "uninstall", stores...); len(done) != 0 {
		t.Fatalf("uninstall removed a root pkit did not add: %v", done)
	}
}

// TestTrustSystem puts the root into the machine's own store, NSS and
// Java's default cacerts with "pkit trust install --system --nss --java",
// then checks curl (no --cacert), Python's urllib, Java and Chromium; and
// takes it out again. It changes the machine, so it runs only under
// CI=true (a throwaway machine, as root), and restores the stores even
// when it fails.
func TestTrustSystem(t *testing.T) {
	if !inCI() {
		t.Skip("changes the machine's trust stores: runs only under CI=true")
	}
	if os.Geteuid() != 0 {
		t.Fatal("the system trust test must run as root under CI=true")
	}
	needTool(t, "nginx", "curl", "python3", "certutil", "keytool", "java", "javac", "chromium", "update-ca-certificates")
	s := newTrustSite(t)
	javaAccepts := javaProber(t)
	// pkit edits the cacerts of the Java that runs the probe.
	java, err := exec.LookPath("java")
	if err == nil {
		java, err = filepath.EvalSymlinks(java)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.javaHome = filepath.Dir(filepath.Dir(java))
	home := t.TempDir()
	newNSSDB(t, home)
	t.Cleanup(func() {
		// Whatever happened: take out what pkit added.
		if code, _, errOut := s.pkitTrust(t, home, "uninstall", "--system", "--nss", "--java", "--yes"); code != 0 {
			t.Errorf("cleanup: pkit trust uninstall: exit %d\n%s", code, errOut)
		}
	})
	all := []string{"--system", "--nss", "--java"}
	accepts := func() map[string]bool {
		got := map[string]bool{}
		out, err := tool(t, 20*time.Second, "curl", "-sS", "--max-time", "10", s.url)
		got["curl"] = err == nil && strings.Contains(out, trustMarker)
		out, err = tool(t, 20*time.Second, "python3", "-c",
			"import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())", s.url)
		got["python"] = err == nil && strings.Contains(out, trustMarker)
		got["java"], _ = javaAccepts("", s.url)
		got["chromium"], _ = chromiumAccepts(t, home, s.url)
		return got
	}
	want := func(step string, ok bool) {
		t.Helper()
		for client, got := range accepts() {
			if got != ok {
				t.Errorf("%s: %s accepts the server: %v, want %v", step, client, got, ok)
			}
		}
	}
	off := map[trust.Store][2]bool{trust.System: {false, false}, trust.NSS: {false, false}, trust.Java: {false, false}}
	s.wantStatus(t, home, off, all...)

	if done := s.change(t, home, "install", all...); len(done) != 3 {
		t.Fatalf("install changed %v, want system, nss and java", done)
	}
	s.wantStatus(t, home, map[trust.Store][2]bool{trust.System: {true, true}, trust.NSS: {true, true}, trust.Java: {true, true}}, all...)
	want("after install", true)
	if done := s.change(t, home, "install", all...); len(done) != 0 {
		t.Fatalf("a second install changed %v", done)
	}

	if done := s.change(t, home, "uninstall", all...); len(done) != 3 {
		t.Fatalf("uninstall changed %v, want system, nss and java", done)
	}
	s.wantStatus(t, home, off, all...)
	want("after uninstall", false)
}

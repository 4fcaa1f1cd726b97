package main

// Interop: certificates and .p12 files pkit issues, for every key type,
// checked by the real tools people use them with: OpenSSL (verify,
// pkcs12), Java keytool, NSS pk12util (the store Chrome and Firefox use)
// and a TLS handshake with client authentication between openssl s_server
// and curl.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
)

// pkitIn runs pkit in this process (the same code path as the binary) and
// fails t unless it exits 0. It returns stdout.
func pkitIn(t testing.TB, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"pkit"}, args...), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("pkit %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

// issuedSet is a CA of one key type and what it issued, as files.
type issuedSet struct {
	keyType        ca.KeyType
	dir            string // where the leaf files are
	caDir          string
	root, inter    string // CA certificate files
	server         string // localhost, 127.0.0.1, ::1
	serverKey      string
	client         string // alice, with email and SPIFFE URI
	clientChain    string // client certificate + intermediate
	clientKey      string
	p12, legacyP12 string // alice's .p12; bob's --legacy .p12
	legacyCert     string
	pwFile, pw     string
}

// issueSet makes a two-tier CA of key type kt in a temporary directory
// and issues, all with keys of type kt: a server certificate for
// localhost, a client certificate with a .p12, and a second client with
// a --legacy .p12.
func issueSet(t testing.TB, kt ca.KeyType) *issuedSet {
	t.Helper()
	d := t.TempDir()
	s := &issuedSet{keyType: kt, dir: d, caDir: filepath.Join(d, "pki"), pw: "pkit interop " + string(kt),
		pwFile: filepath.Join(d, "p12pass")}
	if err := os.WriteFile(s.pwFile, []byte(s.pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.root, s.inter = filepath.Join(s.caDir, "ca", "root.crt"), filepath.Join(s.caDir, "ca", "intermediate.crt")
	k := string(kt)
	pkitIn(t, "init", "--dir", s.caDir, "--no-encrypt", "--key-type", k, "--name", "Interop "+k)
	common := []string{"--dir", s.caDir, "--key-type", k, "--out-dir", d}
	pkitIn(t, append([]string{"issue", "server", "localhost", "127.0.0.1", "::1", "--chain"}, common...)...)
	pkitIn(t, append([]string{"issue", "client", "alice", "--email", "alice@example.com",
		"--uri", "spiffe://example.internal/ns/test/sa/alice", "--chain", "--p12", "--p12-password-file", s.pwFile}, common...)...)
	pkitIn(t, append([]string{"issue", "client", "bob", "--p12", "--legacy", "--p12-password-file", s.pwFile}, common...)...)
	s.server, s.serverKey = filepath.Join(d, "localhost.pem"), filepath.Join(d, "localhost-key.pem")
	s.client, s.clientChain, s.clientKey = filepath.Join(d, "alice-client.pem"), filepath.Join(d, "alice-client-chain.pem"), filepath.Join(d, "alice-client-key.pem")
	s.p12 = filepath.Join(d, "alice-client.p12")
	s.legacyP12, s.legacyCert = filepath.Join(d, "bob-client.p12"), filepath.Join(d, "bob-client.pem")
	return s
}

// tool runs an external program with a time limit and returns its
// combined output and error.
func tool(t testing.TB, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("%s timed out after %s: %w", name, timeout, ctx.Err())
	}
	return string(out), err
}

// mustTool is tool that fails t when the program fails.
func mustTool(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := tool(t, time.Minute, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func certFile(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

func TestInteropKeyTypes(t *testing.T) {
	needTool(t, "openssl", "keytool", "pk12util", "certutil", "curl")
	for _, kt := range ca.KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			s := issueSet(t, kt)
			t.Run("openssl-verify", func(t *testing.T) { interopVerify(t, s) })
			t.Run("openssl-pkcs12", func(t *testing.T) { interopOpenSSLP12(t, s) })
			t.Run("keytool", func(t *testing.T) { interopKeytool(t, s) })
			t.Run("pk12util", func(t *testing.T) { interopNSS(t, s) })
			t.Run("tls-client-auth", func(t *testing.T) { interopTLS(t, s) })
		})
	}
}

// interopVerify: openssl verify builds root → intermediate → leaf and
// accepts each leaf for its purpose, and refuses it for the other one.
func interopVerify(t *testing.T, s *issuedSet) {
	for _, c := range []struct{ leaf, purpose, wrong string }{
		{s.server, "sslserver", "sslclient"},
		{s.client, "sslclient", "sslserver"},
		{s.legacyCert, "sslclient", "sslserver"},
	} {
		out := mustTool(t, "openssl", "verify", "-x509_strict", "-CAfile", s.root, "-untrusted", s.inter, "-purpose", c.purpose, c.leaf)
		if !strings.Contains(out, c.leaf+": OK") {
			t.Errorf("openssl verify %s: %s", c.leaf, out)
		}
		if out, err := tool(t, time.Minute, "openssl", "verify", "-CAfile", s.root, "-untrusted", s.inter, "-purpose", c.wrong, c.leaf); err == nil {
			t.Errorf("openssl verify accepted %s for %s:\n%s", c.leaf, c.wrong, out)
		}
	}
	// Without the intermediate there is no path: the leaf is not signed
	// by the root.
	if out, err := tool(t, time.Minute, "openssl", "verify", "-CAfile", s.root, s.server); err == nil {
		t.Errorf("openssl verify accepted the server certificate without the intermediate:\n%s", out)
	}
}

// interopOpenSSLP12: openssl pkcs12 opens both .p12 files with the
// password and finds key, certificate and intermediate; a wrong password
// is refused.
func interopOpenSSLP12(t *testing.T, s *issuedSet) {
	for _, c := range []struct {
		file  string
		extra []string
		alg   string
	}{
		{s.p12, nil, "AES-256-CBC"},
		{s.legacyP12, []string{"-legacy"}, "pbeWithSHA1And3-KeyTripleDES-CBC"},
	} {
		args := append([]string{"pkcs12"}, c.extra...)
		out := mustTool(t, "openssl", append(args, "-info", "-in", c.file, "-passin", "file:"+s.pwFile, "-nodes")...)
		for _, want := range []string{c.alg, "Shrouded Keybag", "PRIVATE KEY", "Intermediate CA"} {
			if !strings.Contains(out, want) {
				t.Errorf("openssl pkcs12 -info %s: no %q in\n%s", c.file, want, out)
			}
		}
		if n := strings.Count(out, "BEGIN CERTIFICATE"); n != 2 {
			t.Errorf("openssl pkcs12 -info %s: %d certificates, want 2 (leaf and intermediate)", c.file, n)
		}
		if out, err := tool(t, time.Minute, "openssl", append(args, "-info", "-noout", "-in", c.file, "-passin", "pass:wrong")...); err == nil {
			t.Errorf("openssl pkcs12 opened %s with a wrong password:\n%s", c.file, out)
		}
	}
}

// interopKeytool: Java reads both .p12 files as a PKCS12 keystore with
// one private key entry, aliased by the friendly name, whose certificate
// is the one pkit issued.
func interopKeytool(t *testing.T, s *issuedSet) {
	for _, c := range []struct{ file, cert, name string }{{s.p12, s.client, "alice"}, {s.legacyP12, s.legacyCert, "bob"}} {
		out := mustTool(t, "keytool", "-list", "-storetype", "PKCS12", "-keystore", c.file, "-storepass", s.pw)
		fp := fingerprint(certFile(t, c.cert))
		if !strings.Contains(out, "Your keystore contains 1 entry") || !strings.Contains(out, "\n"+c.name+", ") ||
			!strings.Contains(out, "PrivateKeyEntry") || !strings.Contains(out, fp) {
			t.Errorf("keytool -list %s: want one PrivateKeyEntry %q with SHA-256 %s, got\n%s", c.file, c.name, fp, out)
		}
	}
}

// interopNSS: pk12util imports both .p12 files into a fresh NSS database
// and certutil then lists the key and the certificate.
//
// Exception, Ed25519: NSS before 3.101 has no Ed25519 private key import.
// The NSS of Debian 12 (3.87) fails with SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY,
// so Firefox and Chrome on Linux cannot use an Ed25519 client .p12 there
// (they would not accept Ed25519 for TLS anyway). The test asserts exactly
// that failure, or success on an NSS that has learnt Ed25519.
func interopNSS(t *testing.T, s *issuedSet) {
	db := t.TempDir()
	mustTool(t, "certutil", "-N", "--empty-password", "-d", "sql:"+db)
	for _, c := range []struct{ file, name string }{{s.p12, "alice"}, {s.legacyP12, "bob"}} {
		out, err := tool(t, time.Minute, "pk12util", "-i", c.file, "-d", "sql:"+db, "-w", s.pwFile)
		if s.keyType == ca.Ed25519 && err != nil {
			if !strings.Contains(out, "SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY") {
				t.Errorf("pk12util -i %s (ed25519): want success or SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY, got %v\n%s", c.file, err, out)
			}
			t.Logf("pk12util cannot import the Ed25519 key of %s (this NSS lacks Ed25519): %s", c.file, errorLine(out))
			continue
		}
		if err != nil || !strings.Contains(out, "PKCS12 IMPORT SUCCESSFUL") {
			t.Errorf("pk12util -i %s: %v\n%s", c.file, err, out)
			continue
		}
		if strings.Contains(out, "no nickname") {
			t.Errorf("pk12util -i %s: the .p12 has no friendly name:\n%s", c.file, out)
		}
		// The friendly name is the nickname: "alice", not NSS's made-up
		// "alice - Interop CA".
		certs := mustTool(t, "certutil", "-L", "-d", "sql:"+db)
		if !regexp.MustCompile(`(?m)^` + c.name + `\s+u,u,u$`).MatchString(certs) {
			t.Errorf("certutil -L after importing %s: no user certificate nicknamed %q:\n%s", c.file, c.name, certs)
		}
		keys := mustTool(t, "certutil", "-K", "-d", "sql:"+db)
		if !strings.Contains(keys, c.name) {
			t.Errorf("certutil -K after importing %s: no key for %q:\n%s", c.file, c.name, keys)
		}
	}
}

// errorLine is the line of a tool's output that names the error.
func errorLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "error") {
			return l
		}
	}
	return strings.TrimSpace(s)
}

// interopTLS: openssl s_server serves the server certificate (with the
// intermediate) and requires a client certificate from the root; curl
// with alice's certificate chain gets a page, curl without one is
// refused, and so is curl with the bare leaf (the server cannot build the
// path without the intermediate).
func interopTLS(t *testing.T, s *issuedSet) {
	port, stop := startSServer(t, s)
	defer stop()
	url := fmt.Sprintf("https://localhost:%s/", port)
	curl := func(extra ...string) (string, error) {
		args := append([]string{"-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
			"--resolve", "localhost:" + port + ":127.0.0.1", "--cacert", s.root}, extra...)
		return tool(t, 30*time.Second, "curl", append(args, url)...)
	}
	out, err := curl("--cert", s.clientChain, "--key", s.clientKey)
	if err != nil || out != "200" {
		t.Errorf("curl with the client certificate: %v\n%s", err, out)
	}
	out, err = curl()
	if err == nil {
		t.Errorf("curl without a client certificate got through: %s", out)
	} else if !strings.Contains(out, "certificate required") && !strings.Contains(out, "handshake failure") {
		t.Errorf("curl without a client certificate failed, but not for want of one: %s", out)
	}
	if out, err = curl("--cert", s.client, "--key", s.clientKey); err == nil {
		t.Errorf("curl with the leaf alone (no intermediate) got through: %s", out)
	}
}

// startSServer starts openssl s_server on a free port of 127.0.0.1 (port
// 0, read back from its "ACCEPT" line) and returns the port and a stop
// function.
func startSServer(t *testing.T, s *issuedSet) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, "openssl", "s_server", "-accept", "127.0.0.1:0",
		"-cert", s.server, "-key", s.serverKey, "-cert_chain", s.inter,
		"-CAfile", s.root, "-Verify", "1", "-verify_return_error", "-www", "-naccept", "10")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		cancel()
		cmd.Wait()
	}
	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ACCEPT "); ok {
				portc <- a[strings.LastIndexByte(a, ':')+1:]
			}
		}
		close(portc)
	}()
	select {
	case p, ok := <-portc:
		if !ok {
			stop()
			t.Fatalf("openssl s_server exited: %s", stderr.String())
		}
		return p, stop
	case <-time.After(20 * time.Second):
		stop()
		t.Fatalf("openssl s_server did not start in 20s: %s", stderr.String())
	}
	return "", nil
}

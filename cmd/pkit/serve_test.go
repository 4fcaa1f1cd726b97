//go:build unix

package main

// pkit serve, end to end with the real tools: openssl ocsp gets good, then
// revoked (time and reason) right after pkit revoke, and unknown for a
// serial pkit never issued, from the CA's key and from a delegated
// signer; curl fetches the CRL and CA issuers URLs the certificates carry
// and gets the published files byte for byte; nginx with ssl_ocsp on
// refuses a revoked client certificate through pkit's responder; bad
// input gets OCSP or HTTP errors; SIGTERM stops it cleanly.

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveSet is a CA directory whose certificates carry the URLs of a pkit
// serve on port, and the client certificates it issued.
type serveSet struct {
	*mtlsSet
	bin  string
	port int
	base string
}

func newServeSet(t *testing.T) *serveSet {
	t.Helper()
	d := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	s := &mtlsSet{dir: d, caDir: filepath.Join(d, "pki")}
	pkitIn(t, "init", "--dir", s.caDir, "--no-encrypt", "--name", "Serve",
		"--crl-url", base+"/crl/{ca}.crl", "--ocsp-url", base+"/ocsp", "--ca-issuers-url", base+"/ca/{ca}.crt")
	pkitIn(t, "issue", "server", "localhost", "127.0.0.1", "--dir", s.caDir, "--out-dir", d, "--chain")
	for _, name := range []string{"alice", "bob"} {
		pkitIn(t, "issue", "client", name, "--dir", s.caDir, "--out-dir", d)
	}
	pkitIn(t, "crl", "--dir", s.caDir)
	s.root = filepath.Join(s.caDir, "ca", "root.crt")
	s.clientCAs = filepath.Join(d, "client-cas.pem")
	cat(t, s.clientCAs, s.root, filepath.Join(s.caDir, "ca", "intermediate.crt"))
	s.serverChain, s.key = filepath.Join(d, "localhost-chain.pem"), filepath.Join(d, "localhost-key.pem")
	return &serveSet{mtlsSet: s, bin: buildPkit(t), port: port, base: base}
}

// serve starts pkit serve on port with extra flags.
func (s *serveSet) serve(t *testing.T, port int, args ...string) *server {
	t.Helper()
	return startServer(t, port, s.bin, append([]string{"serve", "--dir", s.caDir, "--listen", fmt.Sprintf("127.0.0.1:%d", port)}, args...)...)
}

// ocsp asks the responder at port about a certificate file (or "-serial
// 0x…") with openssl ocsp, verifying against the root, and returns its
// output.
func (s *serveSet) ocsp(t *testing.T, port int, issuer string, cert ...string) string {
	t.Helper()
	args := append([]string{"ocsp", "-issuer", filepath.Join(s.caDir, "ca", issuer+".crt"),
		"-url", fmt.Sprintf("http://127.0.0.1:%d/ocsp", port), "-CAfile", s.root}, cert...)
	out, _ := tool(t, 30*time.Second, "openssl", args...)
	return out
}

func clientFile(s *serveSet, name string) string { return filepath.Join(s.dir, name+"-client.pem") }

func TestServeOCSPWithOpenSSL(t *testing.T) {
	needTool(t, "openssl", "curl")
	s := newServeSet(t)
	srv := s.serve(t, s.port)
	delegatedPort := freePort(t)
	// Signers of 12 s: serve renews them 8 s after the start, and again.
	del := s.serve(t, delegatedPort, "--delegated", "--signer-validity", "12s", "--allow-short")
	for _, port := range []int{s.port, delegatedPort} {
		for _, extra := range [][]string{nil, {"-no_nonce"}} {
			out := s.ocsp(t, port, "intermediate", append([]string{"-cert", clientFile(s, "alice")}, extra...)...)
			if !strings.Contains(out, "Response verify OK") || !regexp.MustCompile(`alice-client.pem: good`).MatchString(out) {
				t.Fatalf("port %d %v: alice is not good:\n%s", port, extra, out)
			}
			if extra == nil && strings.Contains(out, "WARNING: no nonce") {
				t.Errorf("the nonce was not echoed:\n%s", out)
			}
		}
	}
	before := time.Now().UTC().Truncate(time.Second)
	invalid := before.Add(-48 * time.Hour)
	pkitIn(t, "revoke", "alice", "--dir", s.caDir, "--reason", "keyCompromise", "--invalidity-date", invalid.Format(time.RFC3339))
	after := time.Now().UTC()
	for _, port := range []int{s.port, delegatedPort} {
		out := s.ocsp(t, port, "intermediate", "-cert", clientFile(s, "alice"), "-cert", clientFile(s, "bob"))
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, "alice-client.pem: revoked") ||
			!strings.Contains(out, "Reason: keyCompromise") || !strings.Contains(out, "bob-client.pem: good") {
			t.Fatalf("port %d after revoke:\n%s", port, out)
		}
		m := regexp.MustCompile(`Revocation Time: (.*GMT)`).FindStringSubmatch(out)
		at, err := time.Parse("Jan _2 15:04:05 2006 GMT", strings.TrimSpace(m[1]))
		if err != nil || at.Before(before) || at.After(after) {
			t.Errorf("revocation time %q, want between %v and %v", m[1], before, after)
		}
		// The invalidity date goes with the revocation (a single
		// extension, RFC 6960 section 4.4).
		resp := filepath.Join(s.dir, "revoked.der")
		s.ocsp(t, port, "intermediate", "-cert", clientFile(s, "alice"), "-respout", resp)
		text := mustTool(t, "openssl", "ocsp", "-respin", resp, "-resp_text", "-noverify")
		if want := "Invalidity Date: \n *" + regexp.QuoteMeta(invalid.Format("Jan _2 15:04:05 2006 GMT")); !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("port %d: no invalidity date %s in the response:\n%s", port, invalid, text)
		}
		out = s.ocsp(t, port, "intermediate", "-serial", "0x0123456789abcdef")
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, "0x0123456789abcdef: unknown") {
			t.Errorf("port %d, a serial never issued:\n%s", port, out)
		}
		// The root answers for the intermediate.
		out = s.ocsp(t, port, "root", "-cert", filepath.Join(s.caDir, "ca", "intermediate.crt"))
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, "intermediate.crt: good") {
			t.Errorf("port %d, the intermediate:\n%s", port, out)
		}
	}
	// The delegated signers are in the store, as every certificate pkit
	// signs; the responses carry them.
	if list := pkitIn(t, "list", "--dir", s.caDir); strings.Count(list, "ocsp-signer") < 2 {
		t.Errorf("pkit list shows %d OCSP signers, want 2 or more:\n%s", strings.Count(list, "ocsp-signer"), list)
	}
	// The signers are renewed before they expire, and the responses are
	// signed by the new ones.
	// (Watched in the store, which records each one, not in the output
	// the server is still writing.)
	deadline := time.Now().Add(40 * time.Second)
	for strings.Count(pkitIn(t, "list", "--dir", s.caDir), "Intermediate CA OCSP signer") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no renewal of the intermediate's OCSP signer after 40 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if out := s.ocsp(t, delegatedPort, "intermediate", "-cert", clientFile(s, "bob")); !strings.Contains(out, "Response verify OK") || !strings.Contains(out, "bob-client.pem: good") {
		t.Errorf("after the signer's renewal:\n%s", out)
	}
	resp := filepath.Join(s.dir, "resp.der")
	s.ocsp(t, delegatedPort, "intermediate", "-cert", clientFile(s, "bob"), "-respout", resp)
	text := mustTool(t, "openssl", "ocsp", "-respin", resp, "-resp_text", "-noverify")
	if !strings.Contains(text, "OCSP Signing") || !strings.Contains(text, "OCSP No Check") {
		t.Errorf("the delegated response does not carry an OCSP signing certificate with ocsp-nocheck:\n%s", text)
	}

	// curl: the URLs the certificates carry are the published files.
	leaf := readCert(t, clientFile(s, "bob"))
	if len(leaf.CRLDistributionPoints) != 1 || len(leaf.IssuingCertificateURL) != 1 || len(leaf.OCSPServer) != 1 {
		t.Fatalf("bob's certificate has no URLs: %v %v %v", leaf.CRLDistributionPoints, leaf.IssuingCertificateURL, leaf.OCSPServer)
	}
	crl := filepath.Join(s.dir, "fetched.crl")
	mustTool(t, "curl", "-fsS", "-o", crl, leaf.CRLDistributionPoints[0])
	sameBytes(t, crl, filepath.Join(s.caDir, "crl", "intermediate.crl"))
	// A CRL published while serving is served at once.
	pkitIn(t, "crl", "--dir", s.caDir)
	mustTool(t, "curl", "-fsS", "-o", crl, leaf.CRLDistributionPoints[0])
	sameBytes(t, crl, filepath.Join(s.caDir, "crl", "intermediate.crl"))
	if out := mustTool(t, "openssl", "crl", "-inform", "DER", "-in", crl, "-noout", "-text"); !strings.Contains(out, strings.ToUpper(fmt.Sprintf("%x", readCert(t, clientFile(s, "alice")).SerialNumber))) {
		t.Errorf("the fetched CRL does not list alice:\n%s", out)
	}
	inter := readCert(t, filepath.Join(s.caDir, "ca", "intermediate.crt"))
	fetched := filepath.Join(s.dir, "fetched.crt")
	mustTool(t, "curl", "-fsS", "-o", fetched, leaf.IssuingCertificateURL[0])
	if data, _ := os.ReadFile(fetched); !bytes.Equal(data, inter.Raw) {
		t.Errorf("%s is not the intermediate's DER", leaf.IssuingCertificateURL[0])
	}
	rootCRL := filepath.Join(s.dir, "root.crl")
	mustTool(t, "curl", "-fsS", "-o", rootCRL, inter.CRLDistributionPoints[0])
	sameBytes(t, rootCRL, filepath.Join(s.caDir, "crl", "root.crl"))
	if out := mustTool(t, "curl", "-fsS", s.base+"/healthz"); out != "ok\n" {
		t.Errorf("healthz: %q", out)
	}

	// Bad input: OCSP errors for bad requests, HTTP errors for bad HTTP,
	// and the server stays up.
	other := t.TempDir()
	pkitIn(t, "init", "--dir", other, "--no-encrypt", "--name", "Other")
	out, _ := tool(t, 30*time.Second, "openssl", "ocsp", "-issuer", filepath.Join(other, "ca", "intermediate.crt"),
		"-serial", "0x01", "-url", s.base+"/ocsp")
	if !strings.Contains(out, "unauthorized") {
		t.Errorf("a request for another CA:\n%s", out)
	}
	post := func(body []byte) (int, []byte) {
		r, err := http.Post(s.base+"/ocsp", "application/ocsp-request", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, b
	}
	if code, body := post([]byte("\x30\x05garbage")); code != 200 || !bytes.Equal(body, []byte{0x30, 0x03, 0x0a, 0x01, 0x01}) {
		t.Errorf("malformed request: %d % x", code, body)
	}
	if code, _ := post(make([]byte, 1<<20)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MiB request: %d", code)
	}
	if r, err := http.Get(s.base + "/nothing-here"); err != nil || r.StatusCode != 404 {
		t.Errorf("unknown path: %v %v", r, err)
	}
	// A slow client holds its connection, not the server.
	slow, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(slow, "POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0")
	if out := s.ocsp(t, s.port, "intermediate", "-cert", clientFile(s, "bob")); !strings.Contains(out, "bob-client.pem: good") {
		t.Errorf("with a slow client connected:\n%s", out)
	}

	slow.Close()

	// SIGTERM: a clean stop, exit 0.
	for _, sv := range []*server{srv, del} {
		sv.signal(t, syscall.SIGTERM)
		// startServer's goroutine reaps it; wait (bounded) until it is gone.
		deadline := time.Now().Add(15 * time.Second)
		for syscall.Kill(sv.cmd.Process.Pid, 0) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("pkit serve still running 15s after SIGTERM")
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if st := sv.cmd.ProcessState; st == nil || st.ExitCode() != 0 || !strings.Contains(sv.out.String(), "pkit serve: stopped") {
			t.Errorf("after SIGTERM: %v\n%s", st, sv.out.String())
		}
	}
	// The access log has a line per OCSP answer.
	if log := srv.out.String(); !strings.Contains(log, `"POST /ocsp" 200`) || !strings.Contains(log, " revoked") {
		t.Errorf("access log:\n%s", log)
	}
}

// TestServeNginxOCSP: nginx verifying client certificates with ssl_ocsp
// on asks pkit serve (the URL in the certificates' AIA) about the client
// certificate and the intermediate, and refuses a revoked one.
func TestServeNginxOCSP(t *testing.T) {
	needTool(t, "nginx", "curl", "openssl")
	s := newServeSet(t)
	s.serve(t, s.port)
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
		ssl_ocsp on;
		location / {
			default_type text/html;
			return 200 '<!doctype html><html><body><p id="m">%[6]s</p></body></html>\n';
		}
	}
`, prefix, port, s.serverChain, s.key, s.clientCAs, marker)
	startNginxHTTP(t, prefix, port, http)
	s.expect(t, port, map[string]bool{"alice": true, "bob": true, "": false})
	// No CRL, no reload: the responder answers revoked at once.
	pkitIn(t, "revoke", "alice", "--dir", s.caDir, "--reason", "keyCompromise")
	s.expect(t, port, map[string]bool{"alice": false, "bob": true})
	if log, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log")); !strings.Contains(string(log), "revoked") {
		t.Errorf("nginx's error log does not say the certificate is revoked:\n%s", log)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sameBytes(t *testing.T, got, want string) {
	t.Helper()
	a, err1 := os.ReadFile(got)
	b, err2 := os.ReadFile(want)
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		t.Errorf("%s differs from %s (%v %v)", got, want, err1, err2)
	}
}

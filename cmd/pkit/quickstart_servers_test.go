//go:build unix

package main

// What "pkit quickstart" prints must work as printed: its nginx server
// block and HAProxy frontend are pasted into minimal configurations, the
// servers started, and its curl line run. The only change the test makes
// is the port numbers (8443 and 8444 may be taken on a shared machine).

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quickstartBlock returns the lines of out from the first line that
// starts with start up to and including the first one after it that
// starts with end (or to the next empty line when end is "").
func quickstartBlock(t *testing.T, out, start, end string) string {
	t.Helper()
	var b strings.Builder
	in := false
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if !in && strings.HasPrefix(trimmed, start) {
			in = true
		}
		if !in {
			continue
		}
		if end == "" && trimmed == "" {
			break
		}
		b.WriteString(line + "\n")
		if end != "" && trimmed == end {
			break
		}
	}
	if b.Len() == 0 {
		t.Fatalf("quickstart printed no %q block:\n%s", start, out)
	}
	return b.String()
}

func TestQuickstartAsPrinted(t *testing.T) {
	needTool(t, "nginx", "haproxy", "curl")
	d := t.TempDir()
	dir := filepath.Join(d, "pki")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"pkit", "quickstart", "--dir", dir}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("quickstart: exit %d\n%s", code, stderr.String())
	}
	out := stderr.String()
	if strings.Contains(out, "pkit ") && !strings.Contains(out, "pkit init") {
		// Every pkit command it prints must be runnable; today it prints none.
		t.Errorf("quickstart prints a pkit command:\n%s", out)
	}
	nginxPort, haproxyPort := freePort(t), freePort(t)
	ports := strings.NewReplacer("8443", fmt.Sprint(nginxPort), "8444", fmt.Sprint(haproxyPort))

	// nginx: the printed server block inside a minimal http block.
	prefix := filepath.Join(d, "nginx")
	serverBlock := ports.Replace(quickstartBlock(t, out, "server {", "}"))
	http := fmt.Sprintf(`	access_log off;
%[2]s`, prefix, serverBlock)
	nginx := startNginxHTTP(t, prefix, nginxPort, http)

	// HAProxy: the printed frontend after a minimal global/defaults.
	frontend := ports.Replace(quickstartBlock(t, out, "frontend mtls", ""))
	hconf := "global\n  log stderr format raw local0\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 10s\n  timeout server 10s\n" + frontend
	haproxyConf := filepath.Join(d, "haproxy.cfg")
	if err := os.WriteFile(haproxyConf, []byte(hconf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, haproxyPort, "haproxy", "-db", "-f", haproxyConf)

	// curl: the printed line, to each server; with the client certificate
	// the page arrives, without it the server refuses.
	curlLine := strings.TrimSpace(quickstartBlock(t, out, "curl --cacert", ""))
	for _, port := range []int{nginxPort, haproxyPort} {
		line := strings.Replace(ports.Replace(curlLine), fmt.Sprint(nginxPort), fmt.Sprint(port), 1)
		args := append([]string{"-sS", "--max-time", "10"}, strings.Fields(strings.TrimPrefix(line, "curl "))...)
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := exec.Command("curl", args...).CombinedOutput()
			if err == nil && strings.Contains(string(got), "over mTLS") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the printed curl line against port %d: %v\n%s\nconfig:\n%s%s", port, err, got, serverBlock, frontend)
			}
			time.Sleep(200 * time.Millisecond)
		}
		noCert := []string{"-sS", "--max-time", "10", "--cacert", filepath.Join(dir, "ca", "root.crt"), fmt.Sprintf("https://localhost:%d/", port)}
		if got, err := exec.Command("curl", noCert...).CombinedOutput(); err == nil && strings.Contains(string(got), "over mTLS") {
			t.Errorf("port %d gives the page without a client certificate:\n%s", port, got)
		}
	}

	// Renew in place: pkit renew writes the files quickstart made, so
	// nginx serves the new server certificate and takes the new client
	// certificate after a reload, with its configuration untouched.
	certs := filepath.Join(dir, "certs")
	oldServer, oldClient := certFile(t, filepath.Join(certs, "localhost.pem")), certFile(t, filepath.Join(certs, "client.pem"))
	pkitIn(t, "renew", "localhost", "--dir", dir, "--force")
	pkitIn(t, "renew", "client", "--dir", dir, "--force", "--p12-password-file", filepath.Join(certs, "client.p12.pass"))
	newServer, newClient := certFile(t, filepath.Join(certs, "localhost.pem")), certFile(t, filepath.Join(certs, "client.pem"))
	if newServer.SerialNumber.Cmp(oldServer.SerialNumber) == 0 || newClient.SerialNumber.Cmp(oldClient.SerialNumber) == 0 {
		t.Fatal("pkit renew did not replace the files quickstart wrote")
	}
	nginx.signal(t, syscall.SIGHUP)
	pair, err := tls.LoadX509KeyPair(filepath.Join(certs, "client.pem"), filepath.Join(certs, "client-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		served, page := quickstartFetch(t, nginxPort, pair)
		if served != nil && served.SerialNumber.Cmp(newServer.SerialNumber) == 0 && strings.Contains(page, "over mTLS") {
			break
		}
		if time.Now().After(deadline) {
			var got any = "nothing"
			if served != nil {
				got = served.SerialNumber
			}
			t.Fatalf("after renew and a reload nginx serves %v (want the renewed %v) and answers %q", got, newServer.SerialNumber, page)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// quickstartFetch connects to localhost:port with the client certificate
// pair and returns the server's certificate and the page (nil, "" when
// the connection failed).
func quickstartFetch(t *testing.T, port int, pair tls.Certificate) (*x509.Certificate, string) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", port),
		&tls.Config{ServerName: "localhost", InsecureSkipVerify: true, Certificates: []tls.Certificate{pair}})
	if err != nil {
		return nil, ""
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	served := conn.ConnectionState().PeerCertificates[0]
	fmt.Fprintf(conn, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
	page, _ := io.ReadAll(conn)
	return served, string(page)
}

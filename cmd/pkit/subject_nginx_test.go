//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNginxSeesSubjectFields: the subject fields given at issuance
// (--subject) and those a CSR carries through "pkit sign" reach nginx's
// $ssl_client_s_dn, which nginx (and the load balancers that copy it
// into a header) authorise by. nginx writes the DN as RFC 2253 does, the
// last RDN first.
func TestNginxSeesSubjectFields(t *testing.T) {
	needTool(t, "nginx", "curl")
	d := t.TempDir()
	caDir := filepath.Join(d, "pki")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "Subjects", "--subject", "C=DE")
	pkitIn(t, "issue", "server", "localhost", "--dir", caDir, "--out-dir", d, "--chain")
	pkitIn(t, "issue", "client", "alice", "--dir", caDir, "--out-dir", d, "--subject", "O=Acme, OU=Ops, C=DE")
	csrDir := filepath.Join(d, "bob")
	if err := os.Mkdir(csrDir, 0o755); err != nil {
		t.Fatal(err)
	}
	pkitIn(t, "csr", "bob", "--email", "bob@example.com", "--subject", "O=Acme, OU=Dev, OU=Payments", "--out-dir", csrDir)
	pkitIn(t, "sign", filepath.Join(csrDir, "bob.csr"), "--dir", caDir, "--profile", "client", "-o", filepath.Join(d, "bob-client.pem"))
	if err := os.Rename(filepath.Join(csrDir, "bob-key.pem"), filepath.Join(d, "bob-client-key.pem")); err != nil {
		t.Fatal(err)
	}
	clientCAs := filepath.Join(d, "client-cas.pem")
	cat(t, clientCAs, filepath.Join(caDir, "ca", "root.crt"), filepath.Join(caDir, "ca", "intermediate.crt"))

	prefix := filepath.Join(d, "nginx")
	port := freePort(t)
	http := fmt.Sprintf(`	log_format dn '$ssl_client_s_dn';
	access_log %[1]s/logs/access.log dn;
	server {
		listen 127.0.0.1:%[2]d ssl;
		server_name localhost;
		ssl_certificate %[3]s;
		ssl_certificate_key %[4]s;
		ssl_client_certificate %[5]s;
		ssl_verify_client on;
		ssl_verify_depth 2;
		location / {
			default_type text/plain;
			return 200 'dn=[$ssl_client_s_dn]\n';
		}
	}
`, prefix, port, filepath.Join(d, "localhost-chain.pem"), filepath.Join(d, "localhost-key.pem"), clientCAs)
	startNginxHTTP(t, prefix, port, http)

	for _, tt := range []struct{ name, want string }{
		{"alice", "CN=alice,OU=Ops,O=Acme,C=DE"},
		{"bob", "CN=bob,OU=Payments,OU=Dev,O=Acme"},
	} {
		out, err := tool(t, 20*time.Second, "curl", "-sS", "--max-time", "10", "--cacert", filepath.Join(caDir, "ca", "root.crt"),
			"--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", port), fmt.Sprintf("https://localhost:%d/", port),
			"--cert", filepath.Join(d, tt.name+"-client.pem"), "--key", filepath.Join(d, tt.name+"-client-key.pem"))
		if err != nil {
			t.Fatalf("curl as %s: %v\n%s", tt.name, err, out)
		}
		if got := strings.TrimSpace(out); got != "dn=["+tt.want+"]" {
			t.Errorf("nginx saw %s as %q, want dn=[%s]", tt.name, got, tt.want)
		}
	}
	// The access log has the same DNs (nginx writes it as each request ends).
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(filepath.Join(prefix, "logs", "access.log"))
		if strings.Contains(string(log), "CN=alice,OU=Ops,O=Acme,C=DE\n") && strings.Contains(string(log), "CN=bob,OU=Payments,OU=Dev,O=Acme\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log after 10s:\n%s", log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

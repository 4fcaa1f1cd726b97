//go:build unix

package main

// pkit probe against real nginx and HAProxy on 127.0.0.1, each started
// once with one server block (nginx) or bind line (HAProxy) per
// configuration: correct; serving only its leaf; a client-CA file with
// only the intermediate; one with only the root. Every case runs over
// TLS 1.2 and TLS 1.3, where the refusals differ (TLS 1.2 alerts come
// during the handshake, TLS 1.3 alerts after it; nginx answers HTTP 400
// in both).

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/chain/chaintest"
	"github.com/pkit/pkit/formats"
)

// probeFiles are the files of the probe cases, beside an mtlsSet.
type probeFiles struct {
	interOnly, rootOnly string // client-CA files lacking the root, or the intermediate
	serverLeaf, leafKey string // the server certificate without its chain
	aliceChain          string // alice's certificate then the intermediate
	expired, expiredKey string // a client certificate of the CA that expired yesterday
}

func newProbeFiles(t *testing.T, s *mtlsSet) *probeFiles {
	t.Helper()
	inter := filepath.Join(s.caDir, "ca", "intermediate.crt")
	f := &probeFiles{interOnly: filepath.Join(s.dir, "ca-inter-only.pem"), rootOnly: filepath.Join(s.dir, "ca-root-only.pem"),
		serverLeaf: filepath.Join(s.dir, "localhost.pem"), leafKey: s.key, aliceChain: filepath.Join(s.dir, "alice-chain.pem"),
		expired: filepath.Join(s.dir, "dave-client.pem"), expiredKey: filepath.Join(s.dir, "dave-client-key.pem")}
	cat(t, f.interOnly, inter)
	cat(t, f.rootOnly, s.root)
	cat(t, f.aliceChain, filepath.Join(s.dir, "alice-client.pem"), inter)
	// pkit never issues an expired certificate: sign one with the
	// intermediate's key (the CA was made with --no-encrypt).
	keyPEM, err := os.ReadFile(filepath.Join(s.caDir, "ca", "intermediate.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := formats.ParsePrivateKey(keyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	dave := chaintest.Must(chaintest.New(chaintest.Spec{CN: "dave", Issuer: &chaintest.Cert{Certificate: certFile(t, inter), Key: key},
		NotBefore: now.AddDate(0, 0, -30), NotAfter: now.AddDate(0, 0, -1), EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}))
	if err := os.WriteFile(f.expired, chaintest.PEM(dave.Certificate), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.expiredKey, chaintest.KeyPEM(dave.Key), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// probeConfigs are the server configurations, by name.
var probeConfigs = []string{"good", "leaf-only", "ca-inter-only", "ca-root-only"}

// startProbeNginx runs one nginx with a server block per configuration
// and returns their ports.
func startProbeNginx(t *testing.T, s *mtlsSet, f *probeFiles) map[string]int {
	t.Helper()
	prefix := filepath.Join(s.dir, "nginx-probe")
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	ports := map[string]int{}
	var blocks strings.Builder
	for _, name := range probeConfigs {
		ports[name] = freePort(t)
		crt, cas, crl := s.serverChain, s.clientCAs, "ssl_crl "+s.bundle+";"
		switch name {
		case "leaf-only":
			crt = f.serverLeaf
		case "ca-inter-only":
			cas, crl = f.interOnly, ""
		case "ca-root-only":
			cas, crl = f.rootOnly, ""
		}
		fmt.Fprintf(&blocks, `	server {
		listen 127.0.0.1:%d ssl;
		ssl_certificate %s;
		ssl_certificate_key %s;
		ssl_client_certificate %s;
		%s
		location / { return 200 '%s\n'; }
	}
`, ports[name], crt, s.key, cas, crl, marker)
	}
	http := fmt.Sprintf(`	access_log off;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_verify_client on;
	ssl_verify_depth 2;
%[2]s`, prefix, blocks.String())
	// nginx and HAProxy bind every listener before serving any: when one
	// port answers, all do.
	startNginxHTTP(t, prefix, ports[probeConfigs[0]], http)
	return ports
}

// startProbeHAProxy runs one HAProxy with a bind line per configuration
// and returns their ports.
func startProbeHAProxy(t *testing.T, s *mtlsSet, f *probeFiles) map[string]int {
	t.Helper()
	full, leaf := filepath.Join(s.dir, "localhost-haproxy.pem"), filepath.Join(s.dir, "localhost-haproxy-leaf.pem")
	pkitIn(t, "convert", s.serverChain, full, "--key", s.key)
	pkitIn(t, "convert", f.serverLeaf, leaf, "--key", f.leafKey)
	ports := map[string]int{}
	var binds strings.Builder
	for _, name := range probeConfigs {
		ports[name] = freePort(t)
		crt, cas, crl := full, s.clientCAs, " crl-file "+s.bundle
		switch name {
		case "leaf-only":
			crt = leaf
		case "ca-inter-only":
			cas, crl = f.interOnly, ""
		case "ca-root-only":
			cas, crl = f.rootOnly, ""
		}
		fmt.Fprintf(&binds, "\tbind 127.0.0.1:%d ssl crt %s ca-file %s%s verify required\n", ports[name], crt, cas, crl)
	}
	conf := fmt.Sprintf(`global
	maxconn 64
defaults
	mode http
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend probe
%s	http-request return status 200 content-type text/plain string "%s"
`, binds.String(), marker)
	confPath := filepath.Join(s.dir, "haproxy-probe.cfg")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := tool(t, 20*time.Second, "haproxy", "-c", "-f", confPath); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	startServer(t, ports[probeConfigs[0]], "haproxy", "-W", "-db", "-f", confPath)
	return ports
}

// serialHex is a serial as inspect and list write it.
var serialHex = regexp.MustCompile(`^([0-9a-f]{2})+$`)

// probeOut is the part of pkit probe --json the tests look at.
type probeOut struct {
	Outcome  string `json:"outcome"`
	Stage    string `json:"stage"`
	OK       bool   `json:"ok"`
	Protocol string `json:"protocol"`
	Alert    *struct {
		Name string `json:"name"`
	} `json:"alert"`
	HTTP *struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	} `json:"http"`
	Server *struct {
		Sent []struct {
			Serial string `json:"serial"`
		} `json:"sent"`
		Valid bool `json:"valid"`
	} `json:"server"`
	Client struct {
		Requested     bool `json:"requested"`
		AcceptableCAs []struct {
			Name  string `json:"name"`
			Known bool   `json:"known"`
		} `json:"acceptable_cas"`
		ChainsToCA *bool `json:"chains_to_accepted_ca"`
	} `json:"client"`
	Findings []struct {
		Cause   string `json:"cause"`
		Detail  string `json:"detail"`
		Fix     string `json:"fix"`
		Warning bool   `json:"warning"`
	} `json:"findings"`
	exit   int
	stderr string
}

// probeRun runs pkit probe --json in this process.
func probeRun(t *testing.T, args ...string) (probeOut, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"pkit", "probe", "--json"}, args...), strings.NewReader(""), &stdout, &stderr)
	var out probeOut
	if code != 1 || stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("pkit probe %s: exit %d, stdout is not JSON: %v\n%s\n%s", strings.Join(args, " "), code, err, stdout.String(), stderr.String())
		}
	} else {
		out.Outcome = "error"
	}
	out.exit, out.stderr = code, stderr.String()
	return out, stderr.String()
}

func TestProbeServers(t *testing.T) {
	s := newMTLSSet(t)
	s.revokeAndPublish(t, "bob")
	// Revoked in the CA's records, but no CRL published since: the
	// servers still accept carol, and probe says why they should not.
	pkitIn(t, "revoke", "carol", "--dir", s.caDir, "--no-publish")
	pkitIn(t, "issue", "client", "erin", "--dir", s.caDir, "--out-dir", s.dir, "--p12", "--p12-password-file", s.pwFile)
	f := newProbeFiles(t, s)
	client := func(name string) []string {
		return []string{"--cert", filepath.Join(s.dir, name+"-client.pem"), "--key", filepath.Join(s.dir, name+"-client-key.pem")}
	}
	inter := "Servers Intermediate CA"
	cases := []struct {
		name, config string
		args         []string
		exit         int
		outcome      string
		cause        string // the first finding's
		mention      string // in its detail or fix
	}{
		{"accepted", "good", client("alice"), 0, "accepted", "", ""},
		// Accepted: exit 0; the server's incomplete chain is a warning
		// with its fix.
		{"server-leaf-only", "leaf-only", client("alice"), 0, "accepted", "server-chain-incomplete", inter},
		{"ca-file-without-root", "ca-inter-only", client("alice"), 3, "refused", "client-ca-file-incomplete", "Servers Root CA"},
		{"ca-file-root-only-client-sends-leaf", "ca-root-only", client("alice"), 3, "refused", "client-chain-incomplete", inter},
		{"ca-file-root-only-client-sends-chain", "ca-root-only", []string{"--cert", f.aliceChain, "--key", filepath.Join(s.dir, "alice-client-key.pem")}, 0, "accepted", "", ""},
		// A .p12 holds the intermediate, which the client then sends.
		{"p12-to-root-only-server", "ca-root-only", []string{"--p12", filepath.Join(s.dir, "erin-client.p12"), "--password-file", s.pwFile}, 0, "accepted", "", ""},
		{"no-client-cert", "good", nil, 3, "refused", "client-cert-not-sent", "--cert"},
		{"revoked", "good", client("bob"), 3, "refused", "client-cert-revoked", "keyCompromise"},
		{"revoked-not-published", "good", client("carol"), 0, "accepted", "client-cert-revoked", "pkit crl"},
		// A server certificate (serverAuth only) used as a client's.
		{"wrong-eku", "good", []string{"--cert", s.serverChain, "--key", s.key}, 3, "refused", "client-cert-wrong-eku", "clientAuth"},
		{"expired", "good", []string{"--cert", f.expired, "--key", f.expiredKey}, 3, "refused", "client-cert-expired", "expired"},
		{"foreign-ca", "good", client("mallory"), 3, "refused", "client-cert-foreign-ca", "Foreign"},
	}
	servers := []struct {
		name, tool string
		start      func(*testing.T, *mtlsSet, *probeFiles) map[string]int
	}{{"nginx", "nginx", startProbeNginx}, {"haproxy", "haproxy", startProbeHAProxy}}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			needTool(t, srv.tool)
			ports := srv.start(t, s, f)
			for _, version := range []string{"1.2", "1.3"} {
				for _, c := range cases {
					t.Run("tls"+version+"/"+c.name, func(t *testing.T) {
						args := append([]string{fmt.Sprintf("127.0.0.1:%d", ports[c.config]), "--dir", s.caDir, "--tls", version, "--timeout", "5s"}, c.args...)
						out, stderr := probeRun(t, args...)
						if out.exit != c.exit || out.Outcome != c.outcome {
							t.Fatalf("exit %d, outcome %q; want %d, %q\n%s", out.exit, out.Outcome, c.exit, c.outcome, stderr)
						}
						if want := "TLS " + version; out.Outcome == "accepted" && out.Protocol != want {
							t.Errorf("protocol %q, want %q", out.Protocol, want)
						}
						// How each server refuses: nginx with HTTP 400;
						// HAProxy with an alert, during the TLS 1.2
						// handshake or after the TLS 1.3 one.
						if out.Outcome == "refused" {
							switch {
							case srv.name == "nginx" && (out.HTTP == nil || out.HTTP.Status != 400):
								t.Errorf("nginx refused without HTTP 400: %+v", out.HTTP)
							case srv.name == "haproxy" && out.Alert == nil:
								t.Errorf("HAProxy refused without an alert")
							case srv.name == "haproxy" && version == "1.3" && out.Stage != "after-handshake":
								t.Errorf("HAProxy's TLS 1.3 refusal seen at stage %q, want after-handshake", out.Stage)
							case srv.name == "haproxy" && version == "1.2" && out.Stage != "handshake":
								t.Errorf("HAProxy's TLS 1.2 refusal seen at stage %q, want handshake", out.Stage)
							}
						}
						if out.Server == nil || len(out.Server.Sent) == 0 || !serialHex.MatchString(out.Server.Sent[0].Serial) {
							t.Errorf("the server's certificates are missing from --json, or their serials are not lower-case hex: %+v", out.Server)
						}
						if !out.Client.Requested || len(out.Client.AcceptableCAs) == 0 {
							t.Errorf("the server's client certificate request or its CA names were not seen: %+v", out.Client)
						}
						if c.cause == "" {
							if len(out.Findings) > 0 {
								t.Errorf("findings on a good connection: %+v", out.Findings)
							}
							return
						}
						if len(out.Findings) == 0 {
							t.Fatalf("no finding; want %s\n%s", c.cause, stderr)
						}
						got := out.Findings[0]
						if got.Cause != c.cause || !strings.Contains(got.Detail+got.Fix, c.mention) {
							t.Fatalf("first finding %s (%s / %s); want %s mentioning %q\n%s", got.Cause, got.Detail, got.Fix, c.cause, c.mention, stderr)
						}
						if n, want := strings.Count(stderr, "pkit: error: "), min(c.exit, 1); n != want {
							t.Errorf("%d error lines, want %d:\n%s", n, want, stderr)
						}
						// The exit code is the server's decision; what does
						// not decide it is a warning, with its fix.
						if accepted := out.Outcome == "accepted"; got.Warning != accepted ||
							accepted && (!strings.Contains(stderr, "pkit: warning: "+got.Detail[:20]) || !strings.Contains(stderr, "pkit: fix: ") || strings.Contains(stderr, "pkit: problem: ")) {
							t.Errorf("first finding warning %v on an %s probe; want the findings of an accepted probe as warnings with their fix, those of a refusal as problems:\n%s", got.Warning, out.Outcome, stderr)
						}
					})
				}
			}
		})
	}
}

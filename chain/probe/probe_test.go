package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/chain/chaintest"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in               string
		addr, host, path string
		wantErr          bool
	}{
		{in: "localhost:8443", addr: "localhost:8443", host: "localhost", path: "/"},
		{in: "127.0.0.1:443", addr: "127.0.0.1:443", host: "127.0.0.1", path: "/"},
		{in: "[::1]:8443", addr: "[::1]:8443", host: "::1", path: "/"},
		{in: "https://example.internal", addr: "example.internal:443", host: "example.internal", path: "/"},
		{in: "https://example.internal:8443/health?x=1", addr: "example.internal:8443", host: "example.internal", path: "/health?x=1"},
		{in: "HTTPS://[::1]/", addr: "[::1]:443", host: "::1", path: "/"},
		{in: "localhost", wantErr: true},
		{in: ":8443", wantErr: true},
		{in: "localhost:0", wantErr: true},
		{in: "localhost:65536", wantErr: true},
		{in: "localhost:https", wantErr: true},
		{in: "http://localhost:80/", wantErr: true},
		{in: "https://:8443/", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if tt.wantErr {
			var te *TargetError
			if !errors.As(err, &te) {
				t.Errorf("ParseTarget(%q) = %+v, %v; want a *TargetError", tt.in, got, err)
			}
			continue
		}
		if err != nil || got.Address != tt.addr || got.Host != tt.host || got.Path != tt.path {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %s %s %s", tt.in, got, err, tt.addr, tt.host, tt.path)
		}
	}
}

// pki is a CA hierarchy (root, intermediate) with a server certificate
// for localhost, a client certificate, an expired client certificate and
// a client certificate of another CA.
type pki struct {
	root, inter                    *chaintest.Cert
	server, client, expired, alien *chaintest.Cert
	alienInter                     *chaintest.Cert
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	now := time.Now()
	mk := func(s chaintest.Spec) *chaintest.Cert {
		c, err := chaintest.New(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	p := &pki{}
	p.root = mk(chaintest.Spec{CN: "Probe Root", CA: true, PathLen: -1, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0)})
	p.inter = mk(chaintest.Spec{CN: "Probe Intermediate", CA: true, PathLen: 0, Issuer: p.root, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)})
	p.server = mk(chaintest.Spec{CN: "localhost", Issuer: p.inter, DNS: []string{"localhost"}, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	p.client = mk(chaintest.Spec{CN: "alice", Issuer: p.inter, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	p.expired = mk(chaintest.Spec{CN: "dave", Issuer: p.inter, NotBefore: now.AddDate(0, 0, -30), NotAfter: now.AddDate(0, 0, -1),
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	alienRoot := mk(chaintest.Spec{CN: "Alien Root", CA: true, PathLen: -1, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0)})
	p.alienInter = mk(chaintest.Spec{CN: "Alien Intermediate", CA: true, PathLen: 0, Issuer: alienRoot, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)})
	p.alien = mk(chaintest.Spec{CN: "mallory", Issuer: p.alienInter, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return p
}

func identity(c *chaintest.Cert, more ...*chaintest.Cert) *Identity {
	return &Identity{Chain: chaintest.X509(append([]*chaintest.Cert{c}, more...)...), Key: c.Key}
}

// serve runs a Go TLS server on 127.0.0.1 until t ends; handle gets each
// connection after its handshake (nil: answer HTTP 200).
func serve(t *testing.T, cfg *tls.Config, handle func(*tls.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, cfg)
				if err := tc.Handshake(); err != nil {
					return
				}
				if handle != nil {
					handle(tc)
					return
				}
				req, err := http.ReadRequest(bufio.NewReader(tc))
				if err != nil {
					return // the client's certificate was refused: Go sent the alert
				}
				io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
				_ = req
				tc.Close()
			}()
		}
	}()
	return l.Addr().String()
}

func serverConfig(p *pki, chain []*chaintest.Cert, clientCAs ...*chaintest.Cert) *tls.Config {
	cert := tls.Certificate{PrivateKey: chain[0].Key}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if len(clientCAs) > 0 {
		pool := x509.NewCertPool()
		for _, c := range clientCAs {
			pool.AddCert(c.Certificate)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg
}

// TestProbe runs probes against Go's own TLS server: the outcome, where
// it ended, and the most likely cause, over TLS 1.2 and 1.3.
func TestProbe(t *testing.T) {
	p := newPKI(t)
	good := serve(t, serverConfig(p, []*chaintest.Cert{p.server, p.inter}, p.root, p.inter), nil)
	leafOnly := serve(t, serverConfig(p, []*chaintest.Cert{p.server}, p.root, p.inter), nil)
	misordered := serve(t, serverConfig(p, []*chaintest.Cert{p.server, p.root, p.inter}), nil)
	noClientAuth := serve(t, serverConfig(p, []*chaintest.Cert{p.server, p.inter}), nil)
	// Asks for a certificate, takes any, then hangs up without a word:
	// curl's "Empty reply from server".
	hangup := serverConfig(p, []*chaintest.Cert{p.server, p.inter})
	hangup.ClientAuth = tls.RequireAnyClientCert
	empty := serve(t, hangup, func(c *tls.Conn) { c.Close() })
	// Not TLS at all.
	plainL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plainL.Close() })
	go func() {
		for {
			c, err := plainL.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
			c.Close()
		}
	}()
	closedL, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := closedL.Addr().String()
	closedL.Close()

	roots := []*x509.Certificate{p.root.Certificate}
	known := []*x509.Certificate{p.root.Certificate, p.inter.Certificate}
	tests := []struct {
		name    string
		addr    string
		host    string
		id      *Identity
		noHTTP  bool
		outcome Outcome
		cause   Cause
		ok      bool
	}{
		{name: "accepted", addr: good, id: identity(p.client), outcome: Accepted, ok: true},
		{name: "accepted-no-http", addr: good, id: identity(p.client), noHTTP: true, outcome: Accepted, ok: true},
		{name: "no-client-cert", addr: good, outcome: Refused, cause: ClientCertNotSent},
		{name: "expired", addr: good, id: identity(p.expired), outcome: Refused, cause: ClientCertExpired},
		{name: "expired-no-http", addr: good, id: identity(p.expired), noHTTP: true, outcome: Refused, cause: ClientCertExpired},
		{name: "foreign-ca", addr: good, id: identity(p.alien, p.alienInter), outcome: Refused, cause: ClientCertForeignCA},
		{name: "server-leaf-only", addr: leafOnly, id: identity(p.client), outcome: Accepted, cause: ServerChainIncomplete},
		{name: "server-misordered", addr: misordered, outcome: Accepted, cause: ServerChainInvalid},
		{name: "wrong-host", addr: good, host: "other.example", id: identity(p.client), outcome: Accepted, cause: ServerChainInvalid},
		{name: "not-requested", addr: noClientAuth, id: identity(p.client), outcome: Accepted, ok: true},
		{name: "empty-reply", addr: empty, id: identity(p.client), outcome: Refused, cause: RefusedUnknown},
		{name: "not-tls", addr: plainL.Addr().String(), outcome: Failed},
		{name: "closed-port", addr: closed, outcome: Failed},
	}
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, tt := range tests {
			t.Run(tls.VersionName(version)+"/"+tt.name, func(t *testing.T) {
				host := tt.host
				if host == "" {
					host = "localhost"
				}
				r, err := Probe(context.Background(), Options{Address: tt.addr, ServerName: host, Identity: tt.id, Roots: roots, CACerts: known,
					MinVersion: version, MaxVersion: version, Timeout: 5 * time.Second, NoHTTP: tt.noHTTP, AlertWait: 500 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				if r.Outcome != tt.outcome || r.OK() != tt.ok {
					t.Fatalf("outcome %s (ok %v, stage %s, err %v); want %s (ok %v); findings %+v", r.Outcome, r.OK(), r.Stage, r.Err, tt.outcome, tt.ok, r.Findings)
				}
				if tt.outcome == Accepted && r.Version != version {
					t.Errorf("version %s, want %s", r.VersionName(), tls.VersionName(version))
				}
				if tt.outcome == Refused && tt.id != nil && version == tls.VersionTLS13 && r.Stage != StageAfterHandshake {
					t.Errorf("a TLS 1.3 refusal of a client certificate seen at %s, want %s", r.Stage, StageAfterHandshake)
				}
				if tt.name == "empty-reply" && !r.EmptyReply {
					t.Errorf("EmptyReply not set")
				}
				if tt.cause == "" {
					if len(r.Findings) > 0 {
						t.Errorf("findings: %+v", r.Findings)
					}
					return
				}
				if len(r.Findings) == 0 || r.Findings[0].Cause != tt.cause {
					t.Fatalf("findings %+v; want %s first", r.Findings, tt.cause)
				}
				checkWarnings(t, r)
			})
		}
	}
}

// TestDiagnose replays servers Go's cannot play (OpenSSL's trust rules:
// only self-signed roots are anchors) from what a probe would have seen.
func TestDiagnose(t *testing.T) {
	p := newPKI(t)
	name := func(c *chaintest.Cert) CAName { return CAName{Raw: c.RawSubject, Name: c.Subject.String()} }
	unknownCA := &Alert{Code: 48, Name: "unknown_ca"}
	known := []*x509.Certificate{p.root.Certificate, p.inter.Certificate}
	tests := []struct {
		name      string
		r         Report
		id        *Identity
		cacerts   []*x509.Certificate
		revoked   *StoreRevocation
		want      []Cause
		wantNotes int
	}{
		{name: "ca-file-without-root", r: Report{Outcome: Refused, Alert: unknownCA, AcceptableCAs: []CAName{name(p.inter)}},
			id: identity(p.client), cacerts: known, want: []Cause{ClientCAFileIncomplete}},
		{name: "ca-file-without-root-client-sends-chain", r: Report{Outcome: Refused, Alert: unknownCA, AcceptableCAs: []CAName{name(p.inter)}},
			id: identity(p.client, p.inter), cacerts: known, want: []Cause{ClientCAFileIncomplete}},
		{name: "ca-file-root-only-leaf-sent", r: Report{Outcome: Refused, Alert: unknownCA, AcceptableCAs: []CAName{name(p.root)}},
			id: identity(p.client), cacerts: known, want: []Cause{ClientChainIncomplete}},
		{name: "ca-file-root-only-chain-sent", r: Report{Outcome: Accepted, AcceptableCAs: []CAName{name(p.root)}},
			id: identity(p.client, p.inter), cacerts: known},
		{name: "intermediate-unknown-here", r: Report{Outcome: Refused, Alert: unknownCA, AcceptableCAs: []CAName{name(p.inter)}},
			id: identity(p.client), want: []Cause{RefusedUnknown}, wantNotes: 1},
		{name: "foreign", r: Report{Outcome: Refused, Alert: unknownCA, AcceptableCAs: []CAName{name(p.root), name(p.inter)}},
			id: identity(p.alien), cacerts: known, want: []Cause{ClientCertForeignCA}},
		{name: "revoked-in-store", r: Report{Outcome: Refused, Alert: &Alert{Code: 44, Name: "certificate_revoked"}, AcceptableCAs: []CAName{name(p.root), name(p.inter)}},
			id: identity(p.client), cacerts: known, revoked: &StoreRevocation{At: time.Now(), Reason: "keyCompromise"}, want: []Cause{ClientCertRevoked}},
		{name: "expired-alert-first", r: Report{Outcome: Refused, Alert: &Alert{Code: 45, Name: "certificate_expired"}, AcceptableCAs: []CAName{name(p.inter)}},
			id: identity(p.expired), cacerts: known, want: []Cause{ClientCertExpired, ClientCAFileIncomplete}},
		{name: "no-names-listed", r: Report{Outcome: Accepted},
			id: identity(p.client), cacerts: known},
		{name: "optional-client-cert", r: Report{Outcome: Accepted, AcceptableCAs: []CAName{name(p.root)}}, wantNotes: 1},
		{name: "protocol", r: Report{Outcome: Refused, Stage: StageHandshake, Alert: &Alert{Code: 70, Name: "protocol_version"}}, want: []Cause{ProtocolRefused}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.At = time.Now()
			r.ServerName = "localhost"
			r.ClientCertRequested = tt.name != "protocol"
			if tt.name != "protocol" {
				r.Version = tls.VersionTLS13
			}
			Diagnose(&r, Options{Identity: tt.id, CACerts: tt.cacerts, ClientRevoked: tt.revoked})
			var got []Cause
			for _, f := range r.Findings {
				got = append(got, f.Cause)
				if f.Detail == "" || f.Fix == "" {
					t.Errorf("finding %s without detail or fix: %+v", f.Cause, f)
				}
			}
			if strings.Join(causeStrings(got), ",") != strings.Join(causeStrings(tt.want), ",") {
				t.Errorf("causes %v, want %v; findings %+v", got, tt.want, r.Findings)
			}
			if len(r.Notes) != tt.wantNotes {
				t.Errorf("notes %q, want %d", r.Notes, tt.wantNotes)
			}
			checkWarnings(t, &r)
		})
	}
}

// checkWarnings: a finding that does not explain the outcome is a
// warning (every finding of an accepted probe, the server's chain
// always); those that explain a refusal are not.
func checkWarnings(t *testing.T, r *Report) {
	t.Helper()
	for _, f := range r.Findings {
		want := r.Outcome == Accepted || f.Cause == ServerChainIncomplete || f.Cause == ServerChainInvalid
		if f.Warning != want {
			t.Errorf("%s probe: finding %s has Warning %v, want %v", r.Outcome, f.Cause, f.Warning, want)
		}
	}
}

func causeStrings(cs []Cause) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

func TestNameString(t *testing.T) {
	n := pkix.Name{CommonName: "Probe Root", Organization: []string{"pkit"}}
	der, err := asn1MarshalName(n)
	if err != nil {
		t.Fatal(err)
	}
	if got := nameString(der); got != "CN=Probe Root,O=pkit" {
		t.Errorf("nameString = %q", got)
	}
	if got := nameString([]byte{0x01, 0x02}); got != "0102" {
		t.Errorf("nameString of junk = %q, want its hex", got)
	}
}

func asn1MarshalName(n pkix.Name) ([]byte, error) { return asn1.Marshal(n.ToRDNSequence()) }

// htmlTitle finds the title whatever the tags' case, keeps the title's
// own text, and takes a server's bytes as they come: invalid UTF-8 before
// the title (which bytes.ToLower lengthens) once made it slice past the
// end of the reply and crash pkit probe.
func TestHTMLTitle(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{"<html><head><title>400 No required SSL certificate was sent</title></head>", "400 No required SSL certificate was sent"},
		{"<TITLE>Forbidden</Title>", "Forbidden"},
		{"<title>\r\n  Bad\n\tRequest </title>", "Bad Request"},
		{"<title>Zürich — Ärger</title>", "Zürich — Ärger"},
		{"\xff\xfe\xff<title>after \xda\xe2 bytes</title>\x80", "after \xda\xe2 bytes"},
		{"<title>0000 0 0\x10000\xda\xe2\xd2\xfb\x80\xa8\xb20\xff\xbf \xff\xff000000 0\xf20 0000</title>\x80", "0000 0 0\x10000\xda\xe2\xd2\xfb\x80\xa8\xb20\xff\xbf \xff\xff000000 0\xf20 0000"},
		{"<title>unclosed", ""},
		{"no title at all", ""},
	}
	for _, tt := range tests {
		if got := htmlTitle([]byte(tt.body)); got != tt.want {
			t.Errorf("htmlTitle(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

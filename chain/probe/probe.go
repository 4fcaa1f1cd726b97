package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/pkit/pkit/chain"
)

// Identity is the client certificate a probe presents.
type Identity struct {
	// Chain is the client certificate first, then the intermediates sent
	// with it (as curl sends what its --cert file holds).
	Chain []*x509.Certificate
	// Key is the certificate's private key.
	Key crypto.Signer
}

// StoreRevocation is what a CA's records say about a revoked client
// certificate (pkit revoke writes them before any CRL is published).
type StoreRevocation struct {
	At     time.Time
	Reason string
}

// Options configures [Probe] and [Diagnose]. Only Address is required.
type Options struct {
	// Address is HOST:PORT; see [ParseTarget].
	Address string
	// ServerName is sent as SNI (unless it is an IP address) and checked
	// against the server certificate; empty means Address's host.
	ServerName string
	// Path is the HTTP request path; empty means "/".
	Path string
	// Identity is the client certificate to present; nil presents none.
	Identity *Identity
	// Roots are the trust anchors for the server's chain.
	Roots []*x509.Certificate
	// CACerts are other known CA certificates (a CA directory's, say).
	// They identify the CA names the server accepts and complete the
	// client's path for the diagnosis; they never complete the chain the
	// server sent, since TLS clients do not.
	CACerts []*x509.Certificate
	// CRLs, when given, are checked for the client certificate's path.
	CRLs []*x509.RevocationList
	// ClientRevoked, when set, says the CA's records hold the client
	// certificate as revoked.
	ClientRevoked *StoreRevocation
	// MinVersion and MaxVersion bound the TLS version (tls.VersionTLS12,
	// tls.VersionTLS13); zero means Go's defaults (1.2 to 1.3).
	MinVersion, MaxVersion uint16
	// Timeout bounds each step (connect, handshake, reply); zero means
	// 10 seconds.
	Timeout time.Duration
	// NoHTTP sends no HTTP request after the handshake: the probe only
	// waits up to AlertWait for an alert (a TLS 1.3 refusal).
	NoHTTP bool
	// AlertWait is how long NoHTTP waits; zero means one second.
	AlertWait time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ReasonName names an RFC 5280 reason code in messages.
	ReasonName func(int) string
	// Dial opens the TCP connection; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Outcome is how the probe ended.
type Outcome string

// The outcomes.
const (
	// Accepted: the handshake completed with the given identity (or
	// none) and the server answered.
	Accepted Outcome = "accepted"
	// Refused: the server refused the connection — a TLS alert, an HTTP
	// refusal, or a connection closed without a reply.
	Refused Outcome = "refused"
	// Failed: no answer could be had (no connection, not TLS, a timeout).
	Failed Outcome = "error"
)

// Stage says where the connection ended.
type Stage string

// The stages.
const (
	StageConnect   Stage = "connect"
	StageHandshake Stage = "handshake"
	// StageAfterHandshake: a refusal read after the handshake completed,
	// as TLS 1.3 servers send it.
	StageAfterHandshake Stage = "after-handshake"
	StageHTTP           Stage = "http"
	StageDone           Stage = "done"
)

// Alert is a TLS alert the server sent (RFC 8446 section 6).
type Alert struct {
	Code uint8
	Name string
}

// HTTPReply is the server's HTTP answer.
type HTTPReply struct {
	Status     int
	StatusLine string
	// Title is the HTML title of the body, when there is one (nginx puts
	// its error there).
	Title string
}

// Report is what a probe saw and what it means.
type Report struct {
	Address    string
	ServerName string
	At         time.Time
	Outcome    Outcome
	Stage      Stage
	// Version and CipherSuite are the negotiated ones (zero when the
	// handshake did not complete).
	Version     uint16
	CipherSuite uint16
	// ServerChain is what the server sent, in its order.
	ServerChain []*x509.Certificate
	// ServerChainError says why a certificate the server sent does not
	// parse.
	ServerChainError error
	// Server is the verdict on ServerChain (nil when none was sent).
	Server *chain.Result
	// ClientCertRequested is true when the server sent a
	// CertificateRequest.
	ClientCertRequested bool
	// AcceptableCAs are the CA names of the CertificateRequest, with the
	// known certificate of each name.
	AcceptableCAs []CAName
	// ClientSent is what the probe sent as its certificate chain.
	ClientSent []*x509.Certificate
	// ClientPath is the client certificate's path as far as the known
	// certificates go (leaf first).
	ClientPath []*x509.Certificate
	// ClientAccepted is true when a certificate on ClientPath (or the
	// issuer its top names) is among AcceptableCAs.
	ClientAccepted bool
	// Client is the server's decision replayed (nil when no client
	// certificate was asked for or given): the client's chain against
	// the known certificates of AcceptableCAs.
	Client *chain.Result
	// Alert is the alert the server sent, if any.
	Alert *Alert
	// HTTP is the server's reply, if any.
	HTTP *HTTPReply
	// EmptyReply is true when the server closed the connection after the
	// handshake without a byte of reply (curl: "Empty reply from
	// server").
	EmptyReply bool
	// Err is the transport error that ended the probe, if any.
	Err error
	// Findings explain the outcome, the most likely cause first.
	Findings []Finding
	// Notes are facts worth knowing that explain no failure.
	Notes []string
}

// OK reports whether the server accepted the probe's identity and its
// own chain verifies: nothing to warn about. Whether the server accepted
// the identity is Outcome alone.
func (r *Report) OK() bool {
	return r.Outcome == Accepted && (r.Server == nil || r.Server.Valid())
}

// VersionName is the negotiated TLS version as "TLS 1.3".
func (r *Report) VersionName() string {
	if r.Version == 0 {
		return ""
	}
	return tls.VersionName(r.Version)
}

// CipherSuiteName is the negotiated cipher suite's IANA name.
func (r *Report) CipherSuiteName() string {
	if r.CipherSuite == 0 {
		return ""
	}
	return tls.CipherSuiteName(r.CipherSuite)
}

// CAName is one CA name of a CertificateRequest.
type CAName struct {
	// Raw is the DER-encoded distinguished name.
	Raw []byte
	// Name is Raw as a string ("CN=…,O=…"), or its hex when it does not
	// parse.
	Name string
	// Cert is the known CA certificate of that subject, nil when none is
	// known.
	Cert *x509.Certificate
}

// TargetError says why a probe target is not usable.
type TargetError struct {
	Input  string
	Reason string
}

func (e *TargetError) Error() string { return fmt.Sprintf("%q: %s", e.Input, e.Reason) }

// Target is where to probe: the TCP address, the host name (for SNI and
// the certificate check) and the HTTP path.
type Target struct {
	Address string
	Host    string
	Path    string
}

// ParseTarget reads HOST:PORT, [IPv6]:PORT, or an https:// URL (port 443
// by default; its path is requested).
func ParseTarget(s string) (Target, error) {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, &TargetError{s, "not a URL"}
		}
		if !strings.EqualFold(u.Scheme, "https") {
			return Target{}, &TargetError{s, fmt.Sprintf("probe speaks TLS; the scheme %q is not https", u.Scheme)}
		}
		host, port := u.Hostname(), u.Port()
		if host == "" {
			return Target{}, &TargetError{s, "no host"}
		}
		if port == "" {
			port = "443"
		}
		if err := checkPort(port); err != nil {
			return Target{}, &TargetError{s, err.Error()}
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		return Target{Address: net.JoinHostPort(host, port), Host: host, Path: path}, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Target{}, &TargetError{s, "not HOST:PORT"}
	}
	if host == "" {
		return Target{}, &TargetError{s, "no host"}
	}
	if err := checkPort(port); err != nil {
		return Target{}, &TargetError{s, err.Error()}
	}
	return Target{Address: net.JoinHostPort(host, port), Host: host, Path: "/"}, nil
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || p != strconv.Itoa(n) {
		return fmt.Errorf("the port %q is not a number from 1 to 65535", p)
	}
	return nil
}

// ErrNoAddress is returned by [Probe] when Options.Address is empty.
var ErrNoAddress = errors.New("no address to probe")

// Probe connects to o.Address as a TLS client, presents o.Identity when
// the server asks for a client certificate (always, whatever CA names it
// lists, as curl and OpenSSL do), sends an HTTP request, and returns
// what it saw with [Diagnose]'s findings. The error is non-nil only for
// unusable options; a server that cannot be reached is a report with
// Outcome [Failed].
func Probe(ctx context.Context, o Options) (*Report, error) {
	if o.Address == "" {
		return nil, ErrNoAddress
	}
	host, _, err := net.SplitHostPort(o.Address)
	if err != nil {
		return nil, &TargetError{o.Address, "not HOST:PORT"}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	name := o.ServerName
	if name == "" {
		name = host
	}
	r := &Report{Address: o.Address, ServerName: name, At: now()}
	observe(ctx, o, r, timeout)
	Diagnose(r, o)
	return r, nil
}

// observe connects and records what the server does.
func observe(ctx context.Context, o Options, r *Report, timeout time.Duration) {
	dial := o.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: timeout}
		dial = d.DialContext
	}
	r.Stage = StageConnect
	cctx, cancel := context.WithTimeout(ctx, timeout)
	raw, err := dial(cctx, "tcp", o.Address)
	cancel()
	if err != nil {
		r.Outcome, r.Err = Failed, err
		return
	}
	defer raw.Close()
	cfg := &tls.Config{
		// pkit verifies the chain itself (chain.Verify), so a bad one is
		// reported instead of ending the probe.
		InsecureSkipVerify: true,
		MinVersion:         o.MinVersion,
		MaxVersion:         o.MaxVersion,
		VerifyPeerCertificate: func(certs [][]byte, _ [][]*x509.Certificate) error {
			r.ServerChain = r.ServerChain[:0]
			for i, der := range certs {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					r.ServerChainError = fmt.Errorf("certificate %d the server sent does not parse: %w", i+1, err)
					continue
				}
				r.ServerChain = append(r.ServerChain, c)
			}
			return nil
		},
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			r.ClientCertRequested = true
			r.AcceptableCAs = nil
			for _, n := range cri.AcceptableCAs {
				r.AcceptableCAs = append(r.AcceptableCAs, CAName{Raw: n, Name: nameString(n)})
			}
			if o.Identity == nil || len(o.Identity.Chain) == 0 {
				return &tls.Certificate{}, nil
			}
			r.ClientSent = o.Identity.Chain
			tc := &tls.Certificate{PrivateKey: o.Identity.Key, Leaf: o.Identity.Chain[0]}
			for _, c := range o.Identity.Chain {
				tc.Certificate = append(tc.Certificate, c.Raw)
			}
			return tc, nil
		},
	}
	if net.ParseIP(r.ServerName) == nil {
		cfg.ServerName = r.ServerName
	}
	conn := tls.Client(raw, cfg)
	r.Stage = StageHandshake
	raw.SetDeadline(time.Now().Add(timeout))
	if err := conn.HandshakeContext(ctx); err != nil {
		r.Err = err
		r.Outcome = Failed
		if a, ok := alertOf(err); ok {
			r.Alert, r.Outcome = a, Refused
		} else if isClosed(err) {
			// The server hung up in the middle of the handshake.
			r.Outcome = Refused
		}
		return
	}
	st := conn.ConnectionState()
	r.Version, r.CipherSuite = st.Version, st.CipherSuite
	r.Stage = StageAfterHandshake
	app := &countingReader{r: conn}
	if o.NoHTTP {
		wait := o.AlertWait
		if wait <= 0 {
			wait = time.Second
		}
		raw.SetDeadline(time.Now().Add(wait))
		var b [1]byte
		_, err := app.Read(b[:])
		var ne net.Error
		switch {
		case err == nil, errors.As(err, &ne) && ne.Timeout():
			r.Outcome, r.Stage = Accepted, StageDone
		default:
			r.readError(err, app.n == 0)
		}
		return
	}
	raw.SetDeadline(time.Now().Add(timeout))
	path := o.Path
	if path == "" {
		path = "/"
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pkit-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n", path, hostHeader(r.ServerName, o.Address))
	if _, err := io.WriteString(conn, req); err != nil {
		r.readError(err, true)
		return
	}
	br := bufio.NewReader(app)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		if _, ok := alertOf(err); app.n > 0 && !ok {
			r.Outcome, r.Stage, r.Err = Failed, StageHTTP, fmt.Errorf("the reply is not HTTP: %w", err)
			return
		}
		r.readError(err, app.n == 0)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	r.HTTP = &HTTPReply{Status: resp.StatusCode, StatusLine: resp.Status, Title: htmlTitle(body)}
	r.Stage = StageHTTP
	if httpRefusal(r.HTTP) != "" {
		r.Outcome = Refused
		return
	}
	r.Outcome, r.Stage = Accepted, StageDone
}

// readError records an error read after the handshake: an alert or a
// closed connection is a refusal, anything else a failure.
func (r *Report) readError(err error, nothingRead bool) {
	r.Err = err
	if a, ok := alertOf(err); ok {
		r.Alert, r.Outcome = a, Refused
		if a.Code == 0 { // close_notify: closed cleanly, without a word
			r.Alert = nil
			r.EmptyReply = nothingRead
		}
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.Outcome, r.Stage = Failed, StageHTTP
		r.Err = fmt.Errorf("no reply: %w", err)
		return
	}
	if isClosed(err) {
		r.Outcome, r.EmptyReply = Refused, nothingRead
		return
	}
	r.Outcome = Failed
}

// hostHeader is the Host header: the name, with the port unless 443.
func hostHeader(name, addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	h := name
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if port != "" && port != "443" {
		h += ":" + port
	}
	return h
}

// countingReader counts the application data read, to tell an empty
// reply from one that is not HTTP.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// alertOf returns the TLS alert a server sent, from the error Go's
// crypto/tls returns for it (a *net.OpError "remote error" holding the
// alert number).
func alertOf(err error) (*Alert, bool) {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		if v := reflect.ValueOf(op.Err); v.Kind() == reflect.Uint8 {
			code := uint8(v.Uint())
			return &Alert{Code: code, Name: AlertName(code)}, true
		}
	}
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return &Alert{Code: uint8(ae), Name: AlertName(uint8(ae))}, true
	}
	return nil, false
}

// isClosed reports whether err is the peer closing or resetting the
// connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset by peer") || strings.Contains(err.Error(), "broken pipe")
}

var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
	40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
	71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol",
}

// AlertName is the RFC 8446 name of a TLS alert ("unknown_ca").
func AlertName(code uint8) string {
	if n, ok := alertNames[code]; ok {
		return n
	}
	return "alert " + strconv.Itoa(int(code))
}

// htmlTitle returns the text of the first <title> element of body.
func htmlTitle(body []byte) string {
	lower := asciiLower(body)
	i := bytes.Index(lower, []byte("<title>"))
	if i < 0 {
		return ""
	}
	i += len("<title>")
	j := bytes.Index(lower[i:], []byte("</title>"))
	if j < 0 {
		return ""
	}
	return strings.Join(strings.Fields(string(body[i:i+j])), " ")
}

// asciiLower returns a copy of b with its ASCII letters lowered, as HTML
// compares tag names: the same length as b, so an index into it is one
// into b. (bytes.ToLower changes the length of invalid UTF-8, which
// becomes U+FFFD, and of some letters: a server's reply sliced at its
// indices crashed pkit probe.)
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// nginx answers a client certificate it refuses with HTTP 400 and these
// titles (its internal codes 496 and 495).
const (
	nginxNoCert   = "No required SSL certificate was sent"
	nginxBadCert  = "The SSL certificate error"
	statusNoCert  = 496
	statusBadCert = 495
)

// httpRefusal says which client-certificate refusal an HTTP reply is:
// "no-cert", "bad-cert", or "" for none.
func httpRefusal(h *HTTPReply) string {
	if h == nil {
		return ""
	}
	switch {
	case h.Status == statusNoCert || strings.Contains(h.Title, nginxNoCert):
		return "no-cert"
	case h.Status == statusBadCert || strings.Contains(h.Title, nginxBadCert):
		return "bad-cert"
	}
	return ""
}

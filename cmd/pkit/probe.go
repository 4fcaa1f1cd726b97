package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/chain/probe"
	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
	"github.com/urfave/cli/v2"
)

func probeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "probe",
		Usage:     "connect to a TLS server (optionally with a client certificate) and say whether it accepts it, and why not (exit 3 when refused)",
		UsageText: "pkit probe HOST:PORT|https://HOST[:PORT]/PATH [flags]",
		Description: `Connects as a TLS client, presenting the client certificate given with
   --cert and --key (or --p12) when the server asks for one, sends a
   minimal HTTP request (GET PATH, Connection: close) and reads the answer,
   then reports:

     - the protocol version and cipher suite;
     - the chain the server sent, in its order, checked as pkit chain
       verify checks it (incomplete, misordered, expired, wrong host,
       untrusted root) against --roots, or the CA directory's roots, or
       the system's;
     - whether the server asks for a client certificate, and the CA names
       it accepts (for nginx the subjects in ssl_client_certificate, for
       HAProxy those in ca-file);
     - whether the client certificate chains to one of them, and if not,
       why: the server's decision replayed with the known CA certificates
       of those names and what the client sent;
     - the outcome, including refusals TLS 1.3 shows only after the
       handshake (HAProxy's alert) and nginx's HTTP 400 ("No required SSL
       certificate was sent", "The SSL certificate error").

   A refusal is explained as its most likely cause, with the fix: the
   server's chain incomplete; the client certificate not sent, expired,
   without clientAuth, revoked, or from a CA the server does not accept;
   the server's client-CA file without its root (nginx "unable to get
   issuer certificate", HAProxy "unknown ca"); the client not sending its
   intermediate to a server that holds only the root.

   The CA directory (--dir or PKIT_DIR, default ./pki when it holds a CA)
   lends its CA certificates to recognise the names the server accepts,
   its roots to trust the server (unless --roots), and its published CRLs
   and records (its store: --db or PKIT_DB, else the config's db line) to
   tell whether the client certificate is revoked. The
   connection itself skips Go's verification so that a bad chain is
   reported, not just refused.

   The password of a --p12 or of an encrypted --key comes from
   --password-file, PKIT_PASSWORD or the terminal.

   Exit codes: 0 the server accepted the connection (with the client
   certificate given, if any); 3 refused; 1 error (no connection, not TLS,
   a timeout); 2 usage error. Problems that do not decide this, such as
   the server's own chain being incomplete or invalid, are printed as
   "pkit: warning:" lines with their fix (and as findings with "warning":
   true in --json).

EXAMPLES (after "pkit quickstart", with a server on port 8443)
   pkit probe localhost:8443
   pkit probe localhost:8443 --cert pki/certs/client.pem --key pki/certs/client-key.pem
   pkit probe https://localhost:8443/health --p12 pki/certs/client.p12 --password-file pki/certs/client.p12.pass
   pkit probe 10.0.0.5:443 --servername api.internal --roots pki/ca/root.crt --tls 1.2
   pkit probe localhost:8443 --cert pki/certs/client-chain.pem --key pki/certs/client-key.pem --json`,
		Flags: []cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "cert", Usage: "present the client certificate in `FILE` (then the intermediates it holds; a key in it is used)"},
			&cli.StringFlag{Name: "key", Usage: "the client certificate's private key `FILE`"},
			&cli.StringFlag{Name: "p12", Usage: "present the client certificate, key and chain of the .p12 `FILE`"},
			passwordFileFlag(),
			&cli.StringSliceFlag{Name: "roots", Usage: "trust the roots in `FILE` for the server's chain (repeatable) instead of the CA directory's"},
			&cli.StringSliceFlag{Name: "crl", Usage: "check the client certificate against the CRLs in `FILE` too (repeatable)"},
			&cli.StringFlag{Name: "servername", Usage: "send `NAME` as SNI and check the server certificate for it (default: the host)"},
			&cli.StringFlag{Name: "tls", Usage: "speak only TLS `VERSION` 1.2 or 1.3 (default: either)"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "give up a step (connect, handshake, reply) after `DURATION`"},
			&cli.BoolFlag{Name: "no-http", Usage: "send no HTTP request: after the handshake only wait a second for an alert (for servers that do not speak HTTP)"},
			jsonFlag(),
		},
		Action: e.probe,
	}
}

func (e *env) probe(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("probe takes one HOST:PORT or https:// URL, got %d", c.NArg()).hint("e.g. pkit probe localhost:8443 --cert client.pem --key client-key.pem")
	}
	t, err := probe.ParseTarget(c.Args().First())
	if err != nil {
		return usagef("%v", err).hint("give HOST:PORT (e.g. localhost:8443, [::1]:443) or an https:// URL")
	}
	o := probe.Options{Address: t.Address, Path: t.Path, ServerName: c.String("servername"), Timeout: c.Duration("timeout"),
		NoHTTP: c.Bool("no-http"), ReasonName: reasonName}
	switch v := c.String("tls"); v {
	case "":
	case "1.2":
		o.MinVersion, o.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	case "1.3":
		o.MinVersion, o.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
	default:
		return usagef("--tls %q is not a TLS version pkit speaks", v).hint("use --tls 1.2 or --tls 1.3")
	}
	if o.Timeout <= 0 {
		return usagef("--timeout must be positive").hint("e.g. --timeout 5s")
	}
	if c.String("p12") != "" && (c.String("cert") != "" || c.String("key") != "") {
		return usagef("--p12 and --cert/--key are mutually exclusive").hint("a .p12 holds the certificate and its key")
	}
	if c.String("key") != "" && c.String("cert") == "" {
		return usagef("--key needs --cert").hint("pass the client certificate with --cert FILE")
	}
	var idNote string
	if o.Identity, idNote, err = e.probeIdentity(c); err != nil {
		return err
	}
	for _, f := range c.StringSlice("roots") {
		cs, err := e.readCertFile(c, f)
		if err != nil {
			return err
		}
		o.Roots = append(o.Roots, cs...)
	}
	// The CA directory: named (--dir, PKIT_DIR), or ./pki when it holds
	// a CA, even with --roots (which only replaces its roots for the
	// server's chain).
	dir := c.String("dir")
	useDir := c.IsSet("dir") || fileExists(filepath.Join(dir, "config"))
	if useDir {
		roots, ints, err := caDirCerts(dir)
		if err != nil {
			return err
		}
		o.CACerts = append(append(o.CACerts, roots...), ints...)
		if len(c.StringSlice("roots")) == 0 {
			o.Roots = roots
		}
	} else {
		dir = ""
	}
	var rootsNote string
	if len(o.Roots) == 0 {
		// Neither --roots nor a CA directory: the system's, as curl.
		o.Roots, _ = e.systemRoots()
		rootsNote = "no --roots and no CA directory: the server's chain is checked against the system's roots"
		if len(o.Roots) == 0 {
			rootsNote = "no --roots, no CA directory and no system roots: the server's chain cannot be trusted; pass its root with --roots FILE"
		}
	}
	var serials []*big.Int
	if o.Identity != nil {
		for _, x := range append(append([]*x509.Certificate(nil), o.Identity.Chain...), o.CACerts...) {
			serials = append(serials, x.SerialNumber)
		}
		if o.CRLs, err = e.readCRLs(c.StringSlice("crl"), dir, serials); err != nil {
			return err
		}
		if dir != "" {
			o.ClientRevoked = storeRevocation(dir, dbOf(c), o.Identity.Chain[0])
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := probe.Probe(ctx, o)
	if err != nil {
		return failf("%v", err)
	}
	for _, n := range []string{rootsNote, idNote} {
		if n != "" {
			r.Notes = append([]string{n}, r.Notes...)
		}
	}
	if c.Bool("json") {
		if err := e.writeJSON(probeJSON(r)); err != nil {
			return err
		}
	} else if r.Outcome != probe.Failed {
		fmt.Fprintf(e.stdout, "%s: %s\n", r.Address, r.Outcome)
	}
	e.printProbe(r)
	switch {
	case r.Outcome == probe.Failed:
		return probeFailure(r)
	case r.Outcome == probe.Refused:
		return checkFailed("%s refused the connection: %s", r.Address, r.RefusalWords())
	}
	// Accepted: the exit code is 0, whatever the warnings (the server's
	// own chain, printed above with their fix) say.
	return nil
}

// probeIdentity reads the client certificate and key: --cert (with its
// chain, and its key unless --key) or --p12.
// The note, when not empty, says something about the files worth
// knowing.
func (e *env) probeIdentity(c *cli.Context) (id *probe.Identity, note string, err error) {
	certFile, p12 := c.String("cert"), c.String("p12")
	if certFile == "" && p12 == "" {
		return nil, "", nil
	}
	path := certFile
	if path == "" {
		path = p12
	}
	items, err := e.readItems(c, path, true)
	if err != nil {
		return nil, "", err
	}
	var key crypto.Signer
	var certs []*x509.Certificate
	for _, it := range items {
		switch {
		case it.PKCS12 != nil:
			if key == nil {
				key = it.PKCS12.Key
			}
			certs = append(certs, it.PKCS12.Certificates()...)
		case it.Certificate != nil:
			certs = append(certs, it.Certificate)
		case it.PrivateKey != nil && key == nil:
			key = it.PrivateKey
		}
	}
	if len(certs) == 0 {
		return nil, "", failf("%q holds no certificate", path).hint("--cert takes the client certificate (PEM or DER), optionally followed by its intermediates")
	}
	if kf := c.String("key"); kf != "" {
		if key, err = e.readPrivateKey(c, "key", kf); err != nil {
			return nil, "", err
		}
	}
	if key == nil {
		return nil, "", usagef("no private key for the client certificate in %q", path).hint("pass it with --key FILE")
	}
	// The certificate of the key first, the others after it in file
	// order.
	leaf := -1
	for i, x := range certs {
		if formats.PublicKeysEqual(key.Public(), x.PublicKey) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return nil, "", failf("the private key does not belong to the certificate in %q", path).hint("check the pair with pkit match CERT KEY")
	}
	if leaf > 0 && p12 == "" {
		note = fmt.Sprintf("the certificate of the key is not the first in %q; probe sends it first, but curl and OpenSSL take the first certificate of the file as the client's: put it first (pkit chain build %s -o FILE)", path, shellQuote(path))
	}
	chainCerts := []*x509.Certificate{certs[leaf]}
	for i, x := range certs {
		if i != leaf {
			chainCerts = append(chainCerts, x)
		}
	}
	return &probe.Identity{Chain: chainCerts, Key: key}, note, nil
}

// readCertFile reads the certificates of one --roots file.
func (e *env) readCertFile(c *cli.Context, path string) ([]*x509.Certificate, error) {
	items, err := e.readItems(c, path, false)
	if err != nil {
		return nil, err
	}
	certs := formats.Certificates(items)
	if len(certs) == 0 {
		return nil, failf("%q holds no certificate", path).hint("--roots takes CA certificates (PEM, DER or .p7b)")
	}
	return certs, nil
}

// storeRevocation looks the client certificate up in the CA directory's
// records (in the database db when set: --db, PKIT_DB): nil unless it is
// recorded there as revoked.
func storeRevocation(dir, db string, cert *x509.Certificate) *probe.StoreRevocation {
	a, err := ca.Open(dir, ca.OpenOptions{DB: db})
	if err != nil {
		return nil
	}
	defer a.Close()
	rec, err := a.FindIssued(context.Background(), cert)
	if err != nil || rec.Status != ca.StatusRevoked {
		return nil
	}
	return &probe.StoreRevocation{At: rec.RevokedAt, Reason: revoke.Reason(rec.Reason).String()}
}

// probeFailure is the error for a probe that got no answer.
func probeFailure(r *probe.Report) error {
	msg := strings.TrimPrefix(fmt.Sprint(r.Err), "tls: ")
	ue := failf("cannot probe %s: %s", r.Address, msg)
	var ne net.Error
	switch {
	case r.Stage == probe.StageConnect && errors.As(r.Err, &ne) && ne.Timeout():
		ue.hint("nothing answered within the timeout: check the address and firewalls, or give more time with --timeout")
	case r.Stage == probe.StageConnect && strings.Contains(msg, "refused"):
		ue.hint("nothing listens on %s: is the server running, and on that port?", r.Address)
	case r.Stage == probe.StageConnect:
		ue.hint("check the host name and the network")
	case strings.Contains(msg, "does not look like a TLS handshake"):
		ue.hint("the port does not speak TLS (plain HTTP?): check the address, or the server's listen line (nginx: listen … ssl)")
	case errors.As(r.Err, &ne) && ne.Timeout():
		ue.hint("the server did not answer within the timeout; give more time with --timeout, or --no-http if it does not speak HTTP")
	}
	return ue
}

// printProbe writes the report for people, on stderr.
func (e *env) printProbe(r *probe.Report) {
	w := e.stderr
	fmt.Fprintf(w, "probe %s (server name %q) at %s\n", r.Address, r.ServerName, r.At.UTC().Format(time.RFC3339))
	if r.Version != 0 {
		fmt.Fprintf(w, "  protocol: %s, %s\n", r.VersionName(), r.CipherSuiteName())
	}
	if len(r.ServerChain) > 0 {
		fmt.Fprintf(w, "  server chain, as sent:\n")
		for i, x := range r.ServerChain {
			fmt.Fprintf(w, "    %d. %q (issuer %q, expires %s)\n", i+1, x.Subject.String(), x.Issuer.String(), x.NotAfter.UTC().Format("2006-01-02"))
		}
		if r.Server != nil && r.Server.Valid() {
			top := r.Server.Chain[len(r.Server.Chain)-1]
			fmt.Fprintf(w, "  server chain: valid for %q, up to the trusted root %q\n", r.ServerName, top.Subject.String())
		} else if r.Server != nil {
			fmt.Fprintf(w, "  server chain: NOT valid (see the warnings below)\n")
		}
	}
	switch {
	case r.ClientCertRequested:
		fmt.Fprintf(w, "  client certificate: requested; CA names the server accepts:\n")
		if len(r.AcceptableCAs) == 0 {
			fmt.Fprintf(w, "    (none listed: any CA the server trusts)\n")
		}
		for _, n := range r.AcceptableCAs {
			known := ""
			if n.Cert != nil {
				known = " (known: " + roleOf(n.Cert) + ")"
			}
			fmt.Fprintf(w, "    - %q%s\n", n.Name, known)
		}
	case r.Version != 0:
		fmt.Fprintf(w, "  client certificate: not requested\n")
	}
	if len(r.ClientSent) > 0 {
		extra := ""
		if n := len(r.ClientSent) - 1; n > 0 {
			extra = fmt.Sprintf(" with %d more certificate(s)", n)
		}
		fmt.Fprintf(w, "  client certificate sent: %q%s\n", r.ClientSent[0].Subject.String(), extra)
		verdict := "no"
		if r.ClientAccepted {
			verdict = "yes"
		}
		if len(r.AcceptableCAs) > 0 {
			fmt.Fprintf(w, "  chains to a CA the server accepts: %s\n", verdict)
		}
	}
	outcome := string(r.Outcome)
	switch {
	case r.Outcome == probe.Refused:
		outcome += ": " + r.RefusalWords()
	case r.Outcome == probe.Accepted && r.HTTP != nil:
		outcome += fmt.Sprintf(" (HTTP %s)", r.HTTP.StatusLine)
	case r.Outcome == probe.Accepted:
		outcome += " (no HTTP request sent)"
	}
	if r.Outcome != probe.Failed {
		fmt.Fprintf(w, "  outcome: %s\n", outcome)
	}
	for _, f := range r.Findings {
		if f.Warning {
			warnf(w, "%s", f.Detail)
			if f.Fix != "" {
				message(w, "fix", "%s", f.Fix)
			}
			continue
		}
		problemf(w, f.Detail, f.Fix)
	}
	for _, n := range r.Notes {
		notef(w, "%s", n)
	}
}

func roleOf(c *x509.Certificate) string {
	if chain.SelfSigned(c) {
		return "root"
	}
	return "intermediate"
}

// probeCertsJSON describes certificates as chain verify --json does,
// with serials as inspect and list write them.
func probeCertsJSON(certs []*x509.Certificate) []certJSON {
	out := describeCerts(certs)
	for i := range out {
		out[i].Serial = ca.SerialHex(certs[i].SerialNumber)
	}
	return out
}

type probeAlertJSON struct {
	Code int    `json:"code"`
	Name string `json:"name"`
}

type probeHTTPJSON struct {
	Status     int    `json:"status"`
	StatusLine string `json:"status_line"`
	Title      string `json:"title,omitempty"`
}

type probeChainJSON struct {
	Sent     []certJSON    `json:"sent"`
	Path     []certJSON    `json:"path"`
	Valid    bool          `json:"valid"`
	Trusted  bool          `json:"trusted"`
	Problems []problemJSON `json:"problems"`
}

type probeCAJSON struct {
	Name   string `json:"name"`
	Known  bool   `json:"known"`
	Role   string `json:"role,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

type probeClientJSON struct {
	Requested     bool            `json:"requested"`
	AcceptableCAs []probeCAJSON   `json:"acceptable_cas"`
	Sent          []certJSON      `json:"sent"`
	Path          []certJSON      `json:"path"`
	ChainsToCA    *bool           `json:"chains_to_accepted_ca"`
	Check         *probeChainJSON `json:"check"`
}

type probeFindingJSON struct {
	Cause   probe.Cause `json:"cause"`
	Detail  string      `json:"detail"`
	Fix     string      `json:"fix"`
	Warning bool        `json:"warning"`
}

// probeReport is the output of pkit probe --json (docs/probe-json.md).
type probeReport struct {
	Schema      string             `json:"schema"`
	Address     string             `json:"address"`
	ServerName  string             `json:"server_name"`
	At          time.Time          `json:"at"`
	Outcome     probe.Outcome      `json:"outcome"`
	OK          bool               `json:"ok"`
	Stage       probe.Stage        `json:"stage"`
	Protocol    string             `json:"protocol"`
	CipherSuite string             `json:"cipher_suite"`
	Alert       *probeAlertJSON    `json:"alert"`
	HTTP        *probeHTTPJSON     `json:"http"`
	EmptyReply  bool               `json:"empty_reply"`
	Error       string             `json:"error,omitempty"`
	Server      *probeChainJSON    `json:"server"`
	Client      probeClientJSON    `json:"client"`
	Findings    []probeFindingJSON `json:"findings"`
	Notes       []string           `json:"notes"`
}

func probeJSON(r *probe.Report) probeReport {
	v := probeReport{Schema: "pkit.probe/v1", Address: r.Address, ServerName: r.ServerName, At: r.At.UTC().Truncate(time.Second), Outcome: r.Outcome, OK: r.OK(), Stage: r.Stage,
		Protocol: r.VersionName(), CipherSuite: r.CipherSuiteName(), EmptyReply: r.EmptyReply,
		Client:   probeClientJSON{Requested: r.ClientCertRequested, AcceptableCAs: []probeCAJSON{}, Sent: probeCertsJSON(r.ClientSent), Path: probeCertsJSON(r.ClientPath)},
		Findings: []probeFindingJSON{}, Notes: append([]string{}, r.Notes...)}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	if r.Alert != nil {
		v.Alert = &probeAlertJSON{Code: int(r.Alert.Code), Name: r.Alert.Name}
	}
	if r.HTTP != nil {
		v.HTTP = &probeHTTPJSON{Status: r.HTTP.Status, StatusLine: r.HTTP.StatusLine, Title: r.HTTP.Title}
	}
	if len(r.ServerChain) > 0 {
		v.Server = &probeChainJSON{Sent: probeCertsJSON(r.ServerChain), Path: []certJSON{}, Problems: []problemJSON{}}
		if r.Server != nil {
			v.Server.Path, v.Server.Valid, v.Server.Trusted, v.Server.Problems = probeCertsJSON(r.Server.Chain), r.Server.Valid(), r.Server.Trusted, problemsJSON(r.Server.Problems)
		}
	}
	for _, n := range r.AcceptableCAs {
		cj := probeCAJSON{Name: n.Name, Known: n.Cert != nil}
		if n.Cert != nil {
			cj.Role, cj.SHA256 = roleOf(n.Cert), fingerprint(n.Cert)
		}
		v.Client.AcceptableCAs = append(v.Client.AcceptableCAs, cj)
	}
	if len(r.ClientSent) > 0 && r.ClientCertRequested {
		ok := r.ClientAccepted
		v.Client.ChainsToCA = &ok
	}
	if r.Client != nil {
		v.Client.Check = &probeChainJSON{Sent: probeCertsJSON(r.ClientSent), Path: probeCertsJSON(r.Client.Chain), Valid: r.Client.Valid(), Trusted: r.Client.Trusted, Problems: problemsJSON(r.Client.Problems)}
	}
	for _, f := range r.Findings {
		v.Findings = append(v.Findings, probeFindingJSON{Cause: f.Cause, Detail: f.Detail, Fix: f.Fix, Warning: f.Warning})
	}
	return v
}

package probe

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/formats"
)

// Cause names the kind of a [Finding]. The values are stable and appear
// in JSON output.
type Cause string

// The causes, roughly in the order of how often they explain a refusal.
const (
	// ClientCertNotSent: the server requires a client certificate and
	// none was given.
	ClientCertNotSent Cause = "client-cert-not-sent"
	// ClientCertForeignCA: the client certificate comes from a CA the
	// server does not list.
	ClientCertForeignCA Cause = "client-cert-foreign-ca"
	// ClientCertRevoked: a CRL or the CA's records say it is revoked.
	ClientCertRevoked Cause = "client-cert-revoked"
	// ClientCertExpired: expired, or not yet valid.
	ClientCertExpired Cause = "client-cert-expired"
	// ClientCertWrongEKU: no clientAuth extended key usage (or no
	// digitalSignature key usage).
	ClientCertWrongEKU Cause = "client-cert-wrong-eku"
	// ClientCAFileIncomplete: the server's client-CA file holds an
	// intermediate without its root, which OpenSSL-based servers do not
	// take as a trust anchor.
	ClientCAFileIncomplete Cause = "client-ca-file-incomplete"
	// ClientChainIncomplete: the server has the root only and the client
	// did not send its intermediate.
	ClientChainIncomplete Cause = "client-chain-incomplete"
	// ClientCertInvalid: another problem with the client's chain.
	ClientCertInvalid Cause = "client-cert-invalid"
	// ServerChainIncomplete: the server does not send its intermediate.
	ServerChainIncomplete Cause = "server-chain-incomplete"
	// ServerChainInvalid: another problem with the server's chain
	// (misordered, expired, wrong host, untrusted root).
	ServerChainInvalid Cause = "server-chain-invalid"
	// ProtocolRefused: the server refused the handshake before any
	// certificate mattered (TLS version, cipher suites).
	ProtocolRefused Cause = "protocol-refused"
	// RefusedUnknown: refused, and nothing probe can see explains it.
	RefusedUnknown Cause = "refused-unknown"
)

// Finding is one explanation: what is wrong and what to do.
type Finding struct {
	Cause  Cause
	Detail string
	Fix    string
	// Problem is the chain diagnostic the finding comes from, if any.
	Problem *chain.Problem
	// Warning is set on a finding that does not explain the outcome:
	// every finding of a probe the server accepted (the server's own
	// chain, a client certificate it should not have accepted), and the
	// server's chain when it refused (a server never refuses a client
	// for its own chain). pkit probe's exit code follows the outcome
	// alone; warnings are reported with their fix.
	Warning bool
}

// Diagnose fills r's Server, Client, ClientPath, ClientAccepted, the
// known certificate of each accepted CA name, Findings (the most likely
// cause of a refusal first) and Notes, from what r records and o's
// certificates, CRLs and identity. It does no I/O, so a report can be
// diagnosed again with other options.
func Diagnose(r *Report, o Options) {
	r.Findings, r.Notes, r.Server, r.Client, r.ClientPath, r.ClientAccepted = nil, nil, nil, nil, nil, false
	d := &diagnosis{r: r, o: o}
	d.known = append(d.known, o.CACerts...)
	d.known = append(d.known, o.Roots...)
	if o.Identity != nil && len(o.Identity.Chain) > 1 {
		d.known = append(d.known, o.Identity.Chain[1:]...)
	}
	for i := range r.AcceptableCAs {
		r.AcceptableCAs[i].Cert = d.knownCA(r.AcceptableCAs[i].Raw)
	}
	d.server()
	d.client()
	d.refusal()
	d.order()
	for i, f := range r.Findings {
		if r.Outcome == Accepted && strings.HasPrefix(string(f.Cause), "client-") {
			r.Findings[i].Detail = "the server accepted the client certificate, but " + f.Detail
		}
		r.Findings[i].Warning = r.Outcome == Accepted || f.Cause == ServerChainIncomplete || f.Cause == ServerChainInvalid
	}
}

type diagnosis struct {
	r     *Report
	o     Options
	known []*x509.Certificate
}

func (d *diagnosis) add(c Cause, p *chain.Problem, detail, fix string) {
	d.r.Findings = append(d.r.Findings, Finding{Cause: c, Detail: detail, Fix: fix, Problem: p})
}

// knownCA returns a known CA certificate whose subject is the name der.
func (d *diagnosis) knownCA(der []byte) *x509.Certificate {
	for _, c := range d.known {
		if (chain.IsCA(c) || chain.SelfSigned(c)) && formats.SameName(c.RawSubject, der) {
			return c
		}
	}
	return nil
}

// accepted reports whether the name der is among the server's CA names.
func (d *diagnosis) accepted(der []byte) bool {
	for _, n := range d.r.AcceptableCAs {
		if formats.SameName(n.Raw, der) {
			return true
		}
	}
	return false
}

// server checks the chain the server sent, as a TLS client must take
// it: only what was sent, against the roots given.
func (d *diagnosis) server() {
	r := d.r
	if r.ServerChainError != nil {
		d.add(ServerChainInvalid, nil, r.ServerChainError.Error(), "re-issue the server certificate; TLS clients refuse a certificate that does not parse")
	}
	served := r.ServerChain
	if len(served) == 0 {
		return
	}
	leaf := served[0]
	vo := chain.VerifyOptions{Roots: d.o.Roots, At: r.At, Purpose: chain.PurposeServer, Host: r.ServerName, ReasonName: d.o.ReasonName}
	if len(served) > 1 {
		// As chain verify takes a chain file: the leaf need not come
		// first (that is one of the problems reported).
		if p, err := chain.Build(served, chain.BuildOptions{At: r.At}); err == nil {
			leaf = p.Certs[0]
		}
		vo.Served = served
	}
	res, err := chain.Verify(leaf, vo)
	if err != nil {
		return
	}
	r.Server = res
	n := len(res.Chain)
	for i := range res.Problems {
		p := &res.Problems[i]
		if p.Warning || p.Kind == chain.RevocationUnknown {
			continue
		}
		detail := "the server's chain: " + p.Detail
		switch {
		case p.Kind == chain.MissingIntermediate && p.Index == n-1 && res.Path.Missing != nil:
			m := res.Path.Missing
			name := m.Subject.String()
			if k := d.knownCA(m.Cert.RawIssuer); k != nil && chain.SelfSigned(k) {
				d.add(ServerChainInvalid, p, detail, fmt.Sprintf("%q is a root: if you trust it, pass it with --roots FILE (or point --dir at its CA directory)", name))
				continue
			}
			d.add(ServerChainIncomplete, p, fmt.Sprintf("the server sends an incomplete chain: %s; clients that do not have it (curl, OpenSSL, Go, Java) refuse the server (\"unable to get local issuer certificate\")", p.Detail),
				fmt.Sprintf("have the server send %q after its certificate: the file behind nginx ssl_certificate or HAProxy crt must hold the certificate, then each intermediate (pkit issue server NAME --chain writes NAME-chain.pem; pkit chain build CERT -o chain.pem completes a file), then reload the server; if %q is a root you trust, pass it with --roots FILE", name, name))
		case p.Kind == chain.MissingIntermediate:
			d.add(ServerChainIncomplete, p, "the server sends an incomplete chain: "+p.Detail, "make the file behind nginx ssl_certificate or HAProxy crt the whole chain, leaf first (pkit chain build CERT -o chain.pem), then reload the server")
		case p.Kind == chain.OutOfOrder:
			d.add(ServerChainInvalid, p, "the server sends its chain out of order: "+p.Detail, "rewrite the file behind nginx ssl_certificate or HAProxy crt leaf first, each certificate followed by its issuer (pkit chain build CERT -o chain.pem), then reload the server")
		case p.Kind == chain.UnknownAuthority && len(p.Refused) == 0:
			d.add(ServerChainInvalid, p, detail, "if it is your CA's root, pass it with --roots FILE (or point --dir at its CA directory); if not, the server's certificate was issued by another CA")
		default:
			d.add(ServerChainInvalid, p, detail, p.Fix)
		}
	}
}

// client replays the server's check of the client certificate.
func (d *diagnosis) client() {
	r, o := d.r, d.o
	handshook := r.Version != 0
	if o.Identity == nil || len(o.Identity.Chain) == 0 {
		if r.ClientCertRequested {
			if r.Outcome == Accepted {
				r.Notes = append(r.Notes, fmt.Sprintf("the server asks for a client certificate (from %s) but accepted the connection without one: it checks them only when sent (nginx ssl_verify_client optional, HAProxy verify optional)", d.caList()))
			} else {
				d.add(ClientCertNotSent, nil, fmt.Sprintf("the server requires a client certificate and none was sent; it accepts certificates from %s", d.caList()),
					"pass the client certificate and its key with --cert FILE --key FILE, or --p12 FILE (pkit issue client NAME makes one)")
			}
		}
		return
	}
	leaf := o.Identity.Chain[0]
	if !r.ClientCertRequested {
		if handshook {
			r.Notes = append(r.Notes, "the server did not ask for a client certificate, so none was sent: it does not check client certificates here (nginx: ssl_verify_client on; HAProxy: verify required on the bind line)")
		}
		return
	}
	// The client's path as far as the known certificates go.
	pile := append(append([]*x509.Certificate(nil), o.Identity.Chain...), d.known...)
	var roots []*x509.Certificate
	for _, c := range pile {
		if chain.SelfSigned(c) {
			roots = append(roots, c)
		}
	}
	if p, err := chain.Build(pile, chain.BuildOptions{Leaf: leaf, Roots: roots, At: r.At}); err == nil {
		r.ClientPath = p.Certs
	} else {
		r.ClientPath = []*x509.Certificate{leaf}
	}
	top := r.ClientPath[len(r.ClientPath)-1]
	r.ClientAccepted = len(r.AcceptableCAs) == 0 || d.accepted(top.RawIssuer)
	for _, c := range r.ClientPath[1:] {
		r.ClientAccepted = r.ClientAccepted || d.accepted(c.RawSubject)
	}
	// The server's trust: the known CA certificates it names (any known
	// root when it names none).
	var trust []*x509.Certificate
	seen := map[string]bool{}
	for _, c := range pile {
		if seen[string(c.Raw)] || !(chain.IsCA(c) || chain.SelfSigned(c)) {
			continue
		}
		if (len(r.AcceptableCAs) == 0 && chain.SelfSigned(c)) || d.accepted(c.RawSubject) {
			seen[string(c.Raw)] = true
			trust = append(trust, c)
		}
	}
	vo := chain.VerifyOptions{Roots: trust, At: r.At, Purpose: chain.PurposeClient, ReasonName: o.ReasonName,
		CRLs: o.CRLs, CheckRevocation: len(o.CRLs) > 0}
	if len(r.AcceptableCAs) == 0 {
		// The server keeps its CA list to itself (nginx
		// ssl_trusted_certificate, HAProxy ca-verify-file): assume it
		// holds every known CA, and check only the certificate itself.
		for _, c := range pile {
			if chain.IsCA(c) && !chain.SelfSigned(c) {
				vo.Intermediates = append(vo.Intermediates, c)
			}
		}
	}
	if len(o.Identity.Chain) > 1 {
		vo.Served = o.Identity.Chain
	}
	res, err := chain.Verify(leaf, vo)
	if err != nil {
		return
	}
	r.Client = res
	if !r.ClientAccepted {
		var path []string
		for _, c := range r.ClientPath {
			path = append(path, strconv.Quote(c.Subject.String()))
		}
		detail := fmt.Sprintf("the client certificate %q comes from a CA the server does not accept: its chain is %s", leaf.Subject.String(), strings.Join(path, " → "))
		if !chain.SelfSigned(top) {
			detail += fmt.Sprintf(" → %q (not known here)", top.Issuer.String())
		}
		detail += fmt.Sprintf("; the server accepts client certificates from %s", d.caList())
		d.add(ClientCertForeignCA, nil, detail,
			"use a client certificate issued by one of those CAs; or, if this CA should be accepted, add its root (and its intermediate) to the server's client-CA file (nginx ssl_client_certificate, HAProxy ca-file) and reload the server")
	}
	revoked := false
	for i := range res.Problems {
		p := &res.Problems[i]
		if p.Warning || p.Kind == chain.RevocationUnknown {
			continue
		}
		switch {
		case p.Kind == chain.Revoked:
			revoked = revoked || p.Index == 0
			d.add(ClientCertRevoked, p, p.Detail, p.Fix+"; a server that still accepts it needs the current CRLs: publish them (pkit crl) and reload it (nginx ssl_crl, HAProxy crl-file)")
		case (p.Kind == chain.Expired || p.Kind == chain.NotYetValid) && p.Index == 0:
			d.add(ClientCertExpired, p, "the client certificate: "+p.Detail, p.Fix)
		case (p.Kind == chain.WrongEKU || p.Kind == chain.KeyUsage) && p.Index == 0:
			d.add(ClientCertWrongEKU, p, "the client certificate: "+p.Detail, "issue a client certificate (pkit issue client NAME), which has clientAuth")
		case p.Kind == chain.UnknownAuthority && len(p.Refused) > 0:
			d.add(ClientCAFileIncomplete, p, "the server's client-CA file is incomplete: "+p.Detail, d.caFileFix())
		case p.Kind == chain.MissingIntermediate || p.Kind == chain.UnknownAuthority:
			if !r.ClientAccepted {
				continue // said above
			}
			m := res.Path.Missing
			if m == nil || p.Index < 0 {
				d.add(ClientCertInvalid, p, "the client's chain: "+p.Detail, p.Fix)
				continue
			}
			if d.accepted(m.Cert.RawIssuer) {
				// The server has that CA; probe does not know its
				// certificate and cannot replay more.
				r.Notes = append(r.Notes, fmt.Sprintf("the server accepts %q but its certificate is not known here, so probe cannot check the rest of the client's chain; pass the CA directory with --dir or the CA certificates with --roots", m.Subject.String()))
				continue
			}
			name := m.Subject.String()
			d.add(ClientChainIncomplete, p, fmt.Sprintf("the server cannot complete the client's chain: it needs %q, the issuer of %q, which is not in its client-CA file and which the client did not send (nginx: \"unable to get local issuer certificate\"; HAProxy: the \"unknown ca\" alert)", name, m.Cert.Subject.String()),
				fmt.Sprintf("send the intermediate with the client certificate: give --cert a file holding the certificate then %q (pkit issue client NAME --chain writes NAME-chain.pem, which curl --cert takes too; a .p12 from pkit issue client NAME --p12 holds the chain); or add %q to the server's client-CA file (nginx ssl_client_certificate, HAProxy ca-file) with the root, and reload the server", name, name))
		default:
			d.add(ClientCertInvalid, p, "the client's chain: "+p.Detail, p.Fix)
		}
	}
	if s := o.ClientRevoked; s != nil && !revoked {
		detail := fmt.Sprintf("the CA directory's records hold the client certificate %q as revoked since %s", leaf.Subject.String(), s.At.UTC().Format("2006-01-02T15:04:05Z"))
		if s.Reason != "" {
			detail += " (" + s.Reason + ")"
		}
		d.add(ClientCertRevoked, nil, detail, "issue a new client certificate (pkit issue client NAME, or pkit renew NAME) and use it; a server that still accepts this one needs the current CRLs: publish them (pkit crl) and reload it (nginx ssl_crl, HAProxy crl-file)")
	}
}

// caFileFix says how to complete a client-CA file that lacks the root.
func (d *diagnosis) caFileFix() string {
	root := "the self-signed root of the client certificates' CA"
	if p := d.r.ClientPath; len(p) > 1 && chain.SelfSigned(p[len(p)-1]) {
		root = fmt.Sprintf("the root %q", p[len(p)-1].Subject.String())
	}
	return fmt.Sprintf("add %s to the server's client-CA file (nginx ssl_client_certificate, HAProxy ca-file), after the intermediate, and reload the server: OpenSSL, nginx and HAProxy trust only self-signed roots (or keep the root alone in the file and have every client send its intermediate with its certificate)", root)
}

// caList names the CAs the server accepts.
func (d *diagnosis) caList() string {
	if len(d.r.AcceptableCAs) == 0 {
		return "any CA it trusts (it lists no CA names)"
	}
	var names []string
	for _, n := range d.r.AcceptableCAs {
		names = append(names, strconv.Quote(n.Name))
	}
	return strings.Join(names, ", ")
}

// refusal explains a refusal nothing above explains.
func (d *diagnosis) refusal() {
	r := d.r
	if r.Outcome != Refused {
		return
	}
	for _, f := range r.Findings {
		if !strings.HasPrefix(string(f.Cause), "server-") {
			return
		}
	}
	how := refusalWords(r)
	if !r.ClientCertRequested && r.Version == 0 && r.Alert != nil {
		d.add(ProtocolRefused, nil, fmt.Sprintf("the server refused the TLS handshake (%s) before asking for any certificate: it does not accept the TLS version or cipher suites offered, or the server name", how),
			"try the other TLS version (--tls 1.2 or --tls 1.3), and check the server's protocols (nginx ssl_protocols, HAProxy ssl-min-ver) and server names (SNI: --servername NAME)")
		return
	}
	if r.ClientCertRequested && d.o.Identity != nil {
		d.add(RefusedUnknown, nil, fmt.Sprintf("the server refused the client certificate (%s), but probe finds nothing wrong with it against the CA names the server lists", how),
			"look in the server's log (nginx error_log: \"client SSL certificate verify error\"); a CRL file the server uses that has expired, or that lacks the CRL of a CA on the client's path, makes nginx and HAProxy refuse every client (\"unable to get certificate CRL\", \"CRL has expired\"): publish the CRLs (pkit crl) and reload the server")
		return
	}
	d.add(RefusedUnknown, nil, fmt.Sprintf("the server refused the connection (%s)", how), "look in the server's log for why")
}

// refusalWords says how the server refused, in words.
func refusalWords(r *Report) string {
	switch {
	case r.Alert != nil && r.Stage == StageHandshake:
		return fmt.Sprintf("the TLS alert %s during the handshake", r.Alert.Name)
	case r.Alert != nil:
		return fmt.Sprintf("the TLS alert %s after the handshake", r.Alert.Name)
	case r.HTTP != nil:
		return fmt.Sprintf("HTTP %s: %q", r.HTTP.StatusLine, r.HTTP.Title)
	case r.EmptyReply:
		return "the connection closed with an empty reply"
	}
	return "the connection closed"
}

// RefusalWords says how the server refused, in words ("the TLS alert
// unknown_ca after the handshake"); empty when it did not.
func (r *Report) RefusalWords() string {
	if r.Outcome != Refused {
		return ""
	}
	return refusalWords(r)
}

// order puts the most likely cause first: what the server's own words
// (its alert, its HTTP reply) point at, then the client's causes in the
// order of the constants, then the server's chain.
func (d *diagnosis) order() {
	r := d.r
	rank := map[Cause]int{ClientCertNotSent: 1, ClientCertForeignCA: 2, ClientCertRevoked: 3, ClientCertExpired: 4, ClientCertWrongEKU: 5,
		ClientCAFileIncomplete: 6, ClientChainIncomplete: 7, ClientCertInvalid: 8, ProtocolRefused: 9, RefusedUnknown: 10,
		ServerChainIncomplete: 20, ServerChainInvalid: 21}
	var first []Cause
	if r.Alert != nil {
		switch r.Alert.Code {
		case 44: // certificate_revoked
			first = []Cause{ClientCertRevoked}
		case 45: // certificate_expired
			first = []Cause{ClientCertExpired}
		case 43: // unsupported_certificate: OpenSSL's answer to a wrong purpose
			first = []Cause{ClientCertWrongEKU}
		case 116: // certificate_required
			first = []Cause{ClientCertNotSent}
		}
	}
	if httpRefusal(r.HTTP) == "no-cert" {
		first = []Cause{ClientCertNotSent}
	}
	for i, c := range first {
		rank[c] = -10 + i
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return rank[r.Findings[i].Cause] < rank[r.Findings[j].Cause] })
}

// nameString is a DER-encoded name as a string, or its hex when it does
// not parse.
func nameString(der []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &seq); err == nil && len(rest) == 0 {
		var n pkix.Name
		n.FillFromRDNSequence(&seq)
		if s := n.String(); s != "" {
			return s
		}
		return "(an empty name)"
	}
	return hex.EncodeToString(der)
}

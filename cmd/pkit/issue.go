package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

func issueCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "issue",
		Usage:     "issue server or client certificates (or many from a manifest with --batch)",
		UsageText: "pkit issue server NAME… | pkit issue client NAME | pkit issue --batch FILE",
		Description: `"pkit issue server --help" and "pkit issue client --help" describe one
   certificate; --batch issues many from a manifest with one CA unlock.

` + batchFormats + `

EXAMPLES
   pkit issue server localhost 127.0.0.1 ::1
   pkit issue server example.internal '*.example.internal' --chain
   pkit issue client alice --email alice@example.com --p12
   pkit issue --batch manifest.csv --out-dir certs/
   pkit issue --batch manifest.json --out-dir certs/ --json`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "batch", Usage: "issue every certificate in the CSV or JSON manifest `FILE`"},
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "write the files into `DIR`"},
			forceFlag(), jsonFlag(),
		}, unlockFlags(), p12Flags()),
		// Subcommands: issueServerCommand, issueClientCommand (see commands).
		Action: func(c *cli.Context) error {
			if c.String("batch") == "" {
				if c.NArg() > 0 {
					return usagef("unknown certificate kind %q", c.Args().First()).hint("use \"pkit issue server NAME\", \"pkit issue client NAME\" or \"pkit issue --batch FILE\"")
				}
				return usagef("issue what?").hint("use \"pkit issue server NAME\", \"pkit issue client NAME\" or \"pkit issue --batch FILE\"")
			}
			return e.issueBatch(c)
		},
	}
}

// issueProfileDescription is what "pkit issue server --help" and "pkit
// issue client --help" say before their examples (a constant, so that
// building the command copies no text).
const issueProfileDescription = `Writes the certificate and key into the current folder (or --out-dir), named
   like mkcert does: NAME.pem and NAME-key.pem for servers, NAME-client.pem and
   NAME-client-key.pem for clients; --chain adds NAME-chain.pem (leaf and
   intermediates, what servers serve), --combined adds NAME-combined.pem
   (chain and key in one file, mode 0600, what HAProxy's "crt" takes), --p12
   adds NAME.p12 for servers and NAME-client.p12 for clients (password from
   --p12-password-file, PKIT_P12_PASSWORD or the terminal).

   --profile picks another profile from the CA's config file. --subject adds
   subject fields beside the common name (keys C, ST, L, STREET, postalCode,
   O, OU; escape a comma in a value as \,), written C, ST, L, O, OU, CN; the
   profile's "subject =" fills the fields not given, and its
   "allowed-subject =" may forbid some.

EXAMPLES
`

func issueServerCommand(e *env) *cli.Command { return issueProfileCommand(e, "server") }

func issueClientCommand(e *env) *cli.Command { return issueProfileCommand(e, "client") }

func issueProfileCommand(e *env, profile string) *cli.Command {
	usage, text, description := "issue a TLS server certificate; each NAME is a DNS name or IP address", "pkit issue server NAME… [flags]",
		issueProfileDescription+`   pkit issue server localhost 127.0.0.1 ::1
   pkit issue server example.internal '*.example.internal' --chain --out-dir /etc/nginx/tls
   pkit issue server lb.internal --combined --out-dir /etc/haproxy/tls
   pkit issue server db.internal --key-type rsa-2048 --validity 90d --json`
	if profile == "client" {
		usage, text, description = "issue a TLS client certificate (mTLS); NAME is its common name", "pkit issue client NAME [flags]",
			issueProfileDescription+`   pkit issue client alice --p12
   pkit issue client alice@example.com --p12 --legacy    # for macOS, iOS, old Windows and Java
   pkit issue client svc --uri spiffe://example.internal/ns/prod/sa/svc --json
   pkit issue client alice --subject "O=Acme, OU=Ops, C=DE"   # nginx: $ssl_client_s_dn`
	}
	return &cli.Command{
		Name:        profile,
		Usage:       usage,
		UsageText:   text,
		Description: description,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "profile", Value: profile, Usage: "the profile in the CA config"},
			&cli.StringSliceFlag{Name: "dns", Usage: "add a DNS name (repeatable)"},
			&cli.StringSliceFlag{Name: "ip", Usage: "add an IP address (repeatable)"},
			&cli.StringSliceFlag{Name: "email", Usage: "add an email address (repeatable)"},
			&cli.StringSliceFlag{Name: "uri", Usage: "add a URI, e.g. a SPIFFE ID (repeatable)"},
			subjectFlag("subject `FIELDS` beside the CN, e.g. \"O=Acme, OU=Ops, C=DE\" (default from the profile)"),
			&cli.StringFlag{Name: "validity", Usage: "how long it is valid, e.g. 90d, 1y (default from the profile)"},
			allowShortFlag(),
			&cli.StringFlag{Name: "key-type", Usage: "key type of the new key (default from the profile)"},
			&cli.StringFlag{Name: "key", Usage: "use the existing private key in `FILE` instead of making one"},
			passwordFileFlag(),
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "write the files into `DIR`"},
			&cli.StringFlag{Name: "cert-file", Aliases: []string{"cert"}, Usage: "write the certificate to `FILE`"},
			&cli.StringFlag{Name: "key-file", Usage: "write the new private key to `FILE`"},
			&cli.StringFlag{Name: "p12-file", Usage: "write the .p12 to `FILE` (implies --p12)"},
			&cli.BoolFlag{Name: "chain", Usage: "also write the chain file: certificate then intermediates"},
			&cli.BoolFlag{Name: "combined", Usage: "also write NAME-combined.pem: certificate, intermediates and key in one file (HAProxy's crt)"},
			&cli.StringFlag{Name: "combined-file", Usage: "write the combined file to `FILE` (implies --combined)"},
			forceFlag(), jsonFlag(),
		}, unlockFlags(), p12Flags()),
		Action: func(c *cli.Context) error {
			job, err := e.jobFromFlags(c, profile)
			if err != nil {
				return err
			}
			return e.issueOne(c, job)
		},
	}
}

// issueJob is one certificate to issue and the files to write for it.
type issueJob struct {
	req     ca.Request
	key     crypto.Signer // an existing key (--key), or nil
	cert    string        // output paths; "" = not written
	keyFile string
	chain   string
	p12     string
	// combined is the chain and key in one file (HAProxy's crt).
	combined string
	legacy   bool
	// kept are files the certificate is issued with that stay as they are
	// (the key file a renewal in place reuses).
	kept []ca.Output
}

// jobFromFlags builds the job for "issue server|client" from its flags,
// checking everything before any I/O.
func (e *env) jobFromFlags(c *cli.Context, kind string) (*issueJob, error) {
	args := c.Args().Slice()
	if len(args) == 0 {
		return nil, usagef("issue %s needs a NAME", kind).hint("e.g. pkit issue %s %s", kind, map[string]string{"server": "localhost", "client": "alice"}[kind])
	}
	if kind == "client" && len(args) > 1 {
		return nil, usagef("issue client takes one NAME, got %d", len(args)).hint("add names with --dns, --email or --uri")
	}
	j := &issueJob{req: ca.Request{Profile: c.String("profile"), Name: args[0]}, legacy: c.Bool("legacy")}
	if kind == "server" {
		for _, a := range args {
			if err := addServerName(&j.req, a); err != nil {
				return nil, err
			}
		}
	} else if strings.Contains(args[0], "@") {
		j.req.Emails = append(j.req.Emails, args[0])
	}
	if err := addSANFlags(c, &j.req); err != nil {
		return nil, err
	}
	var err error
	if j.req.Subject, err = subjectOption(c); err != nil {
		return nil, err
	}
	if err := requestOptions(c, &j.req); err != nil {
		return nil, err
	}
	if path := c.String("key"); path != "" {
		var err error
		if j.key, err = e.readPrivateKey(c, "key", path); err != nil {
			return nil, err
		}
		j.req.PublicKey = j.key.Public()
		if c.String("key-type") != "" {
			return nil, usagef("--key and --key-type are mutually exclusive")
		}
	}
	if !c.Bool("p12") && c.String("p12-file") == "" && c.Bool("legacy") {
		return nil, usagef("--legacy applies to the .p12 file").hint("add --p12")
	}
	stem, err := ca.FileStem(args[0], kind)
	if err != nil {
		return nil, outputError(err, "")
	}
	dir := c.String("out-dir")
	j.cert = pick(c.String("cert-file"), ca.OutputPath(dir, stem, ".pem"))
	if j.key == nil {
		j.keyFile = pick(c.String("key-file"), ca.OutputPath(dir, stem, "-key.pem"))
	}
	if c.Bool("chain") {
		j.chain = ca.OutputPath(dir, stem, "-chain.pem")
	}
	if c.Bool("p12") || c.String("p12-file") != "" {
		j.p12 = pick(c.String("p12-file"), ca.OutputPath(dir, stem, ".p12"))
	}
	if c.Bool("combined") || c.String("combined-file") != "" {
		j.combined = pick(c.String("combined-file"), ca.OutputPath(dir, stem, "-combined.pem"))
	}
	return j, nil
}

// outputs are the files of j, for the plan.
func (j *issueJob) outputs() []ca.Output {
	return []ca.Output{{Kind: ca.OutCert, Path: j.cert}, {Kind: ca.OutKey, Path: j.keyFile},
		{Kind: ca.OutChain, Path: j.chain}, {Kind: ca.OutP12, Path: j.p12}, {Kind: ca.OutCombined, Path: j.combined}}
}

// newPlan starts the plan of a run's outputs (see ca.Plan); a is nil for
// commands without a CA (pkit csr).
func newPlan(a *ca.Authority, force, bulk bool) *ca.Plan {
	o := ca.PlanOptions{Overwrite: force, Bulk: bulk, MkdirAll: mkdirAll}
	if a == nil {
		return ca.NewPlan(o)
	}
	return a.NewPlan(o)
}

// outputError words a planning error (ca.OutputError) for the user: a
// mistake in what was asked (a name that is no file name, two outputs
// that are one file, a name too long) is a usage error; an existing file
// or a folder that takes no files is an error. where, when not empty,
// says where the output was asked for ("rows.csv line 3").
func outputError(err error, where string) error {
	var oe *ca.OutputError
	if !errors.As(err, &oe) {
		return err
	}
	msg := oe.Error()
	if where != "" {
		msg = where + ": " + msg
	}
	var de *ca.DirError
	switch {
	case errors.Is(err, ca.ErrOutputEscapes):
		return usagef("%s", msg).hint("use a name that can be a file name")
	case errors.Is(err, ca.ErrOutputInCADir):
		return usagef("%s", msg).hint("write certificates outside the CA directory (--out-dir, or the file flags)")
	case errors.Is(err, ca.ErrOutputCollides):
		return usagef("%s", msg).hint("give every output its own file name")
	case errors.Is(err, formats.ErrNameTooLong):
		return usagef("%s", msg).hint("use a shorter name or output path (a long name can go in the SANs: --dns, --email, --uri)")
	case errors.Is(err, ca.ErrOutputIsFolder):
		return failf("%s", msg).hint("name a file, or pass the folder as --out-dir")
	case errors.Is(err, fs.ErrExist):
		return failf("%s", msg).hint("remove it, choose another name or --out-dir, or pass -f/--force to overwrite")
	case errors.As(err, &de) && !de.Made:
		return failf("%s", msg).hint("choose another --out-dir or output file")
	case errors.As(err, &de):
		return failf("%s", msg).hint("choose another --out-dir or output file, or make the folder writable")
	}
	return failf("%s", msg)
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// addServerName adds a server NAME argument as a DNS or IP SAN.
func addServerName(r *ca.Request, name string) error {
	if ip := net.ParseIP(name); ip != nil {
		r.IPs = append(r.IPs, ip)
		return nil
	}
	if err := ca.CheckDNSName(name); err != nil {
		return usagef("%v", err)
	}
	r.DNS = append(r.DNS, name)
	return nil
}

// addNameSAN makes a server certificate's common name one of its SANs,
// first, when it is a DNS name or an IP address (as addServerName takes
// it for "pkit issue server NAME") and is not there yet.
func addNameSAN(r *ca.Request) {
	ip := net.ParseIP(r.Name)
	if slices.ContainsFunc(r.IPs, ip.Equal) || slices.ContainsFunc(r.DNS, func(d string) bool { return strings.EqualFold(d, r.Name) }) {
		return
	}
	var n ca.Request
	if addServerName(&n, r.Name) != nil {
		return // not a host name: the CN stays out of the SANs
	}
	r.DNS, r.IPs = append(n.DNS, r.DNS...), append(n.IPs, r.IPs...)
}

// addSANFlags adds --dns, --ip, --email and --uri, checking each.
func addSANFlags(c *cli.Context, r *ca.Request) error {
	return addSANs(r, c.StringSlice("dns"), c.StringSlice("ip"), c.StringSlice("email"), c.StringSlice("uri"))
}

func addSANs(r *ca.Request, dns, ips, emails, uris []string) error {
	for _, d := range dns {
		if err := ca.CheckDNSName(d); err != nil {
			return usagef("--dns: %v", err)
		}
		r.DNS = append(r.DNS, d)
	}
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return usagef("--ip: %q is not an IP address", s)
		}
		r.IPs = append(r.IPs, ip)
	}
	for _, m := range emails {
		if err := ca.CheckEmail(m); err != nil {
			return usagef("--email: %v", err)
		}
		r.Emails = append(r.Emails, m)
	}
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
			return usagef("--uri: %q is not an absolute URI like spiffe://example.internal/svc", s)
		}
		r.URIs = append(r.URIs, u)
	}
	return nil
}

// subjectFlag is the --subject flag of issue, csr, sign and init.
func subjectFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "subject", Usage: usage}
}

// subjectOption reads --subject (ca.ParseSubject).
func subjectOption(c *cli.Context) (pkix.Name, error) {
	n, err := ca.ParseSubject(c.String("subject"))
	if err != nil {
		return n, usagef("--subject: %v", err).hint("e.g. --subject \"O=Acme, OU=Ops, C=DE\" (escape a comma in a value as \\,)")
	}
	return n, nil
}

// requestOptions reads --validity and --key-type.
func requestOptions(c *cli.Context, r *ca.Request) error {
	if c.String("validity") != "" {
		d, err := lifetimeFlag(c, "validity")
		if err != nil {
			return err
		}
		r.Validity = d
	}
	r.AllowShort = c.Bool("allow-short")
	if k := c.String("key-type"); k != "" {
		kt, err := ca.ParseKeyType(k)
		if err != nil {
			return usagef("--key-type: %v", err)
		}
		r.KeyType = kt
	}
	return nil
}

// openCA opens the CA directory named by --dir with the unlock flags.
func (e *env) openCA(c *cli.Context) (*ca.Authority, error) {
	u, err := e.unlocker(c)
	if err != nil {
		return nil, err
	}
	return ca.Open(c.String("dir"), ca.OpenOptions{Unlock: u, DB: dbOf(c)})
}

// p12Password gets the .p12 password when a .p12 will be written.
func (e *env) p12Password(c *cli.Context) (string, error) {
	if c.Bool("p12-empty-password") {
		if c.String("p12-password-file") != "" {
			return "", usagef("--p12-empty-password and --p12-password-file are mutually exclusive")
		}
		return "", nil
	}
	p, err := e.readSecret(c, secretSource{fileFlag: "p12-password-file", envVar: "PKIT_P12_PASSWORD", what: ".p12 password", confirm: true})
	if err != nil {
		if ue, ok := err.(*userError); ok && len(ue.hints) > 0 {
			ue.hints[0] += " (or --p12-empty-password for a .p12 without one)"
		}
		return "", err
	}
	return string(p), nil
}

// issueResult is what --json prints for one certificate.
type issueResult struct {
	Serial   string            `json:"serial"`
	Name     string            `json:"name"`
	Profile  string            `json:"profile"`
	Subject  string            `json:"subject"`
	SANs     []string          `json:"sans"`
	NotAfter time.Time         `json:"not_after"`
	Files    map[string]string `json:"files"`
	// ed25519TLS: a server certificate browsers refuse (see ed25519TLS).
	ed25519TLS bool
	// longTLS: a server certificate Apple's platforms refuse (see longTLS).
	longTLS bool
	// written is what was placed on disk, all a batch keeps of the
	// issuance (ca.Store.SettleLost).
	written ca.Written
}

func (e *env) issueOne(c *cli.Context, j *issueJob) error {
	a, err := e.openCA(c)
	if err != nil {
		return err
	}
	defer a.Close()
	return e.issueAndReport(c, a, j)
}

// issueAndReport plans j's files, issues j, writes its files and tells the
// user (or prints --json).
func (e *env) issueAndReport(c *cli.Context, a *ca.Authority, j *issueJob) error {
	plan := newPlan(a, c.Bool("force"), false)
	if err := plan.Add("", j.outputs()...); err != nil {
		return outputError(err, "")
	}
	pw := ""
	if j.p12 != "" {
		var err error
		if pw, err = e.p12Password(c); err != nil {
			return err
		}
	}
	res, err := issueTo(c.Context, a, plan, j, pw)
	e.noteSettled(a)
	if err != nil {
		return err
	}
	return e.reportIssued(c, res)
}

// noteSettled tells what issuing settled in the store's placement
// journal: certificates a killed pkit left recorded before their files
// were all in place (ca.Store.SettlePlacements).
func (e *env) noteSettled(a *ca.Authority) {
	for _, st := range a.Store.AutoSettled() {
		notef(e.stderr, "left by a killed pkit: %s", st)
	}
}

// issueAndWrite plans j's files, issues j and writes them as one unit
// (for commands that issue a few fixed certificates, like quickstart).
func (e *env) issueAndWrite(ctx context.Context, a *ca.Authority, j *issueJob, p12pw string, force bool) (*issueResult, error) {
	plan := newPlan(a, force, false)
	if err := plan.Add("", j.outputs()...); err != nil {
		return nil, outputError(err, "")
	}
	return issueTo(ctx, a, plan, j, p12pw)
}

// issueTo issues j with a and writes its files, planned in plan, as one
// unit (ca.Authority.IssueTo).
func issueTo(ctx context.Context, a *ca.Authority, plan *ca.Plan, j *issueJob, p12pw string) (*issueResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	iss, err := a.IssueTo(ctx, &j.req, plan, &ca.Outputs{Files: j.outputs(), Keep: j.kept, Key: j.key, P12Password: p12pw, P12Legacy: j.legacy})
	if err != nil {
		return nil, err
	}
	res := newIssueResult(iss, &j.req)
	for _, o := range j.outputs() {
		if o.Path != "" && (o.Kind != ca.OutKey || iss.Key != nil) {
			res.Files[string(o.Kind)] = o.Path
		}
	}
	return res, nil
}

// newIssueResult describes a certificate issued for r; Files is empty.
func newIssueResult(iss *ca.Issued, r *ca.Request) *issueResult {
	res := &issueResult{Serial: ca.SerialHex(iss.Cert.SerialNumber), Name: r.Name, Profile: r.Profile,
		Subject: ca.SubjectString(iss.Cert.RawSubject, iss.Cert.Subject), SANs: formats.SANStrings(iss.Cert), NotAfter: iss.Cert.NotAfter, Files: map[string]string{},
		ed25519TLS: ed25519TLS(iss.Cert, iss.Chain), longTLS: longTLS(iss.Cert), written: iss.Written()}
	if res.SANs == nil {
		res.SANs = []string{}
	}
	return res
}

// ed25519TLS reports whether cert is a TLS server certificate that a
// browser will refuse because Ed25519 is in it or in its chain: its key,
// its signature, or an intermediate's signature.
func ed25519TLS(cert *x509.Certificate, chain []*x509.Certificate) bool {
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		return false
	}
	if cert.PublicKeyAlgorithm == x509.Ed25519 {
		return true
	}
	return slices.ContainsFunc(append([]*x509.Certificate{cert}, chain...), func(c *x509.Certificate) bool {
		return c.SignatureAlgorithm == x509.PureEd25519
	})
}

// longTLS reports whether cert is a TLS server certificate valid for
// longer than Apple's platforms accept ([ca.MaxTLSServerSpan]).
func longTLS(cert *x509.Certificate) bool {
	return slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) &&
		cert.NotAfter.Sub(cert.NotBefore) > ca.MaxTLSServerSpan
}

// warnLongTLS says that Apple's platforms refuse server certificates valid
// longer than ca.MaxTLSServerSpan.
func (e *env) warnLongTLS() {
	days := int(ca.MaxTLSServerSpan / (24 * time.Hour))
	warnf(e.stderr, "macOS and iOS refuse TLS server certificates valid longer than %d days; ask for --validity %dd or less for them", days, days)
}

// warnEd25519TLS says that browsers refuse Ed25519 TLS certificates (for
// "pkit init --key-type ed25519" and every such server certificate).
func (e *env) warnEd25519TLS() {
	warnf(e.stderr, "browsers do not accept Ed25519 TLS certificates; use ecdsa-p256 for web servers")
}

// reportIssued tells the user about one certificate (or prints --json),
// with the Ed25519 warning on stderr when it applies.
func (e *env) reportIssued(c *cli.Context, res *issueResult) error {
	if res.ed25519TLS {
		e.warnEd25519TLS()
	}
	if res.longTLS {
		e.warnLongTLS()
	}
	if c.Bool("json") {
		return e.printJSON(res)
	}
	e.describeIssued(res)
	return nil
}

func (e *env) describeIssued(r *issueResult) {
	fmt.Fprintf(e.stderr, "issued %s certificate %q (serial %s)", r.Profile, r.Name, r.Serial)
	if len(r.SANs) > 0 {
		fmt.Fprintf(e.stderr, " for %s", strings.Join(r.SANs, ", "))
	}
	fmt.Fprintln(e.stderr)
	for _, k := range []string{"cert", "key", "chain", "p12"} {
		if p, ok := r.Files[k]; ok {
			fmt.Fprintf(e.stderr, "  %-5s %s\n", k, p)
		}
	}
	fmt.Fprintf(e.stderr, "it expires on %s (in %s)\n", r.NotAfter.Format("2006-01-02"), untilText(time.Until(r.NotAfter)))
}

// untilText says how long until an expiry, in days, or in hours or minutes
// when that is less than a day.
func untilText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%d days", int(math.Round(d.Hours()/24)))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(math.Round(d.Hours())))
	default:
		return fmt.Sprintf("%d minutes", int(math.Round(d.Minutes())))
	}
}

func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strings"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

func initCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a CA: a root and an intermediate (or --single for a root only)",
		UsageText: "pkit init [--dir pki] [--name NAME] [--key-type TYPE] [--single] [--no-encrypt | --age-recipient R | --passphrase-file FILE]",
		Description: `Creates a CA directory with a root CA and an intermediate CA that issues
   certificates. The CA keys are sealed with age: with a passphrase (asked on the
   terminal, or --passphrase-file, or PKIT_PASSPHRASE), or to age recipients
   (--age-recipient; unlock later with --age-identity), or stored plain with
   --no-encrypt (mode 0600).

   Key types: ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096,
   ed25519 (browsers do not accept Ed25519 TLS certificates).

EXAMPLES
   pkit init
   PKIT_PASSPHRASE=… pkit init --dir /srv/pki --name "Acme Internal"
   pkit init --name "Acme Internal" --subject "C=DE, L=Berlin, O=Acme GmbH, OU=PKI"
   pkit init --single --key-type rsa-3072 --no-encrypt
   pkit init --age-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
   pkit init --permit-dns example.internal --permit-ip 10.0.0.0/8 \
       --crl-url 'http://pki.example.internal/crl/{ca}.crl' \
       --ca-issuers-url 'http://pki.example.internal/ca/{ca}.crt'

   The URL templates (change them later with "pkit ca set") go into the
   certificates each CA issues, {ca} becoming the issuing CA's name: leaves
   carry their CA's URLs, the intermediate the root's. The CRL URL names the
   DER file "pkit crl" writes, crl/NAME.crl: serve the crl/ folder at the
   URL's folder (or run "pkit serve").`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "name", Usage: "organization and CA name prefix (default \"pkit\" with user and host)"},
			subjectFlag("more subject `FIELDS` of both CAs, e.g. \"C=DE, O=Acme, OU=PKI\" (an O replaces --name's)"),
			&cli.StringFlag{Name: "key-type", Value: string(ca.ECDSAP256), Usage: "CA key type"},
			&cli.StringFlag{Name: "validity", Value: "10y", Usage: "root validity (the intermediate gets at most 5y)"},
			allowShortFlag(),
			&cli.BoolFlag{Name: "single", Usage: "create only a root CA, which issues certificates itself"},
			&cli.IntFlag{Name: "pathlen", Value: -1, Usage: "root path length limit (default 1 for two tiers, none for --single)"},
		}, constraintFlags(), []cli.Flag{
			&cli.StringSliceFlag{Name: "age-recipient", Usage: "seal the CA keys to this age `RECIPIENT` (repeatable)"},
			&cli.BoolFlag{Name: "no-encrypt", Usage: "store the CA keys unencrypted (mode 0600)"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the new CA passphrase from `FILE`; or set PKIT_PASSPHRASE"},
			&cli.StringFlag{Name: "import", Usage: "make the directory around the CA in `CHAIN` (its certificate, then its issuers up to the root) signed elsewhere"},
			&cli.StringFlag{Name: "key", Usage: "with --import: the CA's private key `FILE` (sealed into the directory)"},
			&cli.StringFlag{Name: "ca-name", Value: "intermediate", Usage: "with --import: the CA's name in the directory"},
			passwordFileFlag(), jsonFlag(),
		}, urlFlags()),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("init takes no arguments, got %q", c.Args().First()).hint("use --dir DIR to choose the directory")
			}
			o, err := initOptions(e, c)
			if err != nil {
				return err
			}
			return e.initCA(c, c.String("dir"), o)
		},
	}
}

// initOptions checks every init flag before any I/O.
func initOptions(e *env, c *cli.Context) (ca.InitOptions, error) {
	var o ca.InitOptions
	var err error
	if c.IsSet("import") {
		for _, f := range []string{"single", "pathlen", "validity", "key-type", "name", "subject", "permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email", "exclude-email"} {
			if c.IsSet(f) {
				return o, usagef("--%s does not apply with --import: the imported CA was made by its root", f)
			}
		}
		if c.String("key") == "" {
			return o, usagef("--import needs the CA's key").hint("pass --key FILE (the key \"pkit csr --ca\" wrote)")
		}
	} else {
		for _, f := range []string{"key", "ca-name"} {
			if c.IsSet(f) {
				return o, usagef("--%s goes with --import", f)
			}
		}
	}
	if o.KeyType, err = ca.ParseKeyType(c.String("key-type")); err != nil {
		return o, usagef("--key-type: %v", err)
	}
	if o.Validity, err = lifetimeFlag(c, "validity"); err != nil {
		return o, err
	}
	o.Name = c.String("name")
	if c.IsSet("name") {
		if err := ca.CheckOrgName(o.Name); err != nil {
			return o, usagef("--name: %v", err)
		}
	}
	if o.Name == "" {
		o.Name = defaultCAName()
	}
	if o.Subject, err = subjectOption(c); err != nil {
		return o, err
	}
	o.Single = c.Bool("single")
	if n := c.Int("pathlen"); n >= 0 {
		o.PathLen = &n
		if !o.Single && n == 0 {
			return o, usagef("--pathlen 0 leaves the root no room for the intermediate").hint("use --pathlen 1 or more, or --single")
		}
	} else if c.IsSet("pathlen") {
		return o, usagef("--pathlen must be 0 or more, got %d", n).hint("leave --pathlen out for the default (1 for two tiers, no limit for --single)")
	}
	nc, err := constraintOptions(c)
	if err != nil {
		return o, err
	}
	o.PermittedDNS, o.ExcludedDNS = nc.PermittedDNS, nc.ExcludedDNS
	o.PermittedIPs, o.ExcludedIPs = nc.PermittedIPs, nc.ExcludedIPs
	o.PermittedEmail, o.ExcludedEmail = nc.PermittedEmail, nc.ExcludedEmail
	if err := urlOptions(c, &o); err != nil {
		return o, err
	}
	enc := 0
	if c.Bool("no-encrypt") {
		enc++
		o.Protection.None = true
	}
	if rs := c.StringSlice("age-recipient"); len(rs) > 0 {
		enc++
		for _, r := range rs {
			rec, err := ca.ParseRecipient(r)
			if err != nil {
				return o, usagef("--age-recipient %q: %v", r, err).hint(`a recipient looks like "age1…"; make one with "age-keygen"`)
			}
			o.Protection.Recipients = append(o.Protection.Recipients, rec)
		}
	}
	if c.String("passphrase-file") != "" {
		enc++
	}
	if enc > 1 {
		return o, usagef("--no-encrypt, --age-recipient and --passphrase-file are mutually exclusive")
	}
	o.Protection.WorkFactor = e.workFactor
	if path := c.String("import"); path != "" {
		data, err := e.readInput(path, 1<<20)
		if err != nil {
			return o, failf("reading --import: %v", formats.SystemReason(err))
		}
		certs, err := formats.ParseCertificates(data)
		if err != nil {
			return o, failf("--import %q: %v", path, err).hint("give the CA certificate and its issuers up to the root, PEM or DER")
		}
		key, err := e.readPrivateKey(c, "key", c.String("key"))
		if err != nil {
			return o, err
		}
		o.Import = &ca.ImportedCA{Name: c.String("ca-name"), Chain: certs, Key: key}
	}
	return o, nil
}

// initCA gets the passphrase if needed and creates the CA.
func (e *env) initCA(c *cli.Context, dir string, o ca.InitOptions) error {
	if !o.Protection.None && len(o.Protection.Recipients) == 0 {
		s := caPassphrase
		s.confirm = true
		p, err := e.readSecret(c, s)
		if err != nil {
			var ue *userError
			if errors.As(err, &ue) && len(ue.hints) > 0 {
				ue.hints[0] += " (or --age-recipient, or --no-encrypt for plain keys)"
			}
			return err
		}
		o.Protection.Passphrase = p
	}
	o.DB = dbOf(c)
	if err := ca.Init(dir, o); err != nil {
		return err
	}
	a, err := ca.Open(dir, ca.OpenOptions{DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(e.stderr, "created a CA in %q\n", dir)
	for _, n := range a.CANames() {
		cert := a.CAs[n]
		fmt.Fprintf(e.stderr, "  %-13s %q (%s, expires %s) %s\n", n, cert.Subject.CommonName, ca.KeyTypeOf(cert.PublicKey),
			cert.NotAfter.Format("2006-01-02"), dir+"/ca/"+n+".crt")
	}
	switch {
	case o.Protection.None:
		fmt.Fprintf(e.stderr, "the CA keys are NOT encrypted (--no-encrypt): %s/ca/*.key, mode 0600\n", dir)
	case len(o.Protection.Recipients) > 0:
		fmt.Fprintf(e.stderr, "the CA keys are sealed to %d age recipient(s); unlock with --age-identity FILE\n", len(o.Protection.Recipients))
	default:
		fmt.Fprintf(e.stderr, "the CA keys are sealed with your passphrase (age, scrypt)\n")
	}
	if o.KeyType == ca.Ed25519 {
		e.warnEd25519TLS()
	}
	fmt.Fprintf(e.stderr, "trust %s/ca/root.crt on clients; next: pkit issue server NAME\n", dir)
	if c.Bool("json") {
		return e.printJSON(e.casJSON(a))
	}
	return nil
}

// casJSON describes every CA of a, roots first (init, quickstart).
func (e *env) casJSON(a *ca.Authority) map[string]any {
	cas := []caJSON{}
	for _, n := range a.CANames() {
		cas = append(cas, e.caInfo(a, n, nil))
	}
	return map[string]any{"dir": a.Dir, "issuer": a.Config.Issuer, "cas": cas}
}

// constraintFlags are the name-constraint flags of the commands that make
// or sign CAs (init, csr --ca, sign --ca-profile intermediate).
func constraintFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "permit-dns", Usage: "name constraint: only DNS names under `DOMAIN` (repeatable)"},
		&cli.StringSliceFlag{Name: "exclude-dns", Usage: "name constraint: no DNS names under `DOMAIN` (repeatable)"},
		&cli.StringSliceFlag{Name: "permit-ip", Usage: "name constraint: only IPs in `CIDR` (repeatable)"},
		&cli.StringSliceFlag{Name: "exclude-ip", Usage: "name constraint: no IPs in `CIDR` (repeatable)"},
		&cli.StringSliceFlag{Name: "permit-email", Usage: "name constraint: only emails at `DOMAIN` or address (repeatable)"},
		&cli.StringSliceFlag{Name: "exclude-email", Usage: "name constraint: no emails at `DOMAIN` or address (repeatable)"},
	}
}

// constraintOptions reads the constraintFlags, checking their syntax.
func constraintOptions(c *cli.Context) (ca.CARequestOptions, error) {
	var o ca.CARequestOptions
	var err error
	for _, f := range []string{"permit-dns", "exclude-dns"} {
		for _, d := range c.StringSlice(f) {
			if err := ca.CheckDomainConstraint(d); err != nil {
				return o, usagef("--%s: %v", f, err)
			}
		}
	}
	o.PermittedDNS, o.ExcludedDNS = c.StringSlice("permit-dns"), c.StringSlice("exclude-dns")
	if o.PermittedIPs, err = parseCIDRs("permit-ip", c.StringSlice("permit-ip")); err != nil {
		return o, err
	}
	if o.ExcludedIPs, err = parseCIDRs("exclude-ip", c.StringSlice("exclude-ip")); err != nil {
		return o, err
	}
	for _, f := range []string{"permit-email", "exclude-email"} {
		for _, e := range c.StringSlice(f) {
			if strings.Contains(e, "@") {
				if err := ca.CheckEmail(e); err != nil {
					return o, usagef("--%s: %v", f, err).hint("give a mailbox (a@example.com), a host (example.com: its mailboxes only) or a domain (.example.com: mailboxes at hosts under it)")
				}
			} else if err := ca.CheckDomainConstraint(e); err != nil {
				return o, usagef("--%s: %v", f, err)
			}
		}
	}
	o.PermittedEmail, o.ExcludedEmail = c.StringSlice("permit-email"), c.StringSlice("exclude-email")
	return o, nil
}

// parseCIDRs reads IP name constraints. An IPv4 range written as IPv6
// (::ffff:10.0.0.0/104) is refused: name constraints keep IPv4 and IPv6
// apart (RFC 5280, Go, OpenSSL), so it would constrain no IPv4 address,
// which is not what anyone writing it means.
func parseCIDRs(flag string, vals []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, v := range vals {
		ip, n, err := net.ParseCIDR(v)
		if err != nil {
			return nil, usagef("--%s: %q is not a CIDR range like 10.0.0.0/8", flag, v)
		}
		if v4 := ca.IPv4AsIPv6(ip, n); v4 != nil {
			return nil, usagef("--%s: %q is an IPv4 range written as IPv6; name constraints keep IPv4 and IPv6 apart, so it would not match any IPv4 address", flag, v).
				hint("write it as %s", v4)
		}
		out = append(out, n)
	}
	return out, nil
}

// urlFlags are the distribution point templates of init and quickstart.
func urlFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: ca.KeyCRLURL, Usage: "CRL distribution point `URL` template put in issued certificates (…/{ca}.crl)"},
		&cli.StringFlag{Name: ca.KeyOCSPURL, Usage: "OCSP responder `URL` template put in issued certificates"},
		&cli.StringFlag{Name: ca.KeyCAIssuersURL, Usage: "CA certificate `URL` template put in issued certificates (…/{ca}.crt)"},
	}
}

// urlOptions reads and checks urlFlags into o (after o.Single is set).
func urlOptions(c *cli.Context, o *ca.InitOptions) error {
	o.CRLURL, o.OCSPURL, o.CAIssuersURL = c.String(ca.KeyCRLURL), c.String(ca.KeyOCSPURL), c.String(ca.KeyCAIssuersURL)
	issuer := "intermediate"
	switch {
	case c.String("import") != "":
		issuer = c.String("ca-name")
	case o.Single:
		issuer = "root"
	}
	for _, k := range ca.URLKeys {
		if err := checkURLTemplate("--"+k, k, c.String(k), issuer); err != nil {
			return err
		}
	}
	return nil
}

// checkURLTemplate words [ca.CheckURLTemplate]'s refusal of the template
// v of the [ca] key k, given as what (a flag or key name), as a usage
// error.
func checkURLTemplate(what, k, v, issuer string) error {
	if err := ca.CheckURLTemplate(k, v, issuer); err != nil {
		ex := map[string]string{ca.KeyCRLURL: "http://pki.example.internal/crl/{ca}.crl",
			ca.KeyOCSPURL: "http://pki.example.internal/ocsp", ca.KeyCAIssuersURL: "http://pki.example.internal/ca/{ca}.crt"}
		return usagef("%s %v", what, err).
			hint("e.g. %s %s ({ca} becomes the issuing CA's name); relying parties fetch them over plain HTTP (RFC 5280 section 4.2.1.13)", what, ex[k])
	}
	return nil
}

// defaultCAName is "pkit user@host", like mkcert, so CAs from different
// machines are told apart in trust stores.
func defaultCAName() string {
	name := "pkit"
	u, _ := user.Current()
	h, _ := os.Hostname()
	if u != nil && h != "" {
		name += " " + u.Username + "@" + h
	}
	if ca.CheckOrgName(name) != nil {
		return "pkit" // a user or host name too long, or odd, for a common name
	}
	return name
}

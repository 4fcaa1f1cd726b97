package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

func signCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "sign",
		Usage:     "sign an external CSR under a profile",
		UsageText: "pkit sign CSR [--profile server|client] [--dns … --ip … --email … --uri …] [-o FILE]",
		Description: `Signs a certificate signing request (PEM or DER) made elsewhere. The CSR's
   signature is checked; it cannot make itself a CA or ask for key usages the
   profile does not give. Its names are used unless you give --dns, --ip,
   --email or --uri, which replace them all. Under a server profile the
   common name, when it is a DNS name or an IP address, is always one of the
   SANs too (as with "pkit issue server"). The CSR's subject fields (C, ST,
   L, STREET, postalCode, O, OU) are kept, except those the profile does not
   allow (its "allowed-subject =") and those --subject gives, which replace
   them field by field; each field dropped is named on stderr with why. The
   certificate goes to -o FILE (default: the CSR's name with .pem) or to
   stdout with -o -.

   With --ca-profile intermediate it signs a CA request ("pkit csr --ca", or
   openssl req with CA:TRUE) from the root (or --parent): CA:TRUE, keyCertSign
   and cRLSign, the path length asked for (or --pathlen) within every CA above,
   the parent's name constraints plus those asked for and given with
   --permit-dns and the like. The new CA is recorded here (revoke it like any
   certificate) and lives where its key is. Leaf profiles never sign CA
   requests.

EXAMPLES
   pkit sign web.csr --profile server            # writes web.pem
   pkit sign issuing.csr --ca-profile intermediate --pathlen 0 --permit-dns example.internal -o issuing.pem --chain
   pkit sign web.csr --dns web.internal --dns www.web.internal -o web-chain.pem --chain
   pkit sign device.csr --profile client --uri spiffe://example.internal/device/42 -o -
   pkit sign alice.csr --profile client --subject "O=Acme, OU=Ops"`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "profile", Value: "server", Usage: "the profile to sign under"},
			&cli.StringFlag{Name: "name", Usage: "the common name (default: the CSR's, or its first SAN)"},
			&cli.StringSliceFlag{Name: "dns", Usage: "replace the SANs: DNS name (repeatable)"},
			&cli.StringSliceFlag{Name: "ip", Usage: "replace the SANs: IP address (repeatable)"},
			&cli.StringSliceFlag{Name: "email", Usage: "replace the SANs: email address (repeatable)"},
			&cli.StringSliceFlag{Name: "uri", Usage: "replace the SANs: URI (repeatable)"},
			subjectFlag("replace these subject `FIELDS` of the CSR, e.g. \"O=Acme, OU=Ops\""),
			&cli.StringFlag{Name: "validity", Usage: "how long it is valid (default from the profile)"},
			allowShortFlag(),
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the certificate to `FILE` (- for stdout)"},
			&cli.BoolFlag{Name: "chain", Usage: "write the certificate followed by the intermediates"},
			forceFlag(), jsonFlag(),
			&cli.StringFlag{Name: "ca-profile", Usage: "sign a CA request under this CA `PROFILE` (intermediate)"},
			&cli.StringFlag{Name: "parent", Value: "root", Usage: "with --ca-profile: the CA that signs"},
			&cli.IntFlag{Name: "pathlen", Value: -1, Usage: "with --ca-profile: the path length (default: the request's, or 0)"},
		}, constraintFlags(), unlockFlags()),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("sign needs one CSR file").hint("e.g. pkit sign request.csr --profile server")
			}
			in := c.Args().First()
			data, err := e.readInput(in, 1<<20)
			if err != nil {
				return failf("reading the CSR: %v", err)
			}
			csr, err := formats.ParseCSR(data)
			if err != nil {
				return failf("%q is not a certificate request: %v", in, err).hint("pass a PKCS#10 request (PEM \"CERTIFICATE REQUEST\" or DER)")
			}
			out := c.String("out")
			if out == "" {
				if in == "-" {
					out = "-"
				} else {
					out = strings.TrimSuffix(in, filepath.Ext(in)) + ".pem"
				}
			}
			if out == "-" && c.Bool("json") {
				return usagef("--json and -o - both want standard output").hint("write the certificate to a file with -o FILE, or leave out --json")
			}
			if c.IsSet("ca-profile") {
				return e.signCA(c, csr, in, out)
			}
			for _, f := range []string{"parent", "pathlen", "permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email", "exclude-email"} {
				if c.IsSet(f) {
					return usagef("--%s is for CA requests", f).hint("add --ca-profile intermediate to sign a CA request")
				}
			}
			var override ca.Request
			if err := addSANFlags(c, &override); err != nil {
				return err
			}
			subject, err := subjectOption(c)
			if err != nil {
				return err
			}
			a, err := e.openCA(c)
			if err != nil {
				return err
			}
			defer a.Close()
			plan := newPlan(a, c.Bool("force"), false)
			var outs []ca.Output
			if out != "-" {
				kind := ca.OutCert
				if c.Bool("chain") {
					kind = ca.OutChain // the certificate and the intermediates
				}
				outs = append(outs, ca.Output{Kind: kind, Path: out})
				if err := plan.Add("", outs...); err != nil {
					return outputError(err, "")
				}
			}
			req, err := a.RequestFromCSR(csr, c.String("profile"))
			if errors.Is(err, ca.ErrBadCSRSignature) {
				return failf("%q: %v", in, err).hint("the request was altered or not signed by its key; ask for a new CSR")
			}
			if err != nil {
				return err
			}
			var dropped []ca.DroppedField
			req.Subject, dropped = a.CSRSubject(csr, req.Profile, subject)
			if len(override.DNS)+len(override.IPs)+len(override.Emails)+len(override.URIs) > 0 {
				req.DNS, req.IPs, req.Emails, req.URIs = override.DNS, override.IPs, override.Emails, override.URIs
			}
			if n := c.String("name"); n != "" {
				req.Name = n
			}
			if req.Name == "" {
				if s := firstSAN(req); s != "" {
					req.Name = s
				} else {
					return failf("the CSR has no common name and no SANs").hint("pass --name NAME")
				}
			}
			if p := a.Config.Profiles[req.Profile]; p != nil && slices.Contains(p.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
				addNameSAN(req)
			}
			if err := requestOptions(c, req); err != nil {
				return err
			}
			iss, err := a.IssueTo(c.Context, req, plan, &ca.Outputs{Files: outs})
			if err != nil {
				return err
			}
			for _, d := range dropped {
				e.noteDropped(d)
			}
			res := newIssueResult(iss, req)
			if out == "-" {
				if res.ed25519TLS {
					e.warnEd25519TLS()
				}
				certs := []*x509.Certificate{iss.Cert}
				if c.Bool("chain") {
					certs = append(certs, iss.Chain...)
				}
				_, err := e.stdout.Write(ca.WriteChainPEM(certs...))
				return err
			}
			res.Files["cert"] = out
			return e.reportIssued(c, res)
		},
	}
}

// noteDropped says on stderr that a field of the CSR's subject is not in
// the certificate, and why.
func (e *env) noteDropped(d ca.DroppedField) {
	why := ""
	switch d.Reason {
	case ca.DropReplaced:
		why = "--subject sets " + d.Key
	case ca.DropNotAllowed:
		why = fmt.Sprintf("profile %s does not allow %s", d.Detail, d.Key)
	case ca.DropUnknown:
		why = fmt.Sprintf("pkit does not copy %s into certificates", d.Key)
		if d.Key == "emailAddress" {
			why += " (give it as --email)"
		}
	default:
		why = d.Detail
	}
	notef(e.stderr, "dropped %s=%s from the CSR: %s", d.Key, d.Value, why)
}

func firstSAN(r *ca.Request) string {
	switch {
	case len(r.DNS) > 0:
		return r.DNS[0]
	case len(r.IPs) > 0:
		return r.IPs[0].String()
	case len(r.Emails) > 0:
		return r.Emails[0]
	case len(r.URIs) > 0:
		return r.URIs[0].String()
	}
	return ""
}

// addCSRNameSAN adds the NAME of "pkit csr" to the SANs when it names
// something: an IP, an email address, or a DNS name when the request is
// for a host (it has --dns or --ip, or no --email and no --uri). The name
// is put first and not repeated.
func addCSRNameSAN(r *ca.Request) {
	forHost := len(r.DNS)+len(r.IPs) > 0 || len(r.Emails)+len(r.URIs) == 0
	switch {
	case net.ParseIP(r.Name) != nil:
		addNameSAN(r)
	case strings.Contains(r.Name, "@"):
		if ca.CheckEmail(r.Name) == nil && !slices.ContainsFunc(r.Emails, func(m string) bool { return strings.EqualFold(m, r.Name) }) {
			r.Emails = append([]string{r.Name}, r.Emails...)
		}
	case forHost:
		addNameSAN(r)
	}
}

func csrCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "csr",
		Usage:     "make a key and a CSR to send to another CA",
		UsageText: "pkit csr NAME [--dns … --ip … --email … --uri …] [--key-type T | --key FILE]\n   pkit csr --ca NAME [--pathlen N] [--permit-dns …] [--org ORG]",
		Description: `Writes NAME.csr and NAME-key.pem (mode 0600) into the current folder (or
   --out-dir). With --key, the CSR is made for an existing key and no key is written.
   NAME is the common name. It is also a SAN when it names something: an IP
   address as an IP SAN, an email address as an email SAN, and a DNS name as
   a DNS SAN unless the request is for a person or a workload rather than a
   host, that is when --email or --uri is given without --dns or --ip
   ("pkit csr alice --email alice@example.com" has no DNS:alice).

   With --ca the request is for a CA certificate (CA:TRUE, the path length and
   name constraints asked for), to be signed by a root kept elsewhere with
   "pkit sign REQ --ca-profile intermediate"; bring the certificate back with
   "pkit init --import" (a new directory) or "pkit ca import" (another CA in
   this one). NAME is then the CA's common name.

EXAMPLES
   pkit csr web.example.com --dns www.example.com
   pkit csr alice --email alice@example.com --key-type rsa-2048
   pkit csr alice --subject "O=Acme, OU=Ops, C=DE"
   pkit csr web.example.com --key web.example.com-key.pem --force
   pkit csr --ca "Acme Issuing CA" --org Acme --pathlen 0 --permit-dns example.internal`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "dns", Usage: "add a DNS name (repeatable)"},
			&cli.StringSliceFlag{Name: "ip", Usage: "add an IP address (repeatable)"},
			&cli.StringSliceFlag{Name: "email", Usage: "add an email address (repeatable)"},
			&cli.StringSliceFlag{Name: "uri", Usage: "add a URI (repeatable)"},
			subjectFlag("subject `FIELDS` beside the CN, e.g. \"O=Acme, OU=Ops, C=DE\""),
			&cli.StringFlag{Name: "key-type", Value: string(ca.ECDSAP256), Usage: "type of the new key"},
			&cli.StringFlag{Name: "key", Usage: "make the CSR for the existing key in `FILE`"},
			passwordFileFlag(),
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "write the files into `DIR`"},
			forceFlag(), jsonFlag(),
			&cli.BoolFlag{Name: "ca", Usage: "request a CA certificate (an intermediate for a root kept elsewhere)"},
			&cli.StringFlag{Name: "org", Usage: "with --ca: the organization (O) of the CA"},
			&cli.IntFlag{Name: "pathlen", Value: -1, Usage: "with --ca: ask for this path length (0: it only issues leaves)"},
		}, constraintFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("csr needs one NAME").hint("e.g. pkit csr web.example.com")
			}
			name := c.Args().First()
			if err := ca.CheckName(name); err != nil {
				return usagef("%v", err)
			}
			var caReq *ca.CARequestOptions
			if c.Bool("ca") {
				for _, f := range []string{"dns", "ip", "email", "uri", "subject"} {
					if c.IsSet(f) {
						return usagef("--%s does not go in a CA request", f).hint("a CA's names are its common name; constrain what it may issue with --permit-dns and the like")
					}
				}
				o, err := constraintOptions(c)
				if err != nil {
					return err
				}
				o.CommonName, o.Organization = name, c.String("org")
				if c.IsSet("pathlen") {
					n := c.Int("pathlen")
					if n < 0 {
						return usagef("--pathlen must be 0 or more, got %d", n)
					}
					o.PathLen = &n
				}
				caReq = &o
			} else {
				for _, f := range []string{"org", "pathlen", "permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email", "exclude-email"} {
					if c.IsSet(f) {
						return usagef("--%s is for CA requests", f).hint("add --ca to request a CA certificate")
					}
				}
			}
			r := &ca.Request{Name: name}
			if err := addSANFlags(c, r); err != nil {
				return err
			}
			var err error
			if r.Subject, err = subjectOption(c); err != nil {
				return err
			}
			if caReq == nil {
				addCSRNameSAN(r)
			}
			kt, err := ca.ParseKeyType(c.String("key-type"))
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			stem, err := ca.FileStem(name, "server")
			if err != nil {
				return outputError(err, "")
			}
			dir := c.String("out-dir")
			csrPath, keyPath := ca.OutputPath(dir, stem, ".csr"), ca.OutputPath(dir, stem, "-key.pem")
			var files []formats.File
			var priv crypto.Signer
			if k := c.String("key"); k != "" {
				var err error
				if priv, err = e.readPrivateKey(c, "key", k); err != nil {
					return err
				}
				keyPath = ""
			}
			if err := newPlan(nil, c.Bool("force"), false).Add("", ca.Output{Kind: ca.OutCSR, Path: csrPath}, ca.Output{Kind: ca.OutKey, Path: keyPath}); err != nil {
				return outputError(err, "")
			}
			if priv == nil {
				if priv, err = ca.GenerateKey(kt); err != nil {
					return err
				}
				pemKey, err := formats.EncodePrivateKeyPEM(priv)
				if err != nil {
					return err
				}
				files = append(files, formats.File{Path: keyPath, Data: pemKey, Perm: 0o600})
			}
			var der []byte
			if caReq != nil {
				der, err = ca.CreateCARequest(priv, *caReq)
			} else {
				der, err = ca.CreateCSR(priv, r)
			}
			if err != nil {
				return err
			}
			files = append(files, formats.File{Path: csrPath, Data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), Perm: 0o644})
			if err := formats.WriteFiles(files, c.Bool("force")); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote the request %s", csrPath)
			if keyPath != "" {
				fmt.Fprintf(e.stderr, " and its key %s", keyPath)
			}
			fmt.Fprintf(e.stderr, "\nsend %s to the CA; keep the key here\n", csrPath)
			if caReq != nil {
				kp := keyPath
				if kp == "" {
					kp = c.String("key")
				}
				fmt.Fprintf(e.stderr, "at the root: pkit sign %s --ca-profile intermediate -o CA.pem --chain\n", shellQuote(filepath.Base(csrPath)))
				fmt.Fprintf(e.stderr, "then here:   pkit init --import CA.pem --key %s --dir DIR   (the key is sealed there; delete this copy)\n", shellQuote(kp))
			}
			if c.Bool("json") {
				files := map[string]string{"csr": csrPath}
				if keyPath != "" {
					files["key"] = keyPath
				}
				return e.printJSON(map[string]any{"name": name, "ca": caReq != nil, "files": files})
			}
			return nil
		},
	}
}

// signCA signs the CA request csr (read from in) under --ca-profile and
// writes the certificate (and with --chain its parent's chain) to out.
func (e *env) signCA(c *cli.Context, csr *x509.CertificateRequest, in, out string) error {
	if p := c.String("ca-profile"); p != "intermediate" {
		return usagef("--ca-profile %q: the CA profile is \"intermediate\"", p)
	}
	for _, f := range []string{"profile", "name", "dns", "ip", "email", "uri", "subject"} {
		if c.IsSet(f) {
			return usagef("--%s does not apply to a CA request", f).hint("a CA's names come from its request; constrain what it may issue with --permit-dns and the like")
		}
	}
	nc, err := constraintOptions(c)
	if err != nil {
		return err
	}
	o := ca.SignCAOptions{Parent: c.String("parent"), Constraints: nc}
	if c.IsSet("pathlen") {
		n := c.Int("pathlen")
		if n < 0 {
			return usagef("--pathlen must be 0 or more, got %d", n)
		}
		o.PathLen = &n
	}
	if v := c.String("validity"); v != "" {
		d, err := ca.ParseDuration(v)
		if err != nil {
			return usagef("--validity: %v", err)
		}
		if err := ca.CheckLifetime("--validity", d, c.Bool("allow-short")); err != nil {
			return usagef("%v", err)
		}
		o.Validity = d
	}
	a, err := e.openCA(c)
	if err != nil {
		return err
	}
	defer a.Close()
	if out != "-" {
		if err := newPlan(a, c.Bool("force"), false).Add("", ca.Output{Kind: ca.OutChain, Path: out}); err != nil {
			return outputError(err, "")
		}
	}
	if out != "-" {
		o.Out, o.Chain, o.Overwrite = out, c.Bool("chain"), c.Bool("force")
	}
	cert, parents, err := a.SignCARequest(ctxOf(c), csr, o)
	if errors.Is(err, ca.ErrBadCSRSignature) {
		return failf("%q: %v", in, err).hint("the request was altered or not signed by its key; ask for a new CSR")
	}
	if err != nil {
		return err
	}
	if out == "-" {
		certs := []*x509.Certificate{cert}
		if c.Bool("chain") {
			certs = append(certs, parents...)
		}
		_, err := e.stdout.Write(ca.WriteChainPEM(certs...))
		return err
	}
	fmt.Fprintf(e.stderr, "signed CA %q (serial %s, path length %d, expires %s): %s\n", cert.Subject.CommonName, ca.SerialHex(cert.SerialNumber),
		cert.MaxPathLen, cert.NotAfter.Format("2006-01-02"), out)
	if c.Bool("json") {
		return e.printJSON(map[string]any{"serial": ca.SerialHex(cert.SerialNumber), "subject": cert.Subject.String(), "not_after": cert.NotAfter, "file": out})
	}
	return nil
}

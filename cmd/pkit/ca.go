package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
	"github.com/urfave/cli/v2"
)

func caCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "ca",
		Usage: "list, show and add CAs in the CA directory",
		Description: `EXAMPLES
   pkit ca list
   pkit ca show intermediate
   pkit ca show root --json
   pkit ca intermediate issuing-2 --make-issuer
   pkit ca set crl-url 'http://pki.example.internal/crl/{ca}.crl'`,
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the CAs: name, subject, key type, expiry, status (valid, revoked, expired)",
				UsageText: "pkit ca list [--json]",
				Description: `EXAMPLES
   pkit ca list
   pkit ca list --dir /srv/pki --json`,
				Flags: []cli.Flag{dirFlag(), dbFlag(), jsonFlag()},
				Action: func(c *cli.Context) error {
					a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
					if err != nil {
						return err
					}
					defer a.Close()
					names := a.CANames()
					revoked, err := revokedCAs(ctxOf(c), a, names...)
					if err != nil {
						return err
					}
					var out []caJSON
					for _, n := range names {
						out = append(out, e.caInfo(a, n, revoked[n]))
					}
					if c.Bool("json") {
						return e.printJSON(out)
					}
					tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "NAME\tSUBJECT\tKEY\tEXPIRES\tISSUES LEAVES\tSTATUS")
					for _, i := range out {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", i.Name, i.Subject, i.KeyType, i.NotAfter.Format("2006-01-02"), i.Issuer, i.statusText())
					}
					return tw.Flush()
				},
			},
			{
				Name:      "show",
				Usage:     "show one CA in detail",
				UsageText: "pkit ca show NAME [--json] [--pem]",
				Description: `EXAMPLES
   pkit ca show root
   pkit ca show intermediate --pem > intermediate.crt`,
				Flags: []cli.Flag{dirFlag(), dbFlag(), jsonFlag(), &cli.BoolFlag{Name: "pem", Usage: "print the certificate as PEM on stdout"}},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("ca show needs one CA NAME").hint(`see the names with "pkit ca list"`)
					}
					if c.Bool("pem") && c.Bool("json") {
						return usagef("--pem and --json both print the CA; choose one")
					}
					a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
					if err != nil {
						return err
					}
					defer a.Close()
					name := c.Args().First()
					cert := a.CAs[name]
					if cert == nil {
						return failf("no CA named %q in %q", name, c.String("dir")).hint(`see the names with "pkit ca list"`)
					}
					if c.Bool("pem") {
						_, err := e.stdout.Write(ca.WriteChainPEM(cert))
						return err
					}
					revoked, err := revokedCAs(ctxOf(c), a, name)
					if err != nil {
						return err
					}
					info := e.caInfo(a, name, revoked[name])
					if c.Bool("json") {
						return e.printJSON(info)
					}
					w := e.stdout
					fmt.Fprintf(w, "name:         %s\n", info.Name)
					fmt.Fprintf(w, "subject:      %s\n", info.Subject)
					fmt.Fprintf(w, "issued by:    %s\n", info.IssuedBy)
					fmt.Fprintf(w, "serial:       %s\n", info.Serial)
					fmt.Fprintf(w, "key:          %s\n", info.KeyType)
					fmt.Fprintf(w, "valid:        %s to %s (expires in %d days)\n", info.NotBefore.Format(time.RFC3339), info.NotAfter.Format(time.RFC3339), int(time.Until(info.NotAfter).Hours()/24))
					fmt.Fprintf(w, "path length:  %s\n", info.PathLen)
					fmt.Fprintf(w, "issues leaves: %v\n", info.Issuer)
					fmt.Fprintf(w, "status:       %s\n", info.statusText())
					if len(info.NameConstraints) > 0 {
						fmt.Fprintf(w, "constraints:  %s\n", strings.Join(info.NameConstraints, ", "))
					}
					for _, u := range []struct{ what, v string }{{"CRL URL:", info.URLs.CRL}, {"OCSP URL:", info.URLs.OCSP}, {"CA issuers:", info.URLs.CAIssuers}} {
						if u.v != "" {
							fmt.Fprintf(w, "%-13s %s (in what it issues)\n", u.what, u.v)
						}
					}
					fmt.Fprintf(w, "SKI:          %s\n", info.SKI)
					fmt.Fprintf(w, "SHA-256:      %s\n", info.SHA256)
					fmt.Fprintf(w, "file:         %s\n", info.File)
					return nil
				},
			},
			{
				Name:      "intermediate",
				Usage:     "add an intermediate CA signed by the root (or --parent)",
				UsageText: "pkit ca intermediate NAME [--parent root] [--make-issuer]",
				Description: `The new CA's certificate goes to ca/NAME.crt and its key is sealed like
   the others (the root's key is unlocked to sign it). --make-issuer makes it
   the CA that issues leaf certificates from now on.

EXAMPLES
   pkit ca intermediate issuing-2026 --make-issuer
   pkit ca intermediate vpn --key-type ecdsa-p384 --validity 3y`,
				Flags: flags([]cli.Flag{
					dirFlag(), dbFlag(),
					&cli.StringFlag{Name: "parent", Value: "root", Usage: "the CA that signs it"},
					&cli.StringFlag{Name: "cn", Usage: "its common name (default: ORG NAME CA)"},
					&cli.StringFlag{Name: "key-type", Usage: "key type (default: the parent's)"},
					&cli.StringFlag{Name: "validity", Value: "5y", Usage: "how long it is valid (capped at the parent's expiry)"},
					allowShortFlag(),
					&cli.IntFlag{Name: "pathlen", Value: 0, Usage: "how many CAs may follow it (0: it only issues leaves)"},
					&cli.BoolFlag{Name: "make-issuer", Usage: "make it the CA that issues leaf certificates"},
					&cli.BoolFlag{Name: "no-encrypt", Usage: "store its key unencrypted (mode 0600)"},
					jsonFlag(),
				}, unlockFlags()),
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("ca intermediate needs one NAME")
					}
					if c.IsSet("parent") && c.String("parent") == "" {
						return usagef("--parent is empty").hint(`name the CA to sign with (see "pkit ca list"), or leave --parent out for the root`)
					}
					if n := c.Int("pathlen"); n < 0 {
						return usagef("--pathlen must be 0 or more, got %d", n).hint("0 makes a CA that only issues leaves; the CAs above it limit how long a path may be")
					}
					o := ca.IntermediateOptions{Parent: c.String("parent"), PathLen: c.Int("pathlen"), MakeIssuer: c.Bool("make-issuer")}
					var err error
					if k := c.String("key-type"); k != "" {
						if o.KeyType, err = ca.ParseKeyType(k); err != nil {
							return usagef("--key-type: %v", err)
						}
					}
					if o.Validity, err = lifetimeFlag(c, "validity"); err != nil {
						return err
					}
					if c.IsSet("cn") {
						if o.CommonName = c.String("cn"); o.CommonName == "" {
							return usagef("--cn is empty").hint("leave --cn out for the default (ORG NAME CA)")
						}
					}
					a, err := e.openCA(c)
					if err != nil {
						return err
					}
					defer a.Close()
					if o.CommonName == "" {
						o.CommonName = firstOrgName(a.CAs["root"]) + " " + c.Args().First() + " CA"
					}
					// Check the name and the parent before any key is unlocked or
					// passphrase asked for: the same error on every kind of CA.
					if err := a.CheckIntermediate(ctxOf(c), c.Args().First(), o); err != nil {
						return err
					}
					// Seal the new key the way the others are (ca decides).
					u, err := e.unlocker(c)
					if err != nil {
						return err
					}
					like := o.Parent
					if like == "" {
						like = "root"
					}
					if o.Protection, err = a.NewKeyProtection(like, c.Bool("no-encrypt"), u, e.workFactor); err != nil {
						return err
					}
					name := c.Args().First()
					if err := a.CreateIntermediate(c.Context, name, o.CommonName, o); err != nil {
						return err
					}
					cert := a.CAs[name]
					fmt.Fprintf(e.stderr, "created intermediate CA %q (%q, expires %s) %s/ca/%s.crt\n", name, cert.Subject.CommonName,
						cert.NotAfter.Format("2006-01-02"), a.Dir, name)
					if o.MakeIssuer {
						fmt.Fprintf(e.stderr, "it now issues leaf certificates (config: issuer = %s)\n", name)
					}
					e.caNextSteps(a, name, o.Parent)
					if c.Bool("json") {
						return e.printJSON(e.caInfo(a, name, nil))
					}
					return nil
				},
			},
			caImportCommand(e),
			{
				Name:      "set",
				Usage:     "set or unset a distribution point URL template: crl-url, ocsp-url, ca-issuers-url",
				UsageText: "pkit ca set crl-url|ocsp-url|ca-issuers-url URL\n   pkit ca set KEY --unset",
				Description: `Sets the [ca] KEY line of the config, where {ca} stands for the name of
   the CA that issues a certificate: leaves carry their CA's URLs, and a new
   intermediate its parent's. Only certificates issued from now on carry the
   new URL; those already issued keep the one they have (renew them to change
   it).

   crl-url must end in {ca}.crl, the DER CRL that "pkit crl" writes as
   crl/NAME.crl; ca-issuers-url in {ca}.crt or {ca}.cer (the CA's DER
   certificate). Serve the crl/ folder at the CRL URL's folder, or run
   "pkit serve". A URL without {ca} names the issuing CA's file only.

EXAMPLES
   pkit ca set crl-url 'http://pki.example.internal/crl/{ca}.crl'
   pkit ca set ocsp-url http://pki.example.internal/ocsp
   pkit ca set ca-issuers-url 'http://pki.example.internal/ca/{ca}.crt'
   pkit ca set ocsp-url --unset`,
				Flags: []cli.Flag{dirFlag(), dbFlag(), &cli.BoolFlag{Name: "unset", Usage: "remove the KEY line: issued certificates get no such URL"}},
				Action: func(c *cli.Context) error {
					want := 2
					if c.Bool("unset") {
						want = 1
					}
					if c.NArg() != want {
						if c.Bool("unset") {
							return usagef("ca set KEY --unset takes no URL")
						}
						return usagef("ca set needs a KEY and a URL").hint("e.g. pkit ca set crl-url 'http://pki.example.internal/crl/{ca}.crl', or pkit ca set KEY --unset")
					}
					key, val := c.Args().Get(0), c.Args().Get(1)
					known := false
					for _, k := range ca.URLKeys {
						known = known || k == key
					}
					if !known {
						return usagef("ca set: unknown key %q (valid: %s)", key, strings.Join(ca.URLKeys, ", "))
					}
					if !c.Bool("unset") && val == "" {
						return usagef("ca set %s: the URL is empty", key).hint("pass --unset to remove it")
					}
					a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
					if err != nil {
						return err
					}
					defer a.Close()
					if err := a.SetURLTemplate(key, val); err != nil {
						var re *ca.RequestError
						if errors.As(err, &re) && errors.Is(err, ca.ErrBadURL) {
							if uerr := checkURLTemplate(key, key, val, a.Config.Issuer); uerr != nil {
								return uerr
							}
						}
						return err
					}
					if val == "" {
						fmt.Fprintf(e.stderr, "removed %s from %s\n", key, filepath.Join(a.Dir, "config"))
					} else {
						fmt.Fprintf(e.stderr, "set %s = %s in %s\n", key, val, filepath.Join(a.Dir, "config"))
					}
					for _, n := range a.CANames() {
						u := a.Config.URLs(n).Get(key)
						if u == "" {
							u = "(none)"
						}
						fmt.Fprintf(e.stderr, "  what %s issues carries: %s\n", n, u)
					}
					fmt.Fprintf(e.stderr, "this applies to certificates issued from now on; those already issued keep their URLs (renew them to change)\n")
					return nil
				},
			},
		},
	}
}

// caNextSteps tells what a new CA needs before servers accept what it
// signs: a CRL (servers given pkit's CRL bundle refuse certificates of a
// CA without one, and "crl --check" fails), and, in a directory
// made by quickstart, a place in certs/client-cas.pem, which servers use
// to check client certificates. Appending keeps the CAs already there, so
// clients of the old issuer still get in.
func (e *env) caNextSteps(a *ca.Authority, name, parent string) {
	dirArg := ""
	if a.Dir != "pki" {
		dirArg = " --dir " + shellQuote(a.Dir)
	}
	self := e.self()
	fmt.Fprintf(e.stderr, "next: publish a CRL for it: %s crl%s\n", self, dirArg)
	fmt.Fprintf(e.stderr, "  until then servers that check CRLs refuse the certificates it signs, and \"pkit crl --check\" fails\n")
	clientCAs := filepath.Join(a.Dir, "certs", "client-cas.pem")
	if !fileExists(clientCAs) {
		return
	}
	add := fmt.Sprintf("%s ca show %s --pem%s", self, name, dirArg)
	if parent != "root" {
		// The CAs between it and the root too.
		crt := shellQuote(filepath.Join(a.Dir, "ca", name+".crt"))
		add = fmt.Sprintf("%s chain build %s --leaf %s%s", self, crt, crt, dirArg)
	}
	fmt.Fprintf(e.stderr, "then add it to %s, which servers use to check client certificates, and reload them:\n  %s >> %s\n",
		clientCAs, add, shellQuote(clientCAs))
}

func firstOrgName(c *x509.Certificate) string {
	if c != nil && len(c.Subject.Organization) > 0 {
		return c.Subject.Organization[0]
	}
	return "pkit"
}

// caJSON describes one CA for "ca list" and "ca show".
type caJSON struct {
	Name            string    `json:"name"`
	Subject         string    `json:"subject"`
	IssuedBy        string    `json:"issued_by"`
	Serial          string    `json:"serial"`
	KeyType         string    `json:"key_type"`
	NotBefore       time.Time `json:"not_before"`
	NotAfter        time.Time `json:"not_after"`
	PathLen         string    `json:"path_len"`
	Issuer          bool      `json:"issues_leaves"`
	NameConstraints []string  `json:"name_constraints,omitempty"`
	// URLs are the distribution points the certificates this CA issues
	// from now on carry (the config's templates expanded for it).
	URLs   urlsJSON `json:"urls"`
	SKI    string   `json:"subject_key_id"`
	SHA256 string   `json:"sha256"`
	File   string   `json:"file"`
	// Status is "valid", "revoked" (as the store records it, with
	// RevokedAt and Reason, the RFC 5280 code) or "expired"; the same
	// fields as "pkit list --json".
	Status     string     `json:"status"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Reason     *int       `json:"reason,omitempty"`
	ReasonName string     `json:"reason_name,omitempty"`
}

// urlsJSON is a CA's distribution points in "ca show --json".
type urlsJSON struct {
	CRL       string `json:"crl,omitempty"`
	OCSP      string `json:"ocsp,omitempty"`
	CAIssuers string `json:"ca_issuers,omitempty"`
}

// statusText is the status for people: "valid", "expired", or "revoked
// 2026-06-01 (cACompromise)".
func (i caJSON) statusText() string {
	if i.Status == string(ca.StatusRevoked) && i.RevokedAt != nil {
		return fmt.Sprintf("revoked %s (%s)", i.RevokedAt.Format("2006-01-02"), i.ReasonName)
	}
	return i.Status
}

// revokedCAs returns the store's revocation records of the CAs names, by
// name, read in one query. A record counts only when it holds the very
// certificate in ca/NAME.crt.
func revokedCAs(ctx context.Context, a *ca.Authority, names ...string) (map[string]*ca.Record, error) {
	serials := make([]*big.Int, len(names))
	for i, n := range names {
		serials[i] = a.CAs[n].SerialNumber
	}
	recs, err := a.Store.RevokedAmong(ctx, serials)
	if err != nil {
		return nil, err
	}
	out := map[string]*ca.Record{}
	for _, n := range names {
		for _, r := range recs {
			if string(r.DER) == string(a.CAs[n].Raw) {
				out[n] = r
			}
		}
	}
	return out, nil
}

// caInfo describes the CA name; revoked is its revocation record, or nil.
func (e *env) caInfo(a *ca.Authority, name string, revoked *ca.Record) caJSON {
	c := a.CAs[name]
	pl := "unlimited"
	if c.MaxPathLen > 0 || c.MaxPathLenZero {
		pl = fmt.Sprint(c.MaxPathLen)
	}
	var nc []string
	for _, d := range c.PermittedDNSDomains {
		nc = append(nc, "permit DNS:"+d)
	}
	for _, d := range c.ExcludedDNSDomains {
		nc = append(nc, "exclude DNS:"+d)
	}
	for _, d := range c.PermittedIPRanges {
		nc = append(nc, "permit IP:"+d.String())
	}
	for _, d := range c.ExcludedIPRanges {
		nc = append(nc, "exclude IP:"+d.String())
	}
	for _, d := range c.PermittedEmailAddresses {
		nc = append(nc, "permit email:"+d)
	}
	for _, d := range c.ExcludedEmailAddresses {
		nc = append(nc, "exclude email:"+d)
	}
	info := caJSON{Name: name, Subject: c.Subject.String(), IssuedBy: c.Issuer.String(), Serial: ca.SerialHex(c.SerialNumber),
		KeyType: string(ca.KeyTypeOf(c.PublicKey)), NotBefore: c.NotBefore, NotAfter: c.NotAfter, PathLen: pl,
		Issuer: name == a.Config.Issuer, NameConstraints: nc, SKI: formats.KeyIDHex(c.SubjectKeyId),
		SHA256: fingerprint(c), File: a.Dir + "/ca/" + name + ".crt", URLs: urlsJSON(a.Config.URLs(name))}
	info.Status = string(ca.StatusValid)
	switch {
	case revoked != nil:
		t, reason := revoked.RevokedAt, revoked.Reason
		info.Status, info.RevokedAt, info.Reason, info.ReasonName = string(ca.StatusRevoked), &t, &reason, revoke.Reason(reason).String()
	case a.Now().After(c.NotAfter):
		info.Status = "expired"
	}
	return info
}

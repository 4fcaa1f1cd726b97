package main

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

func renewCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "renew",
		Usage:     "re-issue a certificate with the same names and a new key",
		UsageText: "pkit renew NAME|SERIAL [--reuse-key [--key FILE]] [--force] [--p12] | pkit renew --expiring WINDOW [--dry-run] [--force]",
		Description: `Finds the certificate issued under NAME (or with the hex SERIAL), issues
   a new one with the same profile and names and a new key, and writes it in
   place: to the files the old one was issued to, as the store recorded them
   (its certificate, key, chain and .p12 files; replacing them takes
   -f/--force). --out-dir DIR writes the files under the names "pkit issue"
   gives them in DIR instead, and so does a certificate whose files the store
   does not know (issued by an older pkit: into the current folder). --chain
   and --p12 add those files beside the certificate.

   When NAME was issued into several places (several certificates in use, each
   with its own files), renew in place asks for one serial (with --out-dir, it
   renews the newest). The old certificate stays valid until it expires or you
   revoke it.

   --expiring WINDOW renews every certificate not revoked that expires within
   WINDOW (30d, 12h), each in place as above, with one unlock of the CA key:
   the cron job that keeps short-lived certificates fresh. A certificate
   already renewed (a newer one of the same name and profile took over its
   files) is not renewed again, so running it twice renews nothing the
   second time. One whose files the store does not know is reported and left,
   unless --out-dir DIR is given: its renewal is written there. --dry-run
   lists what would be renewed and where; --json prints every certificate
   with its renewal or why it was not renewed. The exit code is 1 if any
   certificate was not renewed (each has a "pkit: error:" line).

EXAMPLES
   pkit renew localhost --force
   pkit renew localhost --out-dir renewed/ --chain
   pkit renew alice --reuse-key --p12 --force
   pkit renew 3f:a2:19:…:0c --force      (one of several "www" certificates)
   pkit renew --expiring 30d --dry-run
   pkit renew --expiring 30d --force --p12-empty-password   (from cron, daily)`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.BoolFlag{Name: "reuse-key", Usage: "keep the old key (read from the old key file, or --key)"},
			&cli.StringFlag{Name: "key", Usage: "with --reuse-key: the key `FILE`"},
			passwordFileFlag(),
			&cli.StringFlag{Name: "validity", Usage: "how long it is valid (default from the profile)"},
			allowShortFlag(),
			&cli.StringFlag{Name: "out-dir", Usage: "write the files into `DIR` (default: where the certificate's files are)"},
			&cli.BoolFlag{Name: "chain", Usage: "also write the chain file"},
			&cli.StringFlag{Name: "expiring", Usage: "renew every certificate that expires within `WINDOW` (30d, 12h), in place"},
			&cli.BoolFlag{Name: "dry-run", Usage: "with --expiring: only list what would be renewed, and where"},
			forceFlag(), jsonFlag(),
		}, unlockFlags(), p12Flags()),
		Action: func(c *cli.Context) error {
			if c.IsSet("expiring") {
				return e.renewExpiring(c)
			}
			if c.Bool("dry-run") {
				return usagef("--dry-run goes with --expiring")
			}
			if c.NArg() != 1 {
				return usagef("renew needs one NAME or SERIAL").hint(`see them with "pkit list"`)
			}
			if c.String("key") != "" && !c.Bool("reuse-key") {
				return usagef("--key goes with --reuse-key")
			}
			a, err := e.openCA(c)
			if err != nil {
				return err
			}
			defer a.Close()
			rn, err := findRenewal(c, a, c.Args().First())
			if err != nil {
				return err
			}
			rec := rn.Record
			cert, err := rec.Certificate()
			if err != nil {
				return err
			}
			j, err := renewalJob(c, a, rn, cert, !c.IsSet("out-dir") && len(rn.Files) > 0)
			if err != nil {
				return err
			}
			if c.Bool("reuse-key") {
				path := c.String("key")
				if path == "" {
					path = j.keyFile
				}
				if _, err := os.Stat(path); err != nil && path != "-" {
					if c.String("key") == "" {
						return failf("no key to reuse at %q (--reuse-key looks where renew writes the new files)", path).
							hint("pass --key FILE with the certificate's key")
					}
					return failf("reading --key %q: %v", path, formats.SystemReason(err))
				}
				if j.key, err = e.readPrivateKey(c, "key", path); err != nil {
					return err
				}
				if !formats.PublicKeysEqual(j.key.Public(), cert.PublicKey) {
					return failf("%q is not the key of certificate %s", path, ca.SerialHex(rec.Serial)).hint("pass the right --key FILE, or renew without --reuse-key")
				}
				if k := rn.File(ca.OutKey); k != "" && !c.IsSet("out-dir") {
					// Renewed in place, the recorded key file stays and
					// belongs to the new certificate.
					j.kept = append(j.kept, ca.Output{Kind: ca.OutKey, Path: k})
				}
				j.req.PublicKey, j.keyFile = j.key.Public(), ""
			}
			return e.issueAndReport(c, a, j)
		},
	}
}

// renewalJob is the job that renews rn's certificate (cert): the same
// profile, names and subject fields, the flags' options, written where
// renewPaths says.
func renewalJob(c *cli.Context, a *ca.Authority, rn *ca.Renewal, cert *x509.Certificate, inPlace bool) (*issueJob, error) {
	rec := rn.Record
	j := &issueJob{req: ca.Request{Profile: rec.Profile, Name: rec.Name, DNS: cert.DNSNames, IPs: cert.IPAddresses,
		Emails: cert.EmailAddresses, URIs: cert.URIs, Subject: a.RenewalSubject(cert, rec.Profile)}, legacy: c.Bool("legacy")}
	if err := requestOptions(c, &j.req); err != nil {
		return nil, err
	}
	if err := renewPaths(c, rn, j, inPlace); err != nil {
		return nil, err
	}
	return j, nil
}

// findRenewal finds the certificate arg names (a serial or a name:
// ca.Authority.RenewTarget) and the files it owns, and words what
// RenewTarget refuses.
func findRenewal(c *cli.Context, a *ca.Authority, arg string) (*ca.Renewal, error) {
	rn, err := a.RenewTarget(c.Context, arg)
	var amb *ca.AmbiguousNameError
	switch {
	case errors.Is(err, ca.ErrNotFound):
		return nil, failf("no certificate named or with serial %q in this CA", arg).hint(`see them with "pkit list"`)
	case errors.As(err, &amb) && c.IsSet("out-dir"):
		// Nothing is renewed in place: the newest of them, as named.
		return a.RenewalOf(c.Context, amb.Records[len(amb.Records)-1])
	case errors.As(err, &amb):
		var which []string
		for i, r := range amb.Records {
			where := ""
			if len(amb.Files[i]) > 0 {
				where = " (" + amb.Files[i][0].Path + ")"
			}
			which = append(which, ca.SerialHex(r.Serial)+where)
		}
		return nil, failf("%v", err).hint("give one serial number: %s", strings.Join(which, ", "))
	}
	return rn, err
}

// renewPaths sets j's output paths (ca.Renewal.Outputs): in place, or
// the names "pkit issue" gives in --out-dir (default the current folder).
func renewPaths(c *cli.Context, rn *ca.Renewal, j *issueJob, inPlace bool) error {
	dir := ""
	if !inPlace {
		if dir = c.String("out-dir"); dir == "" {
			dir = "."
		}
	}
	o, err := rn.Outputs(dir, c.Bool("chain"), c.Bool("p12"))
	if err != nil {
		return outputError(err, "")
	}
	short := shortPath
	if !inPlace {
		short = func(p string) string { return p } // as the user wrote --out-dir
	}
	j.cert, j.keyFile, j.chain = short(o.Cert), short(o.Key), short(o.Chain)
	j.p12, j.combined = short(o.P12), short(o.Combined)
	return nil
}

// shortPath is path as people type it: relative to the current folder
// when it is inside it.
func shortPath(path string) string {
	if path == "" || !filepath.IsAbs(path) {
		return path
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return path
}

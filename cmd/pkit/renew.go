package main

import (
	"errors"
	"math/big"
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
		UsageText: "pkit renew NAME|SERIAL [--reuse-key [--key FILE]] [--force] [--p12]",
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

EXAMPLES
   pkit renew localhost --force
   pkit renew localhost --out-dir renewed/ --chain
   pkit renew alice --reuse-key --p12 --force
   pkit renew 3f:a2:19:…:0c --force      (one of several "www" certificates)`,
		Flags: flags([]cli.Flag{
			dirFlag(),
			&cli.BoolFlag{Name: "reuse-key", Usage: "keep the old key (read from the old key file, or --key)"},
			&cli.StringFlag{Name: "key", Usage: "with --reuse-key: the key `FILE`"},
			passwordFileFlag(),
			&cli.StringFlag{Name: "validity", Usage: "how long it is valid (default from the profile)"},
			allowShortFlag(),
			&cli.StringFlag{Name: "out-dir", Usage: "write the files into `DIR` (default: where the certificate's files are)"},
			&cli.BoolFlag{Name: "chain", Usage: "also write the chain file"},
			forceFlag(), jsonFlag(),
		}, unlockFlags(), p12Flags()),
		Action: func(c *cli.Context) error {
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
			j := &issueJob{req: ca.Request{Profile: rec.Profile, Name: rec.Name, DNS: cert.DNSNames, IPs: cert.IPAddresses,
				Emails: cert.EmailAddresses, URIs: cert.URIs}, legacy: c.Bool("legacy")}
			if err := requestOptions(c, &j.req); err != nil {
				return err
			}
			if err := renewPaths(c, rn, j); err != nil {
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

// findRenewal finds the certificate arg names (a serial, hex with colons
// allowed, or a name: ca.Authority.RenewTarget) and the files it owns.
func findRenewal(c *cli.Context, a *ca.Authority, arg string) (*ca.Renewal, error) {
	hex := strings.ToLower(strings.ReplaceAll(arg, ":", ""))
	if n, ok := new(big.Int).SetString(hex, 16); ok && len(hex) >= 8 {
		rec, err := a.Store.Get(c.Context, n)
		if err == nil {
			return a.RenewalOf(c.Context, rec)
		}
		if !errors.Is(err, ca.ErrNotFound) {
			return nil, err
		}
	}
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

// renewPaths sets j's output paths: the files the certificate owns, unless
// --out-dir is given or the store knows none of them; then the names
// "pkit issue" gives, in --out-dir (default the current folder). --chain
// and --p12 add those files beside the certificate file.
func renewPaths(c *cli.Context, rn *ca.Renewal, j *issueJob) error {
	rec := rn.Record
	stem := func() (string, error) {
		s, err := ca.FileStem(rec.Name, rec.Profile)
		if err != nil {
			return "", outputError(err, "")
		}
		return s, nil
	}
	if c.IsSet("out-dir") || len(rn.Files) == 0 {
		dir := c.String("out-dir")
		if dir == "" {
			dir = "."
		}
		s, err := stem()
		if err != nil {
			return err
		}
		j.cert, j.keyFile = ca.OutputPath(dir, s, ".pem"), ca.OutputPath(dir, s, "-key.pem")
		if c.Bool("chain") {
			j.chain = ca.OutputPath(dir, s, "-chain.pem")
		}
		if c.Bool("p12") {
			j.p12 = ca.OutputPath(dir, s, ".p12")
		}
		return nil
	}
	j.cert, j.keyFile = shortPath(rn.File(ca.OutCert)), shortPath(rn.File(ca.OutKey))
	j.chain, j.p12 = shortPath(rn.File(ca.OutChain)), shortPath(rn.File(ca.OutP12))
	j.combined = shortPath(rn.File(ca.OutCombined))
	// What the old certificate was not issued with goes beside its first
	// file, under the names "pkit issue" gives.
	dir := shortPath(filepath.Dir(rn.Files[0].Path))
	for _, add := range []struct {
		path   *string
		want   bool
		suffix string
	}{{&j.cert, true, ".pem"}, {&j.keyFile, true, "-key.pem"}, {&j.chain, c.Bool("chain"), "-chain.pem"}, {&j.p12, c.Bool("p12"), ".p12"}} {
		if *add.path == "" && add.want {
			s, err := stem()
			if err != nil {
				return err
			}
			*add.path = ca.OutputPath(dir, s, add.suffix)
		}
	}
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

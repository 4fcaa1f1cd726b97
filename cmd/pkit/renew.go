package main

import (
	"errors"
	"math/big"
	"os"
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
		Description: `Finds the newest certificate issued under NAME (or with the hex SERIAL),
   issues a new one with the same profile and names and a new key, and writes
   it under the same file names as "pkit issue" (so existing files need
   -f/--force, or use --out-dir). The old certificate stays valid until it
   expires or you revoke it.

EXAMPLES
   pkit renew localhost --force
   pkit renew localhost --out-dir renewed/ --chain
   pkit renew alice --reuse-key --key alice-client-key.pem --p12 --force`,
		Flags: flags([]cli.Flag{
			dirFlag(),
			&cli.BoolFlag{Name: "reuse-key", Usage: "keep the old key (read from the old key file, or --key)"},
			&cli.StringFlag{Name: "key", Usage: "with --reuse-key: the key `FILE`"},
			passwordFileFlag(),
			&cli.StringFlag{Name: "validity", Usage: "how long it is valid (default from the profile)"},
			allowShortFlag(),
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "write the files into `DIR`"},
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
			rec, err := findRecord(c, a, c.Args().First())
			if err != nil {
				return err
			}
			cert, err := rec.Certificate()
			if err != nil {
				return err
			}
			j := &issueJob{req: ca.Request{Profile: rec.Profile, Name: rec.Name, DNS: cert.DNSNames, IPs: cert.IPAddresses,
				Emails: cert.EmailAddresses, URIs: cert.URIs}, legacy: c.Bool("legacy")}
			if err := requestOptions(c, &j.req); err != nil {
				return err
			}
			stem, err := ca.FileStem(rec.Name, rec.Profile)
			if err != nil {
				return outputError(err, "")
			}
			dir := c.String("out-dir")
			j.cert, j.keyFile = ca.OutputPath(dir, stem, ".pem"), ca.OutputPath(dir, stem, "-key.pem")
			if c.Bool("chain") {
				j.chain = ca.OutputPath(dir, stem, "-chain.pem")
			}
			if c.Bool("p12") {
				j.p12 = ca.OutputPath(dir, stem, ".p12")
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
				j.req.PublicKey, j.keyFile = j.key.Public(), ""
			}
			return e.issueAndReport(c, a, j)
		},
	}
}

// findRecord finds the newest non-CA record named arg, or the record with
// serial arg (hex, colons allowed).
func findRecord(c *cli.Context, a *ca.Authority, arg string) (*ca.Record, error) {
	hex := strings.ToLower(strings.ReplaceAll(arg, ":", ""))
	if n, ok := new(big.Int).SetString(hex, 16); ok && len(hex) >= 8 {
		rec, err := a.Store.Get(c.Context, n)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, ca.ErrNotFound) {
			return nil, err
		}
	}
	recs, err := a.Store.List(c.Context, ca.Filter{Name: arg})
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Profile != "ca" {
			return recs[i], nil
		}
	}
	return nil, failf("no certificate named or with serial %q in this CA", arg).hint(`see them with "pkit list"`)
}

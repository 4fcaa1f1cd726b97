package main

import (
	"fmt"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

// caImportCommand is "pkit ca import": a CA certificate made elsewhere
// (signed by this directory's root kept offline, or by one of its CAs)
// added to the directory, with its key or without.
func caImportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "add a CA certificate signed elsewhere (by an offline root) to the directory, with its key",
		UsageText: "pkit ca import CERT [--key FILE] [--name NAME] [--make-issuer]",
		Description: `Adds the CA certificate in CERT (PEM or DER; the first certificate, the rest
   of the file may be its chain) as ca/NAME.crt. It must be signed by a CA of
   this directory and valid under every CA above it (path length, name
   constraints), as "pkit sign --ca-profile intermediate" makes them. With
   --key its private key is sealed like the directory's other keys and it can
   sign (--make-issuer: it issues leaf certificates from now on); without, it
   is only used to verify. To start a directory around such a CA, use
   "pkit init --import CHAIN --key KEY" instead.

EXAMPLES
   pkit csr --ca "Acme Issuing CA 2" --pathlen 0          # here; the request goes to the root
   pkit sign Acme\ Issuing\ CA\ 2.csr --ca-profile intermediate -o issuing-2.pem --dir /offline/pki
   pkit ca import issuing-2.pem --key "Acme Issuing CA 2-key.pem" --name issuing-2 --make-issuer`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "key", Usage: "the CA's private key `FILE` (sealed into the directory)"},
			&cli.StringFlag{Name: "name", Usage: "the CA's name in the directory (default: from its common name)"},
			&cli.BoolFlag{Name: "make-issuer", Usage: "make it the CA that issues leaf certificates"},
			&cli.BoolFlag{Name: "no-encrypt", Usage: "store its key unencrypted (mode 0600)"},
			passwordFileFlag(),
		}, unlockFlags()),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("ca import needs one CERT file").hint("e.g. pkit ca import issuing-2.pem --key issuing-2-key.pem --name issuing-2")
			}
			in := c.Args().First()
			data, err := e.readInput(in, 1<<20)
			if err != nil {
				return failf("reading %q: %v", in, formats.SystemReason(err))
			}
			certs, err := formats.ParseCertificates(data)
			if err != nil {
				return failf("%q: %v", in, err).hint("give the CA certificate, PEM or DER")
			}
			cert := certs[0]
			name := c.String("name")
			if name == "" {
				name = ca.CANameFor(cert.Subject.CommonName)
			}
			a, err := e.openCA(c)
			if err != nil {
				return err
			}
			defer a.Close()
			var p ca.Protection
			if path := c.String("key"); path != "" {
				k, err := e.readPrivateKey(c, "key", path)
				if err != nil {
					return err
				}
				u, err := e.unlocker(c)
				if err != nil {
					return err
				}
				if p, err = a.NewKeyProtection(a.Config.Issuer, c.Bool("no-encrypt"), u, e.workFactor); err != nil {
					return err
				}
				if err := a.ImportCA(ctxOf(c), name, cert, k, p, c.Bool("make-issuer")); err != nil {
					return err
				}
			} else if err := a.ImportCA(ctxOf(c), name, cert, nil, p, c.Bool("make-issuer")); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "imported CA %q (%q, expires %s) %s/ca/%s.crt\n", name, cert.Subject.CommonName, cert.NotAfter.Format("2006-01-02"), a.Dir, name)
			if c.Bool("make-issuer") {
				fmt.Fprintf(e.stderr, "it now issues leaf certificates (config: issuer = %s)\n", name)
			}
			if c.String("key") == "" {
				fmt.Fprintf(e.stderr, "its key is not here: it verifies, it does not sign\n")
			}
			return nil
		},
	}
}

package main

import (
	"fmt"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

func storeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "store",
		Usage:     "check the CA's store against its certificates and published CRLs",
		UsageText: "pkit store check [--crl-dir DIR] [--repair] [--json]",
		Subcommands: []*cli.Command{
			{
				Name:      "check",
				Usage:     "check the store; exit 3 when something is wrong",
				UsageText: "pkit store check [--crl-dir DIR] [--repair] [--json]",
				Description: `Checks the CA's store (DIR/store) against what is on disk:

     - every CA certificate (ca/NAME.crt) is recorded, with the same DER
     - every record holds a certificate that parses, with the record's serial,
       issued by the CA the record names
     - each CA's published CRL (crl/NAME.crl, or in --crl-dir) verifies, lists
       every certificate the store holds as revoked, and lists nothing the
       store holds as valid or does not know
     - the store's CRL number of each CA is not below a published one (the
       published CRLs and ca/crl-numbers)
     - no certificate is still marked as being placed by a pkit process that
       was killed after recording it and before its files were all in place
     - the files each valid, unexpired certificate was issued to are there and
       hold it: the certificate (and chain) file starts with it, the key file
       holds its key, a .p12 without a password holds both (a path renewed
       into belongs to the newest certificate)

   A summary goes to stderr (--json: the report on stdout). Exit 0 when every
   check passes, 3 when one does not. Nothing is changed without --repair.

   After restoring the store from a backup, "pkit crl" refuses to publish CRL
   numbers that go backwards. --repair is the way out, once the store is the
   latest backup you have: it raises each CA's CRL number to the published
   one, and revokes again, with the CRL's date and reason, every certificate a
   published CRL lists that the store holds as valid. A revoked certificate
   the store does not know at all cannot be put back: restore a newer backup
   if you have one. Then run "pkit crl". --repair also settles the placements
   of killed processes (as the next "pkit issue" does): a certificate whose
   files are all in place (or can be finished from the hidden files the
   killed process left) is kept; one none of whose files was placed was never
   handed to anyone, and its record is removed.

EXAMPLES
   pkit store check
   pkit store check --json | jq .problems
   pkit store check --crl-dir /var/www/pki
   pkit store check --repair && pkit crl`,
				Flags: []cli.Flag{
					dirFlag(), dbFlag(), jsonFlag(),
					&cli.StringFlag{Name: "crl-dir", Usage: "the published CRLs are in `DIR` (a \"pkit crl --out\" folder); default DIR/crl"},
					&cli.BoolFlag{Name: "repair", Usage: "raise CRL numbers to the published ones, revoke again what a published CRL lists, settle killed placements"},
				},
				Action: e.storeCheck,
			},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown store command %q", c.Args().First()).hint(`use "pkit store check"`)
			}
			return usagef("store needs a command").hint(`use "pkit store check"`)
		},
	}
}

func (e *env) storeCheck(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("store check takes no arguments, got %q", c.Args().First())
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.CheckStore(ctxOf(c), ca.StoreCheckOptions{CRLDir: c.String("crl-dir"), Repair: c.Bool("repair")})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := e.printJSON(rep); err != nil {
			return err
		}
	}
	for _, r := range rep.Repaired {
		fmt.Fprintf(e.stderr, "repaired: %s\n", r)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintf(e.stderr, "store %q is consistent: %d CA certificates, %d records (%d revoked), %d published CRLs, %d issued files checked\n",
			a.Store.Path(), rep.CAs, rep.Records, rep.Revoked, rep.CRLs, rep.Files)
		if len(rep.Repaired) > 0 {
			fmt.Fprintf(e.stderr, "run \"pkit crl\" to publish CRLs from the repaired store\n")
		}
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stderr, "%s: %s\n", p.Check, p.Msg)
	}
	ue := checkFailed("store %q: %d problems (%d CA certificates, %d records, %d published CRLs, %d issued files checked)",
		a.Store.Path(), len(rep.Problems), rep.CAs, rep.Records, rep.CRLs, rep.Files)
	kinds := map[string]bool{}
	for _, p := range rep.Problems {
		kinds[p.Check] = true
	}
	switch {
	case kinds["crl-number"] || kinds["crl-forgotten"]:
		ue.hint(`if the store was restored from a backup, "pkit store check --repair" raises its CRL numbers and revokes again what the published CRLs list; then run "pkit crl"`)
	case kinds["crl-unknown"]:
		ue.hint("the published CRLs list certificates the store does not know: restore a newer backup of the store if you have one")
	case kinds["crl-unpublished"] || kinds["crl"]:
		ue.hint(`publish the store's revocations with "pkit crl"`)
	case kinds["placement"]:
		ue.hint(`"pkit store check --repair" settles placements cut short by a killed pkit`)
	case kinds["file-missing"] || kinds["file-mismatch"]:
		ue.hint(`put the files back, or renew the certificate into them ("pkit renew NAME --force"); revoke it if its key may have leaked`)
	}
	return ue
}

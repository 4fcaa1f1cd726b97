package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/pkit/pkit/formats"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/revoke"
	"github.com/urfave/cli/v2"
)

func crlCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "crl",
		Usage:     "sign and publish a CRL for every CA (and a bundle for nginx and HAProxy), or check their expiry",
		UsageText: "pkit crl [--next-update 7d] [--out DIR] | pkit crl --check [--within 2d] | pkit crl check CERT [--crl FILE…]",
		Description: `Signs a CRL v2 for every CA in the directory with its CRL number (kept in
   the store, one more each time), thisUpdate, nextUpdate (--next-update, default
   7 days), the CA's key identifier and each entry's reason code. A revoked
   intermediate is listed on the root's CRL. The files go to DIR/crl (or --out),
   replacing the previous ones atomically:

     NAME.crl.pem  NAME.crl   the CRL of CA NAME, PEM and DER (NAME.crl is the
                              file a crl-url template .../{ca}.crl names: serve
                              this folder there, as RFC 5280 wants DER over HTTP)
     bundle.pem               every CA's CRL: what nginx "ssl_crl" and HAProxy
                              "crl-file" need when they verify more than one level

   "pkit revoke" and "pkit unrevoke" publish the CRLs they change themselves;
   run "pkit crl" to renew the CRLs before nextUpdate, and after changes made
   with --no-publish. Reload the servers after publishing.

   --check (for cron or CI) signs nothing and exits 3 when a published CRL is
   missing or expires within --within (default 2d), or when the store holds
   revocations (or lifted holds) that no published CRL carries yet, which it
   names; --check-expiry DURATION is --check --within DURATION. A CA revoked
   for key compromise signs no more CRLs: its last one lapsing is no problem.

   --ca NAME signs only that CA's CRL (for a root whose key is kept offline and
   whose CRL is renewed less often, e.g. --next-update 180d); the bundle then
   holds the other CAs' CRLs as last published.

EXAMPLES
   pkit crl
   pkit crl --next-update 30d --out /var/www/pki
   pkit crl --ca intermediate        # the root key is offline; its last CRL stays in the bundle
   pkit crl --check --within 2d || pkit crl
   pkit crl check alice-client.pem
   pkit crl check server.pem --crl intermediate.crl --issuer intermediate.pem`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "next-update", Value: "7d", Usage: "how long the CRLs are valid: `DURATION` until nextUpdate"},
			allowShortFlag(),
			&cli.StringFlag{Name: "out", Usage: "publish into `DIR` instead of the CA directory's crl/"},
			&cli.StringSliceFlag{Name: "ca", Usage: "sign only the CRL of CA `NAME` (repeatable); the bundle keeps the others' published CRLs"},
			&cli.BoolFlag{Name: "check", Usage: "sign nothing; exit 3 if a published CRL is missing, expires within --within, or misses a revocation in the store"},
			&cli.StringFlag{Name: "within", Value: "2d", Usage: "with --check: the `DURATION` a CRL must still be valid for"},
			&cli.StringFlag{Name: "check-expiry", Usage: "the same as --check --within `DURATION`"},
			jsonFlag(),
		}, unlockFlags()),
		Subcommands: []*cli.Command{crlCheckCommand(e)},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("crl takes no arguments, got %q", c.Args().First()).hint("to check a certificate use \"pkit crl check CERT\"")
			}
			if c.Bool("check") || c.IsSet("check-expiry") {
				return e.crlCheckExpiry(c)
			}
			if c.IsSet("within") {
				return usagef("--within goes with --check").hint("pkit crl --check --within 2d")
			}
			return e.crlPublish(c)
		},
	}
}

func crlCheckCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "is a certificate revoked? exit 3 if it is, 0 if not",
		UsageText: "pkit crl check CERT [--crl FILE…] [--issuer FILE] [--at TIME]",
		Description: `Looks the certificate up on the CRLs that cover it (RFC 5280 section 6.3):
   issued by its issuer (or an indirect CRL of the CRL issuer its distribution
   point names), with a scope (issuing distribution point) that includes it,
   signed by the issuer, by a CRL signer the issuer (or its issuer) certified
   or by the CA's other key after a rollover, fresh (thisUpdate passed,
   nextUpdate, if any, not passed), with a CRL number (version 1 CRLs have
   none: they are read, not used) and no critical extension pkit does not
   process. A delta CRL is applied on top of its
   complete CRL. The CRLs come from --crl (PEM, DER or a bundle; repeatable),
   by default the CA directory's crl/bundle.pem; the issuer is found among the
   CA directory's CAs, or given with --issuer (a file that may also hold the
   certificate of a separate CRL signer and the root).

   Exit codes: 0 not revoked, 3 revoked, 1 when no usable CRL says either way
   (missing, expired, bad signature, out of scope, unknown critical extension).

EXAMPLES
   pkit crl check alice-client.pem
   pkit crl check server.pem --crl /var/www/pki/bundle.pem
   pkit crl check leaf.pem --crl intermediate.crl --issuer intermediate.pem`,
		Flags: []cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringSliceFlag{Name: "crl", Usage: "the CRLs in `FILE` (repeatable); default DIR/crl/bundle.pem"},
			&cli.StringFlag{Name: "issuer", Usage: "the issuer's certificate in `FILE` (with any CRL signer's), when it is not a CA of the CA directory"},
			&cli.StringFlag{Name: "at", Usage: "check at `TIME` (RFC 3339, YYYY-MM-DD or @UNIXSECONDS; default now)"},
			jsonFlag(),
		},
		Action: e.crlCheck,
	}
}

type publishedJSON struct {
	CA         string    `json:"ca"`
	Number     string    `json:"number,omitempty"`
	ThisUpdate time.Time `json:"this_update,omitzero"`
	NextUpdate time.Time `json:"next_update,omitzero"`
	Entries    int       `json:"entries"`
	PEM        string    `json:"pem,omitempty"`
	DER        string    `json:"der,omitempty"`
	// NotSigned says why the CA's CRL was not signed (its certificate is
	// revoked for key compromise).
	NotSigned string `json:"not_signed,omitempty"`
}

func (e *env) crlPublish(c *cli.Context) error {
	d, err := lifetimeFlag(c, "next-update") // overflow-checked; under a minute needs --allow-short
	if err != nil {
		return err
	}
	u, err := e.unlockerOnce(c)
	if err != nil {
		return err
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{Unlock: u, DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	out := c.String("out")
	if out != "" {
		switch st, err := os.Stat(out); {
		case errors.Is(err, fs.ErrNotExist):
			return failf("--out %q does not exist", out).hint("create the folder first, or choose another --out")
		case err != nil:
			return failf("--out %q: %v", out, formats.SystemReason(err))
		case !st.IsDir():
			return failf("--out %q is a file, not a folder", out).hint("--out takes a folder: NAME.crl, NAME.crl.pem and %s go into it", ca.CRLBundle)
		}
	}
	pub, err := a.PublishCRLs(ctxOf(c), ca.CRLOptions{Dir: out, NextUpdate: d, CAs: c.StringSlice("ca")})
	if err != nil {
		return publishErr(err)
	}
	if c.Bool("json") {
		return e.printJSON(publishedJSONs(pub))
	}
	dir := out
	if dir == "" {
		dir = filepath.Join(a.Dir, "crl")
	}
	e.printPublished(pub, dir)
	return nil
}

// publishErr words the refusals of ca.PublishCRLs (and of the publishing
// part of revoke and unrevoke).
func publishErr(err error) error {
	switch {
	case errors.Is(err, ca.ErrUnknownCA):
		return usagef("--ca: %v", err)
	case errors.Is(err, ca.ErrNoPublishedCRL):
		return failf("%v", err).hint("publish every CA's CRL once with \"pkit crl\" (without --ca)")
	case errors.Is(err, ca.ErrCRLNumberBehind):
		return failf("%v", err).hint("nothing was changed; once the store is the latest backup you have, \"pkit store check --repair\" raises its CRL numbers above the published ones and restores the revocations the published CRLs list; then run \"pkit crl\" again")
	case errors.Is(err, ca.ErrCACompromised):
		return failf("%v", err).hint("everything it signed is rejected with it: issue from a new CA (\"pkit ca intermediate NEW --make-issuer\"); \"pkit crl\" without --ca keeps its last CRL in the bundle")
	}
	return err
}

func publishedJSONs(pub []ca.PublishedCRL) []publishedJSON {
	js := make([]publishedJSON, 0, len(pub))
	for _, p := range pub {
		if p.NotSigned != nil {
			js = append(js, publishedJSON{CA: p.CA, NotSigned: p.NotSigned.Error()})
			continue
		}
		js = append(js, publishedJSON{CA: p.CA, Number: p.Number.String(), ThisUpdate: p.ThisUpdate, NextUpdate: p.NextUpdate,
			Entries: p.Entries, PEM: p.PEM, DER: p.DER})
	}
	return js
}

// printPublished tells what ca.PublishCRLs wrote into dir.
func (e *env) printPublished(pub []ca.PublishedCRL, dir string) {
	for _, p := range pub {
		if p.NotSigned != nil {
			fmt.Fprintf(e.stderr, "not signed: %v; its last published CRL, if any, stays in the bundle\n", p.NotSigned)
			continue
		}
		fmt.Fprintf(e.stderr, "signed CRL %s of %q: %d revoked, next update %s\n  %s\n  %s\n", p.Number, p.CA, p.Entries,
			p.NextUpdate.Format(time.RFC3339), p.PEM, p.DER)
	}
	fmt.Fprintf(e.stderr, "bundle of all CRLs (nginx ssl_crl, HAProxy crl-file): %s\n", filepath.Join(dir, ca.CRLBundle))
	var first time.Time // the earliest nextUpdate signed
	for _, p := range pub {
		if p.NotSigned == nil && (first.IsZero() || p.NextUpdate.Before(first)) {
			first = p.NextUpdate
		}
	}
	if !first.IsZero() {
		fmt.Fprintf(e.stderr, "reload the servers that use them; publish again before %s\n", first.Format("2006-01-02 15:04 MST"))
	}
}

// crlCheckExpiry reports, for every CA of the directory, when its published
// CRL expires and which changes in the store it does not carry yet, and
// exits 3 when one is missing, expires within the window or misses a
// change.
func (e *env) crlCheckExpiry(c *cli.Context) error {
	flag, within := "--within", c.String("within")
	if c.IsSet("check-expiry") {
		if c.IsSet("within") {
			return usagef("--check-expiry DURATION is --check --within DURATION; give one of them")
		}
		flag, within = "--check-expiry", c.String("check-expiry")
	}
	window, err := ca.ParseDuration(within)
	if err != nil || window < 0 {
		return usagef("%s: invalid duration %q", flag, within).hint("examples: 2d, 12h")
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	dir := c.String("out")
	if dir == "" {
		dir = filepath.Join(a.Dir, "crl")
	}
	now := a.Now()
	pending, counts, err := a.PendingByCA(ctxOf(c), dir)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	type pendingJSON struct {
		Serial string `json:"serial"`
		Name   string `json:"name"`
		Change string `json:"change"`
	}
	type status struct {
		CA         string    `json:"ca"`
		File       string    `json:"file"`
		Number     string    `json:"number,omitempty"`
		NextUpdate time.Time `json:"next_update,omitzero"`
		Problem    string    `json:"problem,omitempty"`
		// Note says why a lapsing CRL is no problem: the CA signs no
		// more CRLs (revoked for key compromise).
		Note string `json:"note,omitempty"`
		// Pending are the CA's changes the CRL does not carry yet, the
		// first of ca.MaxPendingNamed for all CAs together; PendingTotal
		// counts all of them.
		Pending      []pendingJSON `json:"pending,omitempty"`
		PendingTotal int           `json:"pending_total"`
	}
	var all []status
	bad := 0
	for _, name := range a.CANames() {
		_, der := ca.CRLFiles(dir, name)
		st := status{CA: name, File: der, PendingTotal: counts[name]}
		rl, err := readCRLHeader(der)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			st.Problem = "no CRL published"
		case err != nil:
			st.Problem = err.Error()
		case rl.CheckSignatureFrom(a.CAs[name]) != nil:
			st.Problem = "its signature does not verify with the CA's key"
		default:
			st.Number, st.NextUpdate = rl.Number.String(), rl.NextUpdate.UTC()
			switch {
			case !rl.NextUpdate.After(now):
				st.Problem = "expired " + rl.NextUpdate.UTC().Format(time.RFC3339)
			case !rl.NextUpdate.After(now.Add(window)):
				st.Problem = fmt.Sprintf("expires %s, within %s", rl.NextUpdate.UTC().Format(time.RFC3339), within)
			}
		}
		if st.Problem != "" {
			// A CA revoked for key compromise signs no more CRLs ("pkit
			// crl" leaves it out): its last CRL lapsing is nothing to fix.
			switch err := a.SignsNoCRLs(ctxOf(c), name); {
			case errors.Is(err, ca.ErrCACompromised):
				st.Note, st.Problem = st.Problem+"; not a problem: "+err.Error(), ""
			case err != nil:
				return err
			default:
				bad++
			}
		}
		for _, p := range pending {
			if p.CA == name {
				st.Pending = append(st.Pending, pendingJSON{Serial: ca.SerialHex(p.Serial), Name: p.Name, Change: p.String()})
			}
		}
		all = append(all, st)
	}
	if c.Bool("json") {
		if err := e.printJSON(all); err != nil {
			return err
		}
	} else {
		for _, st := range all {
			if st.Problem != "" {
				fmt.Fprintf(e.stdout, "%s: %s: %s\n", st.CA, st.File, st.Problem)
			} else if st.Note != "" {
				fmt.Fprintf(e.stdout, "%s: %s: %s\n", st.CA, st.File, st.Note)
			} else {
				fmt.Fprintf(e.stdout, "%s: CRL %s ok until %s (in %s)\n", st.CA, st.Number, st.NextUpdate.Format(time.RFC3339),
					daysHours(st.NextUpdate.Sub(now)))
			}
			for _, p := range st.Pending {
				fmt.Fprintf(e.stdout, "%s: pending: serial %s %q: %s\n", st.CA, p.Serial, p.Name, p.Change)
			}
		}
		if total > len(pending) {
			fmt.Fprintf(e.stdout, "… and %d more pending changes\n", total-len(pending))
		}
	}
	switch {
	case bad > 0 && total > 0:
		return checkFailed("%d of %d published CRLs expire within %s or are missing, and %d revocation changes in the store are not published yet", bad, len(all), within, total).
			hint(`publish fresh CRLs with "pkit crl" and reload the servers`)
	case bad > 0:
		return checkFailed("%d of %d published CRLs expire within %s or are missing", bad, len(all), within).
			hint(`publish fresh ones with "pkit crl" and reload the servers`)
	case total > 0:
		return checkFailed("%d revocation changes in the store are not on the published CRLs yet: servers do not see them", total).
			hint(`publish them with "pkit crl" and reload the servers`)
	}
	return nil
}

// readCRLHeader reads a DER or PEM CRL file for its fields, leaving its
// entries unparsed.
func readCRLHeader(path string) (*x509.RevocationList, error) {
	ders, err := revoke.ReadCRLFile(path)
	if err != nil {
		return nil, err
	}
	return revoke.ParseCRLFor(ders[0])
}

func (e *env) crlCheck(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("crl check takes one CERT file, got %d", c.NArg()).hint("e.g. pkit crl check alice-client.pem --crl bundle.pem")
	}
	at := time.Now()
	if s := c.String("at"); s != "" {
		var err error
		if at, err = parseTime(s); err != nil {
			return err
		}
	}
	reader := &pileReader{e: e, c: c}
	certs, err := reader.readFile(c.Args().First(), false)
	if err != nil {
		return err
	}
	cert := certs[0]
	var issuers []*x509.Certificate
	crlFiles := c.StringSlice("crl")
	if p := c.String("issuer"); p != "" {
		if issuers, err = reader.readFile(p, false); err != nil {
			return err
		}
	}
	if len(issuers) == 0 || len(crlFiles) == 0 {
		a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
		if err != nil {
			if errors.Is(err, ca.ErrNoCA) {
				return failf("%v", err).hint("give the issuer with --issuer FILE and the CRLs with --crl FILE")
			}
			return err
		}
		for _, n := range a.CANames() {
			issuers = append(issuers, a.CAs[n])
		}
		if len(crlFiles) == 0 {
			crlFiles = []string{filepath.Join(a.Dir, "crl", ca.CRLBundle)}
		}
		e.warnPending(c, a, cert)
		a.Close()
	}
	var issuer *x509.Certificate
	for _, i := range issuers {
		if cert.CheckSignatureFrom(i) == nil {
			issuer = i
			break
		}
	}
	if issuer == nil {
		return failf("the issuer of %q (%s) is not known", c.Args().First(), cert.Issuer).hint("give its certificate with --issuer FILE")
	}
	var crls []*x509.RevocationList
	for _, f := range crlFiles {
		ders, err := revoke.ReadCRLFile(f)
		if err != nil {
			if errors.Is(err, revoke.ErrNotCRL) {
				return failf("%q: %v", f, err)
			}
			return failf("reading CRL %q: %v", f, formats.SystemReason(err)).hint(`publish CRLs with "pkit crl", or pass --crl FILE`)
		}
		for _, der := range ders {
			// The entries are not decoded: revoke.CheckWith steps over
			// them in the DER once, looking for the certificate.
			rl, err := revoke.ParseCRLFor(der)
			if err != nil {
				return failf("%q: %v", f, err)
			}
			crls = append(crls, rl)
		}
	}
	// Every CA certificate given may have signed a CRL: a separate CRL
	// signer of the issuer, or its certificate for another key.
	st, err := revoke.CheckWith(cert, issuer, crls, at, chain.CRLSignersFor(issuer, issuers, at))
	if err != nil {
		return failf("cannot tell whether %q is revoked: %v", c.Args().First(), err).
			hint(`publish a fresh CRL with "pkit crl", or pass the issuer's CRL with --crl FILE`)
	}
	serial := ca.SerialHex(cert.SerialNumber)
	if c.Bool("json") {
		js := map[string]any{"serial": serial, "subject": cert.Subject.String(), "revoked": st.Revoked,
			"crl_number": numberString(st.CRL.Number), "crl_next_update": st.CRL.NextUpdate.UTC()}
		if st.Revoked {
			js["revoked_at"], js["reason"] = st.RevokedAt.UTC(), revoke.Reason(st.Reason).String()
		}
		if err := e.printJSON(js); err != nil {
			return err
		}
	}
	if st.Revoked {
		if !c.Bool("json") {
			fmt.Fprintf(e.stdout, "%s: revoked %s (%s) on CRL %s of %q\n", serial, st.RevokedAt.UTC().Format(time.RFC3339),
				revoke.Reason(st.Reason), numberString(st.CRL.Number), issuer.Subject.String())
		}
		return checkFailed("%q (serial %s) is revoked since %s, reason %s", c.Args().First(), serial,
			st.RevokedAt.UTC().Format(time.RFC3339), revoke.Reason(st.Reason))
	}
	if !c.Bool("json") {
		fmt.Fprintf(e.stdout, "%s: not revoked (CRL %s of %q, next update %s)\n", serial, numberString(st.CRL.Number),
			issuer.Subject.String(), st.CRL.NextUpdate.UTC().Format(time.RFC3339))
	}
	return nil
}

// warnPending warns when the store of the CA directory a holds a change
// to the revocation of cert (one of its certificates) that the CRLs
// published in its crl/ folder do not carry yet: what servers decide
// differs from what the store says until "pkit crl".
func (e *env) warnPending(c *cli.Context, a *ca.Authority, cert *x509.Certificate) {
	if _, err := a.FindIssued(ctxOf(c), cert); err != nil {
		return
	}
	pending, _, err := a.PendingRevocations(ctxOf(c), "", cert.SerialNumber)
	if err != nil {
		return
	}
	for _, p := range pending {
		if p.Lifted {
			fmt.Fprintf(e.stderr, "pkit: warning: the store of %q lifted the hold on %q (serial %s), but the published CRL of %s still lists it: servers that use the CRLs refuse it until \"pkit crl\"\n",
				a.Dir, p.Name, ca.SerialHex(p.Serial), p.CA)
			continue
		}
		fmt.Fprintf(e.stderr, "pkit: warning: the store of %q has %q (serial %s) %s: servers that use the CRLs do not see it until \"pkit crl\"\n",
			a.Dir, p.Name, ca.SerialHex(p.Serial), p.String())
	}
}

func numberString(n *big.Int) string {
	if n == nil {
		return "-"
	}
	return n.String()
}

// daysHours prints a duration as "6d 23h".
func daysHours(d time.Duration) string {
	h := int(d.Hours())
	return fmt.Sprintf("%dd %dh", h/24, h%24)
}

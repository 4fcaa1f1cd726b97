package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/pkit/pkit/formats"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/revoke"
	"github.com/urfave/cli/v2"
)

func revokeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "revoke",
		Usage:     "revoke certificates and publish fresh CRLs at once",
		UsageText: "pkit revoke SERIAL|CERT|NAME… [--reason REASON] [--invalidity-date DATE] [--no-publish] | pkit revoke --from FILE",
		Description: `Marks certificates revoked in the CA's store. Each argument is a serial
   number (hex, as "pkit list" and openssl print it, colons allowed), a
   certificate file this CA issued, or the name a valid certificate was issued
   under (--all when renewals left several valid ones under that name).
   Revoking an intermediate CA puts it on the root's CRL. Several
   certificates, or --from FILE, are revoked in one transaction: if any of them
   cannot be revoked, none is.

   --from FILE (- for stdin) holds one certificate per line: SERIAL, CERT or
   NAME, optionally followed by a reason; blank lines and # comments are
   skipped.

   Reasons (RFC 5280): unspecified (default), keyCompromise, cACompromise,
   affiliationChanged, superseded, cessationOfOperation, certificateHold,
   privilegeWithdrawn, aACompromise. Only certificateHold can be lifted again,
   with "pkit unrevoke".

   The revocation is recorded in the store and the CRLs of the CAs that issued
   the certificates are signed and published in DIR/crl at once (each keeps the
   validity of its last CRL, or --next-update): reload the servers that use
   them (nginx ssl_crl, HAProxy crl-file point at crl/bundle.pem) and they
   refuse the certificates. Publishing needs those CAs' keys: a sealed key asks
   for its passphrase (--passphrase-file, PKIT_PASSPHRASE or the terminal),
   and without one nothing is changed.

   --no-publish only records the revocation, for a batch of changes published
   together later with "pkit crl"; until then "pkit crl --check" exits 3 and
   names the revocations no published CRL carries. If publishing fails (or
   pkit is killed) after the revocation is recorded, the revocation is kept,
   "pkit crl --check" names it, and the next "pkit crl" publishes it.

   --json prints each certificate revoked with what the command published:
   each CA's new CRL (number, thisUpdate, nextUpdate, the files written) and
   the bundle, or with --no-publish the CAs whose CRLs do not carry the change
   yet ("pending_cas").

EXAMPLES
   pkit revoke alice --reason keyCompromise --invalidity-date 2026-03-01
   pkit revoke 3f:a2:19:…:0c --reason superseded
   pkit revoke alice --all --reason affiliationChanged   (every valid "alice")
   pkit revoke ./old-server.pem
   pkit revoke --from leavers.txt --reason affiliationChanged
   pkit revoke --no-publish bob && pkit revoke --no-publish carol && pkit crl
   pkit revoke bob --json   (which CRLs were published: number, files, nextUpdate)`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "reason", Value: "unspecified", Usage: "the RFC 5280 `REASON`"},
			&cli.StringFlag{Name: "invalidity-date", Usage: "when the key was (suspected to be) compromised: `DATE` (RFC 3339 or YYYY-MM-DD)"},
			&cli.StringFlag{Name: "from", Usage: "revoke every certificate listed in `FILE` (- for stdin)"},
			&cli.BoolFlag{Name: "all", Usage: "a NAME several valid certificates share (after renewals) revokes all of them"},
		}, publishFlags(), unlockFlags()),
		Action: e.revoke,
	}
}

func unrevokeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "unrevoke",
		Usage:     "lift a certificateHold (nothing else can be undone)",
		UsageText: "pkit unrevoke SERIAL|CERT|NAME… [--no-publish]",
		Description: `Makes certificates that were revoked with --reason certificateHold valid
   again, and publishes fresh CRLs without them at once, as "pkit revoke" does
   (--no-publish: at the next "pkit crl"). A revocation for any other reason is
   final. --json prints each hold lifted with what was published, as
   "pkit revoke --json" does.

EXAMPLES
   pkit revoke laptop-bob --reason certificateHold
   pkit unrevoke laptop-bob
   pkit unrevoke laptop-bob --no-publish --json`,
		Flags:  flags([]cli.Flag{dirFlag(), dbFlag()}, publishFlags(), unlockFlags()),
		Action: e.unrevoke,
	}
}

// revokeTarget is one line or argument: what to revoke and, from --from,
// its own reason.
type revokeTarget struct {
	arg    string
	reason string
	where  string // "line 3 of FILE", for messages
}

func (e *env) revoke(c *cli.Context) error {
	reason, err := parseReasonFlag("--reason", c.String("reason"))
	if err != nil {
		return err
	}
	var invalidAt time.Time
	if s := c.String("invalidity-date"); s != "" {
		if invalidAt, err = parseTime(s); err != nil {
			return usagef("--invalidity-date %q is not a date", s).hint("use RFC 3339 (2026-03-01T10:00:00Z) or a date (2026-03-01)")
		}
	}
	var targets []revokeTarget
	for _, a := range c.Args().Slice() {
		targets = append(targets, revokeTarget{arg: a})
	}
	if from := c.String("from"); from != "" {
		more, err := e.readTargets(from)
		if err != nil {
			return err
		}
		targets = append(targets, more...)
	}
	if len(targets) == 0 {
		return usagef("revoke what?").hint("give a SERIAL, CERT file or NAME, or --from FILE")
	}
	a, o, err := e.openForPublish(c)
	if err != nil {
		return err
	}
	defer a.Close()
	if !invalidAt.IsZero() && invalidAt.After(a.Now()) {
		return usagef("--invalidity-date %s is in the future", invalidAt.Format(time.RFC3339))
	}
	ctx := ctxOf(c)
	rs := make([]ca.Revocation, 0, len(targets))
	for _, t := range targets {
		r := reason
		if t.reason != "" {
			if r, err = parseReasonFlag(t.where, t.reason); err != nil {
				return err
			}
		}
		serials, err := e.resolveCert(ctx, a, t, false, c.Bool("all"))
		if err != nil {
			return err
		}
		for _, serial := range serials {
			rs = append(rs, ca.Revocation{Serial: serial, Reason: r, InvalidAt: invalidAt})
		}
	}
	var recs []*ca.Record
	var pub []ca.PublishedCRL
	if o == nil {
		recs, err = a.Revoke(ctx, rs...)
	} else {
		recs, pub, err = a.RevokeAndPublish(ctx, rs, *o)
	}
	if err != nil && recs == nil {
		return e.publishChangeErr(err)
	}
	for i, rec := range recs {
		fmt.Fprintf(e.stderr, "revoked %s certificate %q (serial %s): %s\n", rec.Profile, rec.Name, ca.SerialHex(rec.Serial), rs[i].Reason)
	}
	if err := e.afterChange(c, a, pub, err); err != nil {
		return err
	}
	if c.Bool("json") {
		pj, err := e.publicationOf(c, a, recs, pub)
		if err != nil {
			return err
		}
		return e.printJSON(revokedJSON(recs, rs, a.Now(), pj))
	}
	return nil
}

// publishFlags are the flags of the commands that change revocations and
// publish the CRLs at once (revoke, unrevoke).
func publishFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-publish", Usage: "only record the change; publish it (with others) later with \"pkit crl\""},
		&cli.StringFlag{Name: "next-update", Usage: "the published CRLs are valid for `DURATION` (default: as long as each CA's last CRL, or 7d)"},
		allowShortFlag(),
		jsonFlag(),
	}
}

// openForPublish opens the CA directory for revoke and unrevoke: with
// the CA keys' unlocker, and the publishing options (nil with
// --no-publish).
func (e *env) openForPublish(c *cli.Context) (*ca.Authority, *ca.CRLOptions, error) {
	if c.Bool("no-publish") {
		if c.IsSet("next-update") {
			return nil, nil, usagef("--next-update is for the CRLs published at once; --no-publish publishes none").
				hint(`pass it to "pkit crl" when you publish`)
		}
		a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
		return a, nil, err
	}
	o := &ca.CRLOptions{KeepSpan: true}
	if c.IsSet("next-update") {
		d, err := lifetimeFlag(c, "next-update")
		if err != nil {
			return nil, nil, err
		}
		o.NextUpdate = d
	}
	u, err := e.unlockerOnce(c)
	if err != nil {
		return nil, nil, err
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{Unlock: u, DB: dbOf(c)})
	return a, o, err
}

// publishChangeErr words an error of revoke or unrevoke that came before
// anything changed: a refusal of the change, of the publication, or a CA
// key that could not be unlocked, which --no-publish gets around.
func (e *env) publishChangeErr(err error) error {
	var re *ca.RevokeError
	switch {
	case errors.As(err, &re):
		return revokeErr(err)
	case errors.Is(err, ca.ErrCRLNumberBehind), errors.Is(err, ca.ErrNoPublishedCRL), errors.Is(err, ca.ErrCACompromised):
		return publishErr(err)
	}
	var ue *userError
	if errors.As(err, &ue) || errors.Is(err, ca.ErrWrongPassphrase) || errors.Is(err, ca.ErrNeedPassphrase) || errors.Is(err, ca.ErrNeedIdentity) || errors.Is(err, ca.ErrKeyOffline) {
		ue = explain(err)
		ue.hint(`nothing was changed: the CRLs are published at once, which needs the CA keys; or record the change now with --no-publish and publish it later with "pkit crl"`)
		return ue
	}
	return err
}

// afterChange reports how a revocation change was published: pub, or
// with --no-publish nothing, or err (a *ca.NotPublishedError: the change
// is recorded and pending).
func (e *env) afterChange(c *cli.Context, a *ca.Authority, pub []ca.PublishedCRL, err error) error {
	if err != nil {
		return failf("%v", err).hint(`the change is kept; "pkit crl --check" lists it as pending until "pkit crl" publishes it: fix the cause and run "pkit crl"`)
	}
	if c.Bool("no-publish") {
		fmt.Fprintf(e.stderr, "not published (--no-publish): servers accept these certificates until \"pkit crl\" publishes the change; \"pkit crl --check\" lists it as pending\n")
		return nil
	}
	if !c.Bool("json") {
		e.printPublished(pub, filepath.Join(a.Dir, "crl"))
	}
	return nil
}

// publicationJSON is what revoke and unrevoke --json add to each entry
// (the output is a list of the certificates changed, so the facts of the
// whole command are repeated on each): what was published, or with
// --no-publish which CAs now have changes no published CRL carries.
type publicationJSON struct {
	// Published: this entry's change is on a CRL the command published.
	Published bool `json:"published"`
	// CRLs are the CRLs the command published (and those it left out,
	// with not_signed), as "pkit crl --json" lists them; [] when it
	// published none.
	CRLs []publishedJSON `json:"crls"`
	// Bundle is the bundle of all CRLs written with them.
	Bundle string `json:"bundle,omitempty"`
	// PendingCAs are the CAs whose published CRL does not carry this
	// command's changes yet (--no-publish): "pkit crl" publishes them.
	PendingCAs []string        `json:"pending_cas"`
	issuers    map[string]bool // the CAs whose CRL was signed
}

func (p publicationJSON) forIssuer(issuer string) publicationJSON {
	p.Published = p.issuers[issuer]
	return p
}

// publicationOf describes for --json what revoke or unrevoke published
// (pub), or, with --no-publish, which CAs the changes to recs are
// pending for, by the one rule of ca.Authority.PendingRevocations.
func (e *env) publicationOf(c *cli.Context, a *ca.Authority, recs []*ca.Record, pub []ca.PublishedCRL) (publicationJSON, error) {
	pj := publicationJSON{CRLs: publishedJSONs(pub), PendingCAs: []string{}, issuers: map[string]bool{}}
	for _, p := range pub {
		if p.NotSigned == nil {
			pj.issuers[p.CA] = true
			pj.Bundle = filepath.Join(filepath.Dir(p.PEM), ca.CRLBundle)
		}
	}
	if !c.Bool("no-publish") {
		return pj, nil
	}
	serials := make([]*big.Int, len(recs))
	for i, r := range recs {
		serials[i] = r.Serial
	}
	pending, _, err := a.PendingRevocations(ctxOf(c), "", serials...)
	if err != nil {
		return pj, err
	}
	seen := map[string]bool{}
	for _, p := range pending {
		if !seen[p.CA] {
			seen[p.CA] = true
			pj.PendingCAs = append(pj.PendingCAs, p.CA)
		}
	}
	sort.Strings(pj.PendingCAs)
	return pj, nil
}

type revokedEntry struct {
	Serial  string    `json:"serial"`
	Name    string    `json:"name"`
	Profile string    `json:"profile"`
	Issuer  string    `json:"issuer"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"revoked_at"`
	publicationJSON
}

func revokedJSON(recs []*ca.Record, rs []ca.Revocation, now time.Time, pj publicationJSON) []revokedEntry {
	out := make([]revokedEntry, len(recs))
	for i, r := range recs {
		at := now.UTC().Truncate(time.Second)
		if !r.RevokedAt.IsZero() {
			at = r.RevokedAt // a hold made permanent keeps its date
		}
		out[i] = revokedEntry{Serial: ca.SerialHex(r.Serial), Name: r.Name, Profile: r.Profile, Issuer: r.Issuer, Reason: rs[i].Reason.String(), At: at,
			publicationJSON: pj.forIssuer(r.Issuer)}
	}
	return out
}

type unrevokedEntry struct {
	Serial string `json:"serial"`
	Name   string `json:"name"`
	Status string `json:"status"`
	publicationJSON
}

func (e *env) unrevoke(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("unrevoke what?").hint("give the SERIAL, CERT file or NAME of a certificate on certificateHold")
	}
	a, o, err := e.openForPublish(c)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx := ctxOf(c)
	var serials []*big.Int
	for _, arg := range c.Args().Slice() {
		s, err := e.resolveCert(ctx, a, revokeTarget{arg: arg}, true, false)
		if err != nil {
			return err
		}
		serials = append(serials, s...)
	}
	var recs []*ca.Record
	var pub []ca.PublishedCRL
	var refused error // a hold that could not be lifted after others were
	if o == nil {
		for _, s := range serials {
			rec, err := a.Store.Unrevoke(ctx, s)
			if err != nil {
				refused = err
				break
			}
			recs = append(recs, rec)
		}
	} else {
		recs, pub, err = a.UnrevokeAndPublish(ctx, serials, *o)
		var np *ca.NotPublishedError
		if err != nil && !errors.As(err, &np) {
			refused, err = err, nil
		}
	}
	if len(recs) == 0 && refused != nil {
		return e.publishChangeErr(refused)
	}
	for _, rec := range recs {
		fmt.Fprintf(e.stderr, "lifted the hold on %s certificate %q (serial %s)\n", rec.Profile, rec.Name, ca.SerialHex(rec.Serial))
	}
	if err := e.afterChange(c, a, pub, err); err != nil {
		return err
	}
	if refused != nil {
		return revokeErr(refused)
	}
	if c.Bool("json") {
		pj, err := e.publicationOf(c, a, recs, pub)
		if err != nil {
			return err
		}
		out := make([]unrevokedEntry, len(recs))
		for i, r := range recs {
			out[i] = unrevokedEntry{Serial: ca.SerialHex(r.Serial), Name: r.Name, Status: string(ca.StatusValid), publicationJSON: pj.forIssuer(r.Issuer)}
		}
		return e.printJSON(out)
	}
	return nil
}

func parseReasonFlag(where, s string) (revoke.Reason, error) {
	r, err := revoke.ParseReason(s)
	if err != nil {
		return 0, usagef("%s: %v", where, err)
	}
	return r, nil
}

// readTargets reads --from: one SERIAL|CERT|NAME per line, optionally
// followed by a reason.
func (e *env) readTargets(path string) ([]revokeTarget, error) {
	data, err := e.readInput(path, 256<<20)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return nil, ue
		}
		return nil, failf("reading --from: %v", formats.SystemReason(err))
	}
	var out []revokeTarget
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 64*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if looksSecret(f[0]) {
			// Never echo it: an age identity or a key given by mistake.
			return nil, usagef("--from %q line %d holds a secret key, not a certificate to revoke", path, n).
				hint("give a file that lists one SERIAL, certificate file or NAME per line")
		}
		if len(f) > 2 {
			return nil, usagef("--from %q line %d: want SERIAL|CERT|NAME and an optional reason, got %d fields", path, n, len(f))
		}
		t := revokeTarget{arg: f[0], where: fmt.Sprintf("--from %q line %d", path, n)}
		if len(f) == 2 {
			t.reason = f[1]
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, failf("reading --from %q: %v", path, err)
	}
	if len(out) == 0 {
		return nil, usagef("--from %q lists no certificate", path)
	}
	return out, nil
}

// looksSecret reports whether a --from entry is secret key material (an
// age identity, a PEM private key header), which must not be echoed.
func looksSecret(s string) bool {
	u := strings.ToUpper(s)
	return strings.HasPrefix(u, "AGE-SECRET-KEY-") || strings.HasPrefix(u, "AGE-PLUGIN-") || strings.HasPrefix(s, "-----BEGIN")
}

// resolveCert finds the serials an argument means: a certificate file
// this CA issued, or a serial number or name (ca.Authority.Find: revoked
// picks the revoked certificates instead of those in use, all accepts a
// name several share), and words what Find refuses.
func (e *env) resolveCert(ctx context.Context, a *ca.Authority, t revokeTarget, revoked, all bool) ([]*big.Int, error) {
	where := ""
	if t.where != "" {
		where = t.where + ": "
	}
	if st, err := os.Stat(t.arg); err == nil && st.Mode().IsRegular() {
		certs, err := (&pileReader{e: e}).readFile(t.arg, false)
		if err != nil {
			return nil, err
		}
		rec, err := a.FindIssued(ctx, certs[0])
		switch {
		case errors.Is(err, ca.ErrNotIssuedHere):
			return nil, failf("%s%q (%s) was not issued by this CA", where, t.arg, certs[0].Subject).
				hint("pkit can only revoke or unrevoke certificates of the CA in %q", a.Dir)
		case errors.Is(err, ca.ErrNotFound):
			return nil, failf("%s%q was signed by this CA but is not in its store", where, t.arg)
		case err != nil:
			return nil, err
		}
		return []*big.Int{rec.Serial}, nil
	}
	recs, err := a.Find(ctx, t.arg, ca.FindOptions{Revoked: revoked, All: all, Held: !revoked})
	var amb *ca.AmbiguousNameError
	var none *ca.NoneInUseError
	switch {
	case errors.As(err, &none):
		gone, expired := none.Revoked, none.Expired
		switch {
		case len(gone) > 0 && len(expired) > 0:
			return nil, failf("%sno certificate named %q is in use: %d revoked, %d expired", where, t.arg, len(gone), len(expired)).
				hint("nothing was changed; a serial number still reaches one of them")
		case len(gone) > 1:
			return nil, failf("%severy certificate named %q (%d) is already revoked", where, t.arg, len(gone)).hint("nothing was changed")
		case len(gone) == 1:
			r := gone[0]
			return nil, failf("%scertificate %q (serial %s) is already revoked (%s, on %s)", where, r.Name, ca.SerialHex(r.Serial),
				revoke.Reason(r.Reason), r.RevokedAt.Format(time.RFC3339)).hint("nothing was changed")
		}
		r := expired[len(expired)-1]
		return nil, failf("%scertificate %q (serial %s) expired on %s; a name only reaches certificates in use", where, r.Name,
			ca.SerialHex(r.Serial), r.NotAfter.UTC().Format("2006-01-02")).hint("to revoke it anyway, give its serial number")
	case errors.Is(err, ca.ErrNotFound):
		what := "valid certificate"
		if revoked {
			what = "revoked certificate"
		}
		if looksLikePath(t.arg) {
			return nil, failf("%sno such file %q, and no %s with that serial or name", where, t.arg, what).hint(`see "pkit list" for serials and names`)
		}
		return nil, failf("%sno %s with serial or name %q", where, what, t.arg).hint(`see "pkit list" for serials and names`)
	case errors.As(err, &amb):
		hexes := make([]string, len(amb.Records))
		for i, r := range amb.Records {
			hexes[i] = ca.SerialHex(r.Serial)
		}
		if revoked {
			return nil, failf("%s%d certificates named %q are on hold", where, len(hexes), t.arg).
				hint("give one serial number: %s", strings.Join(hexes, ", "))
		}
		return nil, failf("%s%d certificates are named %q", where, len(hexes), t.arg).
			hint("give one serial number (%s), or --all to revoke every one of them", strings.Join(hexes, ", "))
	case err != nil:
		return nil, err
	}
	serials := make([]*big.Int, len(recs))
	for i, r := range recs {
		serials[i] = r.Serial
	}
	return serials, nil
}

// looksLikePath tells a file argument from a name or serial: it has a
// folder or a certificate file's extension.
func looksLikePath(s string) bool {
	if strings.ContainsRune(s, os.PathSeparator) {
		return true
	}
	switch strings.ToLower(filepath.Ext(s)) {
	case ".pem", ".crt", ".cer", ".der":
		return true
	}
	return false
}

// revokeErr adds hints to the store's refusals.
func revokeErr(err error) error {
	var re *ca.RevokeError
	if !errors.As(err, &re) {
		return err
	}
	switch {
	case errors.Is(err, ca.ErrAlreadyRevoked):
		return failf("%v", err).hint("nothing was changed; only a certificateHold can be made permanent with another --reason")
	case errors.Is(err, ca.ErrNotOnHold):
		return failf("%v", err).hint("issue a new certificate instead")
	case errors.Is(err, ca.ErrRootRevoke):
		return failf("%v", err).hint("to retire a root, remove it from the trust stores that hold it")
	case errors.Is(err, ca.ErrNotFound):
		return failf("%v", err).hint(`see "pkit list" for serials and names`)
	}
	return failf("%v", err)
}

func ctxOf(c *cli.Context) context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

// renewRow is one certificate in "pkit renew --expiring --json": the
// expiring certificate and either its renewal or why it was not renewed.
type renewRow struct {
	Serial   string    `json:"serial"`
	Name     string    `json:"name"`
	Profile  string    `json:"profile"`
	NotAfter time.Time `json:"not_after"`
	// Files are where the renewal goes (--dry-run).
	Files  map[string]string `json:"files,omitempty"`
	Result *issueResult      `json:"result,omitempty"`
	Error  string            `json:"error,omitempty"`
	// SupersededBy is the serial of the certificate that already took
	// this one's place (--dry-run lists them; they are not renewed).
	SupersededBy string `json:"superseded_by,omitempty"`
	NotDone      bool   `json:"not_done,omitempty"`
	// hints are the error's hints, said once for all rows.
	hints []string
	// lost is the serial of a renewal recorded whose files could not be
	// written.
	lost string
}

// renewExpiring is "pkit renew --expiring WINDOW": every certificate due
// (ca.Authority.Expiring) renewed in place on the batch path, with one
// unlock of the CA key and one sync at the end. Certificates whose files
// the store does not know are written into --out-dir, or reported and
// left. Exit 1 if any was not renewed.
func (e *env) renewExpiring(c *cli.Context) error {
	window := c.String("expiring")
	if c.NArg() > 0 {
		return usagef("--expiring renews every certificate that expires within %s; it takes no NAME or SERIAL", window).
			hint("renew one certificate with \"pkit renew NAME\"")
	}
	for _, f := range []string{"reuse-key", "key"} {
		if c.IsSet(f) {
			return usagef("--%s renews one certificate; --expiring makes a new key for each", f).hint("renew that certificate with \"pkit renew NAME --reuse-key\"")
		}
	}
	within, err := ca.ParseDuration(window)
	if err != nil || within <= 0 {
		return usagef("--expiring %q is not a time span", window).hint("examples: 30d, 12h")
	}
	var opts ca.Request // the flags' options, checked once for every row
	if err := requestOptions(c, &opts); err != nil {
		return err
	}
	a, err := e.openCA(c)
	if err != nil {
		return err
	}
	defer a.Close()
	due, superseded, err := a.Expiring(ctxOf(c), within)
	if err != nil {
		return err
	}
	dir, dryRun := c.String("out-dir"), c.Bool("dry-run")
	var plan *ca.Plan
	if !dryRun {
		plan = newPlan(a, c.Bool("force"), true)
		if c.IsSet("out-dir") {
			if err := plan.CheckDir(dir); err != nil {
				return outputError(err, "")
			}
		}
	}
	var rows []*renewRow
	var jobs []*batchJob
	for i, rn := range due {
		r := rn.Record
		row := &renewRow{Serial: ca.SerialHex(r.Serial), Name: r.Name, Profile: r.Profile, NotAfter: r.NotAfter}
		rows = append(rows, row)
		fail := func(err error) {
			ue := explain(err)
			row.Error, row.hints = oneLine(ue.msg), ue.hints
		}
		if len(rn.Files) == 0 && !c.IsSet("out-dir") {
			fail(errors.New("the store does not know its files (issued without files, or by an older pkit): --out-dir DIR writes its renewal there"))
			continue
		}
		cert, err := r.Certificate()
		if err != nil {
			fail(err)
			continue
		}
		j, err := renewalJob(c, a, rn, cert, len(rn.Files) > 0)
		if err == nil && !dryRun {
			err = plan.Add(row.Serial, j.outputs()...)
		}
		if err != nil {
			fail(outputError(err, ""))
			continue
		}
		if dryRun {
			row.Files = map[string]string{}
			for _, o := range j.outputs() {
				if o.Path != "" {
					row.Files[string(o.Kind)] = o.Path
				}
			}
			continue
		}
		jobs = append(jobs, &batchJob{row: manifestRow{Row: i + 1, Name: r.Name, Profile: r.Profile}, job: j})
	}
	if dryRun {
		return e.reportDryRenewals(c, window, rows, superseded)
	}
	pw := ""
	for _, b := range jobs {
		if b.job.p12 != "" {
			if pw, err = e.p12Password(c); err != nil {
				return err
			}
			break
		}
	}
	sig, syncErr, err := e.runBatch(c, a, plan, jobs, pw)
	if err != nil {
		return err
	}
	for _, b := range jobs {
		row := rows[b.row.Row-1]
		switch {
		case !b.started:
			row.Error, row.NotDone = "not done: the renewal was interrupted before this certificate", true
		case b.err != nil:
			ue := explain(b.err)
			row.Error, row.hints = oneLine(ue.msg), ue.hints
			var fe *ca.FilesError
			if errors.As(b.err, &fe) && fe.Recorded {
				row.lost = ca.SerialHex(fe.Serial)
			}
		default:
			row.Result = b.res
		}
	}
	err = e.reportRenewals(c, window, rows, len(superseded), sig)
	if syncErr != nil {
		if ue, ok := err.(*userError); ok {
			syncErr.hints = append(syncErr.hints, ue.hints...)
		}
		return syncErr
	}
	return err
}

// reportRenewals tells what "pkit renew --expiring" did: a line per
// certificate renewed, an error line per certificate not renewed, the
// summary, and --json.
func (e *env) reportRenewals(c *cli.Context, window string, rows []*renewRow, superseded int, sig os.Signal) error {
	renewed, failed, notDone := 0, 0, 0
	var lost, rowHints []string
	warn, warnLong := false, false
	for _, row := range rows {
		what := fmt.Sprintf("%s certificate %q (serial %s)", row.Profile, row.Name, row.Serial)
		switch {
		case row.Result != nil:
			renewed++
			res := row.Result
			warn, warnLong = warn || res.ed25519TLS, warnLong || res.longTLS
			fmt.Fprintf(e.stderr, "renewed %s: serial %s in %s, expires on %s\n", what, res.Serial, renewedFiles(res.Files),
				res.NotAfter.Format("2006-01-02"))
		case row.NotDone:
			notDone++
		default:
			failed++
			if row.lost != "" {
				lost = append(lost, row.lost)
			}
			for _, h := range row.hints {
				if !slices.Contains(rowHints, h) {
					rowHints = append(rowHints, h)
				}
			}
			fmt.Fprintf(e.stderr, "pkit: error: not renewed: %s: %s\n", what, row.Error)
		}
	}
	if notDone > 0 {
		fmt.Fprintf(e.stderr, "pkit: error: interrupted by %s: %d certificates were not started; the ones already started were finished\n", signalName(sig), notDone)
	}
	if warn {
		e.warnEd25519TLS()
	}
	if warnLong {
		e.warnLongTLS()
	}
	if c.Bool("json") {
		if err := e.printJSON(nonNilRows(rows)); err != nil {
			return err
		}
	}
	switch {
	case len(rows) == 0 && superseded > 0:
		fmt.Fprintf(e.stderr, "nothing to renew: the %d certificates expiring within %s were renewed already\n", superseded, window)
		return nil
	case len(rows) == 0:
		fmt.Fprintf(e.stderr, "nothing to renew: no certificate expires within %s\n", window)
		return nil
	}
	fmt.Fprintf(e.stderr, "renewed %d of %d certificates expiring within %s", renewed, len(rows), window)
	if n := failed - len(lost); n > 0 {
		fmt.Fprintf(e.stderr, "; %d not renewed, nothing written for them", n)
	}
	if len(lost) > 0 {
		fmt.Fprintf(e.stderr, "; %d renewals were recorded but their files could not be written (serials %s)", len(lost), strings.Join(lost, ", "))
	}
	if notDone > 0 {
		fmt.Fprintf(e.stderr, "; %d not done (interrupted)", notDone)
	}
	fmt.Fprintln(e.stderr)
	var hints []string
	if failed > len(lost) {
		hints = append(rowHints, "fix what the lines above name and run again: the certificates renewed are not renewed twice")
	}
	if len(lost) > 0 {
		hints = append(hints, "revoke the serials recorded without files (pkit revoke SERIAL --reason cessationOfOperation), then run again")
	}
	if notDone > 0 {
		hints = append(hints, "run the same command again to renew the rest")
	}
	if hints != nil {
		return &userError{code: exitError, hints: hints}
	}
	return nil
}

// reportDryRenewals lists what "pkit renew --expiring --dry-run" would
// renew, where, and what it leaves (already renewed, or not renewable).
func (e *env) reportDryRenewals(c *cli.Context, window string, rows []*renewRow, superseded []*ca.Superseded) error {
	for _, row := range rows {
		what := fmt.Sprintf("%s certificate %q (serial %s, expires %s)", row.Profile, row.Name, row.Serial, row.NotAfter.UTC().Format(time.RFC3339))
		if row.Error != "" {
			fmt.Fprintf(e.stderr, "would not renew %s: %s\n", what, row.Error)
			continue
		}
		fmt.Fprintf(e.stderr, "would renew %s into %s\n", what, renewedFiles(row.Files))
	}
	for _, s := range superseded {
		r := s.Record
		row := &renewRow{Serial: ca.SerialHex(r.Serial), Name: r.Name, Profile: r.Profile, NotAfter: r.NotAfter, SupersededBy: ca.SerialHex(s.By.Serial)}
		rows = append(rows, row)
		how := fmt.Sprintf("its files now hold %s certificate %q (serial %s)", s.By.Profile, s.By.Name, row.SupersededBy)
		if s.Renewed() {
			how = fmt.Sprintf("already renewed as serial %s", row.SupersededBy)
		}
		fmt.Fprintf(e.stderr, "leaves %s certificate %q (serial %s): %s\n", r.Profile, r.Name, row.Serial, how)
	}
	if c.Bool("json") {
		if err := e.printJSON(nonNilRows(rows)); err != nil {
			return err
		}
	}
	n := 0
	for _, row := range rows {
		if row.Files != nil {
			n++
		}
	}
	fmt.Fprintf(e.stderr, "would renew %d certificates expiring within %s; nothing changed (--dry-run)\n", n, window)
	return nil
}

// renewedFiles lists a renewal's files: the certificate first, then the
// rest by kind.
func renewedFiles(files map[string]string) string {
	var out []string
	for _, k := range []string{"cert", "key", "chain", "p12", "combined"} {
		if p, ok := files[k]; ok {
			out = append(out, p)
		}
	}
	var rest []string
	for k, p := range files {
		switch k {
		case "cert", "key", "chain", "p12", "combined":
		default:
			rest = append(rest, p)
		}
	}
	sort.Strings(rest)
	return strings.Join(append(out, rest...), ", ")
}

// nonNilRows is rows for --json: an empty list, not null.
func nonNilRows(rows []*renewRow) []*renewRow {
	if rows == nil {
		return []*renewRow{}
	}
	return rows
}

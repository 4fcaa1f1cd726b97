package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"
)

// manifestRow is one certificate in a batch manifest. The formats are
// described for users in batchFormats ("pkit issue --help").
type manifestRow struct {
	Line     int // where the row starts in the file
	Row      int // 1 for the first certificate row
	Profile  string
	Name     string
	DNS      []string
	IP       []string
	Email    []string
	URI      []string
	P12      bool
	Validity string
	KeyType  string
	// Subject holds the subject fields as --subject takes them.
	Subject string
}

// manifestFields are the columns of a CSV manifest and the fields of a
// JSON one.
var manifestFields = []string{"profile", "name", "dns", "ip", "email", "uri", "p12", "validity", "key_type", "subject"}

// batchFormats documents the manifest formats; "pkit issue --help" shows
// it and batch errors point there.
const batchFormats = `BATCH MANIFESTS (--batch FILE, - for stdin)
   A CSV file with a header line naming the columns, in any order:
   profile,name,dns,ip,email,uri,p12,validity,key_type,subject (profile and
   name are required). Several values in one cell are separated by spaces or
   ";". p12 is yes/no (or true/false, 1/0; empty means no). subject holds
   the subject fields as --subject takes them ("O=Acme, OU=Ops": quote the
   cell, it has commas). Lines starting with # are comments.

      profile,name,dns,ip,email,uri,p12,subject
      server,web.internal,www.web.internal;api.web.internal,10.1.1.1,,,no,
      client,carol,,,carol@example.com,,yes,"O=Acme, OU=Ops"

   Or a JSON array of objects with the same fields: profile, name, validity,
   key_type and subject are strings; dns, ip, email and uri are
   a string or a list of strings; p12 is true/false or "yes"/"no".

      [
        {"profile": "server", "name": "db.internal", "ip": "10.2.2.2"},
        {"profile": "client", "name": "bob", "email": ["bob@example.com"], "p12": true},
        {"profile": "client", "name": "dave", "subject": "O=Acme, OU=Dev"}
      ]

   Each certificate is all-or-nothing: recorded in the store and written, or
   neither. A bad row is reported with its line, the others are issued, and
   the exit code is 1 if any row failed. Rows whose files would leave
   --out-dir (a name like ".."), would be another row's files, or have
   names too long for the file system stop the whole batch before anything
   is signed (exit 2). --json prints every row: {"row", "line", "name", "profile"}
   and either "result" (serial, subject, sans, not_after, files) or "error".

   SIGINT (Ctrl-C) or SIGTERM stops a batch between rows: the rows already
   started are finished (recorded and written), the summary and --json are
   printed with the rows not started marked "not_done": true, stderr names
   the rows to run again, and the exit code is 1. A second signal ends pkit
   at once.

   On a PostgreSQL store a batch syncs the database once, at the end. If
   the database server crashed meanwhile, it may have lost rows recorded
   before: pkit asks it which it holds, and reports the others as lost
   (not issued, their files removed; in --json "lost": true with the
   "serial"), names them on stderr, and exits 1; run those rows again.`

// rowError is a problem with one manifest row.
type rowError struct {
	line, row int
	name      string // "" when not known
	profile   string
	err       error
}

// parseManifest reads a CSV or JSON manifest (told apart by the first
// non-space byte). Rows that cannot be read are returned as errors with
// their line numbers; a manifest that cannot be read at all is an error.
func parseManifest(data []byte) ([]manifestRow, []rowError, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, nil, errors.New("the manifest is empty")
	}
	switch trimmed[0] {
	case '[':
		return parseJSONManifest(data)
	case '{':
		return nil, nil, errors.New("a JSON manifest is an array of objects: [{...}, {...}]")
	}
	return parseCSVManifest(data)
}

func parseJSONManifest(data []byte) ([]manifestRow, []rowError, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("the JSON manifest is not an array of objects: %v", jsonSyntaxError(data, err))
	}
	var rows []manifestRow
	var bad []rowError
	// Line numbers: find where each element starts.
	offsets := elementOffsets(data)
	for i, r := range raw {
		line := i + 1
		if i < len(offsets) {
			line = 1 + bytes.Count(data[:offsets[i]], []byte("\n"))
		}
		row, err := decodeJSONRow(r)
		row.Line, row.Row = line, i+1
		if err != nil {
			bad = append(bad, rowError{line: line, row: i + 1, name: row.Name, profile: row.Profile, err: fmt.Errorf("row %d: %v", i+1, err)})
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

// jsonSyntaxError words a JSON syntax error with its line, without Go
// type names.
func jsonSyntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %s", 1+bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n")), se.Error())
	}
	return errors.New("it is not valid JSON")
}

// decodeJSONRow reads one manifest object field by field, so that a
// mistake is reported as the field and what it should be. What could be
// read is returned even with an error (for the name in reports).
func decodeJSONRow(data json.RawMessage) (manifestRow, error) {
	var row manifestRow
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return row, errors.New("want an object like {\"profile\": \"server\", \"name\": \"web.internal\"}")
	}
	// Fields in a fixed order, so errors do not depend on map order; name
	// and profile first, so that reports can say which row it is.
	str := func(k string, dst *string) error {
		v, ok := obj[k]
		if !ok || string(v) == "null" {
			return nil
		}
		if json.Unmarshal(v, dst) != nil {
			return fmt.Errorf("field %q: want a string, got %s", k, jsonKind(v))
		}
		return nil
	}
	list := func(k string, dst *[]string) error {
		v, ok := obj[k]
		if !ok || string(v) == "null" {
			return nil
		}
		var one string
		if json.Unmarshal(v, &one) == nil {
			*dst = []string{one}
			return nil
		}
		if json.Unmarshal(v, dst) != nil {
			return fmt.Errorf("field %q: want a string or a list of strings, got %s", k, jsonKind(v))
		}
		return nil
	}
	for _, f := range []struct {
		k string
		s *string
		l *[]string
	}{{"name", &row.Name, nil}, {"profile", &row.Profile, nil}, {"dns", nil, &row.DNS}, {"ip", nil, &row.IP},
		{"email", nil, &row.Email}, {"uri", nil, &row.URI}, {"validity", &row.Validity, nil}, {"key_type", &row.KeyType, nil}, {"subject", &row.Subject, nil}} {
		var err error
		if f.s != nil {
			err = str(f.k, f.s)
		} else {
			err = list(f.k, f.l)
		}
		if err != nil {
			return row, err
		}
	}
	if v, ok := obj["p12"]; ok && string(v) != "null" {
		var b bool
		var s string
		switch {
		case json.Unmarshal(v, &b) == nil:
			row.P12 = b
		case json.Unmarshal(v, &s) == nil:
			p, err := parseYesNo(s)
			if err != nil {
				return row, fmt.Errorf("field \"p12\": %v", err)
			}
			row.P12 = p
		default:
			return row, fmt.Errorf("field \"p12\": want true, false, \"yes\" or \"no\", got %s", jsonKind(v))
		}
	}
	var unknown []string
	for k := range obj {
		if !slices.Contains(manifestFields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return row, fmt.Errorf("unknown field %q (fields: %s)", unknown[0], strings.Join(manifestFields, ", "))
	}
	return row, nil
}

// jsonKind names the kind of a JSON value for error messages.
func jsonKind(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '[':
		var l []json.RawMessage
		if json.Unmarshal(t, &l) == nil {
			for _, e := range l {
				if e := bytes.TrimSpace(e); len(e) == 0 || e[0] != '"' {
					return "a list with " + jsonKind(e)
				}
			}
		}
		return "a list"
	case '{':
		return "an object"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// parseYesNo reads a p12 cell: yes/no, y/n, true/false, 1/0 (any case).
func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "y":
		return true, nil
	case "no", "n", "":
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not yes or no", v)
	}
	return b, nil
}

// elementOffsets returns the byte offsets of the top-level array elements.
func elementOffsets(data []byte) []int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var offs []int64
	for dec.More() {
		off := dec.InputOffset()
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return offs
		}
		// InputOffset is before any whitespace; skip it.
		for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,", rune(data[off])) {
			off++
		}
		offs = append(offs, off)
	}
	return offs
}

func parseCSVManifest(data []byte) ([]manifestRow, []rowError, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the CSV header: %v", err)
	}
	headerLine, _ := r.FieldPos(0)
	cols := map[string]int{}
	known := manifestFields
	for i, h := range header {
		header[i] = strings.ToLower(strings.TrimSpace(h))
	}
	for i, h := range header {
		if !slices.Contains(known, h) {
			// A file that is not a manifest at all (a passphrase or an age
			// identity given to --batch by mistake) must not have its first
			// line echoed: quote a cell only when it looks like a column name
			// in a row that names at least one real column.
			if isHeaderWord(h) && slices.ContainsFunc(header, func(c string) bool { return slices.Contains(known, c) }) {
				return nil, nil, fmt.Errorf("line %d: unknown column %q (columns: %s)", headerLine, h, strings.Join(known, ","))
			}
			return nil, nil, fmt.Errorf("line %d is not a header row; a CSV manifest starts with a line naming its columns (columns: %s)", headerLine, strings.Join(known, ","))
		}
		cols[h] = i
	}
	for _, need := range []string{"profile", "name"} {
		if _, ok := cols[need]; !ok {
			return nil, nil, fmt.Errorf("line %d: the header has no %q column (columns: %s)", headerLine, need, strings.Join(known, ","))
		}
	}
	var rows []manifestRow
	var bad []rowError
	for n := 1; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, rowError{line: pe.Line, row: n, err: pe.Err})
				if pe.Err != csv.ErrFieldCount {
					return rows, bad, nil // the reader cannot resync after a quoting error
				}
				continue
			}
			return nil, nil, err
		}
		line, _ := r.FieldPos(0)
		get := func(k string) string {
			if i, ok := cols[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) != len(header) {
			bad = append(bad, rowError{line: line, row: n, name: get("name"), profile: get("profile"),
				err: fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		row := manifestRow{Line: line, Row: n, Profile: get("profile"), Name: get("name"), DNS: splitCell(get("dns")),
			IP: splitCell(get("ip")), Email: splitCell(get("email")), URI: splitCell(get("uri")),
			Validity: get("validity"), KeyType: get("key_type"), Subject: get("subject")}
		if row.P12, err = parseYesNo(get("p12")); err != nil {
			bad = append(bad, rowError{line: line, row: n, name: row.Name, profile: row.Profile, err: fmt.Errorf("p12 %v", err)})
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

// isHeaderWord reports whether s looks like a misspelt column name (1 to
// 20 of a-z, 0-9, _ and -); any other cell in the first line is not quoted
// back (it may be a secret). A loop, not a regexp: compiling one at start-up
// costs every pkit process.
func isHeaderWord(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func splitCell(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' })
}

// jobFromRow checks a row and builds its job; outputs go to dir with the
// names "pkit issue" would use.
func jobFromRow(row manifestRow, dir string, legacy bool) (*issueJob, error) {
	if row.Name == "" {
		return nil, errors.New("name is empty")
	}
	if row.Profile == "" {
		return nil, errors.New("profile is empty")
	}
	j := &issueJob{req: ca.Request{Profile: row.Profile, Name: row.Name}, legacy: legacy}
	if row.Profile == "server" {
		if err := addServerName(&j.req, row.Name); err != nil {
			return nil, err
		}
	} else if strings.Contains(row.Name, "@") {
		j.req.Emails = append(j.req.Emails, row.Name)
	}
	if err := addSANs(&j.req, row.DNS, row.IP, row.Email, row.URI); err != nil {
		return nil, err
	}
	if row.Validity != "" {
		d, err := ca.ParseDuration(row.Validity)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("invalid validity %q", row.Validity)
		}
		j.req.Validity = d
	}
	if row.Subject != "" {
		n, err := ca.ParseSubject(row.Subject)
		if err != nil {
			return nil, fmt.Errorf("subject: %v", err)
		}
		j.req.Subject = n
	}
	if row.KeyType != "" {
		kt, err := ca.ParseKeyType(row.KeyType)
		if err != nil {
			return nil, err
		}
		j.req.KeyType = kt
	}
	stem, err := ca.FileStem(row.Name, row.Profile)
	if err != nil {
		return nil, err
	}
	j.cert, j.keyFile = ca.OutputPath(dir, stem, ".pem"), ca.OutputPath(dir, stem, "-key.pem")
	if row.P12 {
		j.p12 = ca.OutputPath(dir, stem, ".p12")
	}
	return j, nil
}

// batchJob is a manifest row that passed its checks, its job, and how
// it ended.
type batchJob struct {
	row manifestRow
	job *issueJob
	res *issueResult
	err error
	// started: a worker took it (an interrupted batch starts no more).
	started bool
	// lost: issued, then its record was lost with the database server
	// (ca.ErrBulkCommitsLost); its files were removed.
	lost *ca.LostRecord
}

// issueBatch issues every row of the manifest with one CA unlock: plan
// every row's files (a row whose files leave --out-dir, collide with
// another row's or are too long stops the whole batch before anything is
// signed: the manifest is wrong), run the rows on a few workers, each
// all-or-nothing, and report which rows were recorded. Exit 1 if any row
// failed.
func (e *env) issueBatch(c *cli.Context) error {
	path := c.String("batch")
	if c.NArg() > 0 {
		return usagef("--batch takes no other arguments")
	}
	if err := e.checkBatchStdin(c, path); err != nil {
		return err
	}
	data, err := e.readInput(path, 64<<20)
	if err != nil {
		return failf("reading the manifest: %v", err)
	}
	rows, bad, err := parseManifest(data)
	if err != nil {
		return failf("manifest %q: %v", path, err).hint("see \"pkit issue --help\" for the CSV and JSON formats")
	}
	dir := c.String("out-dir")
	var a *ca.Authority
	if len(rows) > 0 {
		if a, err = e.openCA(c); err != nil {
			return err
		}
		defer a.Close()
	}
	plan := newPlan(a, c.Bool("force"), true)
	jobs, bad, err := planBatch(plan, rows, bad, path, dir, c.Bool("legacy"))
	if err != nil {
		return err
	}
	pw := ""
	if slices.ContainsFunc(jobs, func(b *batchJob) bool { return b.job.p12 != "" }) {
		if pw, err = e.p12Password(c); err != nil {
			return err
		}
	}
	sig, syncErr, err := e.runBatch(c, a, plan, jobs, pw)
	if err != nil {
		return err
	}
	err = e.reportBatch(c, path, dir, jobs, bad, sig)
	if syncErr != nil {
		// After the report, which says which rows were recorded.
		if ue, ok := err.(*userError); ok {
			syncErr.hints = append(syncErr.hints, ue.hints...)
		}
		return syncErr
	}
	return err
}

// planBatch turns the rows into jobs and plans their files, all before
// anything is signed. Rows that cannot be issued (bad names, existing
// files) join bad; a row whose outputs are wrong in themselves (see
// ca.OutputError.Mistake) fails the batch with a usage error.
func planBatch(plan *ca.Plan, rows []manifestRow, bad []rowError, path, dir string, legacy bool) ([]*batchJob, []rowError, error) {
	// Every row writes into dir: check it once, before the first row.
	if err := plan.CheckDir(dir); err != nil {
		return nil, nil, outputError(err, "")
	}
	var jobs []*batchJob
	var mistakes []error
	for _, row := range rows {
		where := fmt.Sprintf("%s line %d", path, row.Line)
		j, err := jobFromRow(row, dir, legacy)
		if err == nil {
			err = plan.Add(fmt.Sprintf("line %d", row.Line), j.outputs()...)
		}
		var oe *ca.OutputError
		if errors.As(err, &oe) && oe.Mistake() {
			mistakes = append(mistakes, outputError(err, where))
			continue
		}
		if err != nil {
			bad = append(bad, rowError{line: row.Line, row: row.Row, name: row.Name, profile: row.Profile, err: outputError(err, "")})
			continue
		}
		jobs = append(jobs, &batchJob{row: row, job: j})
	}
	if len(mistakes) > 0 {
		ue := mistakes[0].(*userError)
		ue.msg += "; nothing was issued"
		if len(mistakes) > 1 {
			ue.hint("%d more rows have such problems", len(mistakes)-1)
		}
		return nil, nil, ue
	}
	return jobs, bad, nil
}

// runBatch issues the planned jobs on a few workers, each all or nothing
// (ca.Authority.IssueTo), and syncs the store and the files once at the
// end. SIGINT or SIGTERM stops it taking new rows; the rows in flight
// finish. It returns the signal that stopped it, or nil, and the error of
// the final sync (reported after the rows). When the sync finds that the
// database server may have lost commits (ca.ErrBulkCommitsLost), the rows
// it did lose are marked lost, their files removed (ca.Store.SettleLost),
// for reportBatch; if none was, the batch ends as usual.
func (e *env) runBatch(c *cli.Context, a *ca.Authority, plan *ca.Plan, jobs []*batchJob, pw string) (os.Signal, *userError, error) {
	if len(jobs) == 0 {
		return nil, nil, nil
	}
	// A revoked issuing CA fails the whole batch once, not every row.
	if err := a.IssuerStanding(c.Context); err != nil {
		return nil, nil, err
	}
	if _, err := a.Unlock(a.Config.Issuer); err != nil {
		return nil, nil, err
	}
	if err := a.Store.SetBulk(c.Context, true); err != nil {
		return nil, nil, err
	}
	progress := false
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = true
	}
	// Rows are issued by a few workers at once: key generation, signing
	// and the .p12 key derivation use both cores, and one row's fsyncs
	// overlap another's work. The store serializes the inserts. A row's
	// failure is its own: the workers never return an error to the group.
	var g errgroup.Group
	g.SetLimit(batchWorkers())
	var mu sync.Mutex
	done := 0
	stop, interrupted := notifyInterrupt()
dispatch:
	for _, b := range jobs {
		select {
		case <-stop:
			break dispatch
		default:
		}
		b.started = true
		g.Go(func() error {
			b.res, b.err = issueTo(c.Context, a, plan, b.job, pw)
			if progress {
				mu.Lock()
				done++
				fmt.Fprintf(e.stderr, "\rissued %d/%d", done, len(jobs))
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	sig := interrupted()
	if progress {
		fmt.Fprintln(e.stderr)
	}
	e.noteSettled(a)
	// One sync for the whole batch, before anything is reported as issued.
	if err := a.Store.Sync(c.Context); err != nil {
		if !errors.Is(err, ca.ErrBulkCommitsLost) {
			return sig, failf("syncing the store: %v", err).hint("the rows reported as issued are recorded and written, but not yet flushed to the disk; free some space"), nil
		}
		// The server may have lost rows committed before the connection
		// was: ask it which it holds, and take back the files of the
		// others (reportBatch reports them as lost).
		var done []*batchJob
		var issued []ca.Written
		for _, b := range jobs {
			if b.res != nil {
				done = append(done, b)
				issued = append(issued, b.res.written)
			}
		}
		lost, lerr := a.Store.SettleLost(context.WithoutCancel(c.Context), issued)
		if lerr != nil {
			return sig, failf("syncing the store: %v; which were cannot be told: %v", err, lerr).hint("check with pkit list which rows reported as issued are recorded, and issue the others again with --force"), nil
		}
		for i, l := range lost {
			done[i].lost = l
		}
	}
	if err := plan.Sync(); err != nil {
		return sig, failf("%v", err).hint("the rows reported as issued are recorded and written, but their files may not be flushed to the disk"), nil
	}
	return sig, nil, nil
}

// reportBatch prints every row's outcome (stderr lines, --json), the
// summary of which rows were recorded, and the hints to run again.
func (e *env) reportBatch(c *cli.Context, path, dir string, jobs []*batchJob, bad []rowError, sig os.Signal) error {
	report := []batchRow{}
	issued, warn, warnLong := 0, false, false
	var notDone []manifestRow
	var lost []string      // recorded, but the files could not be written
	var gone []manifestRow // recorded, then lost with the database server
	var stale []string     // files of gone rows still there
	for _, b := range jobs {
		t := b.row
		switch {
		case !b.started:
			notDone = append(notDone, t)
			report = append(report, batchRow{Row: t.Row, Line: t.Line, Name: t.Name, Profile: t.Profile,
				Error: "not done: the batch was interrupted before this row", NotDone: true})
		case b.lost != nil:
			gone = append(gone, t)
			l := b.lost
			serial := ca.SerialHex(l.Serial)
			files := "its files were removed"
			if len(l.Left) > 0 {
				files = "files left: " + strings.Join(l.Left, ", ")
				stale = append(stale, l.Left...)
			}
			msg := fmt.Sprintf("recorded, then lost with the database server (serial %s): not issued; %s", serial, files)
			report = append(report, batchRow{Row: t.Row, Line: t.Line, Name: t.Name, Profile: t.Profile,
				Error: msg, Lost: true, Serial: serial})
		case b.err != nil:
			var fe *ca.FilesError
			if errors.As(b.err, &fe) && fe.Recorded {
				lost = append(lost, ca.SerialHex(fe.Serial))
			}
			bad = append(bad, rowError{line: t.Line, row: t.Row, name: t.Name, profile: t.Profile, err: b.err})
		default:
			issued++
			warn = warn || b.res.ed25519TLS
			warnLong = warnLong || b.res.longTLS
			report = append(report, batchRow{Row: t.Row, Line: t.Line, Name: t.Name, Profile: t.Profile, Result: b.res})
		}
	}
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].line < bad[j].line })
	for _, b := range bad {
		msg := oneLine(explain(b.err).msg)
		fmt.Fprintf(e.stderr, "pkit: error: %s line %d: %s\n", path, b.line, msg)
		report = append(report, batchRow{Row: b.row, Line: b.line, Name: b.name, Profile: b.profile, Error: msg})
	}
	if len(gone) > 0 {
		files := "their files were removed"
		if len(stale) > 0 {
			files = fmt.Sprintf("%d of their files are still there", len(stale))
		}
		fmt.Fprintf(e.stderr, "pkit: error: the database server lost %d certificates this batch had recorded (the connection to it was lost before they were on its disk): %s of %q; they are not issued, %s\n",
			len(gone), rowRanges(gone), path, files)
	}
	if len(notDone) > 0 {
		fmt.Fprintf(e.stderr, "pkit: error: interrupted by %s: %d rows were not started; the rows already started were finished\n",
			signalName(sig), len(notDone))
	}
	sort.SliceStable(report, func(i, j int) bool { return report[i].Row < report[j].Row })
	if warn {
		e.warnEd25519TLS()
	}
	if warnLong {
		e.warnLongTLS()
	}
	if c.Bool("json") {
		if err := e.printJSON(report); err != nil {
			return err
		}
	}
	total := issued + len(bad) + len(notDone) + len(gone)
	fmt.Fprintf(e.stderr, "issued %d of %d certificates into %q", issued, total, dir)
	if n := len(bad) - len(lost); n > 0 {
		fmt.Fprintf(e.stderr, "; %d rows failed: not recorded, nothing written", n)
	}
	if len(lost) > 0 {
		fmt.Fprintf(e.stderr, "; %d rows were recorded but their files could not be written (serials %s)", len(lost), strings.Join(lost, ", "))
	}
	if len(gone) > 0 {
		fmt.Fprintf(e.stderr, "; %d rows lost with the database server: not recorded", len(gone))
		if len(stale) == 0 {
			fmt.Fprint(e.stderr, ", files removed")
		}
	}
	if len(notDone) > 0 {
		fmt.Fprintf(e.stderr, "; %d rows not done (interrupted)", len(notDone))
	}
	fmt.Fprintln(e.stderr)
	// Each failed row, and the interruption, already has its one
	// "pkit: error:" line.
	var hints []string
	if len(bad) > len(lost) {
		hints = append(hints, "fix the rows named above and run again with only those rows")
	}
	if len(lost) > 0 {
		hints = append(hints, "revoke the serials recorded without files (pkit revoke SERIAL --reason cessationOfOperation) before issuing those rows again")
	}
	if len(gone) > 0 {
		hints = append(hints, fmt.Sprintf("run again with only the lost rows (--json marks them \"lost\": true): %s of %q", rowRanges(gone), path))
	}
	if len(stale) > 0 {
		hints = append(hints, fmt.Sprintf("delete these files of lost certificates, which pkit could not remove or which changed since: %s", strings.Join(stale, ", ")))
	}
	if len(notDone) > 0 {
		hints = append(hints, fmt.Sprintf("run again with only the rows not done: %s of %q", rowRanges(notDone), path))
	}
	if hints != nil {
		return &userError{code: exitError, hints: hints}
	}
	return nil
}

// notifyInterrupt catches SIGINT and SIGTERM for a batch. stop is closed
// at the first one; interrupted reports which one came (nil for none)
// and stops catching. After the first signal the default action is back,
// so a second one ends pkit at once. A signal the process was started
// with ignored (SIGINT in a background job of a script) stays ignored.
func notifyInterrupt() (stop <-chan struct{}, interrupted func() os.Signal) {
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	ch := make(chan os.Signal, 1)
	stopped, done := make(chan struct{}), make(chan struct{})
	var got os.Signal
	signal.Notify(ch, sigs...)
	go func() {
		defer close(done)
		if s, ok := <-ch; ok {
			got = s
			signal.Reset(sigs...)
			close(stopped)
		}
	}()
	return stopped, func() os.Signal {
		signal.Stop(ch)
		close(ch) // Stop guarantees no more sends
		<-done
		return got
	}
}

// signalName is "SIGINT" or "SIGTERM".
func signalName(s os.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// rowRanges says which rows of the manifest these are, as runs of
// consecutive rows with their lines: "rows 49-200 (lines 50-201)". Past a
// few runs the rest is elided; --json lists every row.
func rowRanges(rows []manifestRow) string {
	const most = 5
	var runs []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1].Row == rows[j].Row+1 {
			j++
		}
		if len(runs) == most {
			runs = append(runs, "…")
			break
		}
		if i == j {
			runs = append(runs, fmt.Sprintf("row %d (line %d)", rows[i].Row, rows[i].Line))
		} else {
			runs = append(runs, fmt.Sprintf("rows %d-%d (lines %d-%d)", rows[i].Row, rows[j].Row, rows[i].Line, rows[j].Line))
		}
		i = j + 1
	}
	return strings.Join(runs, ", ")
}

// checkBatchStdin refuses "--batch -" beside another input read from
// standard input, before anything is read: the manifest would swallow the
// passphrase (or the other way round) and an error could quote it.
func (e *env) checkBatchStdin(c *cli.Context, path string) error {
	if path != "-" {
		return nil
	}
	for _, f := range []string{"passphrase-file", "p12-password-file", "age-identity"} {
		if c.String(f) == "-" {
			return usagef("--batch - and --%s - both read standard input", f).
				hint("give the manifest or the --%s as a file", f)
		}
	}
	if c.String("age-identity") == "" && e.getenv("PKIT_AGE_IDENTITY") == "-" {
		return usagef("--batch - and PKIT_AGE_IDENTITY=- both read standard input").
			hint("give the manifest or the age identity as a file")
	}
	return nil
}

// batchRow is one manifest row in "pkit issue --batch --json": every row
// is there, in manifest order, with its result or its error.
type batchRow struct {
	Row     int          `json:"row"`
	Line    int          `json:"line"`
	Name    string       `json:"name"`
	Profile string       `json:"profile"`
	Result  *issueResult `json:"result,omitempty"`
	Error   string       `json:"error,omitempty"`
	// NotDone marks a row that an interrupted batch never started.
	NotDone bool `json:"not_done,omitempty"`
	// Lost marks a row whose record the database server lost after it
	// was issued (ca.ErrBulkCommitsLost): not issued, files removed;
	// Serial is the certificate's.
	Lost   bool   `json:"lost,omitempty"`
	Serial string `json:"serial,omitempty"`
}

// batchWorkers is how many rows are issued at once: two per core, so that
// file and store syncs of one row overlap the CPU work of another.
func batchWorkers() int { return 2 * runtime.GOMAXPROCS(0) }

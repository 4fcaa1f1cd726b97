package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// manifestRow is one certificate in a batch manifest.
//
// CSV: a header line naming the columns (any order; profile and name are
// required): profile,name,dns,ip,email,uri,p12,validity,key_type. Several
// values in one cell are separated by spaces or semicolons. p12 is
// true/false/yes/no/1/0 or empty.
//
// JSON: an array of objects with the same fields; dns, ip, email and uri
// are arrays of strings, p12 a boolean.
type manifestRow struct {
	Line     int      `json:"-"`
	Profile  string   `json:"profile"`
	Name     string   `json:"name"`
	DNS      []string `json:"dns"`
	IP       []string `json:"ip"`
	Email    []string `json:"email"`
	URI      []string `json:"uri"`
	P12      bool     `json:"p12"`
	Validity string   `json:"validity"`
	KeyType  string   `json:"key_type"`
}

// rowError is a problem with one manifest row.
type rowError struct {
	line int
	err  error
}

// parseManifest reads a CSV or JSON manifest (told apart by the first
// non-space byte). Rows that cannot be read are returned as errors with
// their line numbers; a manifest that cannot be read at all is an error.
func parseManifest(data []byte) ([]manifestRow, []rowError, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, nil, errors.New("the manifest is empty")
	}
	if trimmed[0] == '[' {
		return parseJSONManifest(data)
	}
	return parseCSVManifest(data)
}

func parseJSONManifest(data []byte) ([]manifestRow, []rowError, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("the JSON manifest is not an array of objects: %v", err)
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
		var row manifestRow
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&row); err != nil {
			bad = append(bad, rowError{line, fmt.Errorf("entry %d: %v", i+1, err)})
			continue
		}
		row.Line = line
		rows = append(rows, row)
	}
	return rows, bad, nil
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
	cols := map[string]int{}
	known := []string{"profile", "name", "dns", "ip", "email", "uri", "p12", "validity", "key_type"}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(known, h) {
			return nil, nil, fmt.Errorf("line 1: unknown column %q (columns: %s)", h, strings.Join(known, ","))
		}
		cols[h] = i
	}
	for _, need := range []string{"profile", "name"} {
		if _, ok := cols[need]; !ok {
			return nil, nil, fmt.Errorf("line 1: the header has no %q column (columns: %s)", need, strings.Join(known, ","))
		}
	}
	var rows []manifestRow
	var bad []rowError
	for {
		line, _ := r.FieldPos(0)
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, rowError{pe.Line, pe.Err})
				if pe.Err != csv.ErrFieldCount {
					return rows, bad, nil // the reader cannot resync after a quoting error
				}
				continue
			}
			return nil, nil, err
		}
		line, _ = r.FieldPos(0)
		if len(rec) != len(header) {
			bad = append(bad, rowError{line, fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		get := func(k string) string {
			if i, ok := cols[k]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := manifestRow{Line: line, Profile: get("profile"), Name: get("name"), DNS: splitCell(get("dns")),
			IP: splitCell(get("ip")), Email: splitCell(get("email")), URI: splitCell(get("uri")),
			Validity: get("validity"), KeyType: get("key_type")}
		if v := get("p12"); v != "" {
			switch strings.ToLower(v) {
			case "yes", "y":
				row.P12 = true
			case "no", "n":
			default:
				b, err := strconv.ParseBool(v)
				if err != nil {
					bad = append(bad, rowError{line, fmt.Errorf("p12 %q is not yes or no", v)})
					continue
				}
				row.P12 = b
			}
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
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
	j := &issueJob{req: ca.Request{Profile: row.Profile, Name: row.Name}, legacy: legacy, bulk: true}
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
	if row.KeyType != "" {
		kt, err := ca.ParseKeyType(row.KeyType)
		if err != nil {
			return nil, err
		}
		j.req.KeyType = kt
	}
	base := filepath.Join(dir, fileBase(row.Name))
	if row.Profile != "server" {
		base += "-" + row.Profile
	}
	j.cert, j.keyFile = base+".pem", base+"-key.pem"
	if row.P12 {
		j.p12 = base + ".p12"
	}
	return j, nil
}

// issueBatch issues every row of the manifest with one CA unlock. Each
// certificate is all-or-nothing; bad rows are reported with their line
// numbers and the rest are issued. Exit 1 if any row failed.
func (e *env) issueBatch(c *cli.Context) error {
	path := c.String("batch")
	if c.NArg() > 0 {
		return usagef("--batch takes no other arguments")
	}
	data, err := e.readInput(path, 64<<20)
	if err != nil {
		return failf("reading the manifest: %v", err)
	}
	rows, bad, err := parseManifest(data)
	if err != nil {
		return failf("manifest %q: %v", path, err).hint("see \"pkit issue --help\" for the CSV and JSON formats")
	}
	force, dir := c.Bool("force"), c.String("out-dir")
	type todo struct {
		line int
		job  *issueJob
	}
	var jobs []todo
	seen := map[string]int{}
	needP12 := false
	for _, row := range rows {
		j, err := jobFromRow(row, dir, c.Bool("legacy"))
		if err == nil {
			err = checkOutputs(force, j.cert, j.keyFile, j.p12)
		}
		if err == nil {
			if prev, dup := seen[j.cert]; dup {
				err = fmt.Errorf("writes %q, like line %d", j.cert, prev)
			}
		}
		if err != nil {
			bad = append(bad, rowError{row.Line, err})
			continue
		}
		seen[j.cert] = row.Line
		needP12 = needP12 || j.p12 != ""
		jobs = append(jobs, todo{row.Line, j})
	}
	pw := ""
	if needP12 {
		if pw, err = e.p12Password(c); err != nil {
			return err
		}
	}
	var a *ca.Authority
	if len(jobs) > 0 {
		if a, err = e.openCA(c); err != nil {
			return err
		}
		defer a.Close()
		if _, err := a.Unlock(a.Config.Issuer); err != nil {
			return err
		}
		if err := a.Store.SetBulk(c.Context, true); err != nil {
			return err
		}
	}
	progress := false
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = true
	}
	// Rows are issued by a few workers at once: key generation, signing
	// and the .p12 key derivation use both cores, and one row's fsyncs
	// overlap another's work. The store serializes the inserts.
	out := make([]*issueResult, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range batchWorkers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = e.issueAndWrite(c.Context, a, jobs[i].job, pw, force)
				if progress {
					mu.Lock()
					done++
					fmt.Fprintf(e.stderr, "\rissued %d/%d", done, len(jobs))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	// One sync for the whole batch, before anything is reported as issued.
	if len(jobs) > 0 {
		if err := a.Store.Sync(c.Context); err != nil {
			return failf("syncing the store: %v", err)
		}
		if err := formats.SyncFS(dir); err != nil {
			return failf("syncing %q: %v", dir, err)
		}
	}
	var results []*issueResult
	for i, t := range jobs {
		if errs[i] != nil {
			bad = append(bad, rowError{t.line, errs[i]})
		} else {
			results = append(results, out[i])
		}
	}
	if progress {
		fmt.Fprintln(e.stderr)
	}
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].line < bad[j].line })
	for _, b := range bad {
		fmt.Fprintf(e.stderr, "pkit: error: %s line %d: %s\n", path, b.line, oneLine(explain(b.err).msg))
	}
	if c.Bool("json") {
		if results == nil {
			results = []*issueResult{}
		}
		if err := e.printJSON(results); err != nil {
			return err
		}
	}
	total := len(results) + len(bad)
	fmt.Fprintf(e.stderr, "issued %d of %d certificates into %q", len(results), total, dir)
	if len(bad) > 0 {
		fmt.Fprintf(e.stderr, "; %d rows failed and wrote nothing\n", len(bad))
		// Each failed row already has its one "pkit: error:" line.
		return &userError{code: exitError, hints: []string{"fix the rows named above and run again with only those rows"}}
	}
	fmt.Fprintln(e.stderr)
	return nil
}

// batchWorkers is how many rows are issued at once: two per core, so that
// file and store syncs of one row overlap the CPU work of another.
func batchWorkers() int { return 2 * runtime.GOMAXPROCS(0) }

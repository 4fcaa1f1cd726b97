package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

func listCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the certificates this CA has issued",
		UsageText: "pkit list [--expiring 30d] [--revoked] [--name NAME] [--profile P] [--json]",
		Description: `Lists the store's records: serial, name, profile, status and expiry.
   A table for people on stdout, or --json for scripts.

EXAMPLES
   pkit list
   pkit list --expiring 30d            # what expires this month; pkit renew --expiring 30d renews it
   pkit list --revoked --json
   pkit list --profile client --name alice`,
		Flags: []cli.Flag{
			dirFlag(), dbFlag(), jsonFlag(),
			&cli.StringFlag{Name: "expiring", Usage: "only certificates that expire within `DURATION` (and are not expired yet)"},
			&cli.BoolFlag{Name: "revoked", Usage: "only revoked certificates"},
			&cli.BoolFlag{Name: "all", Usage: "include the CA certificates"},
			&cli.StringFlag{Name: "name", Usage: "only certificates issued under `NAME`"},
			&cli.StringFlag{Name: "profile", Usage: "only certificates of `PROFILE`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("list takes no arguments").hint("filter with --name NAME")
			}
			f := ca.Filter{Name: c.String("name"), Profile: c.String("profile"), Revoked: c.Bool("revoked")}
			a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
			if err != nil {
				return err
			}
			defer a.Close()
			if v := c.String("expiring"); v != "" {
				d, err := ca.ParseDuration(v)
				if err != nil {
					return usagef("--expiring: %v", err)
				}
				f.After, f.Before = a.Now(), a.Now().Add(d)
			}
			if !c.Bool("all") && f.Profile == "" {
				f.ExceptProfiles = []string{"ca"}
			}
			// Each record is garbage once printed and the heap stays a few
			// MiB: a GC target of 4x that heap (not 2x) halves the
			// collections of a million-record listing for a few MiB more.
			debug.SetGCPercent(400)
			out := bufio.NewWriterSize(e.stdout, 64<<10)
			if c.Bool("json") {
				if err := listJSON(c.Context, out, a.Store, f); err != nil {
					return err
				}
				return out.Flush()
			}
			return listTable(c.Context, out, e.stderr, a.Store, f, a.Now(), ca.TableRowsHeld)
		},
	}
}

// listJSON writes the records matching f as a JSON array as the store
// reads them: the bytes e.printJSON writes for the whole array (indented
// by two spaces), without holding it. The store is read on a goroutine of
// its own, a batch of records ahead of the encoding, so that on two cores
// reading and encoding a million records overlap.
func listJSON(ctx context.Context, out *bufio.Writer, s *ca.Store, f ca.Filter) error {
	const batchLen = 256
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []recordJSON, 4)
	free := make(chan []recordJSON, 8)
	var readErr error
	go func() {
		defer close(batches)
		batch := make([]recordJSON, 0, batchLen)
		send := func() error {
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case batch = <-free:
				batch = batch[:0]
			default:
				batch = make([]recordJSON, 0, batchLen)
			}
			return nil
		}
		readErr = s.Each(ctx, f, func(r *ca.Record) error {
			if batch = append(batch, toRecordJSON(r)); len(batch) == batchLen {
				return send()
			}
			return nil
		})
		if readErr == nil && len(batch) > 0 {
			readErr = send()
		}
	}()
	n := 0
	var (
		buf      []byte
		writeErr error
	)
	for batch := range batches {
		for i := range batch {
			if writeErr != nil {
				break
			}
			if n == 0 {
				buf = append(buf[:0], "[\n  "...)
			} else {
				buf = append(buf[:0], ",\n  "...)
			}
			n++
			if buf, writeErr = batch[i].appendIndented(buf); writeErr == nil {
				_, writeErr = out.Write(buf)
			}
			if writeErr != nil {
				cancel() // the reader stops at its next row
			}
		}
		clear(batch) // drop the strings it holds
		select {
		case free <- batch:
		default:
		}
	}
	if writeErr != nil {
		return writeErr
	}
	if readErr != nil {
		return readErr
	}
	var err error
	if n == 0 {
		_, err = out.WriteString("[]\n")
	} else {
		_, err = out.WriteString("\n]\n")
	}
	return err
}

const spaces = "                                                                "

// listHeader are the table's columns; the last, SANS, is not padded.
var listHeader = []string{"SERIAL", "NAME", "PROFILE", "STATUS", "EXPIRES", "SANS"}

// listTable writes the table of the records matching f to out and flushes
// it, or says on stderr that none match; the store holds at most limit
// rows to read it in one query (ca.Store.Table).
func listTable(ctx context.Context, out *bufio.Writer, stderr io.Writer, s *ca.Store, f ca.Filter, now time.Time, limit int) error {
	sum, each, err := s.Table(ctx, f, limit)
	if err != nil {
		return err
	}
	if sum.Count == 0 {
		fmt.Fprintln(stderr, "no certificates match")
		return nil
	}
	if err := writeTable(out, sum, now, each); err != nil {
		return err
	}
	return out.Flush()
}

// writeTable writes the table of the rows each yields: the columns are as
// wide as sum says (two spaces between them, as text/tabwriter would align
// the whole table), so no row is held. A record issued between the
// summary and the rows may be wider: its cells then get two spaces, the
// others stay aligned.
func writeTable(out *bufio.Writer, sum ca.Summary, now time.Time, each func(func(*ca.Row) error) error) error {
	statusLen := len(ca.StatusValid)
	if sum.Revoked || (!sum.FirstExpiry.IsZero() && now.After(sum.FirstExpiry)) {
		statusLen = len("expired") // as long as "revoked"
	}
	widths := [...]int{sum.SerialLen, sum.NameLen, sum.ProfileLen, statusLen, len("2006-01-02")}
	for i, w := range widths {
		widths[i] = max(w, len(listHeader[i])) + 2
	}
	var line []byte
	cell := func(i int, s string, n int) {
		line = append(line, s...)
		for pad := max(widths[i]-n, 2); pad > 0; pad -= len(spaces) {
			line = append(line, spaces[:min(pad, len(spaces))]...)
		}
	}
	for i, h := range listHeader[:len(widths)] {
		cell(i, h, len(h))
	}
	line = append(line, listHeader[len(widths)]...)
	line = append(line, '\n')
	out.Write(line)
	return each(func(r *ca.Row) error {
		line = line[:0]
		cell(0, r.Serial, len(r.Serial))
		cell(1, r.Name, utf8.RuneCountInString(r.Name))
		cell(2, r.Profile, utf8.RuneCountInString(r.Profile))
		status := string(r.Status)
		if r.Status == ca.StatusValid && now.After(r.NotAfter) {
			status = "expired"
		}
		cell(3, status, len(status))
		n := len(line)
		line = appendDate(line, r.NotAfter)
		cell(4, "", len(line)-n)
		for i := 0; i < len(r.SANs); i++ { // newline-separated in the store, comma-separated here
			if c := r.SANs[i]; c == '\n' {
				line = append(line, ',')
			} else {
				line = append(line, c)
			}
		}
		line = append(line, '\n')
		_, err := out.Write(line)
		return err
	})
}

// appendDate appends t's date as t.Format("2006-01-02") writes it, for
// years 0 to 9999, without parsing the layout.
func appendDate(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, "2006-01-02")
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// recordJSON is the --json form of a store record; its fields are stable.
type recordJSON struct {
	Serial    string     `json:"serial"`
	Name      string     `json:"name"`
	Profile   string     `json:"profile"`
	Issuer    string     `json:"issuer"`
	Subject   string     `json:"subject"`
	SANs      []string   `json:"sans"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  time.Time  `json:"not_after"`
	IssuedAt  time.Time  `json:"issued_at"`
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    *int       `json:"reason,omitempty"`
}

func toRecordJSON(r *ca.Record) recordJSON {
	j := recordJSON{Serial: ca.SerialHex(r.Serial), Name: r.Name, Profile: r.Profile, Issuer: r.Issuer, Subject: r.Subject,
		SANs: r.SANs, NotBefore: r.NotBefore, NotAfter: r.NotAfter, IssuedAt: r.IssuedAt, Status: string(r.Status)}
	if j.SANs == nil {
		j.SANs = []string{}
	}
	if r.Status == ca.StatusRevoked {
		t, reason := r.RevokedAt, r.Reason
		j.RevokedAt, j.Reason = &t, &reason
	}
	return j
}

// appendIndented appends j as json.MarshalIndent(j, "  ", "  ") writes
// it (an element of the array printJSON writes), byte for byte
// (TestRecordJSONAppend), without reflection: at a million records
// encoding/json was most of "pkit list --json"'s time.
func (j *recordJSON) appendIndented(b []byte) ([]byte, error) {
	for _, t := range []time.Time{j.NotBefore, j.NotAfter, j.IssuedAt} {
		if t.Year() < 0 || t.Year() > 9999 {
			v, err := json.MarshalIndent(j, "  ", "  ") // says what is wrong
			return append(b, v...), err
		}
	}
	b = append(b, "{\n    \"serial\": "...)
	b = appendJSONString(b, j.Serial)
	b = append(b, ",\n    \"name\": "...)
	b = appendJSONString(b, j.Name)
	b = append(b, ",\n    \"profile\": "...)
	b = appendJSONString(b, j.Profile)
	b = append(b, ",\n    \"issuer\": "...)
	b = appendJSONString(b, j.Issuer)
	b = append(b, ",\n    \"subject\": "...)
	b = appendJSONString(b, j.Subject)
	b = append(b, ",\n    \"sans\": ["...)
	for i, san := range j.SANs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n      "...)
		b = appendJSONString(b, san)
	}
	if len(j.SANs) > 0 {
		b = append(b, "\n    "...)
	}
	b = append(b, "],\n    \"not_before\": "...)
	b = appendJSONTime(b, j.NotBefore)
	b = append(b, ",\n    \"not_after\": "...)
	b = appendJSONTime(b, j.NotAfter)
	b = append(b, ",\n    \"issued_at\": "...)
	b = appendJSONTime(b, j.IssuedAt)
	b = append(b, ",\n    \"status\": "...)
	b = appendJSONString(b, j.Status)
	if j.RevokedAt != nil {
		if y := j.RevokedAt.Year(); y < 0 || y > 9999 {
			v, err := json.MarshalIndent(j, "  ", "  ")
			return append(b, v...), err
		}
		b = append(b, ",\n    \"revoked_at\": "...)
		b = appendJSONTime(b, *j.RevokedAt)
	}
	if j.Reason != nil {
		b = append(b, ",\n    \"reason\": "...)
		b = strconv.AppendInt(b, int64(*j.Reason), 10)
	}
	return append(b, "\n  }"...), nil
}

// appendJSONString appends s as encoding/json writes a string: as it is
// when it is printable ASCII with nothing to escape, else through
// json.Marshal (escapes, HTML-safe, invalid UTF-8 replaced).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			v, _ := json.Marshal(s)
			return append(b, v...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it (RFC
// 3339 with nanoseconds where there are any), for years 0 to 9999.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

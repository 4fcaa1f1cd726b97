package ca

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Row is one line of a table of records, what "pkit list" shows of a
// certificate, read without the rest of its record ([Store.Rows],
// [Store.EachRow]).
type Row struct {
	Serial   string // as [SerialHex] spells it
	Name     string
	Profile  string
	Status   Status
	NotAfter time.Time
	SANs     string // newline-separated, as the store keeps them; "" for none

	notAfter        int64 // as the store has it
	issuedAt, rowid int64 // the order of listings (listOrder)
}

// rowColumns are the columns of a [Row], issued_at and rowid last.
const rowColumns = "serial, name, profile, status, not_after, sans, issued_at, rowid"

// rowOrder is listOrder for rows held in memory: oldest first, then in
// the order they were recorded.
func rowOrder(a, b *Row) int {
	if c := cmp.Compare(a.issuedAt, b.issuedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.rowid, b.rowid)
}

// Rows returns the rows of the records matching f, in the order of
// [Store.List], if there are at most limit of them; else it returns ok
// false and no rows (read them with [Store.Summarize] and
// [Store.EachRow]). It is one query through f's index, without the
// database's sort (the rows of an expiry window come in the not_after
// index's order): the rows are sorted here, and [SummaryOf] them takes
// the place of [Store.Summarize]'s second pass over the table.
func (s *Store) Rows(ctx context.Context, f Filter, limit int) (rows []*Row, ok bool, err error) {
	where, args := f.where()
	var slab []Row // the rows, allocated a few hundred at a time
	err = s.scan(ctx, "SELECT "+rowColumns+" FROM certs WHERE "+where, args, func(q *sql.Rows) error {
		for q.Next() {
			if len(rows) == limit {
				rows = nil
				return nil
			}
			if len(slab) == 0 {
				slab = make([]Row, min(max(len(rows), 64), 1024))
			}
			r := &slab[0]
			slab = slab[1:]
			if err := scanRow(q, r); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		ok = true
		return nil
	})
	if err != nil || !ok {
		return nil, false, err
	}
	slices.SortFunc(rows, rowOrder)
	return rows, true, nil
}

// EachRow calls fn with the row of each record matching f, in the order
// of [Store.List], reading them one at a time (as [Store.Each] does) into
// one Row: fn must not keep it. It stops at the first error fn returns,
// and returns it. fn must not use the store.
func (s *Store) EachRow(ctx context.Context, f Filter, fn func(*Row) error) error {
	where, args := f.where()
	return s.scan(ctx, "SELECT "+rowColumns+" FROM certs WHERE "+where+listOrder, args, func(q *sql.Rows) error {
		var r Row
		for q.Next() {
			if err := scanRow(q, &r); err != nil {
				return err
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanCachePages is SQLite's page cache, in pages, while a listing reads
// the store. A listing reads each page of its range once: a larger cache
// only costs the memory it touches, which is most of the time of a
// listing of a few thousand records (SQLite's default of 2 MiB: about a
// third of the CPU of "pkit list --expiring 30d" on a store of 1,000,000).
const scanCachePages = 64

// scan runs q, a listing's query, and calls fn with its rows, which it
// closes; on an SQLite store, with a page cache of scanCachePages for the
// query.
func (s *Store) scan(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("reading store: %w", err)
	}
	defer conn.Close()
	if !s.remote {
		var size int // pages, or KiB when negative
		if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&size); err == nil && (size < 0 || size > scanCachePages) {
			if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = "+strconv.Itoa(scanCachePages)); err == nil {
				defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+strconv.Itoa(size))
			}
		}
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading store: %w", err)
	}
	defer rows.Close()
	if err := fn(rows); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading store: %w", err)
	}
	return nil
}

// scanRow reads a row of rowColumns into r.
func scanRow(sc scanner, r *Row) error {
	if err := sc.Scan(&r.Serial, &r.Name, &r.Profile, (*string)(&r.Status), &r.notAfter, &r.SANs, &r.issuedAt, &r.rowid); err != nil {
		return err
	}
	if !canonicalSerial(r.Serial) {
		n, ok := parseSerial(r.Serial)
		if !ok {
			return fmt.Errorf("store holds a bad serial %q", r.Serial)
		}
		r.Serial = SerialHex(n)
	}
	r.NotAfter = time.Unix(r.notAfter, 0).UTC()
	return nil
}

// canonicalSerial reports whether s is spelled as [SerialHex] spells a
// serial (as the store writes them): lowercase hex digits, an even number
// of them, no zero byte in front but for the serial 0.
func canonicalSerial(s string) bool {
	if len(s) == 0 || len(s)%2 == 1 || (len(s) > 2 && s[0] == '0' && s[1] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// SummaryOf is the [Summary] of rows, what [Store.Summarize] says of the
// records they are the rows of.
func SummaryOf(rows []*Row) Summary {
	sum := Summary{Count: len(rows)}
	for _, r := range rows {
		sum.SerialLen = max(sum.SerialLen, utf8.RuneCountInString(r.Serial))
		sum.NameLen = max(sum.NameLen, utf8.RuneCountInString(r.Name))
		sum.ProfileLen = max(sum.ProfileLen, utf8.RuneCountInString(r.Profile))
		if r.Status == StatusRevoked {
			sum.Revoked = true
		} else if sum.FirstExpiry.IsZero() || r.NotAfter.Before(sum.FirstExpiry) {
			sum.FirstExpiry = r.NotAfter
		}
	}
	return sum
}

// TableRowsHeld is how many rows [Store.Table] holds to read a table in
// one query (a few MiB); a larger table is read as the store streams it,
// after the rows read in vain. At 50,000, "pkit list --revoked" of
// 100,000 records took 1.4x the CPU of summary and rows alone; at 20,000,
// 1.05x.
const TableRowsHeld = 20_000

// Table returns the [Summary] of the records matching f and a function
// that calls fn with the row of each, in table order. A table of at most
// limit rows is read in one query and held, its summary taken from its
// rows; a larger one is summarized by the store first and its rows read
// as the store streams them. The store has one connection: fn must not
// use the store.
func (s *Store) Table(ctx context.Context, f Filter, limit int) (Summary, func(fn func(*Row) error) error, error) {
	rows, ok, err := s.Rows(ctx, f, limit)
	if err != nil {
		return Summary{}, nil, err
	}
	if !ok {
		sum, err := s.Summarize(ctx, f)
		return sum, func(fn func(*Row) error) error { return s.EachRow(ctx, f, fn) }, err
	}
	return SummaryOf(rows), func(fn func(*Row) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

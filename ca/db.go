package ca

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// StoreStatus is what "pkit db status" shows of a store.
type StoreStatus struct {
	// Where is the store: its file, or its database URL with the password
	// masked.
	Where string `json:"where"`
	// Backend is "sqlite" or "postgres".
	Backend string `json:"backend"`
	// Version is the store's schema version; Current is the one this pkit
	// writes. A store below Current is upgraded by its first write (or
	// "pkit db migrate"); one above it is read and never written.
	Version int `json:"version"`
	Current int `json:"current"`
	// Certificates is how many certificates it records.
	Certificates int `json:"certificates"`
	// ReadOnly: opened for reading only.
	ReadOnly bool `json:"read_only"`
}

// Status describes the store.
func (s *Store) Status(ctx context.Context) (*StoreStatus, error) {
	n, err := s.Count(ctx)
	if err != nil {
		return nil, s.failure(fmt.Errorf("reading store: %w", err))
	}
	st := &StoreStatus{Where: s.path, Backend: "sqlite", Version: s.Version(), Current: schemaVersion,
		Certificates: n, ReadOnly: s.readOnly}
	if s.remote {
		st.Backend = "postgres"
	}
	return st, nil
}

// Migrate brings the store to this pkit's schema version now (every
// write does so anyway), running each missing step once, and returns the
// version it had. A store written by a newer pkit fails with
// [ErrStoreNewer] and is left as it is.
func (s *Store) Migrate(ctx context.Context) (from int, err error) {
	from = s.Version()
	return from, s.writable()
}

// storeTables are the tables a store copy carries, parents first (each
// one's primary key, by which a resumed copy skips what it copied
// already). pkit_schema is not copied: the destination has its own.
var storeTables = []struct{ name, key string }{
	{"certs", "serial"},
	{"cert_files", "serial, path"},
	{"placements", "serial"},
	{"crl_numbers", "ca"},
}

// TableSum is one table of a store as [CopyStore] compares it: its rows
// and a SHA-256 over every row's values (independent of the order the
// database returns them in, and of the database: an integer, a text, a
// byte string and NULL are written each in one way).
type TableSum struct {
	Table string `json:"table"`
	Rows  int    `json:"rows"`
	Hash  string `json:"sha256"`
}

// CopyReport is what [CopyStore] did and found.
type CopyReport struct {
	From, To string // the stores, passwords masked
	// Copied counts the rows written by this run (a resumed run writes
	// only what the interrupted one had not).
	Copied int `json:"copied"`
	// Source and Dest sum each table of both stores after the copy; they
	// are equal, else CopyStore returns [ErrCopyDiffers].
	Source []TableSum `json:"source"`
	Dest   []TableSum `json:"dest"`
}

// ErrCopyDiffers: after a store copy the destination does not hold the
// same records as the source (it held other records before).
var ErrCopyDiffers = errors.New("the destination store does not hold the same records as the source")

// copyChunk is how many rows one transaction of a copy writes.
const copyChunk = 2000

// copyRows is how many rows one INSERT of a copy carries.
const copyRows = 50

// CopyStore copies every record of the store at from (a file or a
// postgres:// URL) into the store at to, which it creates when missing
// (a file, or an empty database), then counts and hashes every table of
// both and compares them. Rows are written in the source's order, a few
// thousand per transaction, and a row the destination has already (same
// key) is skipped: an interrupted copy is resumed by running it again.
// The source is upgraded to this pkit's schema first; it is otherwise
// only read. Nothing else should write either store meanwhile.
func CopyStore(ctx context.Context, from, to string) (*CopyReport, error) {
	if from == to {
		return nil, fmt.Errorf("copying a store: the source and the destination are both %s", MaskURL(from))
	}
	src, err := OpenStore(from)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if _, err := src.Migrate(ctx); err != nil {
		return nil, err
	}
	dst, err := OpenStore(to)
	if errors.Is(err, ErrStoreMissing) {
		dst, err = CreateStore(to)
	}
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if _, err := dst.Migrate(ctx); err != nil {
		return nil, err
	}
	rep := &CopyReport{From: src.path, To: dst.path}
	if err := dst.SetBulk(ctx, true); err != nil {
		return nil, dst.failure(err)
	}
	for _, t := range storeTables {
		n, err := copyTable(ctx, src, dst, t.name, t.key)
		rep.Copied += n
		if err != nil {
			return rep, err
		}
	}
	if err := dst.Sync(ctx); err != nil {
		return rep, dst.failure(err)
	}
	if err := dst.SetBulk(ctx, false); err != nil {
		return rep, dst.failure(err)
	}
	if rep.Source, err = src.Sums(ctx); err != nil {
		return rep, err
	}
	if rep.Dest, err = dst.Sums(ctx); err != nil {
		return rep, err
	}
	for i := range rep.Source {
		if rep.Source[i] != rep.Dest[i] {
			return rep, ErrCopyDiffers
		}
	}
	return rep, nil
}

// columns are the columns of table in s, without PostgreSQL's rowid.
func (s *Store) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1=0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cols, func(c string) bool { return c == "rowid" }), nil
}

// copyTable copies the rows of table from src to dst (see [CopyStore])
// and returns how many it wrote.
func copyTable(ctx context.Context, src, dst *Store, table, key string) (int, error) {
	cols, err := src.columns(ctx, table)
	if err != nil {
		return 0, fmt.Errorf("reading %s of %s: %w", table, src.path, err)
	}
	list := strings.Join(cols, ", ")
	rows, err := src.db.QueryContext(ctx, "SELECT "+list+" FROM "+table+" ORDER BY rowid")
	if err != nil {
		return 0, fmt.Errorf("reading %s of %s: %w", table, src.path, err)
	}
	defer rows.Close()
	// Rows go in multi-row INSERTs of up to copyRows rows: one round trip
	// to a PostgreSQL server per statement, not per row.
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	insert := func(rows int) string {
		return "INSERT INTO " + table + " (" + list + ") VALUES " + one + strings.Repeat(", "+one, rows-1) +
			" ON CONFLICT (" + key + ") DO NOTHING"
	}
	written := 0
	var batch [][]any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		tx, err := dst.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		n := 0
		for start := 0; start < len(batch); start += copyRows {
			part := batch[start:min(start+copyRows, len(batch))]
			args := make([]any, 0, len(part)*len(cols))
			for _, vals := range part {
				args = append(args, vals...)
			}
			res, err := tx.ExecContext(ctx, insert(len(part)), args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		written += n
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return written, fmt.Errorf("reading %s of %s: %w", table, src.path, err)
		}
		batch = append(batch, vals)
		if len(batch) == copyChunk {
			if err := flush(); err != nil {
				return written, dst.failure(fmt.Errorf("writing %s of %s: %w", table, dst.path, err))
			}
		}
	}
	if err := rows.Err(); err != nil {
		return written, fmt.Errorf("reading %s of %s: %w", table, src.path, err)
	}
	if err := flush(); err != nil {
		return written, dst.failure(fmt.Errorf("writing %s of %s: %w", table, dst.path, err))
	}
	return written, nil
}

// Sums counts and hashes every table of the store (see [TableSum]).
func (s *Store) Sums(ctx context.Context) ([]TableSum, error) {
	var out []TableSum
	for _, t := range storeTables {
		sum, err := s.tableSum(ctx, t.name)
		if err != nil {
			return nil, fmt.Errorf("reading %s of %s: %w", t.name, s.path, err)
		}
		out = append(out, sum)
	}
	return out, nil
}

func (s *Store) tableSum(ctx context.Context, table string) (TableSum, error) {
	cols, err := s.columns(ctx, table)
	if err != nil {
		return TableSum{}, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+table)
	if err != nil {
		return TableSum{}, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var sums [][32]byte
	var b []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableSum{}, err
		}
		b = b[:0]
		for i, v := range vals {
			b = append(b, cols[i]...)
			switch v := v.(type) {
			case nil:
				b = append(b, "=N;"...)
			case int64:
				b = strconv.AppendInt(append(b, "=I"...), v, 10)
				b = append(b, ';')
			case string:
				b = strconv.AppendInt(append(b, "=B"...), int64(len(v)), 10)
				b = append(append(append(b, ':'), v...), ';')
			case []byte:
				b = strconv.AppendInt(append(b, "=B"...), int64(len(v)), 10)
				b = append(append(append(b, ':'), v...), ';')
			default:
				return TableSum{}, fmt.Errorf("column %s holds a %T", cols[i], v)
			}
		}
		sums = append(sums, sha256.Sum256(b))
	}
	if err := rows.Err(); err != nil {
		return TableSum{}, err
	}
	slices.SortFunc(sums, func(x, y [32]byte) int { return bytes.Compare(x[:], y[:]) })
	h := sha256.New()
	for _, s := range sums {
		h.Write(s[:])
	}
	return TableSum{Table: table, Rows: len(sums), Hash: hex.EncodeToString(h.Sum(nil))}, nil
}

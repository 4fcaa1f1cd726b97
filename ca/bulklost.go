package ca

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// Certificates a batch recorded and placed, whose records the database
// server then lost.
//
// A batch writer (bulk mode, [Store.SetBulk]) on PostgreSQL commits each
// certificate without waiting for the server's disk and places its files
// at once; [Store.Sync] at the end makes the commits durable. Should the
// server crash in between, the commits it had not written out are gone
// and Sync fails with [ErrBulkCommitsLost]; the files of those
// certificates are in place all the same, which breaks the rule of the
// placement journal (journal.go) the other way round: files without a
// record, a certificate in use that the CA cannot find nor revoke.
// [Store.SettleLost] restores the rule as the journal does for a
// certificate none of whose files was handed out: the batch has not yet
// reported those certificates to anyone, so their files are removed and
// they count as never issued.

// Recorded reports, for each serial, whether the store holds its
// certificate now, in one query (SQLite: one per 900 serials). On
// PostgreSQL the query runs on a connection made for it, so that it sees
// what the server holds now: after a crash, what it recovered. Asked
// after [Store.Sync], what it finds recorded is durable.
func (s *Store) Recorded(ctx context.Context, serials []*big.Int) ([]bool, error) {
	hex := make([]string, len(serials))
	for i, n := range serials {
		hex[i] = SerialHex(n)
	}
	out := make([]bool, len(serials))
	if len(hex) == 0 {
		return out, nil
	}
	have, err := s.dialect.recorded(ctx, s.db, hex)
	if err != nil {
		return nil, pgFailure(s.path, fmt.Errorf("reading store: %w", err))
	}
	for i, h := range hex {
		out[i] = have[h]
	}
	return out, nil
}

// Written is what an issuance placed on disk and under which serial:
// what [Store.SettleLost] needs of an [Issued]. A batch keeps one for
// every row until its end, so it holds no certificate nor key: a batch
// that kept each row's Issued held 4.6 KB of heap per row (the parsed
// certificate and the private key) and peaked at 277 MB for 20,000 rows,
// against 0.9 KB and 128 MB with Written (3 December 2026).
type Written struct {
	Serial *big.Int
	// Files are the files written ([Issued.Files]).
	Files []StoredFile
}

// Written returns what the issuance placed on disk.
func (i *Issued) Written() Written {
	return Written{Serial: i.Cert.SerialNumber, Files: i.Files}
}

// LostRecord is a certificate issued in bulk mode whose record the store
// no longer holds ([Store.SettleLost]).
type LostRecord struct {
	Written
	// Removed are the files removed: each held exactly what pkit wrote.
	Removed []string
	// Left are files still there: changed since pkit wrote them (left
	// as they are), or that could not be removed (Err says why).
	Left []string
	Err  error
}

// SettleLost looks up, after [Store.Sync] failed with [ErrBulkCommitsLost],
// which of the certificates issued in bulk mode ([Authority.IssueTo] into
// a [PlanOptions.Bulk] plan) the store still holds ([Store.Recorded]), and
// removes the files of those it lost (see the top of this file): lost[i]
// is nil when issued[i] is recorded. The folders are not synced: the
// batch's [Plan.Sync] makes the removals durable with the files kept. On
// an error from the lookup nothing is removed and nothing can be told.
func (s *Store) SettleLost(ctx context.Context, issued []Written) (lost []*LostRecord, err error) {
	serials := make([]*big.Int, len(issued))
	for i, iss := range issued {
		serials[i] = iss.Serial
	}
	have, err := s.Recorded(ctx, serials)
	if err != nil {
		return nil, err
	}
	lost = make([]*LostRecord, len(issued))
	for i, iss := range issued {
		if have[i] {
			continue
		}
		l := &LostRecord{Written: iss}
		var errs []error
		for _, f := range iss.Files {
			if !f.InPlace() {
				if _, err := os.Lstat(f.Path); err == nil {
					l.Left = append(l.Left, f.Path)
				}
				continue
			}
			if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
				l.Left = append(l.Left, f.Path)
				continue
			}
			l.Removed = append(l.Removed, f.Path)
		}
		l.Err = errors.Join(errs...)
		lost[i] = l
	}
	return lost, nil
}

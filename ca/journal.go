package ca

// The files of each certificate, and the placement journal.
//
// The store records, with each certificate issued to files
// ([Authority.IssueTo]), the files it was written to: kind, path and the
// SHA-256 of the bytes written. In the transaction that records the
// certificate, a row of the placements table marks it as being placed,
// with the process that places it; once every file is in place the mark
// is cleared. A process killed in between leaves the mark, and the next
// writer of the store settles it ([Store.SettlePlacements]): the folders'
// hidden links are settled first ([formats.Recover] rolls forward a set
// whose links were all made and removes the rest), then the files are
// compared with what was written:
//
//   - all in place: the mark is cleared; the certificate was issued.
//   - none in place: nothing was placed, the certificate was never handed
//     to anyone, so its record is deleted (unless it was revoked since,
//     then it is kept).
//   - some in place (a set spread over several folders, killed after one
//     folder's links were all made and before another's were; or a file
//     name taken by someone else meanwhile): the record is kept and the
//     mark cleared. A certificate on disk must stay revocable, and a
//     record without some of its files is the lesser harm; "pkit store
//     check" reports the missing files.
//
// A mark of a live process (a placement in progress, or this process's
// own) is left alone. A path is the file of the newest record that
// names it: a certificate renewed into the same files takes them over
// from the old one.

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
)

// StoredFile is a file a certificate was issued to.
type StoredFile struct {
	Kind OutputKind
	// Path is the file's path: absolute, or relative to the current
	// folder when the CA directory was given relative to it.
	Path string
	// SHA256 is the hash of the bytes pkit wrote.
	SHA256 [sha256.Size]byte
}

// storedPath is how path is kept in the store: relative to the CA
// directory when it is inside it (so that the directory can be moved),
// else absolute; with slashes.
func (s *Store) storedPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	if dir, err := filepath.Abs(filepath.Dir(s.path)); err == nil {
		if rel, err := filepath.Rel(dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

// filePath turns a stored path back into one to open.
func (s *Store) filePath(stored string) string {
	p := filepath.FromSlash(stored)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(s.path), p)
}

// Files returns the files the certificate with this serial was issued
// to, in the order they were written; none when it was issued without
// files (or by a pkit that did not record them).
func (s *Store) Files(ctx context.Context, serial *big.Int) ([]StoredFile, error) {
	if !s.hasFiles() {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT kind, path, sha256 FROM cert_files WHERE serial = ? ORDER BY rowid", SerialHex(serial))
	if err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	defer rows.Close()
	var out []StoredFile
	for rows.Next() {
		f, err := s.scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *Store) scanFile(sc scanner, extra ...any) (StoredFile, error) {
	var (
		f          StoredFile
		kind, path string
		sum        []byte
	)
	if err := sc.Scan(append([]any{&kind, &path, &sum}, extra...)...); err != nil {
		return f, err
	}
	f.Kind, f.Path = OutputKind(kind), s.filePath(path)
	copy(f.SHA256[:], sum)
	return f, nil
}

// placed clears the placement mark of serial: its files are all in place.
// With unsynced, the commit is not synced: losing it to a power loss is
// harmless, the next writer settles the mark and finds the files in place
// (see durable.go).
func (s *Store) placed(ctx context.Context, serial *big.Int, unsynced bool) error {
	st := stmt{"DELETE FROM placements WHERE serial = ? AND pid = ?", []any{SerialHex(serial), s.placementOwner()}}
	if unsynced {
		return s.write(ctx, []stmt{st}, true)
	}
	_, err := s.db.ExecContext(ctx, st.q, st.args...)
	return err
}

// Placement is a certificate marked as being placed: recorded, with its
// files not yet known to be in place.
type Placement struct {
	Serial  *big.Int
	Name    string
	PID     int // the process that was placing the files (on PostgreSQL, with its host: see placementOwner)
	Started time.Time
	Files   []StoredFile
	// Live is true while that process runs (or it is this process):
	// the placement may still be in progress.
	Live bool
}

// Placements returns the certificates marked as being placed.
func (s *Store) Placements(ctx context.Context) ([]*Placement, error) {
	if !s.hasFiles() {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.serial, c.name, p.pid, p.started_at FROM placements p
		JOIN certs c ON c.serial = p.serial ORDER BY p.started_at, p.rowid`)
	if err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	var out []*Placement
	for rows.Next() {
		var (
			p       Placement
			serial  string
			started int64
		)
		if err := rows.Scan(&serial, &p.Name, &p.PID, &started); err != nil {
			rows.Close()
			return nil, err
		}
		var ok bool
		if p.Serial, ok = new(big.Int).SetString(serial, 16); !ok {
			rows.Close()
			return nil, fmt.Errorf("store holds a bad serial %q", serial)
		}
		p.Started = time.Unix(started, 0).UTC()
		p.Live = s.ownerLive(p.PID)
		out = append(out, &p)
	}
	rows.Close() // before the next queries: the store has one connection
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range out {
		if p.Files, err = s.Files(ctx, p.Serial); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InPlace reports whether the file holds exactly the bytes pkit wrote.
func (f StoredFile) InPlace() bool {
	h, err := hashFile(f.Path)
	return err == nil && h == f.SHA256
}

// hashFile returns the SHA-256 of the regular file at path.
func hashFile(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	fh, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || !st.Mode().IsRegular() {
		return sum, errors.New("not a regular file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// SettleOutcome says how [Store.SettlePlacements] settled a placement.
type SettleOutcome string

// The outcomes of settling a placement.
const (
	// SettlePlaced: every file was in place (or was finished from the
	// hidden links); the mark was cleared.
	SettlePlaced SettleOutcome = "placed"
	// SettleRemoved: no file was in place; the record was deleted.
	SettleRemoved SettleOutcome = "removed"
	// SettleKept: some files were in place, or the certificate was
	// revoked meanwhile; the record was kept and the mark cleared.
	SettleKept SettleOutcome = "kept"
)

// Settled is one placement [Store.SettlePlacements] settled.
type Settled struct {
	Serial  *big.Int
	Name    string
	Outcome SettleOutcome
	// Missing are the files not in place, for SettleKept.
	Missing []string
}

func (s *Settled) String() string {
	hex := SerialHex(s.Serial)
	switch s.Outcome {
	case SettlePlaced:
		return fmt.Sprintf("%q (serial %s): its files were all placed; the placement is settled", s.Name, hex)
	case SettleRemoved:
		return fmt.Sprintf("%q (serial %s): none of its files was placed before its process died; the record is removed", s.Name, hex)
	}
	if len(s.Missing) == 0 {
		return fmt.Sprintf("%q (serial %s): revoked while its placement was pending; the record is kept", s.Name, hex)
	}
	return fmt.Sprintf("%q (serial %s): kept, but its process died before placing %s; renew or revoke it",
		s.Name, hex, quoteList(s.Missing))
}

func quoteList(ps []string) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(q, ", ")
}

// SettlePlacements settles the placements of processes that died (see
// journal.go): each is finished, removed or kept, and its mark cleared.
// Placements of live processes are left alone. It runs once per process
// before the first issuance with files, and with "pkit store check
// --repair".
func (s *Store) SettlePlacements(ctx context.Context) ([]*Settled, error) {
	ps, err := s.Placements(ctx)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	var out []*Settled
	for _, p := range ps {
		if p.Live {
			continue
		}
		dirs := map[string]bool{}
		for _, f := range p.Files {
			if d := filepath.Dir(f.Path); !dirs[d] {
				dirs[d] = true
				formats.Recover(d) // what it cannot finish shows as missing below
			}
		}
		st := &Settled{Serial: p.Serial, Name: p.Name}
		for _, f := range p.Files {
			if !f.InPlace() {
				st.Missing = append(st.Missing, f.Path)
			}
		}
		switch {
		case len(st.Missing) == 0:
			st.Outcome = SettlePlaced
		case len(st.Missing) == len(p.Files):
			st.Outcome = SettleRemoved
		default:
			st.Outcome = SettleKept
		}
		if err := s.settle(ctx, p, st); err != nil {
			return out, s.failure(fmt.Errorf("settling the placement of serial %s: %w", SerialHex(p.Serial), err))
		}
		if st.Outcome != "" {
			out = append(out, st)
		}
	}
	return out, nil
}

// settle records st's outcome for p in one transaction, if p is still
// pending (another process may have settled it meanwhile; then st.Outcome
// is set to "").
func (s *Store) settle(ctx context.Context, p *Placement, st *Settled) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	serial := SerialHex(p.Serial)
	res, err := tx.ExecContext(ctx, "DELETE FROM placements WHERE serial = ? AND pid = ?", serial, p.PID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		st.Outcome = ""
		return nil
	}
	if st.Outcome == SettleRemoved {
		res, err := tx.ExecContext(ctx, "DELETE FROM certs WHERE serial = ? AND status = 'valid'", serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			st.Outcome, st.Missing = SettleKept, nil // revoked meanwhile
		}
	}
	return tx.Commit()
}

// settleOnce runs [Store.SettlePlacements] once per Store, before the
// first issuance with files. Its failure is not the issuance's: what
// stays pending is settled later, and "pkit store check" reports it.
func (s *Store) settleOnce(ctx context.Context) {
	s.settled.Do(func() {
		if !s.readOnly {
			s.autoSettled, _ = s.SettlePlacements(context.WithoutCancel(ctx))
		}
	})
}

// AutoSettled returns what the first issuance with files through this
// Store settled (see [Authority.IssueTo]), for commands to tell.
func (s *Store) AutoSettled() []*Settled { return s.autoSettled }

// FileProblem is a recorded file of a valid certificate that is missing
// or does not hold what was issued (see [Store.CheckFiles]).
type FileProblem struct {
	Serial *big.Int
	Name   string
	File   StoredFile
	// Missing is true when the file is gone; else Msg says how it differs.
	Missing bool
	Msg     string
}

// CheckFiles checks the recorded files of the certificates that are
// valid at now (not revoked, not expired) and not being placed: each
// path whose newest record is such a certificate exists and holds it. A
// certificate or chain file must start with the certificate (PEM or
// DER: its bytes may differ from what pkit wrote), a key file must hold
// the certificate's private key, and a .p12 that opens without a
// password must hold both; a .p12 with a password is only checked for
// its bytes being unchanged, and otherwise cannot be checked. It returns
// how many files it checked.
func (s *Store) CheckFiles(ctx context.Context, now time.Time) (int, []FileProblem, error) {
	if !s.hasFiles() {
		return 0, nil, nil
	}
	type row struct {
		f    StoredFile
		hex  string
		name string
		der  []byte
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.kind, f.path, f.sha256, f.serial, c.name, c.der FROM cert_files f
		JOIN certs c ON c.serial = f.serial
		WHERE c.status = 'valid' AND c.not_after > ?
		AND f.rowid = (SELECT max(g.rowid) FROM cert_files g WHERE g.path = f.path)
		AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.serial = f.serial)
		ORDER BY f.rowid`, now.Unix())
	if err != nil {
		return 0, nil, fmt.Errorf("reading store: %w", err)
	}
	var list []row
	for rows.Next() {
		var r row
		if r.f, err = s.scanFile(rows, &r.hex, &r.name, &r.der); err != nil {
			rows.Close()
			return 0, nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	var probs []FileProblem
	for _, r := range list {
		serial, _ := new(big.Int).SetString(r.hex, 16)
		msg, missing := fileMismatch(r.f, r.der)
		if msg != "" {
			probs = append(probs, FileProblem{Serial: serial, Name: r.name, File: r.f, Missing: missing, Msg: msg})
		}
	}
	return len(list), probs, nil
}

// fileMismatch says how the file f of the certificate der differs from
// what was issued ("" when it does not).
func fileMismatch(f StoredFile, der []byte) (msg string, missing bool) {
	sum, err := hashFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("the %s file %q is missing", f.Kind, f.Path), true
	}
	if err != nil {
		return fmt.Sprintf("the %s file %q cannot be read: %v", f.Kind, f.Path, formats.SystemReason(err)), false
	}
	if sum == f.SHA256 {
		return "", false
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return fmt.Sprintf("the %s file %q cannot be read: %v", f.Kind, f.Path, formats.SystemReason(err)), false
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", false // the record itself is reported by the store check
	}
	switch f.Kind {
	case OutCert, OutChain:
		certs, err := formats.ParseCertificates(data)
		if err != nil {
			return fmt.Sprintf("the %s file %q holds no certificate", f.Kind, f.Path), false
		}
		if string(certs[0].Raw) != string(der) {
			return fmt.Sprintf("the %s file %q holds another certificate (serial %s)", f.Kind, f.Path, SerialHex(certs[0].SerialNumber)), false
		}
	case OutKey:
		k, err := formats.ParsePrivateKey(data, nil)
		if err != nil {
			return fmt.Sprintf("the key file %q holds no key pkit can read without a password", f.Path), false
		}
		if !formats.PublicKeysEqual(k.Public(), cert.PublicKey) {
			return fmt.Sprintf("the key file %q holds a key that does not match the certificate", f.Path), false
		}
	case OutCombined:
		items, err := formats.Parse(data, formats.ParseOptions{})
		certs, keys := formats.Certificates(items), formats.PrivateKeys(items)
		if err != nil || len(certs) == 0 || string(certs[0].Raw) != string(der) || len(keys) == 0 ||
			!formats.PublicKeysEqual(keys[0].Public(), cert.PublicKey) {
			return fmt.Sprintf("the combined file %q does not hold the certificate and its key", f.Path), false
		}
	case OutP12:
		p, err := formats.DecodePKCS12(data, nil)
		if err != nil {
			if errors.Is(err, formats.ErrPasswordRequired) || errors.Is(err, formats.ErrWrongPassword) {
				return "", false // cannot be checked without its password
			}
			return fmt.Sprintf("the .p12 file %q is not a readable PKCS#12 file", f.Path), false
		}
		if p.Leaf == nil || string(p.Leaf.Certificate.Raw) != string(der) || p.Key == nil ||
			!formats.PublicKeysEqual(p.Key.Public(), cert.PublicKey) {
			return fmt.Sprintf("the .p12 file %q does not hold the certificate and its key", f.Path), false
		}
	}
	return "", false
}

// OwnedFiles returns the files of the certificate with this serial that
// are still its own: each path it was issued to that no newer certificate
// was issued to since (a renewal into the same files takes them over).
func (s *Store) OwnedFiles(ctx context.Context, serial *big.Int) ([]StoredFile, error) {
	if !s.hasFiles() {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, path, sha256 FROM cert_files f WHERE serial = ?
		AND rowid = (SELECT max(g.rowid) FROM cert_files g WHERE g.path = f.path) ORDER BY rowid`, SerialHex(serial))
	if err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	defer rows.Close()
	var out []StoredFile
	for rows.Next() {
		f, err := s.scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
)

// Errors of [Store.Revoke], [Store.RevokeMany] and [Store.Unrevoke],
// wrapped in a [*RevokeError] that names the serial.
var (
	ErrAlreadyRevoked = errors.New("already revoked")
	ErrNotRevoked     = errors.New("not revoked")
	ErrNotOnHold      = errors.New("revoked for good (only a certificateHold can be lifted)")
	ErrBadReason      = errors.New("not a reason a certificate can be revoked with")
	ErrRootRevoke     = errors.New("a root CA cannot be revoked on a CRL it signs itself")
)

// RevokeError is a revocation that was refused; nothing was changed.
type RevokeError struct {
	Serial *big.Int
	// Record is the certificate's record when it was found.
	Record *Record
	Err    error
}

func (e *RevokeError) Error() string {
	what := "certificate " + SerialHex(e.Serial)
	if e.Record != nil {
		what = fmt.Sprintf("certificate %q (serial %s)", e.Record.Name, SerialHex(e.Serial))
	}
	if errors.Is(e.Err, ErrAlreadyRevoked) && e.Record != nil {
		return fmt.Sprintf("%s is already revoked (%s, on %s)", what, revoke.Reason(e.Record.Reason),
			e.Record.RevokedAt.Format(time.RFC3339))
	}
	return what + ": " + e.Err.Error()
}

func (e *RevokeError) Unwrap() error { return e.Err }

// Revocation asks for one certificate to be revoked.
type Revocation struct {
	Serial *big.Int
	// Reason is the RFC 5280 reason code; [revoke.Unspecified] by default.
	Reason revoke.Reason
	// InvalidAt is the invalidity date, when known; zero for none.
	InvalidAt time.Time
}

// Revoke revokes one certificate at time at; see [Store.RevokeMany].
func (s *Store) Revoke(ctx context.Context, r Revocation, at time.Time) (*Record, error) {
	recs, err := s.RevokeMany(ctx, []Revocation{r}, at)
	if err != nil {
		return nil, err
	}
	return recs[0], nil
}

// RevokeMany revokes every certificate in rs at time at, in one
// transaction: when any of them cannot be revoked (unknown serial, already
// revoked, a root, an invalid reason), nothing is changed and the error is
// a [*RevokeError] naming it. A certificate on [revoke.CertificateHold] may
// be revoked again with another reason; it keeps its revocation date. It
// returns the records as they were before.
func (s *Store) RevokeMany(ctx context.Context, rs []Revocation, at time.Time) (_ []*Record, err error) {
	defer func() { err = s.failure(err) }()
	if err := s.writable(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("revoking: %w", err)
	}
	defer tx.Rollback()
	if err := s.ensureIndex(ctx, tx, "certs_revoked", revokedIndex); err != nil {
		return nil, fmt.Errorf("revoking: %w", err)
	}
	get, err := tx.PrepareContext(ctx, "SELECT "+recordColumns+" FROM certs WHERE serial = ?")
	if err != nil {
		return nil, fmt.Errorf("revoking: %w", err)
	}
	defer get.Close()
	upd, err := tx.PrepareContext(ctx, `UPDATE certs SET status = 'revoked', revoked_at = ?, reason = ?, invalid_at = ? WHERE serial = ?`)
	if err != nil {
		return nil, fmt.Errorf("revoking: %w", err)
	}
	defer upd.Close()
	out := make([]*Record, 0, len(rs))
	for _, r := range rs {
		if !r.Reason.Valid() {
			return nil, &RevokeError{Serial: r.Serial, Err: fmt.Errorf("%w: %s", ErrBadReason, r.Reason)}
		}
		rec, err := scanRecord(get.QueryRowContext(ctx, SerialHex(r.Serial)))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, &RevokeError{Serial: r.Serial, Err: ErrNotFound}
		}
		if err != nil {
			return nil, fmt.Errorf("revoking: %w", err)
		}
		revokedAt := at
		switch {
		case rec.Issuer == "":
			return nil, &RevokeError{Serial: r.Serial, Record: rec, Err: ErrRootRevoke}
		case rec.Status == StatusRevoked && revoke.Reason(rec.Reason) == revoke.CertificateHold && r.Reason != revoke.CertificateHold:
			revokedAt = rec.RevokedAt
		case rec.Status == StatusRevoked:
			return nil, &RevokeError{Serial: r.Serial, Record: rec, Err: ErrAlreadyRevoked}
		}
		var inv any
		if !r.InvalidAt.IsZero() {
			inv = r.InvalidAt.Unix()
		}
		res, err := upd.ExecContext(ctx, revokedAt.Unix(), int(r.Reason), inv, SerialHex(r.Serial))
		if err != nil {
			return nil, fmt.Errorf("revoking: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, &RevokeError{Serial: r.Serial, Err: ErrNotFound}
		}
		out = append(out, rec)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("revoking: %w", err)
	}
	// Durable now (the commit synced the log); the store's close keeps
	// the log rather than folding it into the database file, as after
	// an issuance (see durable.go).
	if !s.remote {
		s.keepLog.Store(true)
	}
	return out, nil
}

// Unrevoke lifts a [revoke.CertificateHold]: the certificate is valid
// again and leaves the next CRL. Any other revocation is final
// ([ErrNotOnHold]); a certificate that is not revoked gives
// [ErrNotRevoked]. Both come wrapped in a [*RevokeError].
func (s *Store) Unrevoke(ctx context.Context, serial *big.Int) (_ *Record, err error) {
	defer func() { err = s.failure(err) }()
	if err := s.writable(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("unrevoking: %w", err)
	}
	defer tx.Rollback()
	rec, err := scanRecord(tx.QueryRowContext(ctx, "SELECT "+recordColumns+" FROM certs WHERE serial = ?", SerialHex(serial)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, &RevokeError{Serial: serial, Err: ErrNotFound}
	case err != nil:
		return nil, fmt.Errorf("unrevoking: %w", err)
	case rec.Status != StatusRevoked:
		return nil, &RevokeError{Serial: serial, Record: rec, Err: ErrNotRevoked}
	case revoke.Reason(rec.Reason) != revoke.CertificateHold:
		return nil, &RevokeError{Serial: serial, Record: rec, Err: ErrNotOnHold}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE certs SET status = 'valid', revoked_at = NULL, reason = NULL, invalid_at = NULL
		WHERE serial = ?`, SerialHex(serial)); err != nil {
		return nil, fmt.Errorf("unrevoking: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("unrevoking: %w", err)
	}
	// Durable now; the close keeps the log, as after a revocation.
	if !s.remote {
		s.keepLog.Store(true)
	}
	return rec, nil
}

// NextCRLNumber increments the CRL number of the CA named caName and
// returns the new value (1 for its first CRL), in its own transaction, so
// the number never goes backwards and never repeats even when the CRL that
// was to carry it is never published.
func (s *Store) NextCRLNumber(ctx context.Context, caName string) (*big.Int, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	var n int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO crl_numbers (ca, number) VALUES (?, 1)
		ON CONFLICT (ca) DO UPDATE SET number = crl_numbers.number + 1 RETURNING number`, caName).Scan(&n)
	if err != nil {
		return nil, s.failure(fmt.Errorf("incrementing the CRL number of %q: %w", caName, err))
	}
	return big.NewInt(n), nil
}

// CRLNumber returns the last CRL number given to caName (0 when none).
func (s *Store) CRLNumber(ctx context.Context, caName string) (*big.Int, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT number FROM crl_numbers WHERE ca = ?", caName).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return big.NewInt(n), nil
}

// revokedIndex covers the query of [Store.RevokedEntries], so that
// signing a CRL reads a compact index of the revoked certificates only,
// not every row with its DER. It is made by the first revocation.
const revokedIndex = `CREATE INDEX IF NOT EXISTS certs_revoked ON certs (issuer, serial, revoked_at, reason, invalid_at)
	WHERE status = 'revoked'`

// RevokedEntries calls fn for every certificate revoked by the CA named
// issuer, in no particular order, reading them from the store one row at a
// time. The entry's Serial slice is reused between calls. It stops at the
// first error fn returns.
func (s *Store) RevokedEntries(ctx context.Context, issuer string, fn func(revoke.Entry) error) error {
	indexed := ""
	if !s.readOnly { // a read-only store is read without the index it cannot make
		if err := s.ensureIndex(ctx, nil, "certs_revoked", revokedIndex); err != nil {
			return fmt.Errorf("reading revocations: %w", err)
		}
		indexed = s.dialect.indexedBy("certs_revoked")
	}
	// One text column per row ("SERIAL REVOKED REASON [INVALID]"): the
	// driver takes a lock for every column it hands over, and at a million
	// rows fetching one column instead of four saves a third of the time.
	rows, err := s.db.QueryContext(ctx, `SELECT serial || ' ' || revoked_at || ' ' || coalesce(reason, 0) || ' ' || coalesce(CAST(invalid_at AS TEXT), '')
		FROM certs `+indexed+` WHERE issuer = ? AND status = 'revoked'`, issuer)
	if err != nil {
		return fmt.Errorf("reading revocations: %w", err)
	}
	defer rows.Close()
	var (
		line sql.RawBytes
		buf  [64]byte
		odd  [129]byte
	)
	for rows.Next() {
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("reading revocations: %w", err)
		}
		var f [4][]byte
		rest := []byte(line)
		for i := range 3 {
			j := bytes.IndexByte(rest, ' ')
			if j < 0 {
				return fmt.Errorf("store holds a bad revocation record %q", line)
			}
			f[i], rest = rest[:j], rest[j+1:]
		}
		f[3] = rest
		h := f[0]
		if len(h)%2 == 1 && len(h) < len(odd) {
			odd[0] = '0'
			h = odd[:1+copy(odd[1:], h)]
		}
		if len(h) > 2*len(buf) {
			return fmt.Errorf("store holds a bad serial %q", f[0])
		}
		n, err := hex.Decode(buf[:], h)
		if err != nil {
			return fmt.Errorf("store holds a bad serial %q", f[0])
		}
		revokedAt, ok1 := parseInt(f[1])
		reason, ok2 := parseInt(f[2])
		if !ok1 || !ok2 {
			return fmt.Errorf("store holds a bad revocation record %q", line)
		}
		e := revoke.Entry{Serial: buf[:n], RevokedAt: time.Unix(revokedAt, 0), Reason: revoke.Reason(reason)}
		if len(f[3]) > 0 {
			inv, ok := parseInt(f[3])
			if !ok {
				return fmt.Errorf("store holds a bad revocation record %q", line)
			}
			e.InvalidAt = time.Unix(inv, 0)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading revocations: %w", err)
	}
	return nil
}

// parseInt reads a decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// FindIssued returns the store's record of cert after checking that one
// of the directory's CAs signed it. It fails with [ErrNotIssuedHere] when
// none did, and [ErrNotFound] when the store has no record of it.
func (a *Authority) FindIssued(ctx context.Context, cert *x509.Certificate) (*Record, error) {
	signed := false
	for _, c := range a.CAs {
		if cert.CheckSignatureFrom(c) == nil {
			signed = true
			break
		}
	}
	if !signed {
		return nil, ErrNotIssuedHere
	}
	rec, err := a.Store.Get(ctx, cert.SerialNumber)
	if err != nil {
		return nil, err
	}
	if string(rec.DER) != string(cert.Raw) {
		return nil, ErrNotIssuedHere
	}
	return rec, nil
}

// ErrNotIssuedHere is returned by [Authority.FindIssued] for a certificate
// none of this directory's CAs issued.
var ErrNotIssuedHere = errors.New("the certificate was not issued by this CA")

// Revoke revokes the certificates in rs in one transaction at the
// authority's clock; see [Store.RevokeMany].
func (a *Authority) Revoke(ctx context.Context, rs ...Revocation) ([]*Record, error) {
	return a.Store.RevokeMany(ctx, rs, a.now().UTC().Truncate(time.Second))
}

// CRLOptions configures [Authority.PublishCRLs]. The zero value publishes
// into the directory's crl/ folder with a nextUpdate 7 days away.
type CRLOptions struct {
	// Dir is where the CRLs are written; "" means DIR/crl.
	Dir string
	// NextUpdate is how long the CRLs are valid; 0 means 7 days.
	NextUpdate time.Duration
	// CAs names the CAs to sign CRLs for; nil means every CA. The others'
	// CRLs already published in Dir go into the bundle unchanged, so a
	// root whose key is kept offline can be left out between its own
	// (rarer) CRL updates.
	CAs []string
	// KeepSpan, when NextUpdate is 0, gives each CA's CRL the validity
	// (thisUpdate to nextUpdate) of the CRL of that CA published in Dir,
	// and NextUpdate's default to a CA that has none: a revocation
	// published at once does not shorten, say, an offline root's 180 days.
	KeepSpan bool
}

// DefaultCRLValidity is the time from thisUpdate to nextUpdate when
// [CRLOptions.NextUpdate] is zero.
const DefaultCRLValidity = 7 * 24 * time.Hour

// PublishedCRL describes one CRL written by [Authority.PublishCRLs].
type PublishedCRL struct {
	CA         string // the CA's name in the directory
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time
	Entries    int
	PEM, DER   string // the files written
	// NotSigned, when set, says why this CA's CRL was not signed (its own
	// certificate is revoked for key compromise, [ErrCACompromised]); its
	// last published CRL, if any, was kept in the new set unchanged and
	// the other fields are zero.
	NotSigned error
}

// CRLFiles returns the file names of the CRL of the CA named name inside a
// CRL folder: NAME.crl.pem and NAME.crl (DER).
func CRLFiles(dir, name string) (pemPath, derPath string) {
	return filepath.Join(dir, name+".crl.pem"), filepath.Join(dir, name+".crl")
}

// CRLBundle is the file in a CRL folder that holds every CA's CRL in PEM,
// the file nginx's ssl_crl and HAProxy's crl-file point at.
const CRLBundle = "bundle.pem"

// ErrCACompromised is wrapped by [Authority.PublishCRLs]'s refusal to sign
// a CRL with a CA whose own certificate the store records as revoked for
// keyCompromise or cACompromise: its key is not to be trusted with
// anything, and relying parties reject everything under it anyway.
var ErrCACompromised = errors.New("the CA's certificate is revoked for key compromise")

// compromisedCA returns an error wrapping [ErrCACompromised] when the
// store records the certificate of the CA called name as revoked for
// keyCompromise or cACompromise (what its parent's CRL lists), else nil.
func (a *Authority) compromisedCA(ctx context.Context, name string) error {
	c := a.CAs[name]
	recs, err := a.Store.RevokedAmong(ctx, []*big.Int{c.SerialNumber})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if string(r.DER) != string(c.Raw) {
			continue
		}
		if reason := revoke.Reason(r.Reason); reason == revoke.KeyCompromise || reason == revoke.CACompromise {
			return fmt.Errorf("%w: CA %q was revoked on %s (%s) and signs no more CRLs", ErrCACompromised, name,
				r.RevokedAt.Format("2006-01-02"), reason)
		}
	}
	return nil
}

// PublishCRLs signs a CRL v2 for every CA in the directory, listing the
// certificates it revoked (a revoked intermediate is on the root's CRL),
// and publishes NAME.crl.pem, NAME.crl and the bundle of all PEM CRLs in
// the CRL folder as one set (see [CRLFolderLayout]): after a crash the folder
// shows either the whole old set or the whole new one. Every CA key is
// unlocked before anything changes. Each CRL gets the next CRL number of
// its CA, recorded in [CRLNumbersFile] before the set is placed. A lock
// in the CA directory keeps concurrent runs in order, so a published
// CRL's number never goes backwards; a run that dies after taking a
// number leaves a gap, never a repeat.
//
// It refuses, changing nothing, when the store's next number for a CA is
// not above the highest one published or recorded (a [*CRLNumberError]:
// the store was restored from an older backup), and to sign with a CA
// whose certificate is revoked for key compromise ([ErrCACompromised]):
// named in [CRLOptions.CAs] that is an error; otherwise that CA is left
// out (its last published CRL stays in the set) and reported in the
// result's NotSigned.
func (a *Authority) PublishCRLs(ctx context.Context, o CRLOptions) ([]PublishedCRL, error) {
	p, err := a.planPublish(ctx, o, false, nil)
	if err != nil {
		return nil, err
	}
	unlock, err := a.lockPublish(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := a.checkNumbers(ctx, p); err != nil {
		return nil, err
	}
	return a.publish(ctx, p)
}

// publishPlan is what [Authority.PublishCRLs] has checked and unlocked
// before it takes the CRL lock and changes anything.
type publishPlan struct {
	dir      string
	validity time.Duration
	keepSpan bool
	names    []string // every CA, roots first
	signers  map[string]crypto.Signer
	skipped  map[string]error // CAs whose key is compromised: not signed
	// allowMissing leaves a CA that is neither signed nor published out
	// of the set instead of failing.
	allowMissing bool
	out          []PublishedCRL // the NotSigned reports
}

// planPublish checks o and unlocks the keys of the CAs to sign. With
// lenient, a CA named in o.CAs whose certificate is revoked for key
// compromise is left out (reported NotSigned) rather than an error, and
// CAs without a published CRL to keep are left out of the set.
//
// optional names CAs of o.CAs that are signed only if their key is here:
// one kept offline ([ErrKeyOffline]) is left out.
func (a *Authority) planPublish(ctx context.Context, o CRLOptions, lenient bool, optional map[string]bool) (*publishPlan, error) {
	p := &publishPlan{dir: o.Dir, validity: o.NextUpdate, keepSpan: o.KeepSpan && o.NextUpdate == 0, allowMissing: lenient}
	if p.dir == "" {
		p.dir = filepath.Join(a.Dir, "crl")
	}
	if p.validity == 0 {
		p.validity = DefaultCRLValidity
	}
	if p.validity < 0 {
		return nil, errors.New("the CRL validity must be positive")
	}
	if err := a.Store.writable(); err != nil {
		return nil, err
	}
	p.names = a.CANames()
	only := map[string]bool{}
	for _, n := range o.CAs {
		if a.CAs[n] == nil {
			return nil, fmt.Errorf("%w: %q (this directory has: %s)", ErrUnknownCA, n, strings.Join(p.names, ", "))
		}
		only[n] = true
	}
	p.skipped = map[string]error{}
	for _, n := range p.names {
		if len(only) > 0 && !only[n] {
			continue
		}
		if err := a.compromisedCA(ctx, n); err != nil {
			if (len(only) > 0 && !lenient) || !errors.Is(err, ErrCACompromised) {
				return nil, err
			}
			p.skipped[n] = err
			p.out = append(p.out, PublishedCRL{CA: n, NotSigned: err})
		}
	}
	p.signers = make(map[string]crypto.Signer, len(p.names))
	for _, n := range p.names {
		if (len(only) > 0 && !only[n]) || p.skipped[n] != nil {
			continue
		}
		s, err := a.Unlock(n)
		if errors.Is(err, ErrKeyOffline) && (len(only) == 0 || optional[n]) {
			// A CA whose key is kept elsewhere (an offline root) publishes
			// its CRL there; the copy put in Dir stays in the set.
			p.skipped[n] = err
			p.out = append(p.out, PublishedCRL{CA: n, NotSigned: err})
			continue
		}
		if err != nil {
			return nil, err
		}
		p.signers[n] = s
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the CRL folder: %w", err)
	}
	return p, nil
}

// lock takes the CRL lock of the CA directory, which lives there, never in
// a publish folder (often a web root) given with --out, and removes what
// killed publishers left.
func (a *Authority) lockPublish(p *publishPlan) (func(), error) {
	unlock, err := lockCRLs(a.Dir)
	if err != nil {
		return nil, err
	}
	removeStale(p.dir)
	return unlock, nil
}

// checkNumbers refuses, under the CRL lock, to publish when the store's
// next CRL number of a CA to sign is not above the highest one published
// or recorded (a [*CRLNumberError]).
func (a *Authority) checkNumbers(ctx context.Context, p *publishPlan) error {
	for _, n := range p.names {
		if p.signers[n] == nil {
			continue
		}
		cur, err := a.Store.CRLNumber(ctx, n)
		if err != nil {
			return err
		}
		next := new(big.Int).Add(cur, big.NewInt(1))
		pub, where, err := a.PublishedCRLNumber(n, p.dir)
		if err != nil {
			return err
		}
		if next.Cmp(pub) <= 0 {
			return &CRLNumberError{CA: n, Next: next, Published: pub, Where: where}
		}
	}
	return nil
}

// publish signs and places the set planned in p; the CRL lock is held.
func (a *Authority) publish(ctx context.Context, p *publishPlan) ([]PublishedCRL, error) {
	dir, names, signers, skipped, out := p.dir, p.names, p.signers, p.skipped, p.out
	spans := map[string]time.Duration{}
	if p.keepSpan {
		for n := range signers {
			_, der := CRLFiles(dir, n)
			if rl, err := readPublishedCRL(der, a.CAs[n]); err == nil && rl != nil && !rl.NextUpdate.IsZero() {
				spans[n] = rl.NextUpdate.Sub(rl.ThisUpdate)
			}
		}
	}
	now := a.now().UTC().Truncate(time.Second)
	nums := map[string]*big.Int{}    // the numbers signed now
	setNums := map[string]*big.Int{} // the numbers of every CRL in the set
	err := publishSet(dir, func(gen string) ([]string, error) {
		files := []string{CRLBundle}
		bundle, err := formats.Stage(filepath.Join(gen, CRLBundle), 0o644)
		if err != nil {
			return nil, err
		}
		staged := []*formats.Staged{bundle}
		defer func() {
			for _, s := range staged {
				s.Discard()
			}
		}()
		for _, n := range names {
			pemPath, derPath := CRLFiles(gen, n)
			if signers[n] == nil {
				pemFile, derFile, num, err := copyPublished(dir, n, a.CAs[n], bundle, pemPath, derPath)
				if errors.Is(err, ErrNoPublishedCRL) && (skipped[n] != nil || p.allowMissing) {
					continue // a compromised CA that never published: nothing to keep
				}
				if err != nil {
					return nil, err
				}
				if num != nil {
					setNums[n] = num
				}
				staged = append(staged, pemFile, derFile)
				files = append(files, filepath.Base(pemPath), filepath.Base(derPath))
				continue
			}
			num, err := a.Store.NextCRLNumber(ctx, n)
			if err != nil {
				return nil, err
			}
			nums[n], setNums[n] = num, num
			validity := p.validity
			if span := spans[n]; span > 0 {
				validity = span
			}
			b, err := revoke.NewBuilder(a.CAs[n], revoke.Template{Number: num, ThisUpdate: now, NextUpdate: now.Add(validity)})
			if err != nil {
				return nil, err
			}
			if err := a.Store.RevokedEntries(ctx, n, b.Add); err != nil {
				return nil, err
			}
			crl, err := b.Sign(signers[n])
			if err != nil {
				return nil, err
			}
			pemFile, err := formats.Stage(pemPath, 0o644)
			if err != nil {
				return nil, err
			}
			staged = append(staged, pemFile)
			derFile, err := formats.Stage(derPath, 0o644)
			if err != nil {
				return nil, err
			}
			staged = append(staged, derFile)
			if _, err := crl.WriteTo(derFile); err != nil {
				return nil, fmt.Errorf("writing %q: %w", derPath, err)
			}
			if err := crl.WritePEM(multiWriter{pemFile, bundle}); err != nil {
				return nil, fmt.Errorf("writing %q: %w", pemPath, err)
			}
			files = append(files, filepath.Base(pemPath), filepath.Base(derPath))
			pubPEM, pubDER := CRLFiles(dir, n)
			out = append(out, PublishedCRL{CA: n, Number: num, ThisUpdate: now, NextUpdate: now.Add(validity),
				Entries: crl.Entries(), PEM: pubPEM, DER: pubDER})
		}
		// The numbers are recorded outside the store before any CRL that
		// carries them can be seen, and listed in the set itself.
		if err := writeCRLNumbers(a.Dir, nums); err != nil {
			return nil, err
		}
		list, err := formats.Stage(filepath.Join(gen, GenerationNumbers), 0o644)
		if err != nil {
			return nil, err
		}
		staged = append(staged, list)
		if _, err := list.Write(formatNumbers(setNums)); err != nil {
			return nil, err
		}
		err = formats.CommitStaged(staged, false)
		staged = nil
		return files, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ErrUnknownCA is returned by [Authority.PublishCRLs] for a CA name that
// is not in the directory.
var ErrUnknownCA = errors.New("no such CA")

// ErrNoPublishedCRL is returned by [Authority.PublishCRLs] when a CA left
// out of the signing has no published CRL to put in the bundle.
var ErrNoPublishedCRL = errors.New("no published CRL")

// copyPublished stages copies of the published CRL of CA name (from the
// CRL folder dir) as pemPath and derPath, and appends it to bundle, after
// checking that it is a CRL signed by the CA. It returns its CRL number.
func copyPublished(dir, name string, caCert *x509.Certificate, bundle io.Writer, pemPath, derPath string) (_, _ *formats.Staged, number *big.Int, err error) {
	src, _ := CRLFiles(dir, name)
	f, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("%w of CA %q in %q to put in the bundle", ErrNoPublishedCRL, name, dir)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	ders, err := revoke.ReadCRLs(f, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%q is not a readable CRL (%w)", src, revoke.ErrNotCRL)
	}
	rl, err := revoke.ParseCRLFor(ders[0])
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%q is not a readable CRL (%w)", src, revoke.ErrNotCRL)
	}
	if err := rl.CheckSignatureFrom(caCert); err != nil {
		return nil, nil, nil, fmt.Errorf("%q is not a CRL of CA %q (its signature does not verify)", src, name)
	}
	p := formats.EncodePEM("X509 CRL", ders[0])
	if _, err := bundle.Write(p); err != nil {
		return nil, nil, nil, err
	}
	pemFile, err := formats.Stage(pemPath, 0o644)
	if err != nil {
		return nil, nil, nil, err
	}
	derFile, err := formats.Stage(derPath, 0o644)
	if err != nil {
		pemFile.Discard()
		return nil, nil, nil, err
	}
	_, err = pemFile.Write(p)
	if err == nil {
		_, err = derFile.Write(ders[0])
	}
	if err != nil {
		pemFile.Discard()
		derFile.Discard()
		return nil, nil, nil, err
	}
	return pemFile, derFile, rl.Number, nil
}

// multiWriter writes to both files; unlike io.MultiWriter it needs no
// allocation per call and keeps the PEM encoder's batches whole.
type multiWriter [2]*formats.Staged

func (m multiWriter) Write(p []byte) (int, error) {
	for _, w := range m {
		if _, err := w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// removeStale removes the hidden links a publisher killed between linking
// a finished file and renaming it over the old one leaves behind (see
// [formats.StaleTempLinks]). Only called with the CRL folder locked, so no
// such link belongs to a live publisher.
func removeStale(dir string) {
	for path := range formats.StaleTempLinks(dir) {
		os.Remove(path)
	}
}

// lockCRLs takes the CA directory's exclusive CRL lock (crl/.lock),
// waiting for other pkit processes to release it; the kernel drops it when
// the process dies.
func lockCRLs(caDir string) (func(), error) {
	if err := os.MkdirAll(filepath.Join(caDir, "crl"), 0o755); err != nil {
		return nil, fmt.Errorf("locking the CRL folder: %w", err)
	}
	return lockExclusive(filepath.Join(caDir, "crl", ".lock"), "the CRL folder")
}

// ErrLockLink is returned (wrapped) when a lock file is a symbolic link:
// pkit never follows one, as it could make pkit create or lock a file
// elsewhere.
var ErrLockLink = errors.New("is a symbolic link; pkit does not follow lock files")

// lockExclusive takes the exclusive lock file path ([formats.Lock]:
// created when missing, in a folder that must exist, never through a
// symbolic link), waiting for other pkit processes to release it; the
// system drops it when the process dies. what names the lock in errors
// ("the CRL folder"). The returned func releases it. Lock files never
// lock the folders pkit writes into, which [formats.WriteFiles] locks
// while it places files.
func lockExclusive(path, what string) (func(), error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("locking %s: %q %w", what, path, ErrLockLink)
	}
	unlock, err := formats.Lock(path)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("locking %s: %q %w", what, path, ErrLockLink)
		}
		return nil, fmt.Errorf("locking %s: %w", what, formats.SystemReason(err))
	}
	return unlock, nil
}

// ParseSerial reads a serial number as pkit and OpenSSL print it: hex,
// with or without colons and a 0x prefix.
func ParseSerial(s string) (*big.Int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "0x")
	t = strings.ReplaceAll(t, ":", "")
	n, ok := new(big.Int).SetString(t, 16)
	if !ok || t == "" || n.Sign() < 0 {
		return nil, fmt.Errorf("%q is not a serial number (hex, like 3f:a2:… or 3fa2…)", s)
	}
	return n, nil
}

// ErrNotPublished is wrapped by the error of [Authority.RevokeAndPublish]
// and [Authority.UnrevokeAndPublish] when the change was committed to the
// store but the CRLs could not be published: the change is pending
// ([Authority.PendingRevocations] lists it) until the next publication,
// which carries it.
var ErrNotPublished = errors.New("recorded in the store but not yet on the published CRLs")

// NotPublishedError is a change committed to the store whose CRLs could
// not be published (the Err); it wraps [ErrNotPublished] and Err.
type NotPublishedError struct{ Err error }

func (e *NotPublishedError) Error() string {
	return fmt.Sprintf("%v; publishing the CRLs failed: %v", ErrNotPublished, e.Err)
}

// Unwrap returns [ErrNotPublished] and the publishing error.
func (e *NotPublishedError) Unwrap() []error { return []error{ErrNotPublished, e.Err} }

// RevokeAndPublish revokes the certificates in rs ([Authority.Revoke])
// and publishes fresh CRLs for the CAs that issued them, so that servers
// reloading the CRL folder refuse them at once. o says where and for how
// long (o.CAs is ignored; o.KeepSpan is the usual choice). The order is
// what keeps a crash harmless:
//
//  1. every key to sign with is unlocked and every check of
//     [Authority.PublishCRLs] made (CRL numbers, compromised CAs) before
//     anything changes, so a missing passphrase changes nothing;
//  2. under the CRL lock, the revocation is committed to the store;
//  3. the CRLs are signed and placed as one set (see [CRLFolderLayout]).
//
// A crash or error between 2 and 3 leaves the revocation recorded and
// pending: [Authority.PendingRevocations] (pkit crl --check) names it, and
// the next publication, which lists every revocation in the store,
// carries it. CRL numbers follow [Authority.PublishCRLs]'s rules, so they
// never go backwards. Besides the issuing CAs, any CA without a published
// CRL yet gets one, so that the bundle covers every level.
//
// A refusal of the revocation itself is a [*RevokeError], with nothing
// changed; a failed publication after the commit is a
// [*NotPublishedError], returned with the records.
func (a *Authority) RevokeAndPublish(ctx context.Context, rs []Revocation, o CRLOptions) ([]*Record, []PublishedCRL, error) {
	serials := make([]*big.Int, len(rs))
	for i, r := range rs {
		serials[i] = r.Serial
	}
	return a.changeAndPublish(ctx, serials, o, func() ([]*Record, error) { return a.Revoke(ctx, rs...) })
}

// UnrevokeAndPublish lifts the holds on serials ([Store.Unrevoke], one
// after the other) and publishes like [Authority.RevokeAndPublish]. When
// one cannot be lifted, those before it stay lifted and are published,
// and the error says which one failed.
func (a *Authority) UnrevokeAndPublish(ctx context.Context, serials []*big.Int, o CRLOptions) ([]*Record, []PublishedCRL, error) {
	var refused error
	recs, pub, err := a.changeAndPublish(ctx, serials, o, func() ([]*Record, error) {
		var out []*Record
		for _, s := range serials {
			rec, err := a.Store.Unrevoke(ctx, s)
			if err != nil {
				if len(out) == 0 {
					return nil, err
				}
				refused = err
				break
			}
			out = append(out, rec)
		}
		return out, nil
	})
	if err == nil && refused != nil {
		err = refused
	}
	return recs, pub, err
}

// changeAndPublish runs change, which commits a change to the revocations
// of serials, and publishes the CRLs of the CAs it touches; see
// [Authority.RevokeAndPublish].
func (a *Authority) changeAndPublish(ctx context.Context, serials []*big.Int, o CRLOptions, change func() ([]*Record, error)) ([]*Record, []PublishedCRL, error) {
	dir := o.Dir
	if dir == "" {
		dir = filepath.Join(a.Dir, "crl")
	}
	touched := map[string]bool{}  // the CAs whose CRL changes
	changing := map[string]bool{} // CAs whose own certificate is revoked or lifted
	for _, s := range serials {
		rec, err := a.Store.Get(ctx, s)
		if err != nil {
			continue // change refuses it, with nothing changed
		}
		if rec.Issuer != "" && a.CAs[rec.Issuer] != nil {
			touched[rec.Issuer] = true
		}
		if rec.Profile == "ca" {
			changing[rec.Name] = true
		}
	}
	optional := map[string]bool{}
	for _, n := range a.CANames() {
		if touched[n] || changing[n] {
			continue
		}
		if _, der := CRLFiles(dir, n); !fileExists(der) {
			// Never published: the bundle needs one, if its key is here.
			touched[n], optional[n] = true, true
		}
	}
	o.CAs = o.CAs[:0:0]
	for _, n := range a.CANames() {
		if touched[n] {
			o.CAs = append(o.CAs, n)
		}
	}
	p, err := a.planPublish(ctx, o, true, optional)
	if err != nil {
		return nil, nil, err
	}
	unlock, err := a.lockPublish(p)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	if err := a.checkNumbers(ctx, p); err != nil {
		return nil, nil, err
	}
	recs, err := change()
	if err != nil {
		return nil, nil, err
	}
	// A CA just revoked for key compromise signs no more CRLs.
	for n := range changing {
		if p.signers[n] == nil {
			continue
		}
		if err := a.compromisedCA(ctx, n); err != nil {
			delete(p.signers, n)
			if errors.Is(err, ErrCACompromised) {
				p.skipped[n] = err
				p.out = append(p.out, PublishedCRL{CA: n, NotSigned: err})
			}
		}
	}
	pub, err := a.publish(ctx, p)
	if err != nil {
		return recs, nil, &NotPublishedError{Err: err}
	}
	return recs, pub, nil
}

// fileExists reports whether path names an existing file (following
// links).
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// Pending is a change to the revocations in the store that the published
// CRL of its CA does not carry yet: servers using the CRLs do not see it.
type Pending struct {
	CA     string // the CA whose CRL should list it
	Serial *big.Int
	Name   string // the certificate's name in the store ("" if unknown)
	// Reason is the store's reason; Was is the reason on the published
	// CRL when it lists the certificate with another one.
	Reason, Was revoke.Reason
	// Listed: the published CRL lists it (with reason Was); Lifted: the
	// store holds it valid again (a hold lifted) while the CRL lists it
	// on certificateHold.
	Listed, Lifted bool
	RevokedAt      time.Time // the store's date, for a revocation
}

// String describes p for people: "revoked (keyCompromise) 2026-05-01,
// not on the published CRL of intermediate yet".
func (p Pending) String() string {
	switch {
	case p.Lifted:
		return fmt.Sprintf("hold lifted, still on the published CRL of %s", p.CA)
	case p.Listed:
		return fmt.Sprintf("revoked (%s), the published CRL of %s still says %s", p.Reason, p.CA, p.Was)
	}
	return fmt.Sprintf("revoked (%s) %s, not on the published CRL of %s yet", p.Reason, p.RevokedAt.UTC().Format(time.RFC3339), p.CA)
}

// isPending is the rule of what counts as pending, in one place: the
// store holds a certificate revoked (p.Reason) or not, and the published
// CRL of its CA lists it (on, with reason was) or not. A revocation is
// pending when the CRL does not list it, or lists it with another reason
// (a hold made permanent); a certificate valid in the store is pending
// when the CRL lists it on certificateHold (a lifted hold). One the CRL
// lists for another reason while the store holds it valid is no pending
// change but a revocation the store forgot ([Authority.CheckStore]'s
// "crl-forgotten"), which publishing must not drop. It sets p's Listed,
// Was and Lifted.
func isPending(p *Pending, revoked bool, was revoke.Reason, on bool) bool {
	p.Listed, p.Lifted = on, false
	if on {
		p.Was = was
	}
	switch {
	case revoked:
		return !on || was != p.Reason
	case on && was == revoke.CertificateHold:
		p.Lifted = true
		return true
	}
	return false
}

// publishedListing reads what the CRL of the CA named n published in dir
// lists: serial (hex) to reason. With only, just those serials are looked
// for (cheap on a large CRL); otherwise every entry is read. A CA without
// a published CRL, or whose CRL does not parse or verify, lists nothing.
func (a *Authority) publishedListing(dir, n string, only ...*big.Int) map[string]revoke.Reason {
	m := map[string]revoke.Reason{}
	_, der := CRLFiles(dir, n)
	ders, err := revoke.ReadCRLFile(der)
	if err != nil {
		return m
	}
	var rl *x509.RevocationList
	if len(only) > 0 {
		rl, err = revoke.ParseCRLFor(ders[0], only...)
	} else {
		rl, err = revoke.ParseCRL(ders[0])
	}
	if err != nil || rl.CheckSignatureFrom(a.CAs[n]) != nil {
		return m
	}
	return crlListing(rl)
}

// crlListing is what rl lists: serial (hex) to reason.
func crlListing(rl *x509.RevocationList) map[string]revoke.Reason {
	m := make(map[string]revoke.Reason, len(rl.RevokedCertificateEntries))
	for _, e := range rl.RevokedCertificateEntries {
		m[SerialHex(e.SerialNumber)] = revoke.Reason(e.ReasonCode)
	}
	return m
}

// pendingOfCA calls fn for every change to the revocations of the CA
// named n that listed, what its published CRL lists (nil or empty: no
// usable CRL), does not carry ([isPending]); listed is not changed. A CA
// whose certificate is revoked for key compromise signs no more CRLs: it
// has nothing pending. The store's revocations are read one row at a
// time; a lifted hold's Name is filled in, a revocation's is not.
func (a *Authority) pendingOfCA(ctx context.Context, n string, listed map[string]revoke.Reason, fn func(Pending) error) error {
	if err := a.compromisedCA(ctx, n); errors.Is(err, ErrCACompromised) {
		return nil
	} else if err != nil {
		return err
	}
	var seen map[string]bool // listed serials the store holds revoked
	if len(listed) > 0 {
		seen = make(map[string]bool, len(listed))
	}
	var pending []Pending // fn is called after the rows are read (one connection)
	err := a.Store.RevokedEntries(ctx, n, func(e revoke.Entry) error {
		serial := new(big.Int).SetBytes(e.Serial)
		h := SerialHex(serial)
		was, on := listed[h]
		if on {
			seen[h] = true
		}
		p := Pending{CA: n, Serial: serial, Reason: e.Reason, RevokedAt: e.RevokedAt}
		if isPending(&p, true, was, on) {
			pending = append(pending, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Listed but not revoked in the store: a lifted hold, or a revocation
	// the store forgot (or never knew), which isPending tells apart.
	var rest []string
	for h, was := range listed {
		if !seen[h] && was == revoke.CertificateHold {
			rest = append(rest, h)
		}
	}
	sort.Strings(rest)
	for _, h := range rest {
		serial, _ := ParseSerial(h)
		rec, err := a.Store.Get(ctx, serial)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		p := Pending{CA: n, Serial: serial, Name: rec.Name}
		if isPending(&p, rec.Status == StatusRevoked, listed[h], true) {
			pending = append(pending, p)
		}
	}
	for _, p := range pending {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// SignsNoCRLs returns an error wrapping [ErrCACompromised] (saying when
// and why) when the CA named name signs no more CRLs because its
// certificate is revoked for key compromise, nil when it signs them, or
// the store's error: pkit crl leaves such a CA out, so its last CRL
// lapsing is nothing to fix.
func (a *Authority) SignsNoCRLs(ctx context.Context, name string) error {
	return a.compromisedCA(ctx, name)
}

// MaxPendingNamed is how many pending changes [Authority.PendingRevocations]
// looks the names up of; it counts the rest.
const MaxPendingNamed = 100

// PendingRevocations compares the store with the CRLs published in dir
// ("" means DIR/crl) and returns the changes they do not carry yet: a
// revocation not listed, listed with an older reason (a hold made
// permanent), or a lifted hold still listed ([isPending] is the rule, the
// one pkit crl --check, crl check, chain verify --revocation and store
// check apply). With serials, only those certificates are compared (cheap
// on large CRLs); otherwise every revocation of every CA, whose CRLs are
// then read whole. A CA without a published CRL (or whose CRL does not
// verify) counts as listing nothing; a CA revoked for key compromise signs
// no more CRLs and is passed over. The names of the first
// [MaxPendingNamed] are looked up; total counts all of them (see
// [Authority.PendingByCA] for the count of each CA).
func (a *Authority) PendingRevocations(ctx context.Context, dir string, serials ...*big.Int) (_ []Pending, total int, err error) {
	out, counts, err := a.PendingByCA(ctx, dir, serials...)
	for _, n := range counts {
		total += n
	}
	return out, total, err
}

// PendingByCA is [Authority.PendingRevocations] with the count of all the
// pending changes of each CA that has some, by its name, in place of
// their total.
func (a *Authority) PendingByCA(ctx context.Context, dir string, serials ...*big.Int) (_ []Pending, counts map[string]int, err error) {
	if dir == "" {
		dir = filepath.Join(a.Dir, "crl")
	}
	var out []Pending
	counts = map[string]int{}
	add := func(p Pending) error {
		counts[p.CA]++
		if len(out) < MaxPendingNamed {
			out = append(out, p)
		}
		return nil
	}
	// The names are looked up at the end: not while the store's rows are
	// being read (one connection).
	defer func() {
		for i := range out {
			if out[i].Name != "" {
				continue
			}
			if rec, gerr := a.Store.Get(ctx, out[i].Serial); gerr == nil {
				out[i].Name = rec.Name
			}
		}
	}()
	if len(serials) == 0 {
		for _, n := range a.CANames() {
			if err := a.pendingOfCA(ctx, n, a.publishedListing(dir, n), add); err != nil {
				return nil, nil, err
			}
		}
		return out, counts, nil
	}
	// The records first, then each CA's CRL read once for its serials.
	byCA := map[string][]*Record{}
	var cas []string
	for _, s := range serials {
		rec, err := a.Store.Get(ctx, s)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		n := rec.Issuer
		if n == "" || a.CAs[n] == nil {
			continue
		}
		if byCA[n] == nil {
			cas = append(cas, n)
		}
		byCA[n] = append(byCA[n], rec)
	}
	for _, n := range cas {
		if err := a.compromisedCA(ctx, n); errors.Is(err, ErrCACompromised) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		only := make([]*big.Int, len(byCA[n]))
		for i, rec := range byCA[n] {
			only[i] = rec.Serial
		}
		listed := a.publishedListing(dir, n, only...)
		for _, rec := range byCA[n] {
			was, on := listed[SerialHex(rec.Serial)]
			p := Pending{CA: n, Serial: rec.Serial, Name: rec.Name, Reason: revoke.Reason(rec.Reason), RevokedAt: rec.RevokedAt}
			if isPending(&p, rec.Status == StatusRevoked, was, on) {
				add(p)
			}
		}
	}
	return out, counts, nil
}

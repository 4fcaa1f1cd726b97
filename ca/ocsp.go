package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkit/pkit/revoke"
	"github.com/pkit/pkit/revoke/ocsp"
)

// OCSPSource answers pkit's OCSP responder ([ocsp.Responder]) from the
// store, live: every answer reflects what the store held when the
// request came in, so a revocation is answered as revoked the moment its
// transaction commits.
//
// Its [OCSPSource.Version] tells the responder when its cached responses
// may be stale. It reads the header of the store's WAL index (the -shm
// file SQLite shares between processes; its layout is documented at
// https://sqlite.org/walformat.html section 2.2): SQLite rewrites it, with
// its change counter one higher, in every commit before the commit
// returns, so an unchanged header means no transaction committed. On
// Linux and macOS the file is mapped into memory, as SQLite maps it, and
// the header is compared without a system call; elsewhere one 48-byte
// read costs about a microsecond. Asking SQLite instead (PRAGMA
// data_version) costs about 22 µs and serializes on the store's one
// connection. Where there is no WAL index (a store opened read-only),
// every call is a new version, and every request reads the store.
type OCSPSource struct {
	store *Store
	get   *sql.Stmt
	shm   *os.File
	shmap []byte      // the WAL index's first page, mapped (nil: read shm)
	file  os.FileInfo // the store's file when opened

	mu      sync.Mutex
	header  [48]byte
	version uint64
	bumps   atomic.Uint64 // versions without a WAL index, each new
}

// OCSPSource returns the store's [OCSPSource]; close it when done.
func (a *Authority) OCSPSource(ctx context.Context) (*OCSPSource, error) {
	get, err := a.Store.DB().PrepareContext(ctx, "SELECT issuer, status, revoked_at, reason, invalid_at FROM certs WHERE serial = ?")
	if err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	s := &OCSPSource{store: a.Store, get: get}
	s.file, _ = os.Stat(a.Store.Path())
	if !a.Store.ReadOnly() {
		if f, err := os.Open(a.Store.Path() + "-shm"); err == nil {
			s.shm = f
			s.shmap = mapWALIndex(f)
		}
	}
	return s, nil
}

// ErrStoreReplaced is returned by [OCSPSource.Check] when the store's
// file is no longer the one the source reads (a backup was copied over
// it): the answers would come from the old one until a restart.
var ErrStoreReplaced = errors.New("the store's file was replaced since it was opened; restart to read the new one")

// Check reports whether the source can answer: the store's file is still
// the one it opened, and the store answers a query.
func (s *OCSPSource) Check(ctx context.Context) error {
	if s.store.Remote() { // a PostgreSQL store: no file to be replaced
		return s.store.DB().PingContext(ctx)
	}
	if st, err := os.Stat(s.store.Path()); err != nil || (s.file != nil && !os.SameFile(st, s.file)) {
		return &StoreError{Path: s.store.Path(), Err: ErrStoreReplaced}
	}
	return s.store.DB().PingContext(ctx)
}

// Close releases what the source holds open.
func (s *OCSPSource) Close() error {
	if s.shmap != nil {
		unmapWALIndex(s.shmap)
	}
	if s.shm != nil {
		s.shm.Close()
	}
	return s.get.Close()
}

// Version implements [ocsp.Source]: see [OCSPSource].
func (s *OCSPSource) Version(context.Context) (uint64, error) {
	if s.shm == nil {
		return 1<<63 | s.bumps.Add(1), nil
	}
	var h [48]byte
	if s.shmap == nil || !readMapped(s.shmap, &h) {
		if _, err := s.shm.ReadAt(h[:], 0); err != nil {
			return 1<<63 | s.bumps.Add(1), nil
		}
	}
	s.mu.Lock()
	if h != s.header {
		s.header = h
		s.version++
	}
	v := s.version
	s.mu.Unlock()
	return v, nil
}

// Status implements [ocsp.Source]: the certificate with this serial, if
// the store holds it as issued by the CA called issuer, is revoked (with
// its time, reason and invalidity date) or good; any other serial is
// unknown. A revocation on certificateHold is revoked with that reason
// until it is lifted.
func (s *OCSPSource) Status(ctx context.Context, issuer string, serial *big.Int) (ocsp.Status, error) {
	if serial.Sign() <= 0 {
		return ocsp.Status{Status: ocsp.Unknown}, nil
	}
	var r statusRow
	err := s.get.QueryRowContext(ctx, SerialHex(serial)).Scan(&r.issuer, &r.status, &r.revokedAt, &r.reason, &r.invalidAt)
	if errors.Is(err, sql.ErrNoRows) {
		return ocsp.Status{Status: ocsp.Unknown}, nil
	}
	if err != nil {
		return ocsp.Status{}, s.store.failure(fmt.Errorf("reading store: %w", err))
	}
	return r.answer(issuer), nil
}

// statusRow is what the responder reads of a certificate's record.
type statusRow struct {
	serial, issuer, status       string
	revokedAt, reason, invalidAt sql.NullInt64
}

// answer is the status of the row for a request naming issuer.
func (r *statusRow) answer(issuer string) ocsp.Status {
	switch {
	case r.issuer != issuer:
		return ocsp.Status{Status: ocsp.Unknown}
	case Status(r.status) != StatusRevoked:
		return ocsp.Status{Status: ocsp.Good}
	}
	st := ocsp.Status{Status: ocsp.Revoked, RevokedAt: time.Unix(r.revokedAt.Int64, 0).UTC(), Reason: revoke.Reason(r.reason.Int64)}
	if r.invalidAt.Valid {
		st.InvalidAt = time.Unix(r.invalidAt.Int64, 0).UTC()
	}
	return st
}

// statusBatch is how many serials one query of [OCSPSource.Statuses]
// asks about (SQLite takes up to 32766 parameters).
const statusBatch = 500

// Statuses implements [ocsp.StatusBatcher]: [OCSPSource.Status] of each
// serial, read in a few queries. Without a WAL index (a read-only
// store), where every version is new, it returns errors.ErrUnsupported:
// the responder then reads one certificate at a time, as it is asked
// about.
func (s *OCSPSource) Statuses(ctx context.Context, issuer string, serials []*big.Int) ([]ocsp.Status, error) {
	if s.shm == nil {
		return nil, errors.ErrUnsupported
	}
	out := make([]ocsp.Status, len(serials))
	index := make(map[string][]int, len(serials))
	args := make([]any, 0, statusBatch)
	for i, serial := range serials {
		out[i] = ocsp.Status{Status: ocsp.Unknown}
		if serial.Sign() <= 0 {
			continue
		}
		h := SerialHex(serial)
		if index[h] == nil {
			args = append(args, h)
		}
		index[h] = append(index[h], i)
	}
	for len(args) > 0 {
		chunk := args[:min(len(args), statusBatch)]
		args = args[len(chunk):]
		q := "SELECT serial, issuer, status, revoked_at, reason, invalid_at FROM certs WHERE serial IN (?" +
			strings.Repeat(", ?", len(chunk)-1) + ")"
		rows, err := s.store.DB().QueryContext(ctx, q, chunk...)
		if err != nil {
			return nil, s.store.failure(fmt.Errorf("reading store: %w", err))
		}
		for rows.Next() {
			var r statusRow
			if err := rows.Scan(&r.serial, &r.issuer, &r.status, &r.revokedAt, &r.reason, &r.invalidAt); err != nil {
				rows.Close()
				return nil, s.store.failure(fmt.Errorf("reading store: %w", err))
			}
			st := r.answer(issuer)
			for _, i := range index[r.serial] {
				out[i] = st
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.store.failure(fmt.Errorf("reading store: %w", err))
		}
	}
	return out, nil
}

// DefaultOCSPSignerValidity is the validity of a delegated OCSP signing
// certificate when none is asked for: short, because clients do not check
// its revocation (id-pkix-ocsp-nocheck), and pkit serve renews it.
const DefaultOCSPSignerValidity = 7 * 24 * time.Hour

// OCSPSignerProfile is the profile name the store records delegated OCSP
// signing certificates under.
const OCSPSignerProfile = "ocsp-signer"

// OCSPSigner is a delegated OCSP signing certificate (RFC 6960 section
// 4.2.2.2) and its key, which exists only in memory.
type OCSPSigner struct {
	CA   string // the name of the CA that issued it
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Renew reports whether the signer should be replaced at now: when a
// third of its validity (from its issuance, not its backdated notBefore)
// or less is left.
func (s *OCSPSigner) Renew(now time.Time) bool {
	life := s.Cert.NotAfter.Sub(s.Cert.NotBefore.Add(Backdate))
	return s.Cert.NotAfter.Sub(now) <= life/3
}

// IssueOCSPSigner issues a delegated OCSP signing certificate under the
// CA called name: a new key of the CA's key type (kept in memory only),
// extended key usage OCSPSigning, id-pkix-ocsp-nocheck, valid for
// validity (0: [DefaultOCSPSignerValidity]) or until the CA expires. It is
// checked like every certificate pkit signs and recorded in the store
// (profile [OCSPSignerProfile]). The CA's key is unlocked if needed; a
// CA the store records as revoked signs nothing.
func (a *Authority) IssueOCSPSigner(ctx context.Context, name string, validity time.Duration) (*OCSPSigner, error) {
	caCert := a.CAs[name]
	if caCert == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCA, name)
	}
	if validity <= 0 {
		validity = DefaultOCSPSignerValidity
	}
	if err := a.caStanding(ctx, name, "the CA"); err != nil {
		return nil, err
	}
	caKey, err := a.Unlock(name)
	if err != nil {
		return nil, err
	}
	kt := KeyTypeOf(caCert.PublicKey)
	if kt == "" {
		kt = ECDSAP256
	}
	key, err := GenerateKey(kt)
	if err != nil {
		return nil, err
	}
	ski, err := SubjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	now := a.now()
	cn := caCert.Subject.CommonName
	if cn == "" {
		cn = name
	}
	const suffix = " OCSP signer"
	if r := []rune(cn); len(r)+len(suffix) > maxCommonName {
		cn = string(r[:maxCommonName-len(suffix)])
	}
	cn += suffix
	notBefore := now.Add(-Backdate).UTC().Truncate(time.Second)
	notAfter := now.Add(validity).UTC().Truncate(time.Second)
	if notAfter.After(caCert.NotAfter) {
		notAfter = caCert.NotAfter
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
		// RFC 6960 section 4.2.2.2.1: clients need not check the
		// signer's own revocation; its short life stands in for it.
		ExtraExtensions: []pkix.Extension{{Id: ocsp.OIDNoCheck, Value: []byte{0x05, 0x00}}},
	}
	cert, err := a.sign(ctx, tmpl, key.Public(), a.Chain(name)[0], caKey, name, OCSPSignerProfile, cn, nil)
	if err != nil {
		return nil, err
	}
	return &OCSPSigner{CA: name, Cert: cert, Key: key}, nil
}

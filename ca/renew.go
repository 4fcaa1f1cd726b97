package ca

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"time"
)

// Renewal is what [Authority.RenewTarget] found: the certificate to renew
// and the files it was issued to that are still its own (empty when the
// store does not know them: issued without files, or by an older pkit).
type Renewal struct {
	Record *Record
	Files  []StoredFile
}

// File returns the path of the owned file of kind k, or "".
func (r *Renewal) File(k OutputKind) string {
	for _, f := range r.Files {
		if f.Kind == k {
			return f.Path
		}
	}
	return ""
}

// RenewTarget finds the certificate "pkit renew ARG" renews, ARG a serial
// or a name ([Authority.Find]). Among the (non-CA) certificates ARG
// reaches (with a name, those in use; when none is, the expired ones,
// else the revoked ones) it is the one that still owns files it was
// issued to (see [Store.OwnedFiles]); several in use or expired owning
// files of their own are an [*AmbiguousNameError] with their Files (of
// revoked ones, the newest is renewed). When none owns files, the newest
// is renewed, without files. [ErrNotFound] when there is none.
func (a *Authority) RenewTarget(ctx context.Context, arg string) (*Renewal, error) {
	recs, err := a.Find(ctx, arg, FindOptions{All: true})
	var none *NoneInUseError
	revoked := false
	if errors.As(err, &none) {
		recs, err = none.Expired, nil
		if len(recs) == 0 {
			recs, revoked = none.Revoked, true
		}
	}
	if err != nil {
		return nil, err
	}
	recs = slices.DeleteFunc(recs, func(r *Record) bool { return r.Profile == "ca" })
	if len(recs) == 0 {
		return nil, ErrNotFound
	}
	var owners []*Renewal
	for _, r := range recs {
		files, err := a.Store.OwnedFiles(ctx, r.Serial)
		if err != nil {
			return nil, err
		}
		if len(files) > 0 {
			owners = append(owners, &Renewal{Record: r, Files: files})
		}
	}
	switch {
	case len(owners) == 0:
		return &Renewal{Record: recs[len(recs)-1]}, nil
	case len(owners) == 1 || revoked:
		return owners[len(owners)-1], nil
	}
	e := &AmbiguousNameError{Name: arg}
	for _, rn := range owners {
		e.Records, e.Files = append(e.Records, rn.Record), append(e.Files, rn.Files)
	}
	return nil, e
}

// RenewalOf is the [Renewal] of the certificate with this record (found
// by serial): it and the files it still owns.
func (a *Authority) RenewalOf(ctx context.Context, rec *Record) (*Renewal, error) {
	files, err := a.Store.OwnedFiles(ctx, rec.Serial)
	if err != nil {
		return nil, err
	}
	return &Renewal{Record: rec, Files: files}, nil
}

// Superseded is a certificate [Authority.Expiring] leaves out because a
// newer certificate took its place: By took over the files it was issued
// to, or (for a certificate issued without recorded files) By has the same
// name and profile and expires later.
type Superseded struct {
	Record *Record
	By     *Record
}

// Renewed reports whether By is a renewal of Record: the same name and
// profile, expiring later. Otherwise By is another certificate that was
// issued into Record's files.
func (s *Superseded) Renewed() bool {
	return s.By.Name == s.Record.Name && s.By.Profile == s.Record.Profile && s.By.NotAfter.After(s.Record.NotAfter)
}

// Expiring finds what "pkit renew --expiring" renews: the leaf
// certificates (not CAs, not the OCSP signers pkit serve keeps) not revoked that expire after now and within the window,
// oldest first, each with the files it was issued to (empty when the store
// does not know them). A certificate another one has replaced is left out
// and returned in superseded instead: one whose files a newer certificate
// was issued to (a renewal in place), or one without recorded files with
// a later certificate of the same name and profile not revoked.
func (a *Authority) Expiring(ctx context.Context, within time.Duration) (due []*Renewal, superseded []*Superseded, err error) {
	now := a.Now()
	// pkit serve renews its own OCSP signers.
	recs, err := a.Store.List(ctx, Filter{Valid: true, After: now, Before: now.Add(within), ExceptProfiles: []string{"ca", OCSPSignerProfile}})
	if err != nil {
		return nil, nil, err
	}
	for _, r := range recs {
		files, err := a.Store.Files(ctx, r.Serial)
		if err != nil {
			return nil, nil, err
		}
		var by *Record
		if len(files) > 0 {
			takers, err := a.Store.takenOver(ctx, r.Serial)
			if err != nil {
				return nil, nil, err
			}
			for _, t := range takers {
				// A renewal among them names it best; else the newest.
				if by == nil || (&Superseded{Record: r, By: t}).Renewed() {
					by = t
				}
			}
		} else {
			same, err := a.Store.List(ctx, Filter{Name: r.Name, Profile: r.Profile, Valid: true})
			if err != nil {
				return nil, nil, err
			}
			for _, t := range same {
				if t.NotAfter.After(r.NotAfter) {
					by = t
				}
			}
		}
		if by != nil {
			superseded = append(superseded, &Superseded{Record: r, By: by})
			continue
		}
		due = append(due, &Renewal{Record: r, Files: files})
	}
	return due, superseded, nil
}

// takenOver returns the certificates issued, after the one with this
// serial, into any of the files it was issued to, oldest first.
func (s *Store) takenOver(ctx context.Context, serial *big.Int) ([]*Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.serial FROM cert_files f JOIN cert_files g ON g.path = f.path AND g.rowid > f.rowid
		WHERE f.serial = ? GROUP BY g.serial ORDER BY max(g.rowid)`, SerialHex(serial))
	if err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	var hexes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading store: %w", err)
		}
		hexes = append(hexes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading store: %w", err)
	}
	var out []*Record
	for _, h := range hexes {
		n, ok := new(big.Int).SetString(h, 16)
		if !ok {
			return nil, fmt.Errorf("reading store: bad serial %q in cert_files", h)
		}
		r, err := s.Get(ctx, n)
		if errors.Is(err, ErrNotFound) {
			continue // a record a settled placement removed
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RenewalOutputs are the files a renewal writes ("" where none).
type RenewalOutputs struct{ Cert, Key, Chain, P12, Combined string }

// Outputs says where r's certificate is renewed to. With dir "" it is in
// place: the files the certificate owns, and, beside its first file under
// the names "pkit issue" gives, a certificate or key it was issued
// without and the chain and .p12 when chain and p12 ask for them. With a
// dir (or when the store knows none of its files), the names "pkit issue"
// gives, in dir ("" meaning the current folder).
func (r *Renewal) Outputs(dir string, chain, p12 bool) (RenewalOutputs, error) {
	stem, err := FileStem(r.Record.Name, r.Record.Profile)
	if err != nil {
		return RenewalOutputs{}, err
	}
	if dir != "" || len(r.Files) == 0 {
		if dir == "" {
			dir = "."
		}
		o := RenewalOutputs{Cert: OutputPath(dir, stem, ".pem"), Key: OutputPath(dir, stem, "-key.pem")}
		if chain {
			o.Chain = OutputPath(dir, stem, "-chain.pem")
		}
		if p12 {
			o.P12 = OutputPath(dir, stem, ".p12")
		}
		return o, nil
	}
	o := RenewalOutputs{Cert: r.File(OutCert), Key: r.File(OutKey), Chain: r.File(OutChain), P12: r.File(OutP12), Combined: r.File(OutCombined)}
	beside := filepath.Dir(r.Files[0].Path)
	for _, add := range []struct {
		path   *string
		want   bool
		suffix string
	}{{&o.Cert, true, ".pem"}, {&o.Key, true, "-key.pem"}, {&o.Chain, chain, "-chain.pem"}, {&o.P12, p12, ".p12"}} {
		if *add.path == "" && add.want {
			*add.path = OutputPath(beside, stem, add.suffix)
		}
	}
	return o, nil
}

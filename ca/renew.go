package ca

import (
	"context"
	"fmt"
	"slices"
)

// AmbiguousNameError is a name several certificates in use share, each
// with files of its own (the same name issued into two folders): the
// caller must pick one by serial.
type AmbiguousNameError struct {
	Name    string
	Records []*Record
	// Files are the files each record owns, by index in Records.
	Files [][]StoredFile
}

func (e *AmbiguousNameError) Error() string {
	return fmt.Sprintf("%d certificates are named %q, each with files of its own", len(e.Records), e.Name)
}

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

// RenewTarget finds the certificate "pkit renew NAME" renews: among the
// (non-CA) certificates issued under name, the one that still owns files
// it was issued to (see [Store.OwnedFiles]), preferring those not revoked;
// when several not revoked own files of their own it is an
// [*AmbiguousNameError]. When none owns files, the newest certificate
// under name is renewed, without files. [ErrNotFound] when there is none.
func (a *Authority) RenewTarget(ctx context.Context, name string) (*Renewal, error) {
	recs, err := a.Store.List(ctx, Filter{Name: name})
	if err != nil {
		return nil, err
	}
	recs = slices.DeleteFunc(recs, func(r *Record) bool { return r.Profile == "ca" })
	if len(recs) == 0 {
		return nil, ErrNotFound
	}
	var owners, live []*Renewal
	for _, r := range recs {
		files, err := a.Store.OwnedFiles(ctx, r.Serial)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			continue
		}
		rn := &Renewal{Record: r, Files: files}
		owners = append(owners, rn)
		if r.Status != StatusRevoked {
			live = append(live, rn)
		}
	}
	switch {
	case len(live) == 1:
		return live[0], nil
	case len(live) > 1:
		e := &AmbiguousNameError{Name: name}
		for _, rn := range live {
			e.Records, e.Files = append(e.Records, rn.Record), append(e.Files, rn.Files)
		}
		return nil, e
	case len(owners) > 0:
		return owners[len(owners)-1], nil
	}
	return &Renewal{Record: recs[len(recs)-1]}, nil
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

package ca

import (
	"context"
	"errors"
	"fmt"

	"github.com/pkit/pkit/revoke"
)

// FindOptions says which certificates a name reaches in [Authority.Find].
type FindOptions struct {
	// Revoked makes a name reach its revoked certificates instead of those
	// in use (pkit unrevoke).
	Revoked bool
	// All makes a name several certificates share reach all of them;
	// otherwise that is an [*AmbiguousNameError].
	All bool
	// Held makes a name none of whose certificates is in use, and whose
	// only certificate is on hold, reach that one (pkit revoke makes a hold
	// permanent).
	Held bool
}

// AmbiguousNameError is a name several certificates share where one is
// wanted: several in use (or, with [FindOptions.Revoked], several
// revoked), or for renewal several in use each with files of its own
// (the same name issued into two folders). The caller must pick one by
// serial.
type AmbiguousNameError struct {
	Name    string
	Records []*Record
	// Files are the files each record owns, by index in Records; nil
	// when the ambiguity is not about files.
	Files [][]StoredFile
}

func (e *AmbiguousNameError) Error() string {
	if e.Files != nil {
		return fmt.Sprintf("%d certificates are named %q, each with files of its own", len(e.Records), e.Name)
	}
	return fmt.Sprintf("%d certificates are named %q", len(e.Records), e.Name)
}

// NoneInUseError is a name that certificates were issued under, none of
// them in use: each is revoked or expired. A serial still reaches them.
type NoneInUseError struct {
	Name    string
	Revoked []*Record // oldest first
	Expired []*Record // not revoked, expired; oldest first
}

func (e *NoneInUseError) Error() string {
	return fmt.Sprintf("no certificate named %q is in use: %d revoked, %d expired", e.Name, len(e.Revoked), len(e.Expired))
}

// Find returns the certificates arg means: the one with that serial (hex,
// colons and 0x allowed) whatever its state, or those issued under that
// name. A name reaches the certificates in use (not revoked, not expired;
// with o.Revoked the revoked ones instead), oldest first, and fails with
// [*AmbiguousNameError] when several share it (unless o.All), with
// [*NoneInUseError] when all of them are revoked or expired (see o.Held),
// and with [ErrNotFound] when no certificate has that serial or name
// (with o.Revoked: no revoked one).
func (a *Authority) Find(ctx context.Context, arg string, o FindOptions) ([]*Record, error) {
	if serial, err := ParseSerial(arg); err == nil {
		rec, err := a.Store.Get(ctx, serial)
		if err == nil {
			return []*Record{rec}, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	recs, err := a.Store.List(ctx, Filter{Name: arg})
	if err != nil {
		return nil, err
	}
	now := a.Now()
	var inUse, revoked, expired []*Record
	for _, r := range recs {
		switch {
		case r.Status == StatusRevoked:
			revoked = append(revoked, r)
		case r.NotAfter.Before(now):
			expired = append(expired, r)
		default:
			inUse = append(inUse, r)
		}
	}
	found := inUse
	if o.Revoked {
		found = revoked
	}
	switch {
	case len(found) == 1 || (len(found) > 1 && o.All):
		return found, nil
	case len(found) > 1:
		return nil, &AmbiguousNameError{Name: arg, Records: found}
	case o.Revoked || len(recs) == 0:
		return nil, ErrNotFound
	case o.Held && len(expired) == 0 && len(revoked) == 1 && revoke.Reason(revoked[0].Reason) == revoke.CertificateHold:
		return revoked, nil
	}
	return nil, &NoneInUseError{Name: arg, Revoked: revoked, Expired: expired}
}

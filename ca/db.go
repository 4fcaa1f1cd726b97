package ca

import (
	"context"
	"fmt"
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

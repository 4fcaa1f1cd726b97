package ca

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
)

// Find reaches a certificate by serial whatever its state, and by name
// the certificates in use, with typed errors for a name several share and
// for one none of whose certificates is in use.
func testFind(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	issue := func(name string, validity time.Duration) *Record {
		t.Helper()
		iss, err := a.Issue(ctx, &Request{Profile: "client", Name: name, Validity: validity, AllowShort: true})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := a.Store.Get(ctx, iss.Cert.SerialNumber)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	revokeAs := func(r *Record, reason revoke.Reason) {
		t.Helper()
		if _, err := a.Revoke(ctx, Revocation{Serial: r.Serial, Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	one := issue("one", 90*24*time.Hour)
	twoA, twoB := issue("two", 90*24*time.Hour), issue("two", 90*24*time.Hour)
	gone := issue("gone", 90*24*time.Hour)
	revokeAs(gone, revoke.KeyCompromise)
	held := issue("held", 90*24*time.Hour)
	revokeAs(held, revoke.CertificateHold)
	old := issue("old", time.Hour)
	mixedOld, mixedGone := issue("mixed", time.Hour), issue("mixed", 90*24*time.Hour)
	revokeAs(mixedGone, revoke.Superseded)
	start := a.now
	a.now = func() time.Time { return start().Add(2 * time.Hour) } // "old" and the first "mixed" expired

	serials := func(recs []*Record) string {
		var s []string
		for _, r := range recs {
			s = append(s, SerialHex(r.Serial))
		}
		return fmt.Sprint(s)
	}
	for _, tc := range []struct {
		arg  string
		o    FindOptions
		want []*Record
		err  string // "ambiguous", "none", "notfound"
	}{
		{arg: "one", want: []*Record{one}},
		{arg: SerialHex(gone.Serial), want: []*Record{gone}},
		{arg: "0x" + SerialHex(old.Serial), want: []*Record{old}},
		{arg: "two", err: "ambiguous"},
		{arg: "two", o: FindOptions{All: true}, want: []*Record{twoA, twoB}},
		{arg: "gone", err: "none"},
		{arg: "gone", o: FindOptions{Revoked: true}, want: []*Record{gone}},
		{arg: "held", err: "none"},
		{arg: "held", o: FindOptions{Held: true}, want: []*Record{held}},
		{arg: "gone", o: FindOptions{Held: true}, err: "none"},
		{arg: "old", err: "none"},
		{arg: "mixed", o: FindOptions{Held: true}, err: "none"},
		{arg: "one", o: FindOptions{Revoked: true}, err: "notfound"},
		{arg: "nobody", err: "notfound"},
	} {
		got, err := a.Find(ctx, tc.arg, tc.o)
		var amb *AmbiguousNameError
		var none *NoneInUseError
		switch tc.err {
		case "ambiguous":
			if !errors.As(err, &amb) || len(amb.Records) != 2 {
				t.Errorf("Find(%q, %+v) = %v, want an AmbiguousNameError with 2 records", tc.arg, tc.o, err)
			}
		case "none":
			if !errors.As(err, &none) {
				t.Errorf("Find(%q, %+v) = %v, want a NoneInUseError", tc.arg, tc.o, err)
			}
		case "notfound":
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Find(%q, %+v) = %v, want ErrNotFound", tc.arg, tc.o, err)
			}
		default:
			if err != nil || serials(got) != serials(tc.want) {
				t.Errorf("Find(%q, %+v) = %s, %v; want %s", tc.arg, tc.o, serials(got), err, serials(tc.want))
			}
		}
	}
	// The expired and the revoked are told apart.
	_, err := a.Find(ctx, "mixed", FindOptions{})
	var none *NoneInUseError
	if !errors.As(err, &none) || serials(none.Expired) != serials([]*Record{mixedOld}) || serials(none.Revoked) != serials([]*Record{mixedGone}) {
		t.Errorf("Find(mixed) = %v, want 1 expired and 1 revoked", err)
	}
}

package ca

import (
	"context"
	"maps"
	"math/big"
	"sort"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
)

// "Which changes does no published CRL carry yet" is one rule
// (isPending): PendingRevocations (pkit crl --check, crl check, chain
// verify --revocation) and CheckStore's "crl-unpublished" (pkit store
// check) give the same answer in every state.
func TestPendingOneRule(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	certs := map[string]*big.Int{}
	for _, n := range []string{"unpublished", "permanent", "lifted", "forgotten", "published", "late"} {
		certs[n] = issueTestCert(t, a, n).SerialNumber
	}
	publish := func(rs ...Revocation) {
		t.Helper()
		if _, _, err := a.RevokeAndPublish(ctx, rs, CRLOptions{KeepSpan: true}); err != nil {
			t.Fatal(err)
		}
	}
	record := func(r Revocation) {
		t.Helper()
		if _, err := a.Revoke(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	publish(Revocation{Serial: certs["permanent"], Reason: revoke.CertificateHold},
		Revocation{Serial: certs["lifted"], Reason: revoke.CertificateHold},
		Revocation{Serial: certs["forgotten"], Reason: revoke.KeyCompromise},
		Revocation{Serial: certs["published"], Reason: revoke.Superseded})
	record(Revocation{Serial: certs["unpublished"], Reason: revoke.KeyCompromise})
	record(Revocation{Serial: certs["permanent"], Reason: revoke.Superseded})
	if _, err := a.Store.Unrevoke(ctx, certs["lifted"]); err != nil {
		t.Fatal(err)
	}
	// A store restored from a backup older than the revocation of
	// "forgotten": valid there, keyCompromise on the CRL. Not a pending
	// change (publishing must not drop it) but a forgotten revocation.
	if _, err := a.Store.db.ExecContext(ctx, `UPDATE certs SET status = 'valid', revoked_at = NULL, reason = NULL WHERE serial = ?`,
		SerialHex(certs["forgotten"])); err != nil {
		t.Fatal(err)
	}
	check := func(step string, wantPending []string, wantForgotten []string) {
		t.Helper()
		want := map[string]string{}
		for _, n := range wantPending {
			want[SerialHex(certs[n])] = n
		}
		pend, total, err := a.PendingRevocations(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pend {
			got = append(got, p.Name)
			if want[SerialHex(p.Serial)] != p.Name {
				t.Errorf("%s: PendingRevocations: %+v, not one of %v", step, p, wantPending)
			}
		}
		if total != len(wantPending) || len(pend) != len(wantPending) {
			t.Errorf("%s: PendingRevocations: %v (total %d), want %v", step, got, total, wantPending)
		}
		// PendingByCA counts them by the CA that should list them.
		_, counts, err := a.PendingByCA(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := map[string]int{}
		for _, p := range pend {
			wantCounts[p.CA]++
		}
		if !maps.Equal(counts, wantCounts) {
			t.Errorf("%s: PendingByCA counts %v, want %v", step, counts, wantCounts)
		}
		for _, n := range wantPending {
			one, _, err := a.PendingRevocations(ctx, "", certs[n])
			if err != nil || len(one) != 1 || one[0].Name != n {
				t.Errorf("%s: PendingRevocations(%s): %+v, %v; want it pending", step, n, one, err)
			}
		}
		rep, err := a.CheckStore(ctx, StoreCheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var unpub, forgot []string
		for _, p := range rep.Problems {
			switch p.Check {
			case "crl-unpublished":
				unpub = append(unpub, p.Serial)
			case "crl-forgotten":
				forgot = append(forgot, p.Serial)
			default:
				t.Errorf("%s: store check: %s: %s", step, p.Check, p.Msg)
			}
		}
		var wantHex, wantForgot []string
		for h := range want {
			wantHex = append(wantHex, h)
		}
		for _, n := range wantForgotten {
			wantForgot = append(wantForgot, SerialHex(certs[n]))
		}
		sort.Strings(unpub)
		sort.Strings(wantHex)
		if !sameStrings(unpub, wantHex) || !sameStrings(forgot, wantForgot) {
			t.Errorf("%s: store check: crl-unpublished %v, crl-forgotten %v; want %v and %v\n%+v", step, unpub, forgot, wantHex, wantForgot, rep.Problems)
		}
	}
	check("unpublished, hold made permanent, hold lifted", []string{"unpublished", "permanent", "lifted"}, []string{"forgotten"})

	// A CA revoked for key compromise signs no more CRLs: nothing of it
	// is pending, however its store changes.
	record(Revocation{Serial: certs["late"], Reason: revoke.Unspecified})
	publish(Revocation{Serial: a.CAs["intermediate"].SerialNumber, Reason: revoke.KeyCompromise})
	check("the intermediate compromised", nil, []string{"forgotten"})
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

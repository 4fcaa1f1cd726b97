package ca

import (
	"context"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
)

// RevokeAndPublish, UnrevokeAndPublish and PendingRevocations: what the
// store holds and what the published CRLs carry, step by step.
func testRevokeAndPublishPending(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := newTestCA(t, now)
	one, two, three := issueTestCert(t, a, "one"), issueTestCert(t, a, "two"), issueTestCert(t, a, "three")
	// The root publishes for 180 days, the intermediate for 7.
	if _, err := a.PublishCRLs(ctx, CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PublishCRLs(ctx, CRLOptions{CAs: []string{"root"}, NextUpdate: 180 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	type want struct {
		serial *big.Int
		lifted bool
		was    revoke.Reason
		listed bool
	}
	steps := []struct {
		name    string
		do      func() ([]PublishedCRL, error)
		pending []want
		signed  []string // the CAs whose CRLs the step signed
	}{
		{"revoke and publish", func() ([]PublishedCRL, error) {
			_, pub, err := a.RevokeAndPublish(ctx, []Revocation{{Serial: one.SerialNumber, Reason: revoke.KeyCompromise}}, CRLOptions{KeepSpan: true})
			return pub, err
		}, nil, []string{"intermediate"}},
		{"revoke only", func() ([]PublishedCRL, error) {
			_, err := a.Revoke(ctx, Revocation{Serial: two.SerialNumber, Reason: revoke.CertificateHold})
			return nil, err
		}, []want{{serial: two.SerialNumber}}, nil},
		{"the next publication carries it", func() ([]PublishedCRL, error) {
			_, pub, err := a.RevokeAndPublish(ctx, []Revocation{{Serial: three.SerialNumber}}, CRLOptions{KeepSpan: true})
			return pub, err
		}, nil, []string{"intermediate"}},
		{"a hold made permanent, unpublished", func() ([]PublishedCRL, error) {
			_, err := a.Revoke(ctx, Revocation{Serial: two.SerialNumber, Reason: revoke.Superseded})
			return nil, err
		}, []want{{serial: two.SerialNumber, listed: true, was: revoke.CertificateHold}}, nil},
		{"publish", func() ([]PublishedCRL, error) { return a.PublishCRLs(ctx, CRLOptions{CAs: []string{"intermediate"}}) }, nil, []string{"intermediate"}},
		{"revoking the intermediate signs the root's CRL", func() ([]PublishedCRL, error) {
			_, pub, err := a.RevokeAndPublish(ctx, []Revocation{{Serial: a.CAs["intermediate"].SerialNumber, Reason: revoke.Superseded}}, CRLOptions{KeepSpan: true})
			return pub, err
		}, nil, []string{"root"}},
	}
	for _, st := range steps {
		pub, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var signed []string
		for _, p := range pub {
			if p.NotSigned == nil {
				signed = append(signed, p.CA)
			}
		}
		if len(signed) != len(st.signed) || (len(signed) > 0 && signed[0] != st.signed[0]) {
			t.Errorf("%s: signed %v, want %v", st.name, signed, st.signed)
		}
		got, total, err := a.PendingRevocations(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if total != len(st.pending) || len(got) != len(st.pending) {
			t.Fatalf("%s: pending %+v (total %d), want %d", st.name, got, total, len(st.pending))
		}
		for i, w := range st.pending {
			g := got[i]
			if g.Serial.Cmp(w.serial) != 0 || g.Lifted != w.lifted || g.Listed != w.listed || (w.listed && g.Was != w.was) || g.Name == "" {
				t.Errorf("%s: pending %+v, want %+v", st.name, g, w)
			}
		}
	}
	// KeepSpan: the root's CRL signed by the last step kept the 180 days
	// of the one it replaced.
	rl, err := readPublishedCRL(filepath.Join(a.Dir, "crl", "root.crl"), a.CAs["root"])
	if err != nil {
		t.Fatal(err)
	}
	if d := rl.NextUpdate.Sub(rl.ThisUpdate); d != 180*24*time.Hour || rl.Number.Int64() != 3 {
		t.Errorf("root CRL %s valid for %v, want CRL 3 valid for 180 days", rl.Number, d)
	}
}

// A lifted hold is pending until published; UnrevokeAndPublish publishes
// it; PendingRevocations with serials looks at those only.
func testUnrevokeAndPublish(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	held, other := issueTestCert(t, a, "held"), issueTestCert(t, a, "other")
	if _, _, err := a.RevokeAndPublish(ctx, []Revocation{{Serial: held.SerialNumber, Reason: revoke.CertificateHold}}, CRLOptions{KeepSpan: true, NextUpdate: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	rl, _ := readPublishedCRL(filepath.Join(a.Dir, "crl", "intermediate.crl"), a.CAs["intermediate"])
	if d := rl.NextUpdate.Sub(rl.ThisUpdate); d != 30*24*time.Hour {
		t.Errorf("NextUpdate given: validity %v, want 30 days", d)
	}
	if _, err := a.Store.Unrevoke(ctx, held.SerialNumber); err != nil {
		t.Fatal(err)
	}
	got, _, err := a.PendingRevocations(ctx, "", held.SerialNumber, other.SerialNumber)
	if err != nil || len(got) != 1 || !got[0].Lifted || got[0].Name != "held" {
		t.Fatalf("after unrevoke: %+v, %v; want the lifted hold of held", got, err)
	}
	// Put it back on hold without publishing, then lift and publish.
	if _, err := a.Revoke(ctx, Revocation{Serial: held.SerialNumber, Reason: revoke.CertificateHold}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.UnrevokeAndPublish(ctx, []*big.Int{held.SerialNumber}, CRLOptions{KeepSpan: true}); err != nil {
		t.Fatal(err)
	}
	if got, total, err := a.PendingRevocations(ctx, ""); err != nil || total != 0 {
		t.Fatalf("after UnrevokeAndPublish: %+v %d %v", got, total, err)
	}
	rl, _ = readPublishedCRL(filepath.Join(a.Dir, "crl", "intermediate.crl"), a.CAs["intermediate"])
	if d := rl.NextUpdate.Sub(rl.ThisUpdate); d != 30*24*time.Hour {
		t.Errorf("KeepSpan: validity %v, want the 30 days of the CRL it replaced", d)
	}
	// A refused change publishes nothing and changes nothing.
	before, _ := a.Store.CRLNumber(ctx, "intermediate")
	if _, _, err := a.RevokeAndPublish(ctx, []Revocation{{Serial: big.NewInt(99)}}, CRLOptions{}); err == nil {
		t.Fatal("revoking an unknown serial succeeded")
	}
	if after, _ := a.Store.CRLNumber(ctx, "intermediate"); after.Cmp(before) != 0 {
		t.Errorf("a refused revocation took CRL number %s (was %s)", after, before)
	}
}

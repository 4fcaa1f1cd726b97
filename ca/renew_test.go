package ca

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// RenewTarget picks the certificate that owns files under a name, asks
// (AmbiguousNameError) when several in use do, and falls back to the
// newest when the store knows no files.
func testRenewTarget(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	issue := func(name, dir string) *Issued {
		t.Helper()
		return issueWithFiles(t, a, a.NewPlan(PlanOptions{Overwrite: true}), serverRequest(name), dir)
	}
	d1, d2 := t.TempDir(), t.TempDir()

	// Renewed into the same files: the newest owns them.
	issue("a.internal", d1)
	second := issue("a.internal", d1)
	rn, err := a.RenewTarget(ctx, "a.internal")
	if err != nil || rn.Record.Serial.Cmp(second.Cert.SerialNumber) != 0 || rn.File(OutCert) != filepath.Join(d1, "a.internal.pem") {
		t.Fatalf("RenewTarget = %+v, %v; want the second certificate and its files", rn, err)
	}

	// Issued into another folder too: two in use, each with its files.
	third := issue("a.internal", d2)
	var amb *AmbiguousNameError
	if _, err := a.RenewTarget(ctx, "a.internal"); !errors.As(err, &amb) || len(amb.Records) != 2 {
		t.Fatalf("RenewTarget = %v, want an AmbiguousNameError with 2 records", err)
	}

	// One of them revoked: the other.
	if _, err := a.Store.RevokeMany(ctx, []Revocation{{Serial: second.Cert.SerialNumber}}, testNow); err != nil {
		t.Fatal(err)
	}
	if rn, err := a.RenewTarget(ctx, "a.internal"); err != nil || rn.Record.Serial.Cmp(third.Cert.SerialNumber) != 0 {
		t.Fatalf("RenewTarget = %+v, %v; want the one not revoked", rn, err)
	}

	// Issued without files: the newest, with none.
	iss, err := a.Issue(ctx, &Request{Profile: "server", Name: "b.internal", DNS: []string{"b.internal"}})
	if err != nil {
		t.Fatal(err)
	}
	if rn, err := a.RenewTarget(ctx, "b.internal"); err != nil || rn.Record.Serial.Cmp(iss.Cert.SerialNumber) != 0 || len(rn.Files) != 0 {
		t.Fatalf("RenewTarget = %+v, %v; want the certificate without files", rn, err)
	}
	if _, err := a.RenewTarget(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RenewTarget(nobody) = %v, want ErrNotFound", err)
	}

	// A CA is never renewed, not even by serial.
	if _, err := a.RenewTarget(ctx, SerialHex(a.CAs[a.Config.Issuer].SerialNumber)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RenewTarget(the issuing CA's serial) = %v, want ErrNotFound", err)
	}

	// A name reaches the certificates in use first: an expired one with
	// files of its own does not make it ambiguous; once all are expired,
	// they do.
	p := a.NewPlan(PlanOptions{Overwrite: true})
	outs := []Output{{OutCert, filepath.Join(d2, "e.pem")}, {OutKey, filepath.Join(d2, "e-key.pem")}}
	if err := p.Add("", outs...); err != nil {
		t.Fatal(err)
	}
	if _, err := a.IssueTo(ctx, &Request{Profile: "server", Name: "e.internal", DNS: []string{"e.internal"}, Validity: time.Hour, AllowShort: true}, p, &Outputs{Files: outs}); err != nil {
		t.Fatal(err)
	}
	live := issue("e.internal", d1)
	start := a.now
	a.now = func() time.Time { return start().Add(2 * time.Hour) }
	if rn, err := a.RenewTarget(ctx, "e.internal"); err != nil || rn.Record.Serial.Cmp(live.Cert.SerialNumber) != 0 {
		t.Fatalf("RenewTarget(e.internal) = %+v, %v; want the one in use", rn, err)
	}
	a.now = func() time.Time { return start().AddDate(5, 0, 0) }
	if _, err := a.RenewTarget(ctx, "e.internal"); !errors.As(err, &amb) || len(amb.Records) != 2 {
		t.Fatalf("RenewTarget(e.internal), both expired = %v, want an AmbiguousNameError with 2 records", err)
	}
}

// Expiring lists the leaf certificates due within the window with their
// files, and leaves out those a newer certificate replaced: renewed into
// their files, another certificate written over them, or (without
// recorded files) a later one of the same name and profile.
func testExpiring(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	issue := func(name, dir, file string, validity time.Duration) *Issued {
		t.Helper()
		r := &Request{Profile: "server", Name: name, DNS: []string{name}, Validity: validity, AllowShort: true}
		if dir == "" {
			iss, err := a.Issue(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return iss
		}
		p := a.NewPlan(PlanOptions{Overwrite: true})
		outs := []Output{{OutCert, filepath.Join(dir, file+".pem")}, {OutKey, filepath.Join(dir, file+"-key.pem")}}
		if err := p.Add("", outs...); err != nil {
			t.Fatal(err)
		}
		iss, err := a.IssueTo(ctx, r, p, &Outputs{Files: outs})
		if err != nil {
			t.Fatal(err)
		}
		return iss
	}
	d1, d2 := t.TempDir(), t.TempDir()
	serial := func(iss *Issued) string { return SerialHex(iss.Cert.SerialNumber) }

	oldA := issue("a.internal", d1, "a", 2*time.Hour)
	newA := issue("a.internal", d1, "a", 3*time.Hour) // renewed in place, itself due
	b := issue("b.internal", d1, "b", 2*time.Hour)
	overB := issue("c.internal", d1, "b", 90*24*time.Hour) // another certificate into b's files
	d := issue("d.internal", "", "", 2*time.Hour)
	newD := issue("d.internal", d2, "d", 90*24*time.Hour) // renewed with --out-dir
	f := issue("f.internal", "", "", 4*time.Hour)
	issue("g.internal", d2, "g", 90*24*time.Hour) // not due
	h := issue("h.internal", d2, "h", 2*time.Hour)
	if _, err := a.Store.RevokeMany(ctx, []Revocation{{Serial: h.Cert.SerialNumber}}, testNow); err != nil {
		t.Fatal(err)
	}

	if _, err := a.IssueOCSPSigner(ctx, a.Config.Issuer, 2*time.Hour); err != nil { // pkit serve's to renew
		t.Fatal(err)
	}

	due, sup, err := a.Expiring(ctx, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rn := range due {
		got = append(got, fmt.Sprintf("%s files=%d", SerialHex(rn.Record.Serial), len(rn.Files)))
	}
	want := []string{serial(newA) + " files=2", serial(f) + " files=0"}
	if !slices.Equal(got, want) {
		t.Errorf("due = %v, want %v", got, want)
	}
	got = nil
	for _, s := range sup {
		got = append(got, fmt.Sprintf("%s by %s renewed=%v", SerialHex(s.Record.Serial), SerialHex(s.By.Serial), s.Renewed()))
	}
	want = []string{serial(oldA) + " by " + serial(newA) + " renewed=true", serial(b) + " by " + serial(overB) + " renewed=false",
		serial(d) + " by " + serial(newD) + " renewed=true"}
	if !slices.Equal(got, want) {
		t.Errorf("superseded = %v, want %v", got, want)
	}
}

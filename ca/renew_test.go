package ca

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// RenewTarget picks the certificate that owns files under a name, asks
// (AmbiguousNameError) when several in use do, and falls back to the
// newest when the store knows no files.
func TestRenewTarget(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	ctx := context.Background()
	issue := func(name, dir string) *Issued {
		t.Helper()
		p := a.NewPlan(PlanOptions{Overwrite: true})
		outs := []Output{{OutCert, filepath.Join(dir, name+".pem")}, {OutKey, filepath.Join(dir, name+"-key.pem")}}
		if err := p.Add("", outs...); err != nil {
			t.Fatal(err)
		}
		iss, err := a.IssueTo(ctx, &Request{Profile: "server", Name: name, DNS: []string{name}}, p, &Outputs{Files: outs})
		if err != nil {
			t.Fatal(err)
		}
		return iss
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
}

package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
	"github.com/pkit/pkit/revoke/ocsp"
)

// TestOCSPSource: the store's answers, by issuer and serial, and a
// version that moves with every commit made through another connection
// (as another pkit process makes them), also once the WAL was
// checkpointed and restarted.
func TestOCSPSource(t *testing.T) {
	ctx := context.Background()
	a := newTestCA(t, time.Now())
	alice := issueTestCert(t, a, "alice")
	bob := issueTestCert(t, a, "bob")
	src, err := a.OCSPSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.shm == nil {
		t.Fatal("no WAL index: every request would read the store")
	}
	if (runtime.GOOS == "linux" || runtime.GOOS == "darwin") && src.shmap == nil {
		t.Error("the WAL index is not mapped: every request makes a system call")
	}
	// Another process's connection.
	other, err := OpenStore(filepath.Join(a.Dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	v0, _ := src.Version(ctx)
	if v, _ := src.Version(ctx); v != v0 {
		t.Fatalf("version moved without a commit: %d, %d", v0, v)
	}
	at := time.Now().UTC().Truncate(time.Second)
	if _, err := other.Revoke(ctx, Revocation{Serial: alice.SerialNumber, Reason: revoke.KeyCompromise}, at); err != nil {
		t.Fatal(err)
	}
	v1, _ := src.Version(ctx)
	if v1 == v0 {
		t.Fatal("a revocation committed by another connection did not move the version")
	}
	inter := a.CAs["intermediate"]
	tests := []struct {
		issuer string
		serial *big.Int
		want   ocsp.Status
	}{
		{"intermediate", alice.SerialNumber, ocsp.Status{Status: ocsp.Revoked, RevokedAt: at, Reason: revoke.KeyCompromise}},
		{"intermediate", bob.SerialNumber, ocsp.Status{Status: ocsp.Good}},
		{"root", bob.SerialNumber, ocsp.Status{Status: ocsp.Unknown}}, // not the root's
		{"intermediate", big.NewInt(12345), ocsp.Status{Status: ocsp.Unknown}},
		{"intermediate", big.NewInt(-1), ocsp.Status{Status: ocsp.Unknown}},
		{"root", inter.SerialNumber, ocsp.Status{Status: ocsp.Good}},
	}
	for _, tc := range tests {
		got, err := src.Status(ctx, tc.issuer, tc.serial)
		if err != nil || got != tc.want {
			t.Errorf("%s %x: %+v %v, want %+v", tc.issuer, tc.serial, got, err, tc.want)
		}
		// Read in a batch, with a serial twice: the same answers.
		all, err := src.Statuses(ctx, tc.issuer, []*big.Int{tc.serial, alice.SerialNumber, tc.serial})
		if err != nil || len(all) != 3 || all[0] != tc.want || all[2] != tc.want {
			t.Errorf("%s %x in a batch: %+v %v, want %+v", tc.issuer, tc.serial, all, err, tc.want)
		}
	}
	// A hold, lifted: good again, and the version moves each time.
	if _, err := other.Revoke(ctx, Revocation{Serial: bob.SerialNumber, Reason: revoke.CertificateHold}, at); err != nil {
		t.Fatal(err)
	}
	if st, _ := src.Status(ctx, "intermediate", bob.SerialNumber); st.Status != ocsp.Revoked || st.Reason != revoke.CertificateHold {
		t.Errorf("on hold: %+v", st)
	}
	if _, err := other.Unrevoke(ctx, bob.SerialNumber); err != nil {
		t.Fatal(err)
	}
	v2, _ := src.Version(ctx)
	if st, _ := src.Status(ctx, "intermediate", bob.SerialNumber); st.Status != ocsp.Good || v2 == v1 {
		t.Errorf("hold lifted: %+v, version %d -> %d", st, v1, v2)
	}
	// After a checkpoint the next writer starts the WAL again from its
	// beginning: its commit must still move the version.
	if err := other.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	v3, _ := src.Version(ctx)
	if _, err := other.Revoke(ctx, Revocation{Serial: bob.SerialNumber, Reason: revoke.Superseded}, at); err != nil {
		t.Fatal(err)
	}
	if v4, _ := src.Version(ctx); v4 == v3 {
		t.Error("a commit after a checkpoint did not move the version")
	}
	// A store copied over the one being read is noticed.
	if err := src.Check(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(a.Dir, "store")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".new", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	if err := src.Check(ctx); !errors.Is(err, ErrStoreReplaced) {
		t.Errorf("replaced store: %v", err)
	}
}

// TestOCSPSigner: a delegated signer is an OCSP signing certificate of
// the CA with id-pkix-ocsp-nocheck, recorded in the store, that a
// responder takes, and renewed when a third of its life is left.
func TestOCSPSigner(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a := newTestCA(t, now)
	s, err := a.IssueOCSPSigner(ctx, "intermediate", 3*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cert
	inter := a.CAs["intermediate"]
	if err := c.CheckSignatureFrom(inter); err != nil || !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}) ||
		c.KeyUsage != x509.KeyUsageDigitalSignature || c.IsCA {
		t.Fatalf("signer: %v, EKU %v, KU %v, CA %v", err, c.ExtKeyUsage, c.KeyUsage, c.IsCA)
	}
	nocheck := false
	for _, e := range c.Extensions {
		nocheck = nocheck || e.Id.Equal(ocsp.OIDNoCheck)
	}
	if !nocheck {
		t.Error("no id-pkix-ocsp-nocheck")
	}
	rec, err := a.Store.Get(ctx, c.SerialNumber)
	if err != nil || rec.Profile != OCSPSignerProfile || rec.Issuer != "intermediate" {
		t.Fatalf("store record: %+v %v", rec, err)
	}
	if s.Renew(now) || !s.Renew(c.NotAfter.Add(-24*time.Hour)) {
		t.Errorf("renew at start %v, a day before the end %v", s.Renew(now), s.Renew(c.NotAfter.Add(-24*time.Hour)))
	}
	r := ocsp.New(ocsp.Options{})
	if err := r.AddCA("intermediate", inter, s.Key, c); err != nil {
		t.Fatal(err)
	}
	if _, err := a.IssueOCSPSigner(ctx, "nosuch", 0); err == nil {
		t.Error("a signer for an unknown CA")
	}
}

// TestServeRoutes: the paths of the URL templates, per CA, or the
// defaults; unknown paths are 404.
func TestServeRoutes(t *testing.T) {
	a := openTestCA(t, InitOptions{CRLURL: "http://pki.example/c/{ca}.crl", OCSPURL: "http://pki.example/status/{ca}"})
	routes := a.Routes(ServeOptions{OCSP: http.NotFoundHandler()})
	got := map[string]string{}
	for _, r := range routes {
		got[r.Path] = r.Kind + " " + r.CA
	}
	want := map[string]string{
		"/c/intermediate.crl":  "crl intermediate",
		"/c/root.crl":          "crl root",
		"/ca/intermediate.crt": "ca intermediate",
		"/ca/root.crt":         "ca root",
		"/status/intermediate": "ocsp ",
		"/status/root":         "ocsp ",
		"/healthz":             "health ",
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %q, want %q", p, got[p], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("routes %v", got)
	}
	var seen string
	h := a.Handler(ServeOptions{OCSP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.URL.EscapedPath() })})
	for path, code := range map[string]int{"/ca/root.crt": 200, "/healthz": 200, "/c/root.crl": 404, "/nope": 404, "/status/root/MEU%2Bx": 200} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != code {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, code)
		}
	}
	if seen != "/MEU%2Bx" {
		t.Errorf("the responder saw %q", seen)
	}
}

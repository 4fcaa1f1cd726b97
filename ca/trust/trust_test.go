package trust

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newRoot(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Test"}},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNames(t *testing.T) {
	tests := []struct {
		cn       string
		name     string // without the fingerprint
		fileName string
	}{
		{"Acme Root CA", "pkit Acme Root CA ", "pkit-acme-root-ca-"},
		{"  Spaced   Out  ", "pkit Spaced Out ", "pkit-spaced-out-"},
		{"Ünïcode/Root: CA", "pkit Ünïcode/Root: CA ", "pkit-n-code-root-ca-"},
		{"", "pkit O=Test ", "pkit-o-test-"},
	}
	for _, tt := range tests {
		t.Run(tt.cn, func(t *testing.T) {
			r := newRoot(t, tt.cn)
			n, f := Name(r), FileName(r)
			if !strings.HasPrefix(n, tt.name) || len(n) != len(tt.name)+16 {
				t.Errorf("Name = %q, want %q + 16 hex digits", n, tt.name)
			}
			if !strings.HasPrefix(f, tt.fileName) || len(f) != len(tt.fileName)+16 || f[len(f)-16:] != n[len(n)-16:] {
				t.Errorf("FileName = %q, want %q + the same 16 hex digits as %q", f, tt.fileName, n)
			}
			if Name(newRoot(t, tt.cn)) == n {
				t.Error("two roots of the same name got the same Name")
			}
		})
	}
}

func TestNewRefusesNonRoots(t *testing.T) {
	r := newRoot(t, "Root")
	leaf := *r
	leaf.IsCA = false
	if _, err := New(&leaf, Options{}); !errors.Is(err, ErrNotRoot) {
		t.Errorf("New(non-CA) = %v, want ErrNotRoot", err)
	}
}

func TestParseCertutilList(t *testing.T) {
	out := "\nCertificate Nickname                                         Trust Attributes\n" +
		"                                                             SSL,S/MIME,JAR/XPI\n\n" +
		"pkit Acme Root CA 0123456789abcdef                           C,,  \n" +
		"alice's key                                                  u,u,u\n" +
		"with  two  spaces                                            CT,C,C\n"
	got := parseCertutilList([]byte(out))
	want := []nssEntry{{"pkit Acme Root CA 0123456789abcdef", "C,,"}, {"alice's key", "u,u,u"}, {"with  two  spaces", "CT,C,C"}}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestParseKeytoolList(t *testing.T) {
	out := "Keystore type: JKS\n\nYour keystore contains 2 entries\n\n" +
		"Alias name: one\nCreation date: Jan 1, 2026\nEntry type: trustedCertEntry\n\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\n" +
		"Alias name: two, with comma\nCreation date: Jan 1, 2026\nEntry type: PrivateKeyEntry\nCertificate chain length: 1\nCertificate[1]:\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"
	got := parseKeytoolList([]byte(out))
	if len(got) != 2 || got[0].alias != "one" || !got[0].trusted || got[1].alias != "two, with comma" || got[1].trusted {
		t.Fatalf("got %+v", got)
	}
	if !strings.Contains(string(got[0].pem), "AAAA") || strings.Contains(string(got[0].pem), "BBBB") {
		t.Errorf("entry one's PEM: %q", got[0].pem)
	}
}

// testLayout is a system store in a temporary folder whose refresh
// command concatenates the anchors into the bundle, as
// update-ca-certificates does.
func testLayout(t *testing.T, refresh string) *SystemLayout {
	d := t.TempDir()
	anchors := filepath.Join(d, "anchors")
	if err := os.Mkdir(anchors, 0o755); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(d, "bundle.pem")
	if refresh == "" {
		refresh = "cat " + anchors + "/*.crt > " + bundle + " 2>/dev/null || : > " + bundle
	}
	return &SystemLayout{AnchorDir: anchors, Ext: ".crt", Refresh: []string{"sh", "-c", refresh}, Bundle: bundle}
}

func systemLoc(t *testing.T, tr *Trust) Location {
	t.Helper()
	locs, un, err := tr.Status(context.Background(), []Store{System})
	if err != nil || len(un) > 0 || len(locs) != 1 {
		t.Fatalf("Status = %v, %v, %v", locs, un, err)
	}
	return locs[0]
}

func apply(t *testing.T, tr *Trust, install bool) *Plan {
	t.Helper()
	p, err := tr.plan(context.Background(), []Store{System}, install)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSystemAnchors installs into, and uninstalls from, an anchor-folder
// store: the plan, the files, the status, idempotency, and a copy of the
// root under another name that uninstall leaves alone.
func TestSystemAnchors(t *testing.T) {
	root := newRoot(t, "Anchor Root")
	l := testLayout(t, "")
	tr, err := New(root, Options{System: l})
	if err != nil {
		t.Fatal(err)
	}
	ours := filepath.Join(l.AnchorDir, FileName(root)+".crt")
	if loc := systemLoc(t, tr); loc.Trusted || loc.AddedByPkit {
		t.Fatalf("before install: %+v", loc)
	}
	p := apply(t, tr, true)
	if len(p.Changes) != 1 || p.Changes[0].Action != Add || !p.Changes[0].Done ||
		p.Changes[0].Steps[0].Write != ours || p.Changes[0].Steps[1].Command[0] != "sh" {
		t.Fatalf("install plan: %+v", p.Changes)
	}
	if loc := systemLoc(t, tr); !loc.Trusted || !loc.AddedByPkit {
		t.Fatalf("after install: %+v", loc)
	}
	if p := apply(t, tr, true); p.Pending() || p.Changes[0].Action != None || p.Changes[0].Done {
		t.Fatalf("second install plan: %+v", p.Changes)
	}
	if p := apply(t, tr, false); p.Changes[0].Action != Remove || !p.Changes[0].Done {
		t.Fatalf("uninstall plan: %+v", p.Changes)
	}
	if _, err := os.Stat(ours); !os.IsNotExist(err) {
		t.Fatalf("uninstall left %s: %v", ours, err)
	}
	if loc := systemLoc(t, tr); loc.Trusted || loc.AddedByPkit {
		t.Fatalf("after uninstall: %+v", loc)
	}
	if p := apply(t, tr, false); p.Pending() {
		t.Fatalf("second uninstall plan: %+v", p.Changes)
	}

	// The root added by someone else under another file name.
	mine := filepath.Join(l.AnchorDir, "mine.crt")
	if err := os.WriteFile(mine, tr.rootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	apply(t, tr, false) // nothing, but refreshes nothing either
	if _, err := tr.run(context.Background(), l.Refresh...); err != nil {
		t.Fatal(err)
	}
	if loc := systemLoc(t, tr); !loc.Trusted || loc.AddedByPkit || len(loc.Names) != 1 || loc.Names[0] != "mine.crt" {
		t.Fatalf("with mine.crt: %+v", loc)
	}
	if p := apply(t, tr, true); p.Pending() {
		t.Fatalf("install over mine.crt: %+v", p.Changes)
	}
	if p := apply(t, tr, false); p.Pending() {
		t.Fatalf("uninstall with only mine.crt: %+v", p.Changes)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Fatalf("uninstall touched mine.crt: %v", err)
	}
}

// TestSystemRefreshFails: when the refresh command fails, the anchor
// file written before it is taken out again and the error says which
// command failed.
func TestSystemRefreshFails(t *testing.T) {
	root := newRoot(t, "Failing Root")
	l := testLayout(t, "echo no way; exit 3")
	tr, err := New(root, Options{System: l})
	if err != nil {
		t.Fatal(err)
	}
	p, err := tr.PlanInstall(context.Background(), []Store{System})
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Apply(context.Background(), p)
	var ce *CommandError
	if !errors.As(err, &ce) || !strings.Contains(ce.Output, "no way") {
		t.Fatalf("Apply = %v, want a CommandError with the output", err)
	}
	if p.Changes[0].Done {
		t.Error("the failed change is marked done")
	}
	ents, _ := os.ReadDir(l.AnchorDir)
	if len(ents) != 0 {
		t.Errorf("the anchor folder holds %d files after the failed install", len(ents))
	}
}

// TestUnavailable: a store whose tool is missing is reported with what to
// install, and planned around.
func TestUnavailable(t *testing.T) {
	tr, err := New(newRoot(t, "Root"), Options{
		System:       testLayout(t, ""),
		NSSDBs:       nil,
		JavaKeystore: "",
		LookPath:     func(string) (string, error) { return "", errors.New("not found") },
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := tr.PlanInstall(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 0 || len(p.Unavailable) != 3 {
		t.Fatalf("plan: %+v", p)
	}
	if u := p.Unavailable[0]; u.Store != System || u.Tool != "sh" {
		t.Errorf("system: %+v", u)
	}
}

// TestNSSDiscovery finds Chromium's database and Firefox profiles under
// the home folder, only those with a cert9.db.
func TestNSSDiscovery(t *testing.T) {
	home := t.TempDir()
	for _, d := range []string{".pki/nssdb", ".mozilla/firefox/abc.default-release", ".mozilla/firefox/old.dbm", "snap/firefox/common/.mozilla/firefox/x.default"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(d, ".dbm") {
			if err := os.WriteFile(filepath.Join(home, d, "cert9.db"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	tr, err := New(newRoot(t, "Root"), Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	got, err := nssBackend{tr}.nssDBs()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".pki/nssdb", ".mozilla/firefox/abc.default-release", "snap/firefox/common/.mozilla/firefox/x.default"}
	if nssUnsupported != "" {
		want = nil
	}
	if len(got) != len(want) {
		t.Fatalf("found %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != filepath.Join(home, want[i]) {
			t.Errorf("database %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestPermission: a plan that must write where this process may not
// fails with a PermissionError before anything changes.
func TestPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write anywhere")
	}
	l := testLayout(t, "")
	if err := os.Chmod(l.AnchorDir, 0o555); err != nil {
		t.Fatal(err)
	}
	tr, err := New(newRoot(t, "Root"), Options{System: l})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.PlanInstall(context.Background(), []Store{System})
	var pe *PermissionError
	if !errors.As(err, &pe) || pe.Store != System || pe.Path != l.AnchorDir {
		t.Fatalf("PlanInstall = %v, want a PermissionError for %s", err, l.AnchorDir)
	}
}

package ca

// What the CA refuses to sign: revoked issuing CAs, compromised and weak
// keys, names with control characters, DNS names that are mistyped IP
// addresses; and how long what it signs is valid.

import (
	"context"
	"crypto"
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
)

func TestValidityPeriod(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	day := 24 * time.Hour
	nb := testNow.Add(-Backdate)
	tests := []struct {
		name     string
		profile  string
		validity time.Duration // 0: the profile's
		notAfter time.Time
	}{
		// The server default is Apple's 825-day limit on notAfter -
		// notBefore: the backdate must not push the span over it.
		{"server default", "server", 0, nb.Add(825 * day)},
		{"server 825d", "server", 825 * day, nb.Add(825 * day)},
		{"server 825d minus the backdate", "server", 825*day - Backdate, testNow.Add(825*day - Backdate)},
		{"server 824d", "server", 824 * day, testNow.Add(824 * day)},
		// Longer than Apple's limit, asked for on purpose: given as asked.
		{"server 900d", "server", 900 * day, testNow.Add(900 * day)},
		{"server 1h", "server", time.Hour, testNow.Add(time.Hour)},
		{"server 5m", "server", 5 * time.Minute, testNow.Add(5 * time.Minute)},
		{"client 1s", "client", time.Second, testNow.Add(time.Second)},
		{"client 90m", "client", 90 * time.Minute, testNow.Add(90 * time.Minute)},
		{"client default", "client", 0, testNow.Add(365 * day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{Profile: tt.profile, Name: "v.example.com", Validity: tt.validity, AllowShort: tt.validity > 0 && tt.validity < MinLifetime}
			if tt.profile == "server" {
				r.DNS = []string{"v.example.com"}
			}
			iss, err := a.Issue(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			c := iss.Cert
			if !c.NotBefore.Equal(nb) || !c.NotAfter.Equal(tt.notAfter) {
				t.Errorf("valid %s to %s, want %s to %s", c.NotBefore, c.NotAfter, nb, tt.notAfter)
			}
			if !c.NotAfter.After(testNow) {
				t.Errorf("expired when issued: notAfter %s", c.NotAfter)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"Alice Smith", true},
		{"Zoë Ødegård", true},
		{"山田太郎", true},
		{"team/alice", true}, // "/" becomes "_" in file names
		{"alice@example.com", true},
		{"nl\nx", false},
		{"tab\tx", false},
		{"cr\rx", false},
		{"nul\x00x", false},
		{"esc\x1b[31mred", false},
		{"del\x7fx", false},
		{"c1\u0085x", false},
		{"ls\u2028x", false},
		{"bidi\u202egnp.exe", false},
		{"isolate\u2066x", false},
		{"bad utf-8 \xff", false},
		{" alice", false},
		{"alice ", false},
	}
	for _, tt := range tests {
		if err := CheckName(tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// Check refuses bad names, in the name or a SAN, as ErrBadName (which the
// CLI reports as a usage error), and bad keys as ErrWeakKey, before
// anything is signed.
func TestCheckRefuses(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		r       Request
		wantErr error // nil: accepted
	}{
		{"newline in client name", Request{Profile: "client", Name: "nl\nx"}, ErrBadName},
		{"tab in client name", Request{Profile: "client", Name: "a\tb"}, ErrBadName},
		{"newline in server name", Request{Profile: "server", Name: "a\nb", DNS: []string{"a.example.com"}}, ErrBadName},
		{"control character in a DNS SAN", Request{Profile: "server", Name: "a", DNS: []string{"a\x00.example.com"}}, ErrBadName},
		{"mistyped IP as DNS SAN", Request{Profile: "server", Name: "a", DNS: []string{"999.1.1.1"}}, ErrBadName},
		{"unicode client name", Request{Profile: "client", Name: "Zoë Ødegård"}, nil},
		{"RSA 1024 key", Request{Profile: "client", Name: "a", PublicKey: rsa1024.Public()}, ErrWeakKey},
		{"P-224 key", Request{Profile: "client", Name: "a", PublicKey: p224.Public()}, ErrWeakKey},
		{"X25519 key", Request{Profile: "client", Name: "a", PublicKey: x25519.PublicKey()}, ErrWeakKey},
		{"DSA key", Request{Profile: "client", Name: "a", PublicKey: &dsa.PublicKey{}}, ErrWeakKey},
		{"P-521 key", Request{Profile: "client", Name: "a", PublicKey: p521.Public()}, nil},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := a.Check(&tt.r)
			var re *RequestError
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.As(err, &re) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Check: %v, want a *RequestError wrapping %v", err, tt.wantErr)
			}
			if strings.ContainsAny(err.Error(), "\n\t") {
				t.Errorf("message %q is not one line", err)
			}
			n, _ := a.Store.Count(ctx)
			if _, err := a.Issue(ctx, &tt.r); !errors.Is(err, tt.wantErr) {
				t.Errorf("Issue: %v, want %v", err, tt.wantErr)
			}
			if after, _ := a.Store.Count(ctx); after != n {
				t.Errorf("store %d -> %d", n, after)
			}
		})
	}
}

func TestCheckPublicKeySizes(t *testing.T) {
	for _, bits := range []int{1024, 2047} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckPublicKey(k.Public())
		if !errors.Is(err, ErrWeakKey) || !strings.Contains(err.Error(), "at least 2048") {
			t.Errorf("RSA %d: %v", bits, err)
		}
	}
	for _, kt := range KeyTypes {
		k, err := GenerateKey(kt)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckPublicKey(k.Public()); err != nil {
			t.Errorf("%s: %v", kt, err)
		}
	}
}

// A revoked issuing CA, or a revoked CA above it, issues nothing until a
// new issuing CA is made.
func testIssueRefusesRevokedIssuer(t *testing.T) {
	two := 2
	tests := []struct {
		name   string
		revoke string // the CA to revoke
		reason revoke.Reason
		above  bool // the revoked CA is above the issuing CA
	}{
		{"issuing CA superseded", "intermediate", revoke.Superseded, false},
		{"issuing CA on hold", "intermediate", revoke.CertificateHold, false},
		{"CA above the issuing CA", "mid", revoke.CACompromise, true},
		{"another CA", "other", revoke.KeyCompromise, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a := openTestCA(t, InitOptions{PathLen: &two})
			if err := a.CreateIntermediate(ctx, "other", "Other CA", IntermediateOptions{Protection: Protection{None: true}}); err != nil {
				t.Fatal(err)
			}
			if tt.above {
				if err := a.CreateIntermediate(ctx, "mid", "Mid CA", IntermediateOptions{PathLen: 1, Protection: Protection{None: true}}); err != nil {
					t.Fatal(err)
				}
				if err := a.CreateIntermediate(ctx, "low", "Low CA", IntermediateOptions{Parent: "mid", MakeIssuer: true, Protection: Protection{None: true}}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.Revoke(ctx, Revocation{Serial: a.CAs[tt.revoke].SerialNumber, Reason: tt.reason}); err != nil {
				t.Fatal(err)
			}
			b, err := Open(a.Dir, OpenOptions{Now: a.now})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			n, _ := b.Store.Count(ctx)
			for range 2 { // the second answer comes from the Authority's memory
				_, err = b.Issue(ctx, &Request{Profile: "client", Name: "after"})
				if tt.revoke == "other" {
					if err != nil {
						t.Fatalf("a revoked CA that is not above the issuer stops issuance: %v", err)
					}
					return
				}
				var re *RequestError
				if !errors.Is(err, ErrIssuerRevoked) || !errors.As(err, &re) || !strings.Contains(re.Hint, "pkit ca intermediate NEW --make-issuer") {
					t.Fatalf("Issue: %v, want ErrIssuerRevoked with a hint", err)
				}
				if !strings.Contains(err.Error(), `"`+tt.revoke+`"`) || !strings.Contains(err.Error(), tt.reason.String()) {
					t.Errorf("message %q does not name the CA and reason", err)
				}
			}
			if after, _ := b.Store.Count(ctx); after != n {
				t.Errorf("store %d -> %d", n, after)
			}
			// The way out the hint gives works.
			if err := b.CreateIntermediate(ctx, "fresh", "Fresh CA", IntermediateOptions{MakeIssuer: true, Protection: Protection{None: true}}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Issue(ctx, &Request{Profile: "client", Name: "after"}); err != nil {
				t.Errorf("issuing from a new intermediate: %v", err)
			}
		})
	}
}

// A public key whose certificate was revoked for keyCompromise (or
// cACompromise) is never certified again; other reasons do not stop a
// key from being reused, and generated keys are always new.
func testIssueRefusesCompromisedKey(t *testing.T) {
	tests := []struct {
		name    string
		reason  revoke.Reason
		sameKey bool
		wantErr error
	}{
		{"keyCompromise, same key", revoke.KeyCompromise, true, ErrCompromisedKey},
		{"cACompromise, same key", revoke.CACompromise, true, ErrCompromisedKey},
		{"superseded, same key", revoke.Superseded, true, nil},
		{"keyCompromise, another key", revoke.KeyCompromise, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a := openTestCA(t, InitOptions{})
			old, err := a.Issue(ctx, &Request{Profile: "client", Name: "eve"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Issue(ctx, &Request{Profile: "client", Name: "bystander"}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Revoke(ctx, Revocation{Serial: old.Cert.SerialNumber, Reason: tt.reason}); err != nil {
				t.Fatal(err)
			}
			var pub crypto.PublicKey = old.Key.Public()
			if !tt.sameKey {
				k, _ := GenerateKey(ECDSAP256)
				pub = k.Public()
			}
			// The same key through the three ways a key reaches Issue:
			// --key/--reuse-key, and a CSR.
			csrDER, err := CreateCSR(old.Key, &Request{Name: "eve"})
			if err != nil {
				t.Fatal(err)
			}
			csr, err := x509.ParseCertificateRequest(csrDER)
			if err != nil {
				t.Fatal(err)
			}
			fromCSR, err := a.RequestFromCSR(csr, "client")
			if err != nil {
				t.Fatal(err)
			}
			reqs := []*Request{{Profile: "client", Name: "eve", PublicKey: pub}}
			if tt.sameKey {
				reqs = append(reqs, fromCSR)
			}
			// The store finds it with and without the list of issuers.
			for _, issuers := range [][]string{nil, a.CANames(), {"elsewhere"}} {
				rec, err := a.Store.CompromisedKey(ctx, pub, issuers...)
				want := tt.wantErr != nil && (issuers == nil || len(issuers) > 1)
				if err != nil || (rec != nil) != want || rec != nil && rec.Serial.Cmp(old.Cert.SerialNumber) != 0 {
					t.Errorf("CompromisedKey(issuers %v) = %v, %v; want found %v", issuers, rec, err, want)
				}
			}
			for _, r := range reqs {
				n, _ := a.Store.Count(ctx)
				_, err = a.Issue(ctx, r)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Issue: %v, want %v", err, tt.wantErr)
				}
				after, _ := a.Store.Count(ctx)
				if tt.wantErr != nil && after != n {
					t.Errorf("store %d -> %d", n, after)
				}
			}
			if _, err := a.Issue(ctx, &Request{Profile: "client", Name: "eve"}); err != nil {
				t.Errorf("a new key is refused: %v", err)
			}
		})
	}
}

// A common name that looks like a host name or an email address is held
// to the CA's name constraints like a SAN, through every way a request
// reaches Check: a name, a name with SANs, a CSR; and email constraints
// follow RFC 5280's host rule.
func TestCheckNameConstraintsOnEveryName(t *testing.T) {
	a := openTestCA(t, InitOptions{PermittedDNS: []string{"example.internal"}, ExcludedDNS: []string{"secret.example.internal"},
		PermittedEmail: []string{"example.com"}})
	csrFor := func(cn string) *Request {
		k, _ := GenerateKey(ECDSAP256)
		der, err := CreateCSR(k, &Request{Name: cn})
		if err != nil {
			t.Fatal(err)
		}
		csr, err := x509.ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		r, err := a.RequestFromCSR(csr, "client")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		r    *Request
		ok   bool
		want string // part of the message
	}{
		{"client named under an excluded subtree", &Request{Profile: "client", Name: "www.secret.example.internal"}, false,
			`DNS name "www.secret.example.internal" (common name) is in the excluded subtree DNS:secret.example.internal`},
		{"client named outside the permitted domain", &Request{Profile: "client", Name: "evil.com"}, false,
			`DNS name "evil.com" (common name) is outside the permitted DNS:example.internal`},
		{"a host-like name beside an allowed SAN", &Request{Profile: "client", Name: "evil.com", DNS: []string{"ok.example.internal"}}, false, `"evil.com" (common name)`},
		{"client named like an email outside", &Request{Profile: "client", Name: "alice@evil.com"}, false, `email address "alice@evil.com" (common name)`},
		{"email SAN at a host under a host constraint", &Request{Profile: "client", Name: "alice", Emails: []string{"a@sub.example.com"}}, false,
			`email address "a@sub.example.com" is outside the permitted email:example.com`},
		{"CSR whose CN is outside", csrFor("evil.com"), false, `"evil.com" (common name)`},
		{"CSR whose CN is inside", csrFor("ok.example.internal"), true, ""},
		{"plain client name", &Request{Profile: "client", Name: "alice"}, true, ""},
		{"client named inside", &Request{Profile: "client", Name: "host.example.internal"}, true, ""},
		{"email at the host", &Request{Profile: "client", Name: "alice@example.com", Emails: []string{"alice@example.com"}}, true, ""},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := a.Check(tt.r)
			if tt.ok {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || !errors.Is(err, ErrNameConstraints) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check: %v, want ErrNameConstraints with %q", err, tt.want)
			}
			n, _ := a.Store.Count(ctx)
			if _, err := a.Issue(ctx, tt.r); !errors.Is(err, ErrNameConstraints) {
				t.Errorf("Issue: %v", err)
			}
			if after, _ := a.Store.Count(ctx); after != n {
				t.Errorf("store %d -> %d", n, after)
			}
		})
	}
	// The profile's SAN rules hold for such a name too.
	a.Config.Profiles["mail"] = &Profile{Name: "mail", Validity: time.Hour, SANTypes: []string{"email"}}
	if _, _, _, err := a.Check(&Request{Profile: "mail", Name: "www.example.internal"}); err == nil || !strings.Contains(err.Error(), `does not allow dns names`) {
		t.Errorf("a host-like name under an email-only profile: %v", err)
	}
}

// What the CA signs is verified against its chain with chain.Verify
// before it is recorded: a chain that makes it unusable (here an
// intermediate re-signed with a critical extension no one understands)
// stops issuance with an internal error, and nothing is recorded.
func TestIssueVerifiesBeforeRecording(t *testing.T) {
	ctx := context.Background()
	a := openTestCA(t, InitOptions{})
	if _, err := a.Issue(ctx, &Request{Profile: "client", Name: "before"}); err != nil {
		t.Fatal(err)
	}
	rootKey, err := a.Unlock("root")
	if err != nil {
		t.Fatal(err)
	}
	old := a.CAs["intermediate"]
	tmpl := *old
	tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}}}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, a.CAs["root"], old.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	a.CAs["intermediate"] = changed
	a.linkChains()
	n, _ := a.Store.Count(ctx)
	for _, r := range []*Request{{Profile: "client", Name: "after"}, {Profile: "server", Name: "www.example.com", DNS: []string{"www.example.com"}}} {
		_, err = a.Issue(ctx, r)
		if !errors.Is(err, ErrSelfCheck) || !strings.Contains(err.Error(), "critical extensions pkit does not understand") {
			t.Fatalf("Issue: %v, want ErrSelfCheck naming the problem", err)
		}
	}
	if after, _ := a.Store.Count(ctx); after != n {
		t.Errorf("store %d -> %d: a certificate that fails the check was recorded", n, after)
	}
}

// RSA keys with a small public exponent, and the key of a CA in the
// directory, are not certified.
func TestCheckRefusesKeys(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []int{3, 17, 65535, 65538} {
		pub := &rsa.PublicKey{N: k.N, E: e}
		if _, _, _, err := a.Check(&Request{Profile: "client", Name: "a", PublicKey: pub}); !errors.Is(err, ErrWeakKey) || !strings.Contains(err.Error(), "exponent") {
			t.Errorf("e=%d: %v, want ErrWeakKey", e, err)
		}
	}
	if _, _, _, err := a.Check(&Request{Profile: "client", Name: "a", PublicKey: k.Public()}); err != nil {
		t.Errorf("e=65537: %v", err)
	}
	for _, name := range []string{"intermediate", "root"} {
		signer, err := a.Unlock(name)
		if err != nil {
			t.Fatal(err)
		}
		der, err := CreateCSR(signer, &Request{Name: "sneaky"})
		if err != nil {
			t.Fatal(err)
		}
		csr, _ := x509.ParseCertificateRequest(der)
		r, err := a.RequestFromCSR(csr, "client")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Issue(context.Background(), r); !errors.Is(err, ErrCAKey) || !strings.Contains(err.Error(), `CA "`+name+`"`) {
			t.Errorf("a CSR made with the key of %s: %v, want ErrCAKey", name, err)
		}
	}
}

// A CA's organization name must fit its common names and be a
// certificate name; Init refuses others and creates nothing.
func TestInitRefusesBadOrgName(t *testing.T) {
	for _, name := range []string{strings.Repeat("a", MaxOrgName+1), "Acme\nInc", "Acme\u202eInc"} {
		dir := filepath.Join(t.TempDir(), "pki")
		err := Init(dir, InitOptions{Name: name, Protection: Protection{None: true}})
		if !errors.Is(err, ErrBadName) {
			t.Errorf("Init(name %q): %v, want ErrBadName", name, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Init(name %q) left %s: %v", name, dir, err)
		}
	}
	if err := CheckOrgName(strings.Repeat("é", MaxOrgName)); err != nil {
		t.Errorf("a %d-character name: %v", MaxOrgName, err)
	}
}

// A validity shorter than a minute is refused unless asked for.
func TestCheckShortValidity(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	if _, _, _, err := a.Check(&Request{Profile: "client", Name: "a", Validity: time.Nanosecond}); err == nil || !strings.Contains(err.Error(), "shorter than 1 minute") {
		t.Errorf("1ns: %v", err)
	}
	if _, _, _, err := a.Check(&Request{Profile: "client", Name: "a", Validity: time.Second, AllowShort: true}); err != nil {
		t.Errorf("1s with AllowShort: %v", err)
	}
}

// Path lengths: negative ones are refused, and every CA above the parent
// limits the new CA, not only the parent.
func TestCheckIntermediatePathLen(t *testing.T) {
	ctx := context.Background()
	one := 1
	a := openTestCA(t, InitOptions{Single: true, PathLen: &one})
	// A CA with no path length limit under the pathlen:1 root, as another
	// tool (or an older pkit) could have made it.
	rootKey, err := a.Unlock("root")
	if err != nil {
		t.Fatal(err)
	}
	legacy, _, err := createCA(InitOptions{Name: "Test"}, "Test Legacy CA", a.CAs["root"], rootKey, URLs{}, 365*24*time.Hour, testNow, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	a.CAs["legacy"] = legacy
	a.linkChains()
	tests := []struct {
		name    string
		o       IntermediateOptions
		wantErr string
	}{
		{"negative", IntermediateOptions{PathLen: -1}, "negative"},
		{"under the root", IntermediateOptions{}, ""},
		{"too long under the root", IntermediateOptions{PathLen: 1}, "path length 1 is too long"},
		{"under an unlimited CA below a pathlen:1 root", IntermediateOptions{Parent: "legacy"}, `CA "Test Root CA" above "legacy" has path length 1, which leaves no room`},
	}
	for _, tt := range tests {
		err := a.CheckIntermediate(ctx, "new", tt.o)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// A new CA's common name: no control characters, at most 64 characters,
// and not the name of a CA already there (the root's would make it look
// self-issued: a root).
func TestCheckIntermediateCommonName(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	for cn, want := range map[string]string{
		"Issuing\nCA":             "control character",
		strings.Repeat("x", 65):   "65 characters",
		"Test Root CA":            `CA "root" already has the common name`,
		"test   intermediate  ca": `CA "intermediate" already has the common name`,
		"Test Issuing 2026 CA":    "",
		strings.Repeat("é", 64):   "",
	} {
		err := a.CheckIntermediate(context.Background(), "new", IntermediateOptions{CommonName: cn})
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", cn, err)
			}
			continue
		}
		if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want ErrBadName with %q", cn, err, want)
		}
	}
}

// BenchmarkIssueClient issues client certificates (ECDSA P-256, new keys)
// into the store, verify-before-record included; BenchmarkVerifySigned is
// that verification alone, to see its share of an issuance.
func BenchmarkIssueClient(b *testing.B) {
	a := openTestCA(b, InitOptions{})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Issue(ctx, &Request{Profile: "client", Name: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySigned(b *testing.B) {
	a := openTestCA(b, InitOptions{})
	iss, err := a.Issue(context.Background(), &Request{Profile: "client", Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.verifySigned(iss.Cert, a.Config.Issuer, "client"); err != nil {
			b.Fatal(err)
		}
	}
}

package ca

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// openTestCA creates a CA with o (plain keys, clock pinned at testNow) and
// opens it.
func openTestCA(t testing.TB, o InitOptions) *Authority {
	t.Helper()
	return openTestCAAt(t, o, testNow)
}

// openTestCAAt is openTestCA with the clock pinned at now.
func openTestCAAt(t testing.TB, o InitOptions, now time.Time) *Authority {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	clock := func() time.Time { return now }
	o.Protection, o.Now = Protection{None: true}, clock
	if o.Name == "" {
		o.Name = "Test"
	}
	if o.DB == "" {
		o.DB = testDB(t)
	}
	if err := Init(dir, o); err != nil {
		t.Fatal(err)
	}
	a, err := Open(dir, OpenOptions{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func testIssueEveryKeyType(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			a := openTestCA(t, InitOptions{KeyType: kt})
			root, inter := a.CAs["root"], a.CAs["intermediate"]
			if KeyTypeOf(root.PublicKey) != kt || KeyTypeOf(inter.PublicKey) != kt {
				t.Errorf("CA key types %s, %s", KeyTypeOf(root.PublicKey), KeyTypeOf(inter.PublicKey))
			}
			server, err := a.Issue(context.Background(), &Request{Profile: "server", Name: "www.example.com",
				DNS: []string{"www.example.com"}, IPs: []net.IP{net.ParseIP("::1")}, KeyType: kt})
			if err != nil {
				t.Fatal(err)
			}
			spiffe, _ := url.Parse("spiffe://example.com/ns/a/sa/b")
			client, err := a.Issue(context.Background(), &Request{Profile: "client", Name: "alice",
				Emails: []string{"alice@example.com"}, URIs: []*url.URL{spiffe}, KeyType: kt})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				iss *Issued
				eku x509.ExtKeyUsage
				ku  x509.KeyUsage
			}{
				{server, x509.ExtKeyUsageServerAuth, x509.KeyUsageDigitalSignature},
				{client, x509.ExtKeyUsageClientAuth, x509.KeyUsageDigitalSignature},
			} {
				cert := c.iss.Cert
				if KeyTypeOf(cert.PublicKey) != kt || c.iss.Key == nil || KeyTypeOf(c.iss.Key.Public()) != kt {
					t.Errorf("%s: leaf key type %s", cert.Subject.CommonName, KeyTypeOf(cert.PublicKey))
				}
				wantKU := c.ku
				if c.eku == x509.ExtKeyUsageServerAuth && (kt == RSA2048 || kt == RSA3072 || kt == RSA4096) {
					wantKU |= x509.KeyUsageKeyEncipherment
				}
				if cert.KeyUsage != wantKU || len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != c.eku {
					t.Errorf("%s: key usage %b, EKU %v", cert.Subject.CommonName, cert.KeyUsage, cert.ExtKeyUsage)
				}
				if cert.IsCA || !cert.BasicConstraintsValid {
					t.Errorf("%s: IsCA %v, basic constraints %v", cert.Subject.CommonName, cert.IsCA, cert.BasicConstraintsValid)
				}
				checkKeyIDs(t, cert, inter)
				checkSerial(t, cert.SerialNumber)
				if len(c.iss.Chain) != 1 || !c.iss.Chain[0].Equal(inter) || !c.iss.Root.Equal(root) {
					t.Errorf("%s: chain %d certificates", cert.Subject.CommonName, len(c.iss.Chain))
				}
				roots, inters := x509.NewCertPool(), x509.NewCertPool()
				roots.AddCert(root)
				inters.AddCert(inter)
				if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: testNow,
					KeyUsages: []x509.ExtKeyUsage{c.eku}}); err != nil {
					t.Errorf("%s does not verify: %v", cert.Subject.CommonName, err)
				}
				rec, err := a.Store.Get(context.Background(), cert.SerialNumber)
				if err != nil || !bytes.Equal(rec.DER, cert.Raw) || rec.Issuer != "intermediate" {
					t.Errorf("%s: store record %+v, %v", cert.Subject.CommonName, rec, err)
				}
			}
			checkKeyIDs(t, inter, root)
			checkSerial(t, root.SerialNumber)
			checkSerial(t, inter.SerialNumber)
		})
	}
}

// checkKeyIDs: the SKI is set and is RFC 7093 method 1 of the key; the
// AKI is the issuer's SKI.
func checkKeyIDs(t *testing.T, c, issuer *x509.Certificate) {
	t.Helper()
	ski, err := SubjectKeyID(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SubjectKeyId) != 20 || !bytes.Equal(c.SubjectKeyId, ski) {
		t.Errorf("%s: SKI %x, want %x", c.Subject.CommonName, c.SubjectKeyId, ski)
	}
	if !bytes.Equal(c.AuthorityKeyId, issuer.SubjectKeyId) {
		t.Errorf("%s: AKI %x, want the issuer's SKI %x", c.Subject.CommonName, c.AuthorityKeyId, issuer.SubjectKeyId)
	}
}

// checkSerial: positive and at most 20 octets in DER (RFC 5280 4.1.2.2);
// pkit's are 128-bit.
func checkSerial(t *testing.T, n *big.Int) {
	t.Helper()
	if n.Sign() <= 0 || n.BitLen() > 128 || len(n.Bytes()) > 20 {
		t.Errorf("serial %x: sign %d, %d bits", n, n.Sign(), n.BitLen())
	}
}

func TestSubjectKeyID(t *testing.T) {
	seen := map[string]KeyType{}
	for _, kt := range KeyTypes {
		k, err := GenerateKey(kt)
		if err != nil {
			t.Fatal(err)
		}
		id, err := SubjectKeyID(k.Public())
		if err != nil || len(id) != 20 {
			t.Fatalf("%s: %x, %v", kt, id, err)
		}
		again, _ := SubjectKeyID(k.Public())
		if !bytes.Equal(id, again) {
			t.Errorf("%s: SubjectKeyID is not stable", kt)
		}
		if other, dup := seen[string(id)]; dup {
			t.Errorf("%s and %s keys have the same SKI", kt, other)
		}
		seen[string(id)] = kt
	}
	if _, err := SubjectKeyID("not a key"); err == nil {
		t.Error("SubjectKeyID accepted a string")
	}
}

func TestNewSerial(t *testing.T) {
	seen := map[string]bool{}
	long := 0
	for range 10000 {
		n, err := NewSerial()
		if err != nil {
			t.Fatal(err)
		}
		checkSerial(t, n)
		if seen[n.String()] {
			t.Fatalf("serial %x twice", n)
		}
		seen[n.String()] = true
		if n.BitLen() > 120 {
			long++
		}
	}
	// 128 random bits: almost all serials use the top byte.
	if long < 9900 {
		t.Errorf("only %d of 10000 serials longer than 120 bits: not 128-bit random", long)
	}
}

func TestKeyTypes(t *testing.T) {
	for _, kt := range KeyTypes {
		got, err := ParseKeyType(" " + string(kt) + " ")
		if err != nil || got != kt {
			t.Errorf("ParseKeyType(%q) = %q, %v", kt, got, err)
		}
		k, err := GenerateKey(kt)
		if err != nil {
			t.Fatal(err)
		}
		if KeyTypeOf(k.Public()) != kt {
			t.Errorf("GenerateKey(%s) made a %s key", kt, KeyTypeOf(k.Public()))
		}
		switch k.(type) {
		case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
		default:
			t.Errorf("GenerateKey(%s): %T", kt, k)
		}
	}
	for _, bad := range []string{"", "rsa", "rsa-1024", "ecdsa-p521", "dsa", "x25519"} {
		if _, err := ParseKeyType(bad); err == nil {
			t.Errorf("ParseKeyType(%q) accepted", bad)
		}
	}
	if _, err := GenerateKey("rsa-1024"); err == nil {
		t.Error("GenerateKey(rsa-1024) accepted")
	}
	small, _ := rsa.GenerateKey(nil, 1024) // nil reader: Go 1.24+ uses the system random source
	if small != nil && KeyTypeOf(small.Public()) != "" {
		t.Errorf("KeyTypeOf(RSA-1024) = %q", KeyTypeOf(small.Public()))
	}
}

func TestCAPathLen(t *testing.T) {
	zero, two := 0, 2
	tests := []struct {
		name             string
		o                InitOptions
		rootLen          int
		rootLenZero      bool
		interLen         int // -2: no intermediate
		interLenZeroWant bool
	}{
		{"two-tier", InitOptions{}, 1, false, 0, true},
		{"two-tier pathlen 2", InitOptions{PathLen: &two}, 2, false, 0, true},
		{"single", InitOptions{Single: true}, -1, false, -2, false},
		{"single pathlen 0", InitOptions{Single: true, PathLen: &zero}, 0, true, -2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := openTestCA(t, tt.o)
			// The certificates as parsed from disk: MaxPathLenZero is
			// true only when a pathLenConstraint of 0 is really encoded.
			root := a.CAs["root"]
			if !root.IsCA || root.MaxPathLen != tt.rootLen || root.MaxPathLenZero != tt.rootLenZero {
				t.Errorf("root: IsCA %v MaxPathLen %d MaxPathLenZero %v", root.IsCA, root.MaxPathLen, root.MaxPathLenZero)
			}
			if root.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
				t.Errorf("root key usage %b", root.KeyUsage)
			}
			if len(root.SubjectKeyId) != 20 || len(root.AuthorityKeyId) > 0 && !bytes.Equal(root.AuthorityKeyId, root.SubjectKeyId) {
				t.Errorf("root SKI %x AKI %x", root.SubjectKeyId, root.AuthorityKeyId)
			}
			inter := a.CAs["intermediate"]
			if tt.interLen == -2 {
				if inter != nil || a.Config.Issuer != "root" {
					t.Errorf("single root CA has an intermediate or issuer %q", a.Config.Issuer)
				}
				return
			}
			if !inter.IsCA || inter.MaxPathLen != tt.interLen || inter.MaxPathLenZero != tt.interLenZeroWant {
				t.Errorf("intermediate: MaxPathLen %d MaxPathLenZero %v", inter.MaxPathLen, inter.MaxPathLenZero)
			}
			if inter.NotAfter.After(root.NotAfter) || !inter.NotBefore.Equal(testNow.Add(-Backdate)) {
				t.Errorf("intermediate valid %s to %s, root to %s", inter.NotBefore, inter.NotAfter, root.NotAfter)
			}
		})
	}
}

func TestValidity(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	iss, err := a.Issue(context.Background(), &Request{Profile: "server", Name: "a.example.com", DNS: []string{"a.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	c := iss.Cert
	// Backdated, and 825 days from notBefore to notAfter: no more (Apple
	// refuses longer TLS certificates). TestValidityPeriod has the rest.
	if !c.NotBefore.Equal(testNow.Add(-Backdate)) || c.NotAfter.Sub(c.NotBefore) != 825*24*time.Hour {
		t.Errorf("server certificate valid %s to %s", c.NotBefore, c.NotAfter)
	}
	iss, err = a.Issue(context.Background(), &Request{Profile: "client", Name: "b", Validity: 90 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// --validity counts from now, not from the backdated notBefore.
	if d := iss.Cert.NotAfter.Sub(testNow); d != 90*time.Minute {
		t.Errorf("client with --validity 90m: valid %s from now", d)
	}
}

func TestCheck(t *testing.T) {
	_, tenNet, _ := net.ParseCIDR("10.0.0.0/8")
	_, badNet, _ := net.ParseCIDR("10.9.0.0/16")
	a := openTestCA(t, InitOptions{
		PermittedDNS: []string{"example.com", ".corp.test"}, ExcludedDNS: []string{"secret.example.com"},
		PermittedIPs: []*net.IPNet{tenNet}, ExcludedIPs: []*net.IPNet{badNet},
		PermittedEmail: []string{"example.com", "boss@other.test"}, ExcludedEmail: []string{"spam.example.com"},
	})
	u := func(s string) *url.URL { p, _ := url.Parse(s); return p }
	ip := func(s string) []net.IP { return []net.IP{net.ParseIP(s)} }
	inter := a.CAs["intermediate"]
	tests := []struct {
		name string
		r    Request
		ok   bool
	}{
		{"server ok", Request{Profile: "server", Name: "a", DNS: []string{"a.example.com"}, IPs: ip("10.1.2.3")}, true},
		{"constraint domain itself", Request{Profile: "server", Name: "a", DNS: []string{"example.com"}}, true},
		{"leading-dot constraint, name under it", Request{Profile: "server", Name: "a", DNS: []string{"x.corp.test"}}, true},
		{"wildcard under a leading-dot constraint", Request{Profile: "server", Name: "a", DNS: []string{"*.corp.test"}}, true},
		{"wildcard reaching an excluded name", Request{Profile: "server", Name: "a", DNS: []string{"*.example.com"}}, false},
		{"wildcard above an excluded name", Request{Profile: "server", Name: "a", DNS: []string{"*.x.secret.example.com"}}, false},
		{"wildcard beside an excluded name", Request{Profile: "server", Name: "a", DNS: []string{"*.www.example.com"}}, true},
		{"leading-dot constraint, the domain itself", Request{Profile: "server", Name: "a", DNS: []string{"corp.test"}}, false},
		{"suffix is not a subdomain", Request{Profile: "server", Name: "a", DNS: []string{"badexample.com"}}, false},
		{"DNS outside permitted", Request{Profile: "server", Name: "a", DNS: []string{"a.example.org"}}, false},
		{"DNS excluded", Request{Profile: "server", Name: "a", DNS: []string{"x.secret.example.com"}}, false},
		{"DNS case-insensitive exclusion", Request{Profile: "server", Name: "a", DNS: []string{"X.SECRET.Example.com"}}, false},
		{"IP outside permitted", Request{Profile: "server", Name: "a", DNS: []string{"a.example.com"}, IPs: ip("192.168.1.1")}, false},
		{"IP excluded", Request{Profile: "server", Name: "a", DNS: []string{"a.example.com"}, IPs: ip("10.9.1.1")}, false},
		{"IPv6 outside permitted", Request{Profile: "server", Name: "a", DNS: []string{"a.example.com"}, IPs: ip("::1")}, false},
		{"email ok", Request{Profile: "client", Name: "a", Emails: []string{"a@example.com"}}, true},
		// RFC 5280: a host constraint covers that host's mailboxes only.
		{"email at a host under a host constraint", Request{Profile: "client", Name: "a", Emails: []string{"a@mail.example.com"}}, false},
		{"email exact address", Request{Profile: "client", Name: "a", Emails: []string{"boss@other.test"}}, true},
		{"email other address at that domain", Request{Profile: "client", Name: "a", Emails: []string{"intern@other.test"}}, false},
		{"email outside", Request{Profile: "client", Name: "a", Emails: []string{"a@example.org"}}, false},
		{"email excluded", Request{Profile: "client", Name: "a", Emails: []string{"a@spam.example.com"}}, false},
		{"URI unconstrained", Request{Profile: "client", Name: "a", URIs: []*url.URL{u("spiffe://anything.test/x")}}, true},
		{"unknown profile", Request{Profile: "nope", Name: "a"}, false},
		{"no name", Request{Profile: "client", Name: "  "}, false},
		{"server needs a SAN", Request{Profile: "server", Name: "a"}, false},
		{"server may not carry email", Request{Profile: "server", Name: "a", DNS: []string{"a.example.com"}, Emails: []string{"a@example.com"}}, false},
		{"client may not carry IP", Request{Profile: "client", Name: "a", IPs: ip("10.1.1.1")}, false},
		{"bad DNS name", Request{Profile: "server", Name: "a", DNS: []string{"a..example.com"}}, false},
		{"bad email", Request{Profile: "client", Name: "a", Emails: []string{"a@"}}, false},
		{"validity beyond the issuer", Request{Profile: "client", Name: "a", Validity: 6 * 365 * 24 * time.Hour}, false},
		{"validity up to the issuer", Request{Profile: "client", Name: "a", Validity: inter.NotAfter.Sub(testNow)}, true},
		{"validity a second past the issuer", Request{Profile: "client", Name: "a", Validity: inter.NotAfter.Sub(testNow) + time.Second}, false},
		{"negative validity", Request{Profile: "client", Name: "a", Validity: -time.Hour}, false},
	}
	ctx := context.Background()
	before, _ := a.Store.Count(ctx)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := a.Check(&tt.r)
			var re *RequestError
			switch {
			case tt.ok && err != nil:
				t.Fatalf("Check: %v", err)
			case !tt.ok && !errors.As(err, &re):
				t.Fatalf("Check: %v, want a *RequestError", err)
			}
			// Issue agrees with Check, and a refused request signs and
			// records nothing.
			n, _ := a.Store.Count(ctx)
			iss, err := a.Issue(ctx, &tt.r)
			after, _ := a.Store.Count(ctx)
			if tt.ok != (err == nil) || (iss != nil) != tt.ok || after != n+map[bool]int{true: 1}[tt.ok] {
				t.Errorf("Issue: %v; store %d -> %d", err, n, after)
			}
			if tt.ok {
				// x509 agrees with pkit's constraint matching.
				roots, inters := x509.NewCertPool(), x509.NewCertPool()
				roots.AddCert(a.CAs["root"])
				inters.AddCert(inter)
				if _, err := iss.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: testNow,
					KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
					t.Errorf("issued, but crypto/x509 refuses it: %v", err)
				}
			}
		})
	}
	if after, _ := a.Store.Count(ctx); after <= before {
		t.Errorf("store %d -> %d", before, after)
	}
}

func TestCheckValidityHint(t *testing.T) {
	a := openTestCA(t, InitOptions{Validity: 365 * 24 * time.Hour})
	_, _, _, err := a.Check(&Request{Profile: "client", Name: "a", Validity: 400 * 24 * time.Hour})
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("Check: %v, want a *RequestError", err)
	}
	if !strings.Contains(re.Hint, "at most 365d") {
		t.Errorf("hint %q", re.Hint)
	}
	if _, _, _, err := a.Check(&Request{Profile: "client", Name: "a", Validity: 365 * 24 * time.Hour}); err != nil {
		t.Errorf("the validity the hint offers is refused: %v", err)
	}
}

func TestCheckIssuerNotValidYet(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	a.now = func() time.Time { return testNow.Add(-time.Hour) }
	_, _, _, err := a.Check(&Request{Profile: "client", Name: "a"})
	var re *RequestError
	if !errors.As(err, &re) {
		t.Errorf("Check before the CA's notBefore: %v", err)
	}
}

func TestCheckDNSName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"localhost", true},
		{"a.example.com", true},
		{"*.example.com", true},
		{"xn--bcher-kva.example", true},
		{"a-b.c", true},
		{"A.EXAMPLE.COM", true},
		{"", false},
		{"*", false},
		{"*.com", false},
		{"a.*.example.com", false},
		{"*a.example.com", false},
		{"a..b", false},
		{".example.com", false},
		{"example.com.", false},
		{"-a.example.com", false},
		{"a-.example.com", false},
		{"a_b.example.com", false},
		{"bücher.example", false},
		{"a b.example", false},
		{"10.0.0.1", false},
		{"::1", false},
		{"999.1.1.1", false}, // a mistyped IP address (RFC 3696 section 2)
		{"10.0.0", false},
		{"1.2.3.4.5", false},
		{"123", false},
		{"host.123", false},
		{"*.a.123", false},
		{"a.b2", true},
		{"1e100.net", true},
		{"123.example", true},
		{"a\nb.example", false},
		{"a\tb.example", false},
		{string(bytes.Repeat([]byte("a"), 64)) + ".example", false},
		{string(bytes.Repeat([]byte("abcdefghi."), 26)) + "com", false}, // 263 characters
	}
	for _, tt := range tests {
		if err := CheckDNSName(tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckDNSName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"alice@example.com", true},
		{"a.b+tag@mail.example.com", true},
		{"alice", false},
		{"alice@", false},
		{"@example.com", false},
		{"alice@@example.com", false},
		{"Alice <alice@example.com>", false},
		{"alice@example.com ", false},
		{"alice@*.example.com", false},
		{"alice@exa_mple.com", false},
		{"alice@10.0.0.1", false},
	}
	for _, tt := range tests {
		if err := CheckEmail(tt.email); (err == nil) != tt.ok {
			t.Errorf("CheckEmail(%q) = %v, want ok %v", tt.email, err, tt.ok)
		}
	}
}

// BenchmarkIssue is one issuance per key type, with a CA of the same key
// type: a new key, the checks, signing, and the store insert (which
// commits and syncs).
func BenchmarkIssue(b *testing.B) {
	for _, kt := range KeyTypes {
		b.Run(string(kt), func(b *testing.B) {
			a := openTestCA(b, InitOptions{KeyType: kt})
			if _, err := a.Unlock(a.Config.Issuer); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := a.Issue(ctx, &Request{Profile: "client", Name: "bench", KeyType: kt}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestValidCAName(t *testing.T) {
	for name, ok := range map[string]bool{
		"root": true, "intermediate": true, "web-2026_a": true, "0": true, strings.Repeat("a", 63): true,
		"": false, "-a": false, "_a": false, "Web": false, "a.b": false, "a/b": false, "ä": false, strings.Repeat("a", 64): false,
	} {
		if validCAName(name) != ok {
			t.Errorf("validCAName(%q) = %v", name, !ok)
		}
	}
}

// A look-alike of the root in the CA directory (same name, same key
// identifier, another key) is not taken as the intermediate's issuer.
func TestChainIgnoresLookAlikeIssuer(t *testing.T) {
	a := openTestCA(t, InitOptions{})
	root := a.CAs["root"]
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: root.Subject, NotBefore: root.NotBefore, NotAfter: root.NotAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, SubjectKeyId: root.SubjectKeyId}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	decoy, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a-decoy", "z-decoy"} { // either side of "root" in map order
		if err := os.WriteFile(filepath.Join(a.Dir, "ca", name+".crt"), WriteChainPEM(decoy), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 { // map iteration order varies between opens
		b, err := Open(a.Dir, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		chain := b.Chain("intermediate")
		b.Close()
		if len(chain) != 2 || !chain[1].Equal(root) {
			t.Fatalf("chain of the intermediate = %d certificates, issuer %v; want the real root", len(chain), chain[len(chain)-1].Subject)
		}
	}
}

// serverRequest is a request for a server certificate for the DNS name
// name.
func serverRequest(name string) *Request {
	return &Request{Profile: "server", Name: name, DNS: []string{name}}
}

// issueWithFiles issues r with a into p (its plan) and writes its
// certificate and key to NAME.pem and NAME-key.pem in dir, failing the
// test on any error.
func issueWithFiles(t testing.TB, a *Authority, p *Plan, r *Request, dir string) *Issued {
	t.Helper()
	outs := []Output{{OutCert, filepath.Join(dir, r.Name+".pem")}, {OutKey, filepath.Join(dir, r.Name+"-key.pem")}}
	if err := p.Add("", outs...); err != nil {
		t.Fatal(err)
	}
	iss, err := a.IssueTo(context.Background(), r, p, &Outputs{Files: outs})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

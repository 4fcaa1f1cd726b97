package chain

// Name constraints of every form (RFC 5280 section 4.2.1.10), checked
// directly and through Verify: DNS with wildcards, IPv4 and IPv6, email
// host, domain and mailbox rules, URI hosts, directoryName subtrees (read
// from the extension by hand), a leaf's common name, self-issued
// intermediates and the comparison bound.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func mustDN(t testing.TB, n pkix.Name) []byte {
	t.Helper()
	der, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func cidr(s string) *net.IPNet {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	return n
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestConstraintsCheck(t *testing.T) {
	acme := mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Acme"}})
	acmeSpaced := mustDN(t, pkix.Name{Country: []string{"de"}, Organization: []string{"  ACME  "}})
	other := mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Other"}})
	dnsNC := &Constraints{
		Permitted: Subtrees{DNS: []string{"example.internal", ".corp.test"}},
		Excluded:  Subtrees{DNS: []string{"secret.example.internal"}},
	}
	tests := []struct {
		name  string
		nc    *Constraints
		names Names
		ok    bool
		want  string // a part of the first violation
	}{
		// DNS
		{"dns: the domain itself", dnsNC, Names{DNS: []string{"example.internal"}}, true, ""},
		{"dns: under the domain", dnsNC, Names{DNS: []string{"a.b.example.internal"}}, true, ""},
		{"dns: case", dnsNC, Names{DNS: []string{"WWW.Example.Internal"}}, true, ""},
		{"dns: a suffix is not a subdomain", dnsNC, Names{DNS: []string{"badexample.internal"}}, false, "outside the permitted DNS:example.internal, DNS:.corp.test"},
		{"dns: leading dot, under it", dnsNC, Names{DNS: []string{"x.corp.test"}}, true, ""},
		{"dns: leading dot, not the domain itself", dnsNC, Names{DNS: []string{"corp.test"}}, false, "outside the permitted"},
		{"dns: excluded", dnsNC, Names{DNS: []string{"www.secret.example.internal"}}, false, "in the excluded subtree DNS:secret.example.internal"},
		{"dns: excluded, case", dnsNC, Names{DNS: []string{"WWW.SECRET.example.internal"}}, false, "excluded"},
		{"dns: wildcard under permitted", dnsNC, Names{DNS: []string{"*.example.internal"}}, false, `"*.example.internal" is in the excluded subtree DNS:secret.example.internal`},
		{"dns: wildcard under the excluded name", dnsNC, Names{DNS: []string{"*.secret.example.internal"}}, false, "excluded subtree DNS:secret.example.internal"},
		{"dns: wildcard beside the excluded name", dnsNC, Names{DNS: []string{"*.www.example.internal"}}, true, ""},
		{"dns: wildcard under a leading-dot constraint", dnsNC, Names{DNS: []string{"*.corp.test"}}, true, ""},
		{"dns: wildcard wider than a permitted host", &Constraints{Permitted: Subtrees{DNS: []string{"secret.example.internal"}}},
			Names{DNS: []string{"*.example.internal"}}, false, "outside the permitted"},
		{"dns: wildcard over a TLD reaching an excluded domain", &Constraints{Excluded: Subtrees{DNS: []string{"example.com"}}},
			Names{DNS: []string{"*.com"}}, false, "excluded"},
		{"dns: empty constraint permits everything", &Constraints{Permitted: Subtrees{DNS: []string{""}}}, Names{DNS: []string{"any.where"}}, true, ""},
		// IP
		{"ip: v4 in range", &Constraints{Permitted: Subtrees{IPs: []*net.IPNet{cidr("10.0.0.0/8")}}}, Names{IPs: []net.IP{net.IPv4(10, 1, 2, 3).To4()}}, true, ""},
		{"ip: v4 outside", &Constraints{Permitted: Subtrees{IPs: []*net.IPNet{cidr("10.0.0.0/8")}}}, Names{IPs: []net.IP{net.IPv4(192, 168, 1, 1).To4()}}, false, "outside the permitted IP:10.0.0.0/8"},
		{"ip: v6 against v4-only permitted", &Constraints{Permitted: Subtrees{IPs: []*net.IPNet{cidr("10.0.0.0/8")}}}, Names{IPs: []net.IP{net.ParseIP("::1")}}, false, "outside"},
		{"ip: v4 excluded", &Constraints{Excluded: Subtrees{IPs: []*net.IPNet{cidr("10.9.0.0/16")}}}, Names{IPs: []net.IP{net.IPv4(10, 9, 1, 1).To4()}}, false, "excluded subtree IP:10.9.0.0/16"},
		{"ip: v6 in v6 range", &Constraints{Permitted: Subtrees{IPs: []*net.IPNet{cidr("fd00::/8")}}}, Names{IPs: []net.IP{net.ParseIP("fd00::1")}}, true, ""},
		{"ip: v4-mapped v6 range does not exclude v4", &Constraints{Excluded: Subtrees{IPs: []*net.IPNet{cidr("::ffff:10.0.0.0/104")}}},
			Names{IPs: []net.IP{net.IPv4(10, 1, 2, 3).To4()}}, true, ""},
		{"ip: v4 range does not hold a v4-mapped v6 address", &Constraints{Excluded: Subtrees{IPs: []*net.IPNet{cidr("10.0.0.0/8")}}},
			Names{IPs: []net.IP{net.ParseIP("::ffff:10.1.2.3")}}, true, ""},
		// email
		{"email: host constraint, that host", &Constraints{Permitted: Subtrees{Emails: []string{"example.com"}}}, Names{Emails: []string{"a@example.com"}}, true, ""},
		{"email: host constraint, host case", &Constraints{Permitted: Subtrees{Emails: []string{"example.com"}}}, Names{Emails: []string{"a@EXAMPLE.com"}}, true, ""},
		{"email: host constraint, a subdomain host", &Constraints{Permitted: Subtrees{Emails: []string{"example.com"}}}, Names{Emails: []string{"a@sub.example.com"}}, false, `email address "a@sub.example.com" is outside the permitted email:example.com`},
		{"email: domain constraint, a subdomain host", &Constraints{Permitted: Subtrees{Emails: []string{".example.com"}}}, Names{Emails: []string{"a@sub.example.com"}}, true, ""},
		{"email: domain constraint, not the host itself", &Constraints{Permitted: Subtrees{Emails: []string{".example.com"}}}, Names{Emails: []string{"a@example.com"}}, false, "outside"},
		{"email: mailbox", &Constraints{Permitted: Subtrees{Emails: []string{"boss@example.com"}}}, Names{Emails: []string{"boss@Example.COM"}}, true, ""},
		{"email: mailbox, another local part", &Constraints{Permitted: Subtrees{Emails: []string{"boss@example.com"}}}, Names{Emails: []string{"intern@example.com"}}, false, "outside"},
		{"email: mailbox, local part case", &Constraints{Permitted: Subtrees{Emails: []string{"boss@example.com"}}}, Names{Emails: []string{"Boss@example.com"}}, false, "outside"},
		{"email: excluded host", &Constraints{Excluded: Subtrees{Emails: []string{"spam.example.com"}}}, Names{Emails: []string{"a@spam.example.com"}}, false, "excluded subtree email:spam.example.com"},
		{"email: emailAddress attribute of the subject", &Constraints{Permitted: Subtrees{Emails: []string{"example.com"}}},
			Names{Subject: mustDN(t, pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidEmailAddress, Value: "x@evil.com"}}})}, false, "(emailAddress attribute)"},
		// URI
		{"uri: host", &Constraints{Permitted: Subtrees{URIs: []string{"svc.example.com"}}}, Names{URIs: []*url.URL{mustURL("spiffe://svc.example.com/x")}}, true, ""},
		{"uri: host constraint is not a domain", &Constraints{Permitted: Subtrees{URIs: []string{"example.com"}}}, Names{URIs: []*url.URL{mustURL("https://a.example.com/")}}, false, "outside the permitted URI:example.com"},
		{"uri: domain constraint", &Constraints{Permitted: Subtrees{URIs: []string{".example.com"}}}, Names{URIs: []*url.URL{mustURL("https://a.example.com:8443/x")}}, true, ""},
		{"uri: excluded", &Constraints{Excluded: Subtrees{URIs: []string{".evil.com"}}}, Names{URIs: []*url.URL{mustURL("https://x.evil.com/")}}, false, "excluded"},
		{"uri: no host under a URI constraint", &Constraints{Excluded: Subtrees{URIs: []string{".evil.com"}}}, Names{URIs: []*url.URL{mustURL("urn:uuid:1234")}}, false, "has no host name"},
		{"uri: an IP host under a URI constraint", &Constraints{Permitted: Subtrees{URIs: []string{".example.com"}}}, Names{URIs: []*url.URL{mustURL("https://10.1.1.1/")}}, false, "has no host name"},
		{"uri: no host, no URI constraint", &Constraints{Permitted: Subtrees{DNS: []string{"example.com"}}}, Names{URIs: []*url.URL{mustURL("urn:uuid:1234")}}, true, ""},
		// directoryName
		{"dn: within", &Constraints{Permitted: Subtrees{DirNames: [][]byte{acme}}},
			Names{Subject: mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Acme"}, CommonName: "x"})}, true, ""},
		{"dn: within, compared as RFC 5280 7.1 says", &Constraints{Permitted: Subtrees{DirNames: [][]byte{acmeSpaced}}},
			Names{Subject: mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Acme"}, CommonName: "x"})}, true, ""},
		{"dn: outside permitted", &Constraints{Permitted: Subtrees{DirNames: [][]byte{acme}}},
			Names{Subject: mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Evil"}, CommonName: "x"})}, false, "outside the permitted DirName:O=Acme,C=DE"},
		{"dn: excluded", &Constraints{Excluded: Subtrees{DirNames: [][]byte{other}}},
			Names{Subject: mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Other"}, CommonName: "x"})}, false, "excluded subtree DirName:O=Other,C=DE"},
		{"dn: shorter than the subtree", &Constraints{Permitted: Subtrees{DirNames: [][]byte{acme}}},
			Names{Subject: mustDN(t, pkix.Name{Country: []string{"DE"}})}, false, "outside"},
		{"dn: a directoryName SAN outside", &Constraints{Permitted: Subtrees{DirNames: [][]byte{acme}}},
			Names{Subject: mustDN(t, pkix.Name{Organization: []string{"Acme"}}), DirNames: [][]byte{other}}, false, `directory name "O=Other,C=DE" is outside`},
		{"dn: a directoryName SAN excluded", &Constraints{Excluded: Subtrees{DirNames: [][]byte{other}}},
			Names{DirNames: [][]byte{mustDN(t, pkix.Name{Country: []string{"DE"}, Organization: []string{"Other"}, OrganizationalUnit: []string{"x"}})}}, false, "excluded subtree DirName:O=Other,C=DE"},
		{"dn: an empty subject is not checked", &Constraints{Permitted: Subtrees{DirNames: [][]byte{acme}}},
			Names{Subject: mustDN(t, pkix.Name{}), DNS: []string{"x.example.com"}}, true, ""},
		// common names
		{"cn: host-like, no DNS SAN", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "evil.com"}), CN: CNIfNoSAN}, false, `DNS name "evil.com" (common name) is outside`},
		{"cn: excluded host", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "www.secret.example.internal"}), CN: CNIfNoSAN}, false, "(common name) is in the excluded subtree"},
		{"cn: with a DNS SAN, a verifier skips it", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "evil.com"}), DNS: []string{"ok.example.internal"}, CN: CNIfNoSAN}, true, ""},
		{"cn: with a DNS SAN, issuance checks it", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "evil.com"}), DNS: []string{"ok.example.internal"}, CN: CNAlways}, false, "(common name)"},
		{"cn: not host-like", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "Alice Smith"}), CN: CNIfNoSAN}, true, ""},
		{"cn: one label is not a host name", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "alice"}), CN: CNIfNoSAN}, true, ""},
		{"cn: of a CA is never checked", dnsNC, Names{Subject: mustDN(t, pkix.Name{CommonName: "evil.com"}), CN: CNNever}, true, ""},
		{"cn: an IP address without a DNS SAN is checked as a DNS name (OpenSSL)", dnsNC,
			Names{Subject: mustDN(t, pkix.Name{CommonName: "10.1.2.3"}), IPs: []net.IP{net.IPv4(10, 1, 2, 3).To4()}, CN: CNIfNoSAN}, false, `DNS name "10.1.2.3" (common name)`},
		{"cn: an IP address beside a DNS SAN, issuance", dnsNC,
			Names{Subject: mustDN(t, pkix.Name{CommonName: "10.1.2.3"}), DNS: []string{"a.example.internal"}, IPs: []net.IP{net.IPv4(10, 1, 2, 3).To4()}, CN: CNAlways}, true, ""},
		{"cn: an IP address outside the IP constraints, issuance", &Constraints{Permitted: Subtrees{IPs: []*net.IPNet{cidr("10.0.0.0/8")}}},
			Names{Subject: mustDN(t, pkix.Name{CommonName: "192.168.1.1"}), DNS: []string{"a.example.internal"}, CN: CNAlways}, false, `IP address "192.168.1.1" (common name) is outside`},
		{"cn: email-like", &Constraints{Permitted: Subtrees{Emails: []string{"example.com"}}},
			Names{Subject: mustDN(t, pkix.Name{CommonName: "alice@evil.com"}), CN: CNIfNoSAN}, false, `email address "alice@evil.com" (common name)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := tt.nc.Check(tt.names)
			if tt.ok {
				if len(vs) > 0 {
					t.Fatalf("refused: %v", vs)
				}
				return
			}
			if len(vs) == 0 {
				t.Fatal("accepted")
			}
			if !strings.Contains(vs[0].String(), tt.want) {
				t.Errorf("violation %q, want it to contain %q", vs[0], tt.want)
			}
		})
	}
}

func TestHostLike(t *testing.T) {
	for cn, want := range map[string]bool{
		"www.example.com": true, "a_b.example.com": true, "*.example.com": true, "10.1.2.3": true,
		"alice": false, "Alice Smith": false, "a..b": false, "-a.b": false, "a.-b": false, "a.b.": false,
		".a.b": false, "a@b.com": false, "": false, "*.": false,
	} {
		if got := HostLike(cn); got != want {
			t.Errorf("HostLike(%q) = %v, want %v", cn, got, want)
		}
	}
	for cn, want := range map[string]bool{
		"alice@example.com": true, "alice@localhost": false, "@example.com": false, "alice": false, "a@*.example.com": false,
	} {
		if got := EmailLike(cn); got != want {
			t.Errorf("EmailLike(%q) = %v, want %v", cn, got, want)
		}
	}
}

// ncExt builds a name constraints extension by hand (crypto/x509 cannot
// write directoryName subtrees).
func ncExt(t testing.TB, critical bool, permitted, excluded [][2]any) pkix.Extension {
	t.Helper()
	subtrees := func(b *cryptobyte.Builder, list [][2]any) {
		for _, st := range list {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				switch v := st[1].(type) {
				case string:
					b.AddASN1(st[0].(cbasn1.Tag), func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
				case []byte:
					b.AddASN1(st[0].(cbasn1.Tag), func(b *cryptobyte.Builder) { b.AddBytes(v) })
				}
			})
		}
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if len(permitted) > 0 {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { subtrees(b, permitted) })
		}
		if len(excluded) > 0 {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { subtrees(b, excluded) })
		}
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidNameConstraints, Critical: critical, Value: der}
}

type ncCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var ncSerial int64

// makeNC makes a certificate: a CA when ca, signed by parent (nil: self-signed).
func makeNC(t testing.TB, subject pkix.Name, parent *ncCert, ca bool, edit func(*x509.Certificate)) *ncCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ncSerial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ncSerial), Subject: subject,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		BasicConstraintsValid: true, IsCA: ca, MaxPathLen: -1,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	tmpl.SubjectKeyId = []byte{byte(ncSerial), 1, 2, 3}
	if edit != nil {
		edit(tmpl)
	}
	p, pk := tmpl, key
	if parent != nil {
		p, pk = parent.cert, parent.key
		tmpl.AuthorityKeyId = parent.cert.SubjectKeyId // Go leaves it out of a self-issued certificate
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, &key.PublicKey, pk)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &ncCert{c, key}
}

func kinds(r *Result) map[Kind]int {
	m := map[Kind]int{}
	for _, p := range r.Problems {
		m[p.Kind]++
	}
	return m
}

// Through Verify: directoryName constraints in a critical extension are
// handled (Go leaves them unhandled), self-issued intermediates are
// exempt, the leaf's common name is checked when it has no DNS SAN, and a
// path over the comparison bound is refused.
func TestVerifyNameConstraints(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	acme := mustDN(t, pkix.Name{Organization: []string{"Acme"}})
	tagDN := cbasn1.Tag(4).ContextSpecific().Constructed()
	tagDNSName := cbasn1.Tag(2).ContextSpecific()
	root := makeNC(t, pkix.Name{CommonName: "Root"}, nil, true, nil)
	dnCA := makeNC(t, pkix.Name{Organization: []string{"Acme"}, CommonName: "DN CA"}, root, true, func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{ncExt(t, true, [][2]any{{tagDN, acme}, {tagDNSName, "example.com"}}, nil)}
	})
	inDN := makeNC(t, pkix.Name{Organization: []string{"Acme"}, CommonName: "leaf"}, dnCA, false, func(c *x509.Certificate) { c.DNSNames = []string{"a.example.com"} })
	outDN := makeNC(t, pkix.Name{Organization: []string{"Evil"}, CommonName: "leaf"}, dnCA, false, func(c *x509.Certificate) { c.DNSNames = []string{"a.example.com"} })
	// A directoryName SAN, which crypto/x509 does not parse, read from the
	// extension: Evil under a CA that permits Acme only.
	evilSAN := makeNC(t, pkix.Name{Organization: []string{"Acme"}, CommonName: "leaf"}, dnCA, false, func(c *x509.Certificate) {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(tagDNSName, func(b *cryptobyte.Builder) { b.AddBytes([]byte("a.example.com")) })
			b.AddASN1(tagDN, func(b *cryptobyte.Builder) { b.AddBytes(mustDN(t, pkix.Name{Organization: []string{"Evil"}})) })
		})
		der, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		c.ExtraExtensions = []pkix.Extension{{Id: oidSubjectAltName, Value: der}}
	})
	if n := NamesOf(evilSAN.cert, true); len(n.DirNames) != 1 || len(n.DNS) != 1 {
		t.Fatalf("NamesOf: %d directoryName and %d DNS SANs, want 1 and 1", len(n.DirNames), len(n.DNS))
	}
	cnOnly := makeNC(t, pkix.Name{Organization: []string{"Acme"}, CommonName: "evil.com"}, dnCA, false, nil)
	// A self-issued intermediate (a key rollover: same name, new key) whose
	// own name breaks the constraints above it is exempt; the leaf is not.
	dnsCA := makeNC(t, pkix.Name{CommonName: "DNS CA"}, root, true, func(c *x509.Certificate) {
		c.PermittedDNSDomains = []string{"example.com"}
		c.PermittedDNSDomainsCritical = true
	})
	selfIssued := makeNC(t, pkix.Name{CommonName: "DNS CA"}, dnsCA, true, func(c *x509.Certificate) {
		c.EmailAddresses = []string{"x@evil.com"}
		c.DNSNames = []string{"evil.com"}
	})
	underSelf := makeNC(t, pkix.Name{CommonName: "ok"}, selfIssued, false, func(c *x509.Certificate) { c.DNSNames = []string{"www.example.com"} })
	badUnderSelf := makeNC(t, pkix.Name{CommonName: "bad"}, selfIssued, false, func(c *x509.Certificate) { c.DNSNames = []string{"www.evil.com"} })
	unsupported := makeNC(t, pkix.Name{CommonName: "Other CA"}, root, true, func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{ncExt(t, true, [][2]any{{cbasn1.Tag(8).ContextSpecific(), string([]byte{0x2a, 0x03})}}, nil)}
	})
	underUnsupported := makeNC(t, pkix.Name{CommonName: "x"}, unsupported, false, nil)
	// The bound: 600 constraints x 500 names > 250000.
	var many []string
	for i := range 600 {
		many = append(many, "d"+big.NewInt(int64(i)).String()+".example.com")
	}
	bigCA := makeNC(t, pkix.Name{CommonName: "Big CA"}, root, true, func(c *x509.Certificate) {
		c.PermittedDNSDomains, c.PermittedDNSDomainsCritical = many, true
	})
	var names []string
	for i := range 500 {
		names = append(names, "n"+big.NewInt(int64(i)).String()+".d1.example.com")
	}
	bigLeaf := makeNC(t, pkix.Name{CommonName: "big"}, bigCA, false, func(c *x509.Certificate) { c.DNSNames = names })

	tests := []struct {
		name  string
		leaf  *ncCert
		inter []*ncCert
		want  map[Kind]int // problems expected; nil: valid
		text  string
	}{
		{"directoryName within, critical extension handled", inDN, []*ncCert{dnCA}, nil, ""},
		{"directoryName outside", outDN, []*ncCert{dnCA}, map[Kind]int{NameConstraints: 1}, `directory name "CN=leaf,O=Evil" (subject) is outside the permitted DirName:O=Acme`},
		{"directoryName SAN outside", evilSAN, []*ncCert{dnCA}, map[Kind]int{NameConstraints: 1}, `directory name "O=Evil" is outside the permitted DirName:O=Acme`},
		{"common name without a DNS SAN", cnOnly, []*ncCert{dnCA}, map[Kind]int{NameConstraints: 1}, `DNS name "evil.com" (common name) is outside the permitted DNS:example.com`},
		{"self-issued intermediate exempt", underSelf, []*ncCert{selfIssued, dnsCA}, nil, ""},
		{"leaf under a self-issued intermediate checked", badUnderSelf, []*ncCert{selfIssued, dnsCA}, map[Kind]int{NameConstraints: 1}, `"www.evil.com"`},
		{"unsupported subtree form stays unhandled", underUnsupported, []*ncCert{unsupported}, map[Kind]int{UnhandledCritical: 1}, ""},
		{"comparison bound", bigLeaf, []*ncCert{bigCA}, map[Kind]int{NameConstraints: 1}, "more than pkit's limit of 250000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inter []*x509.Certificate
			for _, c := range tt.inter {
				inter = append(inter, c.cert)
			}
			r, err := Verify(tt.leaf.cert, VerifyOptions{Roots: []*x509.Certificate{root.cert}, Intermediates: inter, At: at})
			if err != nil {
				t.Fatal(err)
			}
			got := kinds(r)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want kinds %v", r.Problems, tt.want)
			}
			for k, n := range tt.want {
				if got[k] != n {
					t.Fatalf("problems %v, want kinds %v", r.Problems, tt.want)
				}
			}
			if tt.text != "" && !strings.Contains(r.Problems[0].Detail, tt.text) {
				t.Errorf("detail %q, want it to contain %q", r.Problems[0].Detail, tt.text)
			}
		})
	}
}

func TestCheckNamesBound(t *testing.T) {
	var many []string
	for i := range 1000 {
		many = append(many, "d"+big.NewInt(int64(i)).String()+".example.com")
	}
	root := makeNC(t, pkix.Name{CommonName: "Root"}, nil, true, func(c *x509.Certificate) { c.PermittedDNSDomains = many })
	var names []string
	for i := range 300 {
		names = append(names, "n"+big.NewInt(int64(i)).String()+".d1.example.com")
	}
	err := CheckNames([]*x509.Certificate{root.cert}, Names{DNS: names})
	if !errors.Is(err, ErrTooManyConstraints) {
		t.Fatalf("CheckNames: %v, want ErrTooManyConstraints", err)
	}
	if err := CheckNames([]*x509.Certificate{root.cert}, Names{DNS: names[:10]}); err != nil {
		t.Fatalf("CheckNames of 10 names: %v", err)
	}
	var ce *ConstraintError
	if err := CheckNames([]*x509.Certificate{root.cert}, Names{DNS: []string{"evil.com"}}); !errors.As(err, &ce) || ce.CA != root.cert {
		t.Fatalf("CheckNames(evil.com): %v, want a *ConstraintError naming the CA", err)
	}
}

func TestParseNameConstraintsMalformed(t *testing.T) {
	for name, der := range map[string][]byte{
		"empty":               {0x30, 0x00},
		"not a sequence":      {0x04, 0x00},
		"trailing data":       {0x30, 0x00, 0x00},
		"bad IP length":       {0x30, 0x08, 0xa0, 0x06, 0x30, 0x04, 0x87, 0x02, 0x0a, 0x00},
		"minimum present":     {0x30, 0x0b, 0xa0, 0x09, 0x30, 0x07, 0x82, 0x02, 'a', 'b', 0x80, 0x01, 0x01},
		"non-contiguous mask": {0x30, 0x0e, 0xa0, 0x0c, 0x30, 0x0a, 0x87, 0x08, 10, 0, 0, 0, 255, 0, 255, 0},
	} {
		if _, err := parseNameConstraints(der, true); !errors.Is(err, ErrMalformedNameConstraints) {
			t.Errorf("%s: %v, want ErrMalformedNameConstraints", name, err)
		}
	}
}

// FuzzParseNameConstraints: the hand-written reader never panics, and
// what it accepts can be checked.
func FuzzParseNameConstraints(f *testing.F) {
	acme := mustDN(f, pkix.Name{Organization: []string{"Acme"}})
	f.Add(ncExt(f, true, [][2]any{{cbasn1.Tag(4).ContextSpecific().Constructed(), acme}, {cbasn1.Tag(2).ContextSpecific(), "example.com"}}, nil).Value)
	f.Add(ncExt(f, true, nil, [][2]any{{cbasn1.Tag(7).ContextSpecific(), string([]byte{10, 0, 0, 0, 255, 0, 0, 0})}}).Value)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		nc, err := parseNameConstraints(der, true)
		if err != nil {
			if !errors.Is(err, ErrMalformedNameConstraints) {
				t.Fatalf("error %v does not wrap ErrMalformedNameConstraints", err)
			}
			return
		}
		nc.Check(Names{Subject: acme, DNS: []string{"a.example.com", "*.example.com"}, IPs: []net.IP{net.IPv4(10, 1, 1, 1).To4()},
			Emails: []string{"a@example.com"}, URIs: []*url.URL{mustURL("https://a.example.com/")}, CN: CNAlways})
	})
}

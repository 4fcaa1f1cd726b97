package main

// Name-constraint verdicts of pkit's one matcher (chain.Verify, which
// issuance uses too) checked against "openssl verify" on DNS, email and IP
// cases, including those where Go's crypto/x509 is laxer (email host
// constraints, a leaf's common name) and the one where pkit is stricter
// than OpenSSL (a wildcard that could stand for an excluded name, refused
// as Go refuses it).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/chain"
)

type ncTestCert struct {
	c   *x509.Certificate
	key *ecdsa.PrivateKey
}

func ncTestIssue(t *testing.T, serial int64, tmpl *x509.Certificate, parent *ncTestCert) *ncTestCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(serial)
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.BasicConstraintsValid = true
	p, pk := tmpl, key
	if parent != nil {
		p, pk = parent.c, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, &key.PublicKey, pk)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &ncTestCert{c, key}
}

func TestNameConstraintsAgreeWithOpenSSL(t *testing.T) {
	needTool(t, "openssl")
	ca := x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	root := ncTestIssue(t, 1, &x509.Certificate{Subject: pkix.Name{CommonName: "NC Root"}, IsCA: true, KeyUsage: ca}, nil)
	_, tenNet, _ := net.ParseCIDR("10.0.0.0/8")
	_, mapped, _ := net.ParseCIDR("::ffff:10.0.0.0/104")
	type nc struct {
		permDNS, exclDNS, permEmail []string
		permIP, exclIP              []*net.IPNet
	}
	tests := []struct {
		name    string
		nc      nc
		leaf    x509.Certificate
		pkit    bool // chain.Verify's verdict: valid
		openssl bool // openssl verify's verdict, when it differs it is said why
	}{
		{"dns inside", nc{permDNS: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, DNSNames: []string{"a.example.com"}}, true, true},
		{"dns outside", nc{permDNS: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, DNSNames: []string{"a.example.org"}}, false, false},
		{"dns suffix that is not a subdomain", nc{permDNS: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, DNSNames: []string{"badexample.com"}}, false, false},
		{"dns excluded", nc{exclDNS: []string{"secret.example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, DNSNames: []string{"x.secret.example.com"}}, false, false},
		// OpenSSL does not treat wildcards specially; pkit refuses, as Go does.
		{"dns wildcard reaching an excluded name", nc{exclDNS: []string{"secret.example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, DNSNames: []string{"*.example.com"}}, false, true},
		{"common name only, outside", nc{permDNS: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "evil.com"}}, false, false},
		{"common name only, excluded", nc{exclDNS: []string{"secret.example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "www.secret.example.com"}}, false, false},
		{"common name beside a DNS SAN", nc{permDNS: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "evil.com"}, DNSNames: []string{"a.example.com"}}, true, true},
		{"common name that is an IP address, no DNS SAN", nc{permDNS: []string{"example.com"}, permIP: []*net.IPNet{tenNet}},
			x509.Certificate{Subject: pkix.Name{CommonName: "10.1.2.3"}, IPAddresses: []net.IP{net.IPv4(10, 1, 2, 3)}}, false, false},
		{"email at the host", nc{permEmail: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, EmailAddresses: []string{"a@example.com"}}, true, true},
		// Go's crypto/x509 accepts this one; RFC 5280 and OpenSSL do not.
		{"email at a host under a host constraint", nc{permEmail: []string{"example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, EmailAddresses: []string{"a@sub.example.com"}}, false, false},
		{"email under a domain constraint", nc{permEmail: []string{".example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, EmailAddresses: []string{"a@sub.example.com"}}, true, true},
		{"email mailbox", nc{permEmail: []string{"boss@example.com"}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, EmailAddresses: []string{"intern@example.com"}}, false, false},
		{"ip inside", nc{permIP: []*net.IPNet{tenNet}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, IPAddresses: []net.IP{net.IPv4(10, 9, 9, 9)}}, true, true},
		{"ip outside", nc{permIP: []*net.IPNet{tenNet}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, IPAddresses: []net.IP{net.IPv4(192, 168, 1, 1)}}, false, false},
		{"ip v6 against a v4 range", nc{permIP: []*net.IPNet{tenNet}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, IPAddresses: []net.IP{net.ParseIP("fd00::1")}}, false, false},
		{"ip v4 against a v4-mapped v6 exclusion", nc{exclIP: []*net.IPNet{mapped}}, x509.Certificate{Subject: pkix.Name{CommonName: "a"}, IPAddresses: []net.IP{net.IPv4(10, 1, 2, 3)}}, true, true},
	}
	dir := t.TempDir()
	write := func(name string, certs ...*x509.Certificate) string {
		var b []byte
		for _, c := range certs {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootFile := write("root.pem", root.c)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inter := ncTestIssue(t, int64(100+2*i), &x509.Certificate{Subject: pkix.Name{CommonName: "NC CA " + tt.name}, IsCA: true, KeyUsage: ca,
				PermittedDNSDomains: tt.nc.permDNS, ExcludedDNSDomains: tt.nc.exclDNS, PermittedEmailAddresses: tt.nc.permEmail,
				PermittedIPRanges: tt.nc.permIP, ExcludedIPRanges: tt.nc.exclIP, PermittedDNSDomainsCritical: true}, root)
			leafTmpl := tt.leaf
			leafTmpl.KeyUsage = x509.KeyUsageDigitalSignature
			leaf := ncTestIssue(t, int64(101+2*i), &leafTmpl, inter)
			r, err := chain.Verify(leaf.c, chain.VerifyOptions{Roots: []*x509.Certificate{root.c}, Intermediates: []*x509.Certificate{inter.c}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid() != tt.pkit {
				t.Errorf("pkit: valid %v, want %v: %v", r.Valid(), tt.pkit, r.Problems)
			}
			for _, p := range r.Problems {
				if p.Kind != chain.NameConstraints {
					t.Errorf("unexpected problem %s: %s", p.Kind, p.Detail)
				}
			}
			out, err := exec.Command("openssl", "verify", "-CAfile", rootFile, "-untrusted", write("inter.pem", inter.c), write("leaf.pem", leaf.c)).CombinedOutput()
			if ok := err == nil; ok != tt.openssl {
				t.Errorf("openssl verify: valid %v, want %v:\n%s", ok, tt.openssl, out)
			} else if !ok && !strings.Contains(string(out), "subtree violation") {
				t.Errorf("openssl refused it for another reason:\n%s", out)
			}
		})
	}
}

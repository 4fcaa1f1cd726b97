package ca

import (
	"crypto/x509"
	"net"
	"testing"
)

func TestDomainWithin(t *testing.T) {
	for _, tc := range []struct {
		d    string
		of   []string
		want bool
	}{
		{"app.example.internal", nil, true},
		{"example.internal", []string{"example.internal"}, true},
		{"app.example.internal", []string{"example.internal"}, true},
		{"APP.Example.Internal", []string{"example.internal"}, true},
		{"badexample.internal", []string{"example.internal"}, false},
		{"example.internal", []string{".example.internal"}, false},
		{"a.example.internal", []string{".example.internal"}, true},
		{".example.internal", []string{".example.internal"}, true},
		{"other.com", []string{"example.internal", "example.com"}, false},
	} {
		if got := domainWithin(tc.d, tc.of); got != tc.want {
			t.Errorf("domainWithin(%q, %q) = %v, want %v", tc.d, tc.of, got, tc.want)
		}
	}
}

func TestNetWithin(t *testing.T) {
	cidr := func(s string) *net.IPNet {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		n    string
		of   []string
		want bool
	}{
		{"10.1.0.0/16", []string{"10.0.0.0/8"}, true},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, true},
		{"10.0.0.0/7", []string{"10.0.0.0/8"}, false},
		{"11.0.0.0/16", []string{"10.0.0.0/8"}, false},
		{"fd00::/16", []string{"10.0.0.0/8"}, false},
		{"fd00:1::/32", []string{"fd00::/16"}, true},
	} {
		var of []*net.IPNet
		for _, o := range tc.of {
			of = append(of, cidr(o))
		}
		if got := netWithin(cidr(tc.n), of); got != tc.want {
			t.Errorf("netWithin(%s, %v) = %v, want %v", tc.n, tc.of, got, tc.want)
		}
	}
}

func TestCANameFor(t *testing.T) {
	for cn, want := range map[string]string{
		"Acme Issuing CA 2": "acme-issuing-ca-2",
		"  --  ":            "ca",
		"Über CA":           "ber-ca",
		"a_b.c":             "a-b-c",
	} {
		if got := CANameFor(cn); got != want || !validCAName(got) {
			t.Errorf("CANameFor(%q) = %q, want %q (a valid CA name)", cn, got, want)
		}
	}
}

// A CA request carries what was asked, and reads back the same.
func TestCARequestRoundTrip(t *testing.T) {
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	_, ipn, _ := net.ParseCIDR("10.0.0.0/8")
	for _, pl := range []*int{nil, new(int), func() *int { n := 2; return &n }()} {
		der, err := CreateCARequest(key, CARequestOptions{CommonName: "X CA", PathLen: pl,
			PermittedDNS: []string{"example.internal"}, ExcludedEmail: []string{"bad.example"}, PermittedIPs: []*net.IPNet{ipn}})
		if err != nil {
			t.Fatal(err)
		}
		csr, err := x509.ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		isCA, got, nc, err := ReadCARequest(csr)
		if err != nil || !isCA || nc == nil {
			t.Fatalf("ReadCARequest: %v %v %v", isCA, nc, err)
		}
		if (got == nil) != (pl == nil) || got != nil && *got != *pl {
			t.Errorf("path length: got %v, want %v", got, pl)
		}
		if len(nc.Permitted.DNS) != 1 || nc.Permitted.DNS[0] != "example.internal" || len(nc.Excluded.Emails) != 1 || len(nc.Permitted.IPs) != 1 {
			t.Errorf("constraints: %+v", nc)
		}
	}
	if _, err := CreateCARequest(key, CARequestOptions{CommonName: "X", PathLen: func() *int { n := -1; return &n }()}); err == nil {
		t.Error("a negative path length was accepted")
	}
}

package ca

import (
	"net"
	"testing"
)

// The syntax rules init applies to name constraints and the CRL URL.
func TestConstraintAndURLSyntax(t *testing.T) {
	domains := []struct {
		d  string
		ok bool
	}{
		{"example.internal", true}, {".example.internal", true}, {"*.example.com", false}, {"bad_name.example", false},
	}
	for _, tt := range domains {
		if err := CheckDomainConstraint(tt.d); (err == nil) != tt.ok {
			t.Errorf("CheckDomainConstraint(%q) = %v, want ok %v", tt.d, err, tt.ok)
		}
	}
	urls := []struct {
		u  string
		ok bool
	}{
		{"", true}, {"http://pki.example.internal/crl.der", true}, {"ldap://ldap.example/cn=crl", true},
		{"ftp://pki.example.internal/crl.der", false}, {"/crl.der", false}, {"http://user@pki.example/crl", false}, {"http://pki.example/a b", false},
	}
	for _, tt := range urls {
		if err := CheckCRLURL(tt.u); (err == nil) != tt.ok {
			t.Errorf("CheckCRLURL(%q) = %v, want ok %v", tt.u, err, tt.ok)
		}
	}
	ips := []struct {
		cidr, want string
	}{
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"}, {"10.0.0.0/8", ""}, {"2001:db8::/32", ""},
	}
	for _, tt := range ips {
		ip, n, err := net.ParseCIDR(tt.cidr)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if v4 := IPv4AsIPv6(ip, n); v4 != nil {
			got = v4.String()
		}
		if got != tt.want {
			t.Errorf("IPv4AsIPv6(%q) = %q, want %q", tt.cidr, got, tt.want)
		}
	}
}

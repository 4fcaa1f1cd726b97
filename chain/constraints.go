package chain

import (
	"crypto/x509"
	"net"
	"net/url"
	"strings"
)

// nameConstraints checks the names of every certificate below the CA at
// index i against its name constraints (RFC 5280 section 4.2.1.10). Like
// OpenSSL, a leaf with no DNS names has its common name checked when it
// looks like a host name.
func (v *verifier) nameConstraints(i int) {
	ca := v.chain[i]
	for j := 0; j < i; j++ {
		c := v.chain[j]
		dns := c.DNSNames
		if j == 0 && len(dns) == 0 && len(c.IPAddresses) == 0 && looksLikeHost(c.Subject.CommonName) {
			dns = []string{c.Subject.CommonName}
		}
		var bad []string
		for _, d := range dns {
			if !allowed(d, ca.PermittedDNSDomains, ca.ExcludedDNSDomains, dnsMatch) {
				bad = append(bad, "DNS:"+d)
			}
		}
		for _, ip := range c.IPAddresses {
			if !ipAllowed(ip, ca.PermittedIPRanges, ca.ExcludedIPRanges) {
				bad = append(bad, "IP:"+ip.String())
			}
		}
		for _, e := range c.EmailAddresses {
			if !allowed(e, ca.PermittedEmailAddresses, ca.ExcludedEmailAddresses, emailMatch) {
				bad = append(bad, "email:"+e)
			}
		}
		for _, u := range c.URIs {
			if !allowed(uriHost(u), ca.PermittedURIDomains, ca.ExcludedURIDomains, dnsMatch) {
				bad = append(bad, "URI:"+u.String())
			}
		}
		if len(bad) > 0 {
			v.add(NameConstraints, j, "name constraints of %s forbid %s in %s (permitted: %s; excluded: %s)",
				"issue the certificate from a CA whose constraints allow these names, or drop the names", v.name(i), strings.Join(bad, ", "), v.name(j),
				constraintList(ca, true), constraintList(ca, false))
		}
	}
}

func constraintList(ca *x509.Certificate, permitted bool) string {
	var out []string
	dns, ips, emails, uris := ca.PermittedDNSDomains, ca.PermittedIPRanges, ca.PermittedEmailAddresses, ca.PermittedURIDomains
	if !permitted {
		dns, ips, emails, uris = ca.ExcludedDNSDomains, ca.ExcludedIPRanges, ca.ExcludedEmailAddresses, ca.ExcludedURIDomains
	}
	for _, d := range dns {
		out = append(out, "DNS:"+d)
	}
	for _, n := range ips {
		out = append(out, "IP:"+n.String())
	}
	for _, e := range emails {
		out = append(out, "email:"+e)
	}
	for _, u := range uris {
		out = append(out, "URI:"+u)
	}
	if len(out) == 0 {
		return "any"
	}
	return strings.Join(out, ", ")
}

func looksLikeHost(s string) bool {
	if !strings.Contains(s, ".") || strings.ContainsAny(s, " @/:") {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '-' || r == '*' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func allowed(name string, permitted, excluded []string, match func(name, constraint string) bool) bool {
	for _, x := range excluded {
		if match(name, x) {
			return false
		}
	}
	if len(permitted) == 0 {
		return true
	}
	for _, p := range permitted {
		if match(name, p) {
			return true
		}
	}
	return false
}

// dnsMatch: "example.com" matches it and every subdomain; ".example.com"
// only subdomains.
func dnsMatch(name, c string) bool {
	name, c = strings.ToLower(strings.TrimSuffix(name, ".")), strings.ToLower(c)
	if c == "" {
		return true
	}
	if strings.HasPrefix(c, ".") {
		return strings.HasSuffix(name, c)
	}
	return name == c || strings.HasSuffix(name, "."+c)
}

// emailMatch: "a@example.com" is one mailbox, "example.com" every mailbox
// on that host, ".example.com" every mailbox on its subdomains.
func emailMatch(email, c string) bool {
	at := strings.LastIndexByte(email, '@')
	if strings.Contains(c, "@") {
		return strings.EqualFold(email, c)
	}
	host := strings.ToLower(email[at+1:])
	c = strings.ToLower(c)
	if strings.HasPrefix(c, ".") {
		return strings.HasSuffix(host, c)
	}
	return host == c
}

func uriHost(u *url.URL) string { return u.Hostname() }

func ipAllowed(ip net.IP, permitted, excluded []*net.IPNet) bool {
	in := func(n *net.IPNet) bool {
		if len(n.IP) == net.IPv4len {
			if v4 := ip.To4(); v4 != nil {
				return n.Contains(v4)
			}
			return false
		}
		return len(ip) == net.IPv6len && ip.To4() == nil && n.Contains(ip)
	}
	for _, n := range excluded {
		if in(n) {
			return false
		}
	}
	if len(permitted) == 0 {
		return true
	}
	for _, n := range permitted {
		if in(n) {
			return true
		}
	}
	return false
}

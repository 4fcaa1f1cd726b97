package ca

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckDNSName reports whether d is a usable DNS SAN: LDH labels of at
// most 63 characters, at most 253 in all, an optional leading "*." wildcard
// covering exactly one label, and no IP address.
func CheckDNSName(d string) error {
	name := d
	if strings.HasPrefix(name, "*.") {
		name = name[2:]
		if !strings.Contains(name, ".") {
			return fmt.Errorf("wildcard %q must cover a label under a domain, like *.example.com", d)
		}
	}
	if name == "" || len(name) > 253 {
		return fmt.Errorf("invalid DNS name %q", d)
	}
	if net.ParseIP(name) != nil {
		return fmt.Errorf("%q is an IP address; pass it with --ip", d)
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("invalid DNS name %q", d)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("invalid DNS name %q: %q is not allowed (use letters, digits, - and the punycode form of other names)", d, c)
			}
		}
	}
	// A top-level domain is never all digits (RFC 3696 section 2), so a
	// name ending in a numeric label cannot be a host name: most likely it
	// is a mistyped IP address such as 999.1.1.1 or 10.0.0.
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		if strings.Trim(name, "0123456789.") == "" {
			return fmt.Errorf("%q looks like an IP address but is not a valid one (a DNS name cannot end in an all-digit label)", d)
		}
		return fmt.Errorf("invalid DNS name %q: its last label %q is all digits, which no host name has (RFC 3696 section 2)", d, last)
	}
	return nil
}

// CheckName reports whether name can be a certificate's name, which pkit
// puts in the subject's common name and makes its file names from: it
// must be valid UTF-8 with no control characters (tabs, newlines, NUL,
// DEL, C1 controls), no line or paragraph separators and no bidirectional
// overrides (which make a name display as another), and must not begin or
// end with white space. Letters of any script, inner spaces and
// punctuation are fine; "/" and the like are replaced in file names.
func CheckName(name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("name %q is not valid UTF-8", name)
	}
	for _, c := range name {
		if what := badNameRune(c); what != "" {
			return fmt.Errorf("name %q contains %s (U+%04X), which certificate and file names cannot have", name, what, c)
		}
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("name %q begins or ends with white space", name)
	}
	return nil
}

// badNameRune says what c is when it may not be in a name, or "".
func badNameRune(c rune) string {
	switch {
	case unicode.IsControl(c):
		return "a control character"
	case unicode.In(c, unicode.Zl, unicode.Zp):
		return "a line separator"
	case c >= 0x202A && c <= 0x202E, c >= 0x2066 && c <= 0x2069:
		return "a bidirectional text control"
	}
	return ""
}

// CheckEmail reports whether e is a plain addr-spec (local@domain) usable
// as an email SAN.
func CheckEmail(e string) error {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return fmt.Errorf("invalid email address %q (want local@domain)", e)
	}
	_, domain, _ := strings.Cut(e, "@")
	if CheckDNSName(domain) != nil || strings.HasPrefix(domain, "*.") {
		return fmt.Errorf("invalid email address %q: bad domain %q", e, domain)
	}
	return nil
}

// CheckDomainConstraint reports whether d can be a DNS (or email host)
// name constraint: a domain, optionally with a leading "." (names under
// it only). A wildcard is not a constraint: "example.com" already covers
// every name under it.
func CheckDomainConstraint(d string) error {
	if strings.HasPrefix(d, "*") {
		return fmt.Errorf("%q is a wildcard; a constraint is a domain and covers the names under it (write %q, or %q for the names under it only)",
			d, strings.TrimPrefix(d, "*."), "."+strings.TrimPrefix(d, "*."))
	}
	return CheckDNSName(strings.TrimPrefix(d, "."))
}

// CheckCRLURL reports whether u can be the CRL distribution point of the
// certificates a CA issues: an absolute http, https or ldap URL with a
// host and no user info (RFC 5280 section 4.2.1.13). "" is fine: no
// distribution point.
func CheckCRLURL(u string) error {
	if u == "" {
		return nil
	}
	p, err := url.Parse(u)
	ok := err == nil && p.Host != "" && p.Hostname() != "" && p.User == nil
	if ok {
		switch strings.ToLower(p.Scheme) {
		case "http", "https", "ldap":
		default:
			ok = false
		}
	}
	if !ok || CheckName(u) != nil || strings.ContainsAny(u, " ") {
		return fmt.Errorf("%q is not an absolute http, https or ldap URL", u)
	}
	return nil
}

// IPv4AsIPv6 returns the IPv4 range meant by an IP name constraint
// written as IPv6 (::ffff:10.0.0.0/104, as net.ParseCIDR returns ip and
// n for it), or nil when it is not one. Name constraints keep IPv4 and
// IPv6 apart (RFC 5280, Go, OpenSSL), so such a constraint would match no
// IPv4 address, which is not what anyone writing it means.
func IPv4AsIPv6(ip net.IP, n *net.IPNet) *net.IPNet {
	if ip.To4() == nil || len(n.IP) != net.IPv6len {
		return nil
	}
	ones, _ := n.Mask.Size()
	return &net.IPNet{IP: n.IP.To4(), Mask: net.CIDRMask(max(ones-96, 0), 32)}
}

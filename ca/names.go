package ca

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/mail"
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

// domainMatches applies RFC 5280 section 4.2.1.10 DNS constraint matching:
// a constraint "example.com" matches example.com and any name under it;
// ".example.com" matches only names under it. A wildcard's "*" is matched
// as a label, as crypto/x509 does: "*.example.com" is under example.com.
func domainMatches(name, constraint string) bool {
	name, constraint = strings.ToLower(name), strings.ToLower(constraint)
	if strings.HasPrefix(constraint, ".") {
		return strings.HasSuffix(name, constraint)
	}
	return name == constraint || strings.HasSuffix(name, "."+constraint)
}

// wildcardReaches reports whether the wildcard name "*.D" can stand for a
// name the excluded constraint covers: one that is a single label under D,
// like "secret.example.com" for "*.example.com". Such a wildcard is
// refused, as crypto/x509 and browsers refuse it.
func wildcardReaches(name, constraint string) bool {
	base, ok := strings.CutPrefix(strings.ToLower(name), "*.")
	if !ok {
		return false
	}
	_, parent, _ := strings.Cut(strings.ToLower(constraint), ".")
	return parent != "" && parent == base
}

func emailMatches(email, constraint string) bool {
	if strings.Contains(constraint, "@") {
		return strings.EqualFold(email, constraint)
	}
	_, domain, _ := strings.Cut(email, "@")
	return domainMatches(domain, constraint)
}

// checkNameConstraints refuses a request whose names the CA certificate
// ca's name constraints exclude or do not permit.
func checkNameConstraints(ca *x509.Certificate, r *Request) error {
	who := ca.Subject.CommonName
	for _, d := range r.DNS {
		for _, ex := range ca.ExcludedDNSDomains {
			if domainMatches(d, ex) || wildcardReaches(d, ex) {
				return reqErr("DNS name %q is excluded by CA %q (excluded: %s)", d, who, ex)
			}
		}
		if len(ca.PermittedDNSDomains) > 0 && !anyMatch(d, ca.PermittedDNSDomains, domainMatches) {
			return reqErr("DNS name %q is outside the names CA %q may issue for (permitted: %s)", d, who, strings.Join(ca.PermittedDNSDomains, ", "))
		}
	}
	for _, e := range r.Emails {
		for _, ex := range ca.ExcludedEmailAddresses {
			if emailMatches(e, ex) {
				return reqErr("email %q is excluded by CA %q (excluded: %s)", e, who, ex)
			}
		}
		if len(ca.PermittedEmailAddresses) > 0 && !anyMatch(e, ca.PermittedEmailAddresses, emailMatches) {
			return reqErr("email %q is outside the addresses CA %q may issue for (permitted: %s)", e, who, strings.Join(ca.PermittedEmailAddresses, ", "))
		}
	}
	for _, ip := range r.IPs {
		for _, ex := range ca.ExcludedIPRanges {
			if ex.Contains(ip) {
				return reqErr("IP %s is excluded by CA %q (excluded: %s)", ip, who, ex)
			}
		}
		if len(ca.PermittedIPRanges) > 0 {
			ok := false
			for _, p := range ca.PermittedIPRanges {
				ok = ok || p.Contains(ip)
			}
			if !ok {
				return reqErr("IP %s is outside the ranges CA %q may issue for", ip, who)
			}
		}
	}
	for _, u := range r.URIs {
		host := u.Hostname()
		for _, ex := range ca.ExcludedURIDomains {
			if host != "" && domainMatches(host, ex) {
				return reqErr("URI %q is excluded by CA %q (excluded: %s)", u, who, ex)
			}
		}
		if len(ca.PermittedURIDomains) > 0 && (host == "" || !anyMatch(host, ca.PermittedURIDomains, domainMatches)) {
			return reqErr("URI %q is outside the domains CA %q may issue for", u, who)
		}
	}
	return nil
}

func anyMatch(name string, constraints []string, match func(string, string) bool) bool {
	for _, c := range constraints {
		if match(name, c) {
			return true
		}
	}
	return false
}

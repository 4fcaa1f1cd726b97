package ca

import (
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

package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
)

// Profile is a kind of leaf certificate a CA issues: how long it lasts,
// what its key is, what it may be used for and which names it may carry.
// Profiles are data in the CA directory's config (see [Config]).
type Profile struct {
	Name        string
	Validity    time.Duration
	KeyType     KeyType
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
	// SANTypes lists the subject alternative name kinds a request may
	// carry: "dns", "ip", "email", "uri".
	SANTypes []string
	// RequireSAN rejects requests with no SAN at all.
	RequireSAN bool
	// Subject holds the subject fields (beside the CN) certificates of
	// the profile get when the request does not give them ("subject =
	// O=Acme, OU=Ops").
	Subject pkix.Name
	// AllowedSubject lists the subject fields a request (--subject, a
	// CSR, a manifest) may set ("allowed-subject = O, OU"); nil allows
	// all of [SubjectKeys], empty allows none. The profile's own Subject
	// defaults are always applied: a field given there and not allowed
	// here is fixed.
	AllowedSubject []string
}

var sanTypes = []string{"dns", "ip", "email", "uri"}

// leafKeyUsages are the key usages a leaf profile may give; keyCertSign
// and cRLSign are for CAs, which pkit makes only with init and
// "ca intermediate".
const leafKeyUsages = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment |
	x509.KeyUsageDataEncipherment | x509.KeyUsageKeyAgreement

func extKeyUsageNames(ekus []x509.ExtKeyUsage) []string { return formats.ExtKeyUsageNames(ekus, nil) }

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (p *Profile) set(key, val string) error {
	switch key {
	case "validity":
		d, err := ParseDuration(val)
		if err != nil {
			return fmt.Errorf("validity: %v", err)
		}
		if err := CheckLifetime("validity", d, false); err != nil {
			return err
		}
		p.Validity = d
	case "key-type":
		kt, err := ParseKeyType(val)
		if err != nil {
			return fmt.Errorf("key-type: %v", err)
		}
		p.KeyType = kt
	case "key-usage":
		p.KeyUsage = 0
		for _, n := range splitList(val) {
			ku, ok := formats.ParseKeyUsage(n)
			if !ok {
				return fmt.Errorf("key-usage: unknown usage %q", n)
			}
			if ku&leafKeyUsages == 0 {
				return fmt.Errorf("key-usage: %q is for CAs, not for certificates a profile issues", n)
			}
			p.KeyUsage |= ku
		}
	case "ext-key-usage":
		p.ExtKeyUsage = nil
		for _, n := range splitList(val) {
			eku, ok := formats.ParseExtKeyUsage(n)
			if !ok || eku == x509.ExtKeyUsageAny {
				return fmt.Errorf("ext-key-usage: unknown usage %q", n)
			}
			p.ExtKeyUsage = append(p.ExtKeyUsage, eku)
		}
	case "san-types":
		p.SANTypes = nil
		for _, n := range splitList(val) {
			n = strings.ToLower(n)
			if !slices.Contains(sanTypes, n) {
				return fmt.Errorf("san-types: unknown SAN type %q (valid: dns, ip, email, uri)", n)
			}
			p.SANTypes = append(p.SANTypes, n)
		}
	case "require-san":
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("require-san: %q is not true or false", val)
		}
		p.RequireSAN = b
	case "subject":
		n, err := ParseSubject(val)
		if err != nil {
			return fmt.Errorf("subject: %v", err)
		}
		p.Subject = n
	case "allowed-subject":
		p.AllowedSubject = []string{}
		if strings.EqualFold(val, "none") {
			break
		}
		for _, k := range splitList(val) {
			f, ok := subjectFieldOf(k)
			if !ok {
				return fmt.Errorf("allowed-subject: unknown subject field %q (keys: %s, or none)", k, strings.Join(SubjectKeys(), ", "))
			}
			p.AllowedSubject = append(p.AllowedSubject, f.key)
		}
	default:
		return fmt.Errorf("unknown key %q in [profile %s] (valid: validity, key-type, key-usage, ext-key-usage, san-types, require-san, subject, allowed-subject)", key, p.Name)
	}
	return nil
}

// tlsServer reports whether certificates of the profile can serve TLS:
// their extended key usages include serverAuth, or there are none (which
// TLS clients take as any usage).
func (p *Profile) tlsServer() bool {
	return len(p.ExtKeyUsage) == 0 || slices.Contains(p.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
}

// allows reports whether the profile lets a request carry SANs of kind t.
func (p *Profile) allows(t string) bool { return slices.Contains(p.SANTypes, t) }

// allowsSubject reports whether the profile lets a request set the
// subject field key (one of [SubjectKeys]).
func (p *Profile) allowsSubject(key string) bool {
	return p.AllowedSubject == nil || slices.Contains(p.AllowedSubject, key)
}

// allowedSubjectText lists the fields the profile lets requests set.
func (p *Profile) allowedSubjectText() string {
	if p.AllowedSubject == nil {
		return strings.Join(SubjectKeys(), ", ")
	}
	if len(p.AllowedSubject) == 0 {
		return "none"
	}
	return strings.Join(p.AllowedSubject, ", ")
}

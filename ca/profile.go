package ca

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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
}

var keyUsages = []struct {
	name string
	ku   x509.KeyUsage
}{
	{"digitalSignature", x509.KeyUsageDigitalSignature},
	{"contentCommitment", x509.KeyUsageContentCommitment},
	{"keyEncipherment", x509.KeyUsageKeyEncipherment},
	{"dataEncipherment", x509.KeyUsageDataEncipherment},
	{"keyAgreement", x509.KeyUsageKeyAgreement},
}

var extKeyUsages = []struct {
	name string
	eku  x509.ExtKeyUsage
}{
	{"serverAuth", x509.ExtKeyUsageServerAuth},
	{"clientAuth", x509.ExtKeyUsageClientAuth},
	{"codeSigning", x509.ExtKeyUsageCodeSigning},
	{"emailProtection", x509.ExtKeyUsageEmailProtection},
	{"timeStamping", x509.ExtKeyUsageTimeStamping},
	{"ocspSigning", x509.ExtKeyUsageOCSPSigning},
}

var sanTypes = []string{"dns", "ip", "email", "uri"}

func keyUsageNames(ku x509.KeyUsage) []string {
	var out []string
	for _, k := range keyUsages {
		if ku&k.ku != 0 {
			out = append(out, k.name)
		}
	}
	return out
}

func extKeyUsageNames(ekus []x509.ExtKeyUsage) []string {
	var out []string
	for _, e := range ekus {
		for _, k := range extKeyUsages {
			if k.eku == e {
				out = append(out, k.name)
			}
		}
	}
	return out
}

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
		if d <= 0 {
			return fmt.Errorf("validity must be positive")
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
			i := slices.IndexFunc(keyUsages, func(k struct {
				name string
				ku   x509.KeyUsage
			}) bool {
				return strings.EqualFold(k.name, n)
			})
			if i < 0 {
				return fmt.Errorf("key-usage: unknown usage %q", n)
			}
			p.KeyUsage |= keyUsages[i].ku
		}
	case "ext-key-usage":
		p.ExtKeyUsage = nil
		for _, n := range splitList(val) {
			i := slices.IndexFunc(extKeyUsages, func(k struct {
				name string
				eku  x509.ExtKeyUsage
			}) bool {
				return strings.EqualFold(k.name, n)
			})
			if i < 0 {
				return fmt.Errorf("ext-key-usage: unknown usage %q", n)
			}
			p.ExtKeyUsage = append(p.ExtKeyUsage, extKeyUsages[i].eku)
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
	default:
		return fmt.Errorf("unknown key %q in [profile %s] (valid: validity, key-type, key-usage, ext-key-usage, san-types, require-san)", key, p.Name)
	}
	return nil
}

// allows reports whether the profile lets a request carry SANs of kind t.
func (p *Profile) allows(t string) bool { return slices.Contains(p.SANTypes, t) }

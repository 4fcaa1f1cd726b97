package formats

import (
	"crypto/x509"
	"encoding/asn1"
	"strconv"
	"strings"
)

// keyUsages names every key usage bit the way RFC 5280 and OpenSSL's
// configuration files spell them, in bit order.
var keyUsages = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "contentCommitment"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

// extKeyUsages names the extended key usages Go knows, as OpenSSL's
// configuration files spell them.
var extKeyUsages = []struct {
	eku  x509.ExtKeyUsage
	name string
}{
	{x509.ExtKeyUsageAny, "any"},
	{x509.ExtKeyUsageServerAuth, "serverAuth"},
	{x509.ExtKeyUsageClientAuth, "clientAuth"},
	{x509.ExtKeyUsageCodeSigning, "codeSigning"},
	{x509.ExtKeyUsageEmailProtection, "emailProtection"},
	{x509.ExtKeyUsageIPSECEndSystem, "ipsecEndSystem"},
	{x509.ExtKeyUsageIPSECTunnel, "ipsecTunnel"},
	{x509.ExtKeyUsageIPSECUser, "ipsecUser"},
	{x509.ExtKeyUsageTimeStamping, "timeStamping"},
	{x509.ExtKeyUsageOCSPSigning, "OCSPSigning"},
}

// KeyUsageNames returns the names of the bits set in ku, in bit order
// ("digitalSignature", "keyCertSign", …). It never returns nil.
func KeyUsageNames(ku x509.KeyUsage) []string {
	out := []string{}
	for _, k := range keyUsages {
		if ku&k.bit != 0 {
			out = append(out, k.name)
		}
	}
	return out
}

// ParseKeyUsage returns the key usage bit called name (case-insensitive).
func ParseKeyUsage(name string) (x509.KeyUsage, bool) {
	for _, k := range keyUsages {
		if strings.EqualFold(k.name, name) {
			return k.bit, true
		}
	}
	return 0, false
}

// ExtKeyUsageName returns the name of an extended key usage ("serverAuth"),
// or "eku-N" for one Go knows by number only.
func ExtKeyUsageName(u x509.ExtKeyUsage) string {
	for _, k := range extKeyUsages {
		if k.eku == u {
			return k.name
		}
	}
	return "eku-" + strconv.Itoa(int(u))
}

// ExtKeyUsageNames names known usages with [ExtKeyUsageName] and unknown
// ones by their OID, in order. It never returns nil.
func ExtKeyUsageNames(ekus []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) []string {
	out := []string{}
	for _, u := range ekus {
		out = append(out, ExtKeyUsageName(u))
	}
	for _, o := range unknown {
		out = append(out, o.String())
	}
	return out
}

// ParseExtKeyUsage returns the extended key usage called name
// (case-insensitive).
func ParseExtKeyUsage(name string) (x509.ExtKeyUsage, bool) {
	for _, k := range extKeyUsages {
		if strings.EqualFold(k.name, name) {
			return k.eku, true
		}
	}
	return 0, false
}

// SANStrings lists a certificate's subject alternative names as
// "DNS:…", "IP:…", "email:…", "URI:…", the way OpenSSL prints them.
func SANStrings(c *x509.Certificate) []string {
	var out []string
	for _, d := range c.DNSNames {
		out = append(out, "DNS:"+d)
	}
	for _, ip := range c.IPAddresses {
		out = append(out, "IP:"+ip.String())
	}
	for _, e := range c.EmailAddresses {
		out = append(out, "email:"+e)
	}
	for _, u := range c.URIs {
		out = append(out, "URI:"+u.String())
	}
	return out
}

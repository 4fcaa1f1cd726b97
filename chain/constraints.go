package chain

// Name constraints (RFC 5280 section 4.2.1.10): the one matcher pkit has.
// Path validation applies it to every path ([Verify]), and the CA applies
// it to what it is asked to sign before signing (package ca calls
// [CheckNames]), so issuance and "pkit chain verify" cannot disagree.
//
// Where validators differ, pkit follows the strictest:
//   - DNS: "example.com" covers it and every name under it, ".example.com"
//     only the names under it (as Go and OpenSSL read RFC 5280). A
//     wildcard SAN "*.example.com" is refused by an excluded subtree
//     "secret.example.com", which it could stand for (Go; OpenSSL lets it
//     through), and is outside a permitted "secret.example.com".
//   - email: "a@example.com" is one mailbox (local part exact, host
//     without case), "example.com" the mailboxes at that host only,
//     ".example.com" those at hosts under it (RFC 5280 and OpenSSL; Go
//     lets "example.com" cover its subdomains).
//   - URI: the host part, matched as email hosts are ("host.example.com"
//     that host only; RFC 5280 and OpenSSL). A URI without a host name
//     (a URN, an IP literal) fails any URI constraint (Go refuses it
//     under any constraint, OpenSSL under URI ones).
//   - IP: IPv4 addresses against IPv4 ranges, IPv6 against IPv6 ones; an
//     IPv4 range written in IPv6 form (::ffff:10.0.0.0/104) matches no
//     IPv4 address (Go and OpenSSL both).
//   - directoryName: the subject's distinguished name must begin with the
//     subtree's RDNs, compared as RFC 5280 section 7.1 says
//     ([formats.SameName]). Go leaves such a critical extension
//     unhandled; pkit reads the extension itself with cryptobyte.
//   - the subject's emailAddress attributes are checked as email
//     addresses (OpenSSL), and a leaf's common names that look like host
//     names or email addresses are checked as such when the leaf has no
//     SAN of that kind (OpenSSL for host names; pkit for email too).
//   - self-issued intermediates are not checked (section 6.1.3 (b)).
//   - the work is bounded: a path whose constraints times names exceed
//     [MaxConstraintComparisons] is refused at once.

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/pkit/pkit/formats"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidNameConstraints = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidCommonName      = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidEmailAddress    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// MaxConstraintComparisons bounds name-constraint work on one path: the
// sum, over every CA with constraints, of its subtrees times the names of
// the certificates below it. Go's crypto/x509 used the same bound
// (maxConstraintComparisions); a path over it is refused with
// [ErrTooManyConstraints] without matching anything.
const MaxConstraintComparisons = 250000

// ErrTooManyConstraints is returned by [CheckNames] (and reported by
// [Verify]) when checking would take more than [MaxConstraintComparisons]
// comparisons.
var ErrTooManyConstraints = errors.New("too many name constraints to check")

// Subtrees are the permitted or excluded subtrees of a name constraints
// extension, by form.
type Subtrees struct {
	DNS    []string
	IPs    []*net.IPNet
	Emails []string
	// URIs are host names or, with a leading ".", domains.
	URIs []string
	// DirNames are DER-encoded distinguished names.
	DirNames [][]byte
}

func (s *Subtrees) count() int {
	return len(s.DNS) + len(s.IPs) + len(s.Emails) + len(s.URIs) + len(s.DirNames)
}

// Constraints is a CA certificate's name constraints extension, read
// in full (crypto/x509 skips directoryName subtrees).
type Constraints struct {
	Permitted, Excluded Subtrees
	Critical            bool
	// Unsupported names the forms of subtree the extension holds that pkit
	// does not check (otherName, x400Address, ediPartyName, registeredID);
	// when it is not empty and the extension is critical, the extension
	// stays unhandled.
	Unsupported []string
}

// count is the number of subtrees.
func (nc *Constraints) count() int {
	if nc == nil {
		return 0
	}
	return nc.Permitted.count() + nc.Excluded.count() + len(nc.Unsupported)
}

// ErrMalformedNameConstraints is wrapped by the errors of
// [ParseNameConstraints].
var ErrMalformedNameConstraints = errors.New("malformed name constraints extension")

// ParseNameConstraints reads the name constraints extension of c. It
// returns nil, nil when c has none.
func ParseNameConstraints(c *x509.Certificate) (*Constraints, error) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidNameConstraints) {
			return parseNameConstraints(e.Value, e.Critical)
		}
	}
	return nil, nil
}

var (
	tagOtherName = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagEmail     = cbasn1.Tag(1).ContextSpecific()
	tagDNS       = cbasn1.Tag(2).ContextSpecific()
	tagX400      = cbasn1.Tag(3).ContextSpecific().Constructed()
	tagDirName   = cbasn1.Tag(4).ContextSpecific().Constructed()
	tagEDIParty  = cbasn1.Tag(5).ContextSpecific().Constructed()
	tagURI       = cbasn1.Tag(6).ContextSpecific()
	tagIP        = cbasn1.Tag(7).ContextSpecific()
	tagRegID     = cbasn1.Tag(8).ContextSpecific()
)

func parseNameConstraints(der []byte, critical bool) (*Constraints, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformedNameConstraints, fmt.Sprintf(format, args...))
	}
	in := cryptobyte.String(der)
	var top, permitted, excluded cryptobyte.String
	var hasP, hasE bool
	if !in.ReadASN1(&top, cbasn1.SEQUENCE) || !in.Empty() ||
		!top.ReadOptionalASN1(&permitted, &hasP, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!top.ReadOptionalASN1(&excluded, &hasE, cbasn1.Tag(1).ContextSpecific().Constructed()) ||
		!top.Empty() {
		return nil, bad("not a SEQUENCE of permitted and excluded subtrees")
	}
	if (!hasP || permitted.Empty()) && (!hasE || excluded.Empty()) {
		return nil, bad("neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)")
	}
	nc := &Constraints{Critical: critical}
	read := func(s cryptobyte.String, out *Subtrees) error {
		for !s.Empty() {
			var sub, value cryptobyte.String
			var tag cbasn1.Tag
			if !s.ReadASN1(&sub, cbasn1.SEQUENCE) || !sub.ReadAnyASN1(&value, &tag) {
				return bad("a subtree is not a GeneralSubtree")
			}
			// minimum must be 0 (absent) and maximum absent (RFC 5280
			// 4.2.1.10); OpenSSL refuses others too.
			if !sub.Empty() {
				return bad("a subtree has a minimum or maximum, which RFC 5280 forbids")
			}
			switch tag {
			case tagDNS, tagEmail, tagURI:
				v := string(value)
				for i := 0; i < len(v); i++ {
					if v[i] >= 0x80 {
						return bad("%q is not an IA5String", v)
					}
				}
				switch tag {
				case tagDNS:
					out.DNS = append(out.DNS, v)
				case tagEmail:
					out.Emails = append(out.Emails, v)
				default:
					out.URIs = append(out.URIs, v)
				}
			case tagIP:
				var ip, mask []byte
				switch len(value) {
				case 2 * net.IPv4len:
					ip, mask = value[:4], value[4:]
				case 2 * net.IPv6len:
					ip, mask = value[:16], value[16:]
				default:
					return bad("an iPAddress subtree of %d bytes (want 8 or 32)", len(value))
				}
				if ones, bits := net.IPMask(mask).Size(); ones == 0 && bits == 0 {
					return bad("an iPAddress subtree with the non-contiguous mask %x", mask)
				}
				out.IPs = append(out.IPs, &net.IPNet{IP: net.IP(ip).Mask(mask), Mask: net.IPMask(mask)})
			case tagDirName:
				var name cryptobyte.String
				if !value.ReadASN1Element(&name, cbasn1.SEQUENCE) || !value.Empty() {
					return bad("a directoryName subtree is not a Name")
				}
				if _, ok := rdnElements(name); !ok {
					return bad("a directoryName subtree is not a Name")
				}
				out.DirNames = append(out.DirNames, []byte(name))
			case tagOtherName:
				nc.Unsupported = append(nc.Unsupported, "otherName")
			case tagX400:
				nc.Unsupported = append(nc.Unsupported, "x400Address")
			case tagEDIParty:
				nc.Unsupported = append(nc.Unsupported, "ediPartyName")
			case tagRegID:
				nc.Unsupported = append(nc.Unsupported, "registeredID")
			default:
				return bad("a subtree of unknown form (tag %d)", tag&0x1f)
			}
		}
		return nil
	}
	if err := read(permitted, &nc.Permitted); err != nil {
		return nil, err
	}
	if err := read(excluded, &nc.Excluded); err != nil {
		return nil, err
	}
	return nc, nil
}

// rdnElements splits a DER Name into its RDN SET elements.
func rdnElements(name cryptobyte.String) ([][]byte, bool) {
	var rdns cryptobyte.String
	if !name.ReadASN1(&rdns, cbasn1.SEQUENCE) || !name.Empty() {
		return nil, false
	}
	var out [][]byte
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1Element(&set, cbasn1.SET) {
			return nil, false
		}
		out = append(out, set)
	}
	return out, true
}

// handledCritical reports whether pkit checks the critical extension oid
// of c itself although crypto/x509 left it among
// UnhandledCriticalExtensions: a name constraints extension (with
// directoryName subtrees, which Go does not check) is handled when every
// subtree is of a form this file checks.
func handledCritical(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	if !oid.Equal(oidNameConstraints) {
		return false
	}
	nc, err := ParseNameConstraints(c)
	return err == nil && nc != nil && len(nc.Unsupported) == 0
}

// CNRule says when a certificate's common names are checked as names.
type CNRule int

const (
	// CNNever checks no common name (a CA certificate).
	CNNever CNRule = iota
	// CNIfNoSAN checks a common name that looks like a host name when
	// there is no DNS SAN, and one that looks like an email address when
	// there is no email SAN (a leaf, as OpenSSL checks it).
	CNIfNoSAN
	// CNAlways checks every common name that looks like a host name or an
	// email address, SANs or not: what the CA signs, so that relying
	// parties that authorise by common name are held to the constraints
	// too.
	CNAlways
)

// Names are the names of one certificate that name constraints apply to.
type Names struct {
	// Subject is the DER-encoded subject name (directoryName subtrees,
	// emailAddress attributes, common names).
	Subject []byte
	DNS     []string
	// IPs are IPv4 addresses of 4 bytes and IPv6 ones of 16: a 16-byte
	// address is IPv6 even when it is IPv4-mapped, as in a certificate.
	IPs    []net.IP
	Emails []string
	URIs   []*url.URL
	// DirNames are the DER-encoded directoryName SANs (crypto/x509 does
	// not parse them; [NamesOf] reads them from the extension).
	DirNames [][]byte
	// CN says when the subject's common names are checked.
	CN CNRule
}

// NamesOf returns the names of c: its subject and SANs, and, when leaf is
// true, its common names under [CNIfNoSAN].
func NamesOf(c *x509.Certificate, leaf bool) Names {
	n := Names{Subject: c.RawSubject, DNS: c.DNSNames, IPs: c.IPAddresses, Emails: c.EmailAddresses, URIs: c.URIs,
		DirNames: sanDirNames(c)}
	if leaf {
		n.CN = CNIfNoSAN
	}
	return n
}

var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// sanDirNames returns the directoryName entries of c's subject alternative
// name extension, as DER Names. A malformed extension yields none
// (crypto/x509 refused to parse such a certificate already).
func sanDirNames(c *x509.Certificate) [][]byte {
	var out [][]byte
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidSubjectAltName) {
			continue
		}
		in := cryptobyte.String(e.Value)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return nil
		}
		for !seq.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1(&v, &tag) {
				return nil
			}
			var dn cryptobyte.String
			if tag == tagDirName && v.ReadASN1Element(&dn, cbasn1.SEQUENCE) {
				out = append(out, []byte(dn))
			}
		}
	}
	return out
}

// name is one name to check.
type name struct {
	kind  string // "DNS", "IP", "email", "URI", "DN"
	value string
	ip    net.IP
	uri   *url.URL
	der   []byte // a directory name
	from  string // "" for a SAN, else "common name", "emailAddress attribute", "subject"
}

func (n name) String() string {
	s := kindWords[n.kind] + " " + fmt.Sprintf("%q", n.value)
	if n.from != "" {
		s += " (" + n.from + ")"
	}
	return s
}

var kindWords = map[string]string{"DNS": "DNS name", "IP": "IP address", "email": "email address", "URI": "URI", "DN": "directory name"}

// list expands n into the names to check.
func (n Names) list() []name {
	var out []name
	for _, d := range n.DNS {
		out = append(out, name{kind: "DNS", value: d})
	}
	for _, ip := range n.IPs {
		out = append(out, name{kind: "IP", value: ip.String(), ip: ip})
	}
	for _, e := range n.Emails {
		out = append(out, name{kind: "email", value: e})
	}
	for _, u := range n.URIs {
		out = append(out, name{kind: "URI", value: u.String(), uri: u})
	}
	for _, d := range n.DirNames {
		out = append(out, name{kind: "DN", value: dnString(d), der: d})
	}
	var subj pkix.RDNSequence
	if rest, err := asn1.Unmarshal(n.Subject, &subj); err != nil || len(rest) > 0 || len(subj) == 0 {
		return out
	}
	var dn pkix.Name
	dn.FillFromRDNSequence(&subj)
	out = append(out, name{kind: "DN", value: dn.String(), der: n.Subject, from: "subject"})
	for _, rdn := range subj {
		for _, atv := range rdn {
			s, ok := atv.Value.(string)
			if !ok {
				continue
			}
			switch {
			case atv.Type.Equal(oidEmailAddress):
				out = append(out, name{kind: "email", value: s, from: "emailAddress attribute"})
			case atv.Type.Equal(oidCommonName) && n.CN != CNNever:
				// A common name that is also a SAN is checked once, as the SAN.
				// An IP address in it: OpenSSL checks it as a DNS name when
				// there is no DNS SAN (so pkit does, CNIfNoSAN or not), and
				// what pkit signs is checked as the IP address it is too.
				ip := net.ParseIP(s)
				if HostLike(s) && (len(n.DNS) == 0 || n.CN == CNAlways && ip == nil && !containsFold(n.DNS, s)) {
					out = append(out, name{kind: "DNS", value: s, from: "common name"})
				}
				if ip != nil && n.CN == CNAlways && !containsIP(n.IPs, ip) {
					if v4 := ip.To4(); v4 != nil {
						ip = v4
					}
					out = append(out, name{kind: "IP", value: ip.String(), ip: ip, from: "common name"})
				}
				if EmailLike(s) && (n.CN == CNAlways && !containsFold(n.Emails, s) || len(n.Emails) == 0) {
					out = append(out, name{kind: "email", value: s, from: "common name"})
				}
			}
		}
	}
	return out
}

func containsIP(list []net.IP, ip net.IP) bool {
	for _, x := range list {
		if x.Equal(ip) {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// count is the number of names [Names.list] returns, without building it.
func (n Names) count() int {
	c := len(n.DNS) + len(n.IPs) + len(n.Emails) + len(n.URIs) + len(n.DirNames)
	if len(n.Subject) > 2 {
		c += 4 // the DN, and allowance for common names and emailAddress attributes
	}
	return c
}

// HostLike reports whether a common name looks like a host name, as
// OpenSSL decides before checking it against DNS name constraints: at
// least two labels of letters, digits, "_" and inner "-", with no empty
// label (so "10.1.2.3" counts, "alice" and "Alice Smith" do not). pkit
// also takes a leading "*." wildcard label.
func HostLike(cn string) bool {
	s := strings.TrimPrefix(cn, "*.")
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			continue
		}
		if i == 0 || i == len(s)-1 {
			return false
		}
		switch {
		case c == '-':
			continue
		case c == '.' && s[i+1] != '.' && s[i-1] != '-' && s[i+1] != '-':
			dot = true
			continue
		}
		return false
	}
	return dot
}

// EmailLike reports whether a common name looks like an email address:
// one "@" with a non-empty local part before it and a host name
// ([HostLike], no wildcard) after it.
func EmailLike(cn string) bool {
	local, host, ok := strings.Cut(cn, "@")
	return ok && local != "" && !strings.ContainsAny(local, " \t\"<>") && !strings.HasPrefix(host, "*") && HostLike(host)
}

// Violation is one name a CA's name constraints forbid.
type Violation struct {
	// Name describes the name and where it is: `DNS name "evil.com"
	// (common name)`.
	Name string
	// Excluded is the excluded subtree that holds the name, written
	// "DNS:secret.example.com"; empty when the name is outside every
	// permitted subtree of its form.
	Excluded string
	// Permitted lists the permitted subtrees of the name's form when
	// Excluded is empty.
	Permitted []string
	// Reason, when set, says why the name cannot be matched at all (a URI
	// without a host name).
	Reason string
}

func (v Violation) String() string {
	switch {
	case v.Reason != "":
		return v.Name + " " + v.Reason
	case v.Excluded != "":
		return v.Name + " is in the excluded subtree " + v.Excluded
	}
	return v.Name + " is outside the permitted " + strings.Join(v.Permitted, ", ")
}

// Check returns the names of n that nc forbids, in the order of
// [Names]: SANs, then the subject.
func (nc *Constraints) Check(n Names) []Violation {
	if nc == nil {
		return nil
	}
	var out []Violation
	for _, nm := range n.list() {
		if v, bad := nc.check(nm, n); bad {
			out = append(out, v)
		}
	}
	return out
}

func (nc *Constraints) check(nm name, n Names) (Violation, bool) {
	v := Violation{Name: nm.String()}
	var match func(any) bool
	var pTrees, eTrees []any
	prefix := nm.kind + ":"
	switch nm.kind {
	case "DNS":
		pTrees, eTrees = anys(nc.Permitted.DNS), anys(nc.Excluded.DNS)
		match = func(t any) bool { return dnsMatch(nm.value, t.(string)) }
		if isWildcard(nm.value) {
			// Excluded: the wildcard could stand for a name the subtree
			// holds: "*.example.com" for "secret.example.com" (Go).
			for _, t := range nc.Excluded.DNS {
				if !dnsMatch(nm.value, t) && wildcardReaches(nm.value, t) {
					v.Excluded = prefix + t
					return v, true
				}
			}
		}
	case "IP":
		pTrees, eTrees = anys(nc.Permitted.IPs), anys(nc.Excluded.IPs)
		match = func(t any) bool { return ipMatch(nm.ip, t.(*net.IPNet)) }
	case "email":
		pTrees, eTrees = anys(nc.Permitted.Emails), anys(nc.Excluded.Emails)
		match = func(t any) bool { return emailMatch(nm.value, t.(string)) }
	case "URI":
		pTrees, eTrees = anys(nc.Permitted.URIs), anys(nc.Excluded.URIs)
		host := uriHost(nm.uri)
		if host == "" && len(pTrees)+len(eTrees) > 0 {
			v.Reason = "has no host name, so URI name constraints cannot be applied to it"
			return v, true
		}
		match = func(t any) bool { return hostMatch(host, t.(string)) }
	case "DN":
		pTrees, eTrees = anys(nc.Permitted.DirNames), anys(nc.Excluded.DirNames)
		match = func(t any) bool { return dnWithin(nm.der, t.([]byte)) }
		prefix = "DirName:"
	}
	show := func(t any) string {
		switch t := t.(type) {
		case *net.IPNet:
			return prefix + t.String()
		case []byte:
			return prefix + dnString(t)
		}
		if t.(string) == "" {
			return prefix + `""`
		}
		return prefix + t.(string)
	}
	for _, t := range eTrees {
		if match(t) {
			v.Excluded = show(t)
			return v, true
		}
	}
	if len(pTrees) == 0 {
		return v, false
	}
	for _, t := range pTrees {
		if match(t) {
			return v, false
		}
	}
	for _, t := range pTrees {
		v.Permitted = append(v.Permitted, show(t))
	}
	return v, true
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func isWildcard(d string) bool { return strings.HasPrefix(d, "*.") }

// dnsMatch reports whether the DNS name lies in the subtree c:
// "example.com" matches it and every name under it, ".example.com" only
// names under it, "" everything. Case is ignored, and a final "." of the
// name.
func dnsMatch(name, c string) bool {
	name, c = strings.ToLower(strings.TrimSuffix(name, ".")), strings.ToLower(c)
	if c == "" {
		return true
	}
	if strings.HasPrefix(c, ".") {
		return len(name) > len(c) && strings.HasSuffix(name, c)
	}
	return name == c || strings.HasSuffix(name, "."+c)
}

// wildcardReaches reports whether the wildcard "*.D" can stand for a name
// in the subtree c: c is one label under D ("secret.D"), so the wildcard
// matches c itself. (Names deeper under D are not one label and cannot be
// matched by the wildcard.)
func wildcardReaches(name, c string) bool {
	base := strings.ToLower(strings.TrimSuffix(name[2:], "."))
	c = strings.ToLower(c)
	if strings.HasPrefix(c, ".") {
		return false // ".secret.D" holds only names two labels under D
	}
	_, parent, ok := strings.Cut(c, ".")
	return ok && parent == base
}

// hostMatch applies RFC 5280's host rule of email and URI constraints:
// "host.example.com" is that host only, ".example.com" any host under
// example.com.
func hostMatch(host, c string) bool {
	host, c = strings.ToLower(strings.TrimSuffix(host, ".")), strings.ToLower(c)
	if c == "" {
		return true
	}
	if strings.HasPrefix(c, ".") {
		return len(host) > len(c) && strings.HasSuffix(host, c)
	}
	return host == c
}

// emailMatch: "a@example.com" is one mailbox (the local part exact, the
// host without case), "example.com" the mailboxes at that host,
// ".example.com" those at hosts under it.
func emailMatch(email, c string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	local, host := email[:at], email[at+1:]
	if cl, ch, ok := cutLast(c, "@"); ok {
		return local == cl && strings.EqualFold(host, ch)
	}
	return hostMatch(host, c)
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// uriHost is the host name of u, or "" when it has none or an IP address
// (which URI constraints, being DNS names, cannot match).
func uriHost(u *url.URL) string {
	h := u.Hostname()
	if h == "" || net.ParseIP(h) != nil || strings.HasPrefix(u.Host, "[") {
		return ""
	}
	return h
}

// ipMatch keeps IPv4 and IPv6 apart: a 4-byte address only in a 4-byte
// range, a 16-byte one only in a 16-byte range.
func ipMatch(ip net.IP, n *net.IPNet) bool {
	if len(ip) != len(n.IP) || len(n.Mask) != len(n.IP) {
		return false
	}
	return n.Contains(ip)
}

// dnWithin reports whether the DER name subject lies in the directoryName
// subtree base: its first RDNs are base's, compared by
// [formats.SameName] (RFC 5280 section 7.1).
func dnWithin(subject, base []byte) bool {
	s, ok1 := rdnElements(cryptobyte.String(subject))
	b, ok2 := rdnElements(cryptobyte.String(base))
	if !ok1 || !ok2 || len(b) > len(s) {
		return false
	}
	var bld cryptobyte.Builder
	bld.AddASN1(cbasn1.SEQUENCE, func(bld *cryptobyte.Builder) {
		for _, rdn := range s[:len(b)] {
			bld.AddBytes(rdn)
		}
	})
	prefix, err := bld.Bytes()
	return err == nil && formats.SameName(prefix, base)
}

func dnString(der []byte) string {
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdns); err != nil {
		return fmt.Sprintf("%x", der)
	}
	if len(rdns) == 0 {
		return `""`
	}
	return rdns.String()
}

// ConstraintError says which names the name constraints of a CA forbid.
type ConstraintError struct {
	// CA is the CA certificate whose constraints are broken.
	CA         *x509.Certificate
	Violations []Violation
}

func (e *ConstraintError) Error() string {
	var vs []string
	for _, v := range e.Violations {
		vs = append(vs, v.String())
	}
	return fmt.Sprintf("the name constraints of CA %q forbid it: %s", e.CA.Subject.String(), strings.Join(vs, "; "))
}

// CheckNames checks the names of a certificate to be issued below the CA
// certificates cas (its issuer first, then up the path) against the name
// constraints of each. It returns a [*ConstraintError] for the first CA
// whose constraints are broken, an error wrapping [ErrTooManyConstraints]
// when the check is over the bound, or an error wrapping
// [ErrMalformedNameConstraints].
func CheckNames(cas []*x509.Certificate, n Names) error {
	ncs := make([]*Constraints, len(cas))
	total := 0
	for i, c := range cas {
		nc, err := ParseNameConstraints(c)
		if err != nil {
			return fmt.Errorf("CA %q: %w", c.Subject.String(), err)
		}
		ncs[i] = nc
		total += nc.count() * n.count()
	}
	if total > MaxConstraintComparisons {
		return fmt.Errorf("%w: %d comparisons, more than %d", ErrTooManyConstraints, total, MaxConstraintComparisons)
	}
	for i, nc := range ncs {
		if vs := nc.Check(n); len(vs) > 0 {
			return &ConstraintError{CA: cas[i], Violations: vs}
		}
	}
	return nil
}

// pathComparisons is the name-constraint work of checking chain (leaf
// first), and the index of the topmost CA with constraints.
func pathComparisons(chain []*x509.Certificate) (total, top int) {
	for i := 1; i < len(chain); i++ {
		nc, _ := ParseNameConstraints(chain[i])
		if nc == nil {
			continue
		}
		top = i
		names := 0
		for j := 0; j < i; j++ {
			if j == 0 || !formats.SelfIssued(chain[j]) {
				names += NamesOf(chain[j], j == 0).count()
			}
		}
		total += nc.count() * names
	}
	return total, top
}

// nameConstraints checks the names of every certificate below the CA at
// index i against its name constraints (RFC 5280 section 6.1.3 (b) and
// (c)), skipping self-issued intermediates; the leaf's common names are
// checked when it has no SAN of their kind ([CNIfNoSAN]).
func (v *verifier) nameConstraints(i int) {
	ca := v.chain[i]
	nc, err := ParseNameConstraints(ca)
	if err != nil {
		v.add(NameConstraints, i, "%s has a %v", "re-issue the CA certificate with well-formed name constraints", v.name(i), err)
		return
	}
	if nc == nil {
		return
	}
	if total, top := pathComparisons(v.chain); total > MaxConstraintComparisons {
		if i == top {
			v.add(NameConstraints, i, "name constraints not checked: the path needs %d comparisons of constraints and names, more than pkit's limit of %d (%v)",
				"re-issue the CAs with fewer name constraints, or the certificates with fewer names", total, MaxConstraintComparisons, ErrTooManyConstraints)
		}
		return
	}
	for j := 0; j < i; j++ {
		c := v.chain[j]
		if j > 0 && formats.SelfIssued(c) {
			continue // RFC 5280 6.1.3 (b)
		}
		vs := nc.Check(NamesOf(c, j == 0))
		if len(vs) == 0 {
			continue
		}
		var parts []string
		for _, x := range vs {
			parts = append(parts, x.String())
		}
		v.add(NameConstraints, j, "the name constraints of %s forbid %s: %s",
			"issue the certificate from a CA whose constraints allow these names, or drop the names", v.name(i), v.name(j), strings.Join(parts, "; "))
	}
}

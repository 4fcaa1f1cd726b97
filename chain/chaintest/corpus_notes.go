package chaintest

// caseNotes say why OpenSSL 3.0 or Go 1.26 answer otherwise than RFC
// 5280 in a case, where that was checked against their output:
// {OpenSSL note, Go note}.
var caseNotes = map[string][2]string{
	"exp-leaf-at-notafter":                 {openSSLNotAfter, ""},
	"exp-int-at-notafter":                  {openSSLNotAfter, ""},
	"exp-root-at-notafter":                 {openSSLNotAfter, ""},
	"exp-generalizedtime-last-second":      {openSSLNotAfter, ""},
	"exp-utctime-2049-last-second":         {openSSLNotAfter, ""},
	"exp-leaf-notbefore-minus-half-second": {"openssl -attime takes whole seconds: it is given notBefore itself", ""},
	"exp-leaf-notafter-minus-half-second":  {"openssl -attime takes whole seconds: it is given notAfter itself, which it wrongly treats as expired", ""},

	"nc-wildcard-vs-excluded":           {"OpenSSL compares the wildcard SAN as a literal name, which lies outside the excluded subtree", ""},
	"nc-wildcard-vs-excluded-deeper":    {"OpenSSL compares the wildcard SAN as a literal name, which lies outside the excluded subtree", ""},
	"nc-cn-no-san-outside":              {"", "Go never reads the CN as a host name, so it applies no constraint to it"},
	"nc-email-host-not-sub":             {"", goEmailHost},
	"nc-email-excluded-host-sub-ok":     {"", goEmailHost},
	"nc-email-in-subject-dn-outside":    {"", "Go does not apply rfc822Name constraints to an emailAddress in the subject"},
	"nc-uri-host-not-sub":               {"", "Go reads a URI host constraint as a domain, subdomains included"},
	"nc-dirname-permitted":              {"", goDirName},
	"nc-dirname-case":                   {"", goDirName},
	"nc-dirname-printable":              {"", goDirName},
	"nc-dirname-excluded-other-ou":      {"", goDirName},
	"nc-dirname-only-dns-san":           {"", goDirName},
	"nc-noncritical":                    {"OpenSSL does not check how name constraints are marked", goNoProfile},
	"nc-on-leaf":                        {"OpenSSL ignores name constraints in a leaf", goNoProfile},
	"si-pathlen0-rollover":              {"", goSelfIssued},
	"si-pathlen0-two-rollovers":         {"", goSelfIssued},
	"si-pathlen1-sub-rollover":          {"", goSelfIssued},
	"si-root-new-with-old":              {"", goSelfIssued},
	"si-nc-dirname-skipped":             {"", goDirName},
	"si-nc-san-skipped":                 {"", "Go applies name constraints to the names of self-issued intermediates"},
	"partial-int-anchor":                {"", goAnchors},
	"partial-int-anchor-root-untrusted": {"", goAnchors},
	"dn-case":                           {"", goDNBytes},
	"dn-inner-spaces":                   {"", goDNBytes},
	"dn-outer-spaces":                   {"", goDNBytes},
	"dn-printable-vs-utf8":              {"", goDNBytes},
	"dn-unicode-case":                   {"OpenSSL folds the case of ASCII letters only", goDNBytes},

	"crl-no-number":                       {"OpenSSL uses a CRL without a CRL number", ""},
	"crl-v1":                              {"OpenSSL uses v1 CRLs", ""},
	"crl-indirect-signer-without-crlsign": {openSSLCRLPath, ""},
	"crl-separate-signer-without-crlsign": {openSSLCRLPath, ""},
	"crl-self-issued-signer":              {"OpenSSL fails the path of the CA's self-issued CRL-signing certificate (error 54, CRL path validation error)", ""},

	"prof-aki-ski-mismatch-lenient":       {"", "Go takes the issuer by name and signature whatever the AKI says"},
	"prof-root-aki-issuer-serial-lenient": {"OpenSSL checks the AKI's issuer and serial against the issuer (X509_check_akid): the root is not its own issuer", "Go does not take the root as its own issuer"},
	"prof-server-only-any-eku-lenient":    {"OpenSSL's sslserver purpose wants serverAuth itself, anyExtendedKeyUsage is not enough", ""},

	"alg-dsa-ca":                        {"", "Go verifies no DSA signatures"},
	"alg-rsassa-pss-key-ca":             {"", "Go does not parse id-RSASSA-PSS public keys"},
	"alg-sha1-signature":                {"openssl verify checks no signature strength unless given -auth_level", ""},
	"broken-leaf-rsa-negative-modulus":  {"OpenSSL does not decode the leaf's key when nothing needs it", ""},
	"broken-leaf-unknown-version":       {"OpenSSL does not check the version number", ""},
	"broken-int-negative-inhibit-any":   {"openssl verify reads policy extensions only with -policy_check (or another policy flag)", "Go accepts a negative inhibitAnyPolicy"},
	"broken-leaf-malformed-san-dirname": {"", "Go skips directoryName SANs without decoding them"},
	"nc-too-many-comparisons":           {"", "Go 1.26 checks them all (its comparison limit does not trigger here) and accepts"},
	"broken-v1-root":                    {"OpenSSL -x509_strict refuses a version 1 root (without -x509_strict it takes it as a CA)", ""},
	"broken-roots-garbage-cert":         {"OpenSSL refuses the whole CA file when one certificate in it does not parse", ""},
}

const (
	openSSLNotAfter = "OpenSSL treats notAfter as exclusive: at that very second it says expired (X509_cmp_time returns -1 for equal times); RFC 5280 4.1.2.5 says inclusive"
	openSSLCRLPath  = "OpenSSL reports the signer's missing cRLSign ([CRL path] error 26, unsuitable certificate purpose) and still answers OK"
	goEmailHost     = "Go reads an rfc822Name host constraint as a domain, subdomains included"
	goDirName       = "Go does not implement directoryName constraints and refuses the critical extension"
	goSelfIssued    = "Go counts self-issued certificates against pathLenConstraint"
	goAnchors       = "Go takes every certificate in Roots as a trust anchor"
	goDNBytes       = "Go compares names byte for byte"
)

// Package revoke is pkit's certificate revocation: parsing CRLs (PEM or
// DER, version 1 or 2, see [ParseCRL] and [ParseCRLFor]), checking a
// certificate against CRLs as RFC 5280 section 6.3 describes (see
// [CheckWith]), building and signing CRLs, and the RFC 5280 reason codes.
//
// A CRL counts for a certificate only when it is in scope (issued by the
// certificate's issuer, or an indirect CRL of the cRLIssuer its
// distribution point names; its issuing distribution point covers the
// certificate), verifies (signed by the issuer, by a CRL signer the CA
// certified, or by the CA's other key across a rollover, on a valid path
// to the same trust anchor and not revoked), is fresh at the time of the
// check, carries a CRL number (so version 1 CRLs, which have none, are
// read but not used) and no critical extension pkit does not process. Delta CRLs are applied on top of the complete
// CRL they belong to; CRLs covering only some reasons are combined.
//
// The parser is pkit's own, on cryptobyte, for two measured reasons:
// crypto/x509 refuses version 1 CRLs, which pkit reads (to say what they
// are, and why they are not used); and crypto/x509 decodes every entry
// into objects, while checking a certificate needs one: on a 62 MB CRL of a million entries
// (bench/crl.sh) pkit crl check steps over the entries in the DER instead
// (checking each for critical extensions) and is about 9 times faster
// than "openssl crl -noout" at an eighth of its memory.
package revoke

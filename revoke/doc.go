// Package revoke is pkit's certificate revocation: parsing CRLs (PEM or
// DER, see [ParseCRL]), checking a certificate against the CRLs of its
// issuer (see [Check]), building and signing CRLs, and the RFC 5280 reason
// codes.
//
// A CRL only counts for a certificate when it was issued by the
// certificate's issuer (same name, same key identifier when both carry
// one), its signature verifies with the issuer's key, and it is fresh at
// the time of the check (thisUpdate has passed and nextUpdate has not).
// Delta CRLs and indirect CRLs are not supported: pkit publishes neither.
package revoke

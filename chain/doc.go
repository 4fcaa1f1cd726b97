// Package chain builds certificate chains from an unordered pile of
// certificates and verifies them with diagnostics a person can act on.
//
// [Build] finds the path from a leaf up to a root: an issuer is accepted
// only when [formats.Issued] says so — its subject is the certificate's
// issuer name (compared as RFC 5280 7.1 and OpenSSL do), its subject key
// identifier equals the certificate's authority key identifier (when
// both are present) and its key verifies the certificate's signature —
// never by names alone. Duplicates and decoys (same name, other key;
// expired twins) are dropped. Certificates are indexed by subject and key
// identifier, so signatures are tried only within a bucket, each (issuer
// key, certificate) pair once, and at most [MaxSignatureChecks] per
// build: a pile of a thousand twins that took 64 s when every pair was
// tried now ends in about 0.2 s (BenchmarkBuildTwins). The search is
// also bounded in depth and in the number of paths it tries, so loops of
// cross-signatures end.
//
// [Verify] validates a leaf at a time, for a purpose, a host name and
// against trust anchors, optionally with CRLs (through package revoke),
// and returns every problem found — not just the first — each naming the
// certificate and the fix. Trust anchors are the self-signed roots given,
// as OpenSSL, nginx and HAProxy take them; an intermediate given as a
// root is an anchor only with [VerifyOptions.PartialChain] (openssl's
// -partial_chain). Path validation follows RFC 5280 section 6.1:
// self-issued intermediates do not count against path-length
// constraints, names chain by the section 7.1 comparison, and
// [VerifyOptions.MaxDepth] limits intermediates as openssl's
// -verify_depth does.
//
// The package takes parsed [x509.Certificate] values and does not care
// about file formats.
package chain

// Package chain builds certificate chains from an unordered pile of
// certificates and verifies them with diagnostics a person can act on.
//
// [Build] finds the path from a leaf up to a root: an issuer is accepted
// only when its subject equals the certificate's issuer name, its subject
// key identifier equals the certificate's authority key identifier (when
// both are present) and its key verifies the certificate's signature —
// never by names alone. Duplicates and decoys (same name, other key;
// expired twins) are dropped. The search is bounded in depth and in the
// number of paths it tries, so loops of cross-signatures end.
//
// [Verify] validates a leaf at a time, for a purpose, a host name and
// against trust roots, optionally with CRLs (through package revoke), and
// returns every problem found — not just the first — each naming the
// certificate and the fix.
//
// The package takes parsed [x509.Certificate] values and does not care
// about file formats.
package chain

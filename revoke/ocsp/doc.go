// Package ocsp is an OCSP responder as a library (RFC 6960, with the
// RFC 5019 profile for HTTP caching): a request in, a signed response out,
// from a [Source] of certificate status. It does no I/O of its own beyond
// the optional [http.Handler], and [FastPath], which answers the common
// requests on plain HTTP/1.1 connections without net/http and hands it
// the rest; pkit serve wires it to the CA directory's store
// (ca.OCSPSource).
//
// Requests and responses are read and written with
// golang.org/x/crypto/cryptobyte rather than golang.org/x/crypto/ocsp,
// for measured reasons: x/crypto/ocsp cannot put a nonce (or any
// extension) in a response, reads only the first certificate of a request
// and drops the request's extensions, takes no clock, and signs at half
// the speed (go test ./revoke/ocsp -bench .: 160 µs against 83 µs per
// signed response on the development machines). x/crypto/ocsp stays the
// independent check: the tests and bench/ocspload parse every response
// with it.
//
// A signed response is reused only while the source's [Source.Version]
// is unchanged, or after the source gave the same status again (one
// batch for every cached certificate when it is a [StatusBatcher]), so
// a revocation is answered as revoked from the moment it commits.
package ocsp

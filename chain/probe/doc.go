// Package probe is the live TLS and mTLS check behind "pkit probe": it
// connects to a server as a TLS client, optionally with a client
// certificate, and says whether the server accepts it and, when it does
// not, the most likely reason in words, with the fix.
//
// [Probe] dials with a context and bounded timeouts and records what the
// handshake shows: the protocol version and cipher suite, the
// certificates the server sent (in the order sent), whether it asked for
// a client certificate and the CA names its CertificateRequest lists
// (RFC 8446 4.2.4, RFC 5246 7.4.4) — for nginx the subjects in
// ssl_client_certificate, for HAProxy those in ca-file. The connection
// skips Go's own verification (InsecureSkipVerify) so that a bad server
// chain is reported rather than ending the probe; the chain is checked
// with [chain.Verify] instead, the one validator of pkit chain verify.
//
// A server may refuse a client certificate after the handshake: in TLS
// 1.3 the client's certificate arrives with its Finished message, so a
// refusal is an alert read on the first read (HAProxy), or, in nginx, an
// HTTP 400 ("No required SSL certificate was sent", "The SSL certificate
// error"). Probe therefore sends a minimal HTTP request after the
// handshake and reads the answer (or, with [Options.NoHTTP], only waits
// briefly for an alert).
//
// [Diagnose] turns what was seen into causes. For the client certificate
// it replays the server's decision with [chain.Verify]: the trusted roots
// are the known CA certificates (the client's own chain, the CA
// directory's, the roots given) whose subjects the server lists, the
// untrusted intermediates are what the client sent — so the verdicts and
// their wording (an intermediate-only client-CA file, a client that must
// send its intermediate, expiry, extended key usage, revocation) are
// those of pkit chain verify. The package never prints.
package probe

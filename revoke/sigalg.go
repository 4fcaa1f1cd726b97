package revoke

import "crypto"

// SignatureAlgorithm returns the DER AlgorithmIdentifier and the hash pkit
// signs with for a key (what crypto/x509 would choose): ECDSA with SHA-256,
// SHA-384 or SHA-512 by curve, RSA PKCS #1 v1.5 with SHA-256, or Ed25519
// (hash 0: it signs whole messages). CRLs and OCSP responses
// (revoke/ocsp) both use it, so they sign alike.
func SignatureAlgorithm(pub crypto.PublicKey) (algorithmDER []byte, hash crypto.Hash, err error) {
	return signatureAlgorithm(pub)
}

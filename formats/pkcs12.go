package formats

import (
	"crypto"
	"crypto/x509"

	"software.sslmate.com/src/go-pkcs12"
)

// PKCS12Options configures [EncodePKCS12]. The zero value writes the
// modern encoding.
type PKCS12Options struct {
	// Legacy writes PBE-SHA1-3DES with a SHA-1 MAC for importers that
	// refuse AES (old Windows, macOS, iOS, Java before 12). Not RC2-40,
	// which OpenSSL 3 refuses without -legacy.
	Legacy bool
	// FriendlyName labels the key and certificate in the importer's UI.
	FriendlyName string
}

// EncodePKCS12 writes key, its certificate and the chain (issuer first) as
// a PKCS#12 file protected by password. By default it uses AES-256-CBC with
// PBKDF2-HMAC-SHA-256 and an HMAC-SHA-256 MAC, 2048 iterations each (the
// counts OpenSSL 3 and go-pkcs12's Modern2023 encoder use).
func EncodePKCS12(key crypto.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate, password string, o PKCS12Options) ([]byte, error) {
	enc := pkcs12.Modern2023
	if o.Legacy {
		enc = pkcs12.LegacyDES
	}
	return enc.Encode(key, cert, chain, password)
}

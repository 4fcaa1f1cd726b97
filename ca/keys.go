package ca

import (
	"crypto"
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
)

// KeyType names a kind of private key pkit can generate.
type KeyType string

// The key types pkit generates. ECDSA P-256 is the default: small, fast and
// accepted by every TLS stack. Ed25519 certificates are valid X.509 but no
// browser accepts them for TLS.
const (
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"
	RSA2048   KeyType = "rsa-2048"
	RSA3072   KeyType = "rsa-3072"
	RSA4096   KeyType = "rsa-4096"
	Ed25519   KeyType = "ed25519"
)

// KeyTypes lists every [KeyType], default first.
var KeyTypes = []KeyType{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, Ed25519}

// ParseKeyType returns the KeyType named s, or an error listing the valid
// names.
func ParseKeyType(s string) (KeyType, error) {
	for _, k := range KeyTypes {
		if string(k) == strings.ToLower(strings.TrimSpace(s)) {
			return k, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, k := range KeyTypes {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown key type %q (valid: %s)", s, strings.Join(names, ", "))
}

// GenerateKey makes a new private key of type t.
func GenerateKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case ECDSAP256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	_, err := ParseKeyType(string(t))
	return nil, err
}

// KeyTypeOf reports the KeyType of a public key, or "" when pkit would not
// generate such a key.
func KeyTypeOf(pub crypto.PublicKey) KeyType {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ECDSAP256
		case elliptic.P384():
			return ECDSAP384
		}
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return RSA2048
		case 3072:
			return RSA3072
		case 4096:
			return RSA4096
		}
	case ed25519.PublicKey:
		return Ed25519
	}
	return ""
}

// MinRSABits is the smallest RSA modulus pkit certifies: 2048 bits, the
// minimum of NIST SP 800-131A and of every TLS stack, and what
// "pkit chain verify" requires.
const MinRSABits = 2048

// maxRSABits is the largest RSA modulus pkit certifies; crypto/x509
// refuses to verify signatures of larger keys.
const maxRSABits = 16384

// minRSAExponent is the smallest RSA public exponent pkit certifies:
// 65537, what every key generator uses. Small exponents such as 3 make
// signature forgeries against sloppy verifiers (Bleichenbacher's 2006
// attack) and broadcast attacks possible; NIST SP 800-89 asks for more
// than 2^16.
const minRSAExponent = 65537

// CheckPublicKey reports whether pkit certifies pub: RSA of [MinRSABits]
// to 16384 bits with an odd public exponent of 65537 or more, ECDSA on P-256, P-384 or P-521, or Ed25519. Anything else
// (short RSA, DSA, other curves, X25519) is refused with a
// [*RequestError] wrapping [ErrWeakKey].
func CheckPublicKey(pub crypto.PublicKey) error {
	weak := func(format string, args ...any) error {
		return &RequestError{Msg: fmt.Sprintf(format, args...), Err: ErrWeakKey,
			Hint: "use a new key: ECDSA P-256 (the default), RSA of 2048 bits or more, or Ed25519"}
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch bits := k.N.BitLen(); {
		case bits < MinRSABits:
			return weak("the RSA key has %d bits; pkit certifies RSA keys of at least %d bits", bits, MinRSABits)
		case bits > maxRSABits:
			return weak("the RSA key has %d bits; pkit certifies RSA keys of at most %d bits", bits, maxRSABits)
		case k.E < minRSAExponent || k.E%2 == 0:
			return weak("the RSA key's public exponent is %d; pkit certifies RSA keys with an odd exponent of at least %d", k.E, minRSAExponent)
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return weak("the ECDSA key is on curve %s; pkit certifies P-256, P-384 and P-521 keys", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	}
	return weak("pkit does not certify %s keys", keyKind(pub))
}

// keyKind names the kind of key pub is, for messages.
func keyKind(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *dsa.PublicKey:
		return "DSA"
	case *ecdh.PublicKey:
		return "X25519 or ECDH"
	}
	return fmt.Sprintf("%T", pub)
}

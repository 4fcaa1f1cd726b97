package formats

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA keys are read, never made
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// KeyFormat is how a private key is encoded.
type KeyFormat int

// The private key encodings.
const (
	KeyFormatPKCS8 KeyFormat = iota + 1 // "PRIVATE KEY" (any algorithm)
	KeyFormatPKCS1                      // "RSA PRIVATE KEY"
	KeyFormatSEC1                       // "EC PRIVATE KEY"
	// KeyFormatTraditionalDSA is OpenSSL's "DSA PRIVATE KEY", read only.
	KeyFormatTraditionalDSA
)

// String returns "PKCS#8", "PKCS#1" or "SEC 1".
func (f KeyFormat) String() string {
	switch f {
	case KeyFormatPKCS8:
		return "PKCS#8"
	case KeyFormatPKCS1:
		return "PKCS#1"
	case KeyFormatSEC1:
		return "SEC 1"
	case KeyFormatTraditionalDSA:
		return "traditional DSA"
	}
	return "unknown"
}

// MarshalText encodes f as "pkcs8", "pkcs1" or "sec1".
func (f KeyFormat) MarshalText() ([]byte, error) {
	switch f {
	case KeyFormatPKCS8:
		return []byte("pkcs8"), nil
	case KeyFormatPKCS1:
		return []byte("pkcs1"), nil
	case KeyFormatSEC1:
		return []byte("sec1"), nil
	case KeyFormatTraditionalDSA:
		return []byte("dsa"), nil
	}
	return []byte("unknown"), nil
}

// ParseKeyFormat reads "pkcs8", "pkcs1" or "sec1".
func ParseKeyFormat(s string) (KeyFormat, error) {
	switch s {
	case "pkcs8":
		return KeyFormatPKCS8, nil
	case "pkcs1":
		return KeyFormatPKCS1, nil
	case "sec1":
		return KeyFormatSEC1, nil
	}
	return 0, fmt.Errorf("unknown key format %q (use pkcs8, pkcs1 or sec1)", s)
}

// parsePrivateKeyDER parses an unencrypted private key. pemType, when set,
// says which encoding to expect; otherwise PKCS#8, PKCS#1 and SEC 1 are
// tried in turn.
func parsePrivateKeyDER(der []byte, pemType string) (crypto.Signer, KeyFormat, error) {
	var k any
	var err error
	var f KeyFormat
	switch pemType {
	case "RSA PRIVATE KEY":
		f = KeyFormatPKCS1
		k, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		f = KeyFormatSEC1
		k, err = x509.ParseECPrivateKey(der)
	case "PRIVATE KEY":
		f = KeyFormatPKCS8
		k, err = x509.ParsePKCS8PrivateKey(der)
	case "DSA PRIVATE KEY":
		dk, err := parseDSATraditional(der)
		if err != nil {
			return nil, 0, err
		}
		return dk, KeyFormatTraditionalDSA, nil
	default:
		if k, err = x509.ParsePKCS8PrivateKey(der); err == nil {
			f = KeyFormatPKCS8
		} else if k, err = x509.ParsePKCS1PrivateKey(der); err == nil {
			f = KeyFormatPKCS1
		} else if k, err = x509.ParseECPrivateKey(der); err == nil {
			f = KeyFormatSEC1
		}
	}
	if err != nil && f != KeyFormatPKCS1 && f != KeyFormatSEC1 {
		if other, ok, oerr := parseOtherPKCS8(der); ok {
			if oerr != nil {
				return nil, 0, oerr
			}
			k, f, err = other, KeyFormatPKCS8, nil
		}
	}
	if err != nil {
		return nil, 0, corrupt("%v", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		what := "this kind of private key"
		if _, isECDH := k.(*ecdh.PrivateKey); isECDH {
			what = "X25519 (key agreement) keys"
		}
		return nil, 0, fmt.Errorf("%w: %s cannot sign; pkit reads RSA, ECDSA, Ed25519 and DSA keys", ErrUnsupported, what)
	}
	return s, f, nil
}

func parsePublicKeyDER(der []byte, pemType string) (crypto.PublicKey, error) {
	if pemType != "PUBLIC KEY" {
		if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
			return k, nil
		} else if pemType == "RSA PUBLIC KEY" {
			return nil, corrupt("%v", err)
		}
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		if pk := pssPublicKey(der); pk != nil {
			return pk, nil // an RSASSA-PSS key: the RSA key inside
		}
		if d := spkiAlgorithm(der); d == "ECDSA, explicit curve parameters" {
			return nil, fmt.Errorf("%w: an elliptic-curve key with explicit curve parameters instead of a named curve", ErrUnsupported)
		}
		return nil, corrupt("%v", err)
	}
	return k, nil
}

// EncodePrivateKeyPEM writes key as unencrypted PKCS#8 PEM.
func EncodePrivateKeyPEM(key crypto.PrivateKey) ([]byte, error) {
	return MarshalPrivateKey(key, KeyFormatPKCS8, true)
}

// MarshalPrivateKey encodes key in format f, as PEM when pem is true, else
// DER. PKCS#1 is for RSA keys only and SEC 1 for ECDSA keys only.
func MarshalPrivateKey(key crypto.PrivateKey, f KeyFormat, asPEM bool) ([]byte, error) {
	var der []byte
	var typ string
	var err error
	switch f {
	case KeyFormatPKCS8:
		typ = "PRIVATE KEY"
		if dk, ok := key.(*DSAKey); ok {
			der, err = marshalDSAPKCS8(dk)
		} else {
			der, err = x509.MarshalPKCS8PrivateKey(key)
		}
	case KeyFormatPKCS1:
		typ = "RSA PRIVATE KEY"
		rk, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PKCS#1 holds RSA keys only; this is %s (use PKCS#8)", KeyDescription(publicOf(key)))
		}
		der = x509.MarshalPKCS1PrivateKey(rk)
	case KeyFormatSEC1:
		typ = "EC PRIVATE KEY"
		ek, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("SEC 1 holds ECDSA keys only; this is %s (use PKCS#8)", KeyDescription(publicOf(key)))
		}
		der, err = x509.MarshalECPrivateKey(ek)
	default:
		return nil, fmt.Errorf("unknown key format %d", f)
	}
	if err != nil {
		return nil, err
	}
	if !asPEM {
		return der, nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), nil
}

// TraditionalKeyFormat is the pre-PKCS#8 encoding OpenSSL calls
// "traditional" for key: PKCS#1 for RSA, SEC 1 for ECDSA. Ed25519 has
// none and gets PKCS#8.
func TraditionalKeyFormat(key crypto.PrivateKey) KeyFormat {
	switch key.(type) {
	case *rsa.PrivateKey:
		return KeyFormatPKCS1
	case *ecdsa.PrivateKey:
		return KeyFormatSEC1
	}
	return KeyFormatPKCS8
}

func publicOf(key crypto.PrivateKey) crypto.PublicKey {
	if s, ok := key.(crypto.Signer); ok {
		return s.Public()
	}
	return nil
}

// KeyDescription names a public key's algorithm and size the way people
// say it: "RSA 2048", "ECDSA P-256", "Ed25519".
func KeyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case *dsa.PublicKey:
		return fmt.Sprintf("DSA %d", k.P.BitLen())
	}
	return fmt.Sprintf("unknown (%T)", pub)
}

// KeyAlgorithm returns the algorithm ("RSA", "ECDSA", "Ed25519") and size
// in bits of pub (the curve size for ECDSA, 256 for Ed25519).
func KeyAlgorithm(pub crypto.PublicKey) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	case *dsa.PublicKey:
		return "DSA", k.P.BitLen()
	}
	return "unknown", 0
}

// PublicKeyFingerprint is the SHA-256 of pub's DER SubjectPublicKeyInfo,
// the same for a key, its certificate and its CSR ("openssl pkey -pubout
// -outform DER | sha256sum").
func PublicKeyFingerprint(pub crypto.PublicKey) ([]byte, error) {
	var der []byte
	var err error
	if dk, ok := pub.(*dsa.PublicKey); ok {
		der, err = marshalDSAPublicKey(dk)
	} else {
		der, err = x509.MarshalPKIXPublicKey(pub)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return sum[:], nil
}

// PublicKeysEqual reports whether a and b are the same public key.
func PublicKeysEqual(a, b crypto.PublicKey) bool {
	if da, ok := a.(*dsa.PublicKey); ok {
		db, ok := b.(*dsa.PublicKey)
		return ok && dsaKeysEqual(da, db)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

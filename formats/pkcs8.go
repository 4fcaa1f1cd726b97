package formats

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// encryptedPrivateKeyInfo is PKCS#8's EncryptedPrivateKeyInfo (RFC 5958).
type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

// parseEncryptedPKCS8 reads an encrypted PKCS#8 key and decrypts it when
// a password is available.
func parseEncryptedPKCS8(der []byte, pw *passwords) (Item, error) {
	it := Item{Kind: KindEncryptedPrivateKey, Raw: der}
	var info encryptedPrivateKeyInfo
	if err := unmarshalDER(der, &info); err != nil {
		return it, err
	}
	enc, err := describeEncryption(info.Algorithm)
	it.Encryption = enc
	if err != nil {
		return it, err
	}
	p, err := pw.get()
	if errors.Is(err, ErrPasswordRequired) {
		return it, nil
	}
	if err != nil {
		return it, err
	}
	key, err := decryptPKCS8(info, p, pw.work)
	if err != nil {
		return it, err
	}
	it.PrivateKey, it.KeyFormat = key, KeyFormatPKCS8
	return it, nil
}

func decryptPKCS8(info encryptedPrivateKeyInfo, pw []byte, work *kdfWork) (crypto.Signer, error) {
	plain, _, err := pbDecrypt(info.Algorithm, info.Data, pw, bmpPassword(pw), work)
	if errors.Is(err, errBadPadding) {
		return nil, ErrWrongPassword
	}
	if err != nil {
		return nil, err
	}
	key, _, err := parsePrivateKeyDER(plain, "PRIVATE KEY")
	if err != nil {
		// Padding happened to look right, the content is noise.
		return nil, ErrWrongPassword
	}
	return key, nil
}

// parseLegacyEncryptedKey reads an OpenSSL "traditional" encrypted PEM key
// (Proc-Type: 4,ENCRYPTED with DEK-Info), as "openssl rsa -aes256" wrote
// before OpenSSL 3.
func parseLegacyEncryptedKey(b *pem.Block, pw *passwords) (Item, error) {
	it := Item{Kind: KindEncryptedPrivateKey, Raw: b.Bytes}
	cipherName, _, _ := strings.Cut(b.Headers["DEK-Info"], ",")
	it.Encryption = &Encryption{Cipher: cipherName, KDF: "OpenSSL-EVP-BytesToKey-MD5", Iterations: 1}
	p, err := pw.get()
	if errors.Is(err, ErrPasswordRequired) {
		return it, nil
	}
	if err != nil {
		return it, err
	}
	//lint:ignore SA1019 reading old keys is the point; pkit never writes this format.
	der, err := x509.DecryptPEMBlock(b, p) //nolint:staticcheck
	if err != nil {
		if errors.Is(err, x509.IncorrectPasswordError) {
			return it, ErrWrongPassword
		}
		return it, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	pemType := b.Type
	key, f, err := parsePrivateKeyDER(der, pemType)
	if err != nil {
		return it, ErrWrongPassword
	}
	it.PrivateKey, it.KeyFormat = key, f
	return it, nil
}

// KeyEncryptionIterations is the PBKDF2 iteration count pkit uses for
// encrypted PKCS#8 keys: 2048 with HMAC-SHA256 and AES-256-CBC, what
// "openssl pkey -aes256" and "openssl pkcs8 -topk8" write in OpenSSL 3.
const KeyEncryptionIterations = 2048

// EncryptPrivateKey returns key as encrypted PKCS#8 ("ENCRYPTED PRIVATE
// KEY"): PBES2 with PBKDF2-HMAC-SHA256 ([KeyEncryptionIterations]) and
// AES-256-CBC, as PEM when asPEM is true, else DER. The password must not
// be empty.
func EncryptPrivateKey(key crypto.PrivateKey, password []byte, asPEM bool) ([]byte, error) {
	if len(password) == 0 {
		return nil, errors.New("an encrypted key needs a non-empty password")
	}
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	alg, data, err := pbEncrypt(pbEncryptAlgorithm{iterations: KeyEncryptionIterations}, plain, password)
	if err != nil {
		return nil, err
	}
	der, err := asn1.Marshal(encryptedPrivateKeyInfo{Algorithm: alg, Data: data})
	if err != nil {
		return nil, err
	}
	if !asPEM {
		return der, nil
	}
	return EncodePEM("ENCRYPTED PRIVATE KEY", der), nil
}

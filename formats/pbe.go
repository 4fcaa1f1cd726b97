package formats

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"unicode/utf16"
)

// Encryption describes how something is protected with a password, for
// people and for JSON.
type Encryption struct {
	// Cipher: "AES-256-CBC", "3DES-CBC", "RC2-40-CBC" …
	Cipher string `json:"cipher"`
	// KDF: "PBKDF2-HMAC-SHA256", "PKCS12-KDF-SHA1", "OpenSSL-EVP-MD5" …
	KDF string `json:"kdf"`
	// Iterations of the KDF (0 when the scheme has none).
	Iterations int `json:"iterations"`
}

// String is "AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations".
func (e Encryption) String() string {
	if e.Iterations == 0 {
		return e.Cipher + ", " + e.KDF
	}
	return fmt.Sprintf("%s, %s, %d iterations", e.Cipher, e.KDF, e.Iterations)
}

var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidHMACSHA1       = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidRC2CBC         = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 2}
	oidCamellia128CBC = asn1.ObjectIdentifier{1, 2, 392, 200011, 61, 1, 1, 1, 2} // RFC 3657
	oidCamellia192CBC = asn1.ObjectIdentifier{1, 2, 392, 200011, 61, 1, 1, 1, 3}
	oidCamellia256CBC = asn1.ObjectIdentifier{1, 2, 392, 200011, 61, 1, 1, 1, 4}
	oidARIA128CBC     = asn1.ObjectIdentifier{1, 2, 410, 200046, 1, 1, 2} // RFC 5794 appendix B
	oidARIA192CBC     = asn1.ObjectIdentifier{1, 2, 410, 200046, 1, 1, 7}
	oidARIA256CBC     = asn1.ObjectIdentifier{1, 2, 410, 200046, 1, 1, 12}
	oidPBESHA1RC4128  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 1}
	oidPBESHA13DES    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBESHA12DES    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
	oidPBESHA1RC2128  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBESHA1RC240   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidSHA1           = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidScrypt         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	errTooManyRounds  = fmt.Errorf("%w: more than %d KDF iterations", ErrUnsupported, maxKDFIterations)
	errBadPadding     = errors.New("bad padding")
	errUnknownCipher  = fmt.Errorf("%w: encryption algorithm", ErrUnsupported)
	pbes2DefaultPRF   = pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA1}
	nullParams        = asn1.RawValue{Tag: asn1.TagNull}
	hmacSHA256AlgoID  = pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: nullParams}
	aes256CBCKeyBytes = 32
)

// maxKDFIterations caps one key derivation: files asking for more would
// make pkit spin for seconds per part.
const maxKDFIterations = 1 << 22

// MaxPKCS12KDFIterations caps the key-derivation work of one file: the
// sum of the iteration counts of every encrypted part, encrypted key and
// MAC that [Parse], [DecodePKCS12] or [ParsePrivateKey] derives keys for.
// It is twice the cap for one part (2^22), so a file may use the largest
// count pkit accepts for its MAC and for its content, while files any
// tool writes stay far below it (OpenSSL 3: 2048 per part, three parts;
// NIST's 600,000 for PBKDF2-HMAC-SHA256 on three parts is 1.8 million).
// Measured on the project's 2-core machine: 2^22 PBKDF2-HMAC-SHA256
// iterations take about 1 s, so a hostile file costs at most about 2 s
// of hashing (plus the retries a wrong password takes) instead of 19 s
// for 20 parts at the per-part cap.
const MaxPKCS12KDFIterations = 2 * maxKDFIterations

// MaxFolderKDFIterations is the key-derivation work pkit does for all
// the files of one folder together (chain build and verify of a folder):
// two files' worth, so a folder of hostile .p12 files costs about 4 s of
// hashing at most, not 2 s per file.
const MaxFolderKDFIterations = 2 * MaxPKCS12KDFIterations

// KDFBudget is key-derivation work (in iterations) shared by several
// parses, for a caller reading many files at once (a folder): each file
// is still capped at [MaxPKCS12KDFIterations], and the files together at
// the budget. It is not safe for concurrent use.
type KDFBudget struct{ left int64 }

// NewKDFBudget returns a budget of iterations, shared by every [Parse]
// given it in [ParseOptions].KDFBudget.
func NewKDFBudget(iterations int64) *KDFBudget { return &KDFBudget{left: iterations} }

// Left is the number of iterations still allowed.
func (b *KDFBudget) Left() int64 { return b.left }

// kdfWork counts the key-derivation work of one parse against the
// per-file cap and an optional shared budget.
type kdfWork struct {
	left   int64
	shared *KDFBudget
}

func newKDFWork(shared *KDFBudget) *kdfWork {
	return &kdfWork{left: MaxPKCS12KDFIterations, shared: shared}
}

// spend charges n iterations, failing with ErrTooMuchWork (and charging
// nothing) when that would go over the file's cap or the shared budget.
func (w *kdfWork) spend(n int) error {
	if w == nil {
		return nil
	}
	if int64(n) > w.left {
		return fmt.Errorf("%w: the file asks for more than %d key-derivation iterations in total (every encrypted part and the MAC together), the most pkit does for one file", ErrTooMuchWork, MaxPKCS12KDFIterations)
	}
	if w.shared != nil && int64(n) > w.shared.left {
		return fmt.Errorf("%w: the files read together ask for more key-derivation iterations than the %d allowed", ErrTooMuchWork, w.shared.left)
	}
	w.left -= int64(n)
	if w.shared != nil {
		w.shared.left -= int64(n)
	}
	return nil
}

type pbeParams struct {
	Salt       []byte
	Iterations int
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// hashByOID maps digest and HMAC OIDs to hashes and their names.
func hashByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, string, bool) {
	switch {
	case oid.Equal(oidSHA1), oid.Equal(oidHMACSHA1):
		return sha1.New, "SHA1", true
	case oid.Equal(oidSHA224), oid.Equal(oidHMACSHA224):
		return sha256.New224, "SHA224", true
	case oid.Equal(oidSHA256), oid.Equal(oidHMACSHA256):
		return sha256.New, "SHA256", true
	case oid.Equal(oidSHA384), oid.Equal(oidHMACSHA384):
		return sha512.New384, "SHA384", true
	case oid.Equal(oidSHA512), oid.Equal(oidHMACSHA512):
		return sha512.New, "SHA512", true
	}
	return nil, "", false
}

// unmarshalDER parses exactly one DER value into v. BER input (indefinite
// lengths, segmented strings, as NSS and Windows write inside PKCS#12 and
// PKCS#7) is converted to DER first.
func unmarshalDER(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		// BER (indefinite lengths, segmented strings): retry as DER when
		// the conversion changed something (else it returns b's bytes).
		if der, berRest, derr := toDER(b, 0); derr == nil && len(der) > 0 && &der[0] != &b[0] {
			if len(berRest) > 0 {
				return corrupt("trailing data")
			}
			rest, err = asn1.Unmarshal(der, v)
		}
	}
	if err != nil {
		return corrupt("%v", err)
	}
	if len(rest) > 0 {
		return corrupt("trailing data")
	}
	return nil
}

// pbDecrypt decrypts data encrypted under algorithm alg with password pw
// (UTF-8; PKCS#12 PBE schemes use its BMPString form, bmp). It returns
// errBadPadding when the result is not correctly padded, which usually
// means a wrong password.
func pbDecrypt(alg pkix.AlgorithmIdentifier, data, pw, bmp []byte, work *kdfWork) ([]byte, *Encryption, error) {
	if enc, err := describeEncryption(alg); err != nil {
		return nil, enc, err
	} else if err := work.spend(enc.Iterations); err != nil {
		return nil, enc, err
	}
	block, iv, enc, err := pbCipher(alg, pw, bmp, true)
	if err != nil {
		return nil, enc, err
	}
	if block == nil {
		_, _, stream, _, _, err := legacyPBE(alg, pw, bmp, true)
		if err != nil {
			return nil, enc, err
		}
		return rc4Decrypt(stream, data), enc, nil
	}
	bs := block.BlockSize()
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, enc, corrupt("encrypted data is not a whole number of blocks")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > bs || n > len(out) {
		return nil, enc, errBadPadding
	}
	for _, c := range out[len(out)-n:] {
		if int(c) != n {
			return nil, enc, errBadPadding
		}
	}
	return out[:len(out)-n], enc, nil
}

// describeEncryption tells how alg encrypts, without deriving keys.
func describeEncryption(alg pkix.AlgorithmIdentifier) (*Encryption, error) {
	_, _, enc, err := pbCipher(alg, nil, nil, false)
	return enc, err
}

// pbCipher derives the block cipher and IV for alg (only checks the
// parameters when derive is false).
func pbCipher(alg pkix.AlgorithmIdentifier, pw, bmp []byte, derive bool) (cipher.Block, []byte, *Encryption, error) {
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		return pbes2Cipher(alg, pw, derive)
	case alg.Algorithm.Equal(oidPBESHA13DES), alg.Algorithm.Equal(oidPBESHA12DES),
		alg.Algorithm.Equal(oidPBESHA1RC2128), alg.Algorithm.Equal(oidPBESHA1RC240):
		var p pbeParams
		if err := unmarshalDER(alg.Parameters.FullBytes, &p); err != nil {
			return nil, nil, nil, err
		}
		if p.Iterations < 1 || p.Iterations > maxKDFIterations {
			return nil, nil, nil, errTooManyRounds
		}
		enc := &Encryption{KDF: "PKCS12-KDF-SHA1", Iterations: p.Iterations}
		var keyLen int
		switch {
		case alg.Algorithm.Equal(oidPBESHA13DES):
			enc.Cipher, keyLen = "3DES-CBC", 24
		case alg.Algorithm.Equal(oidPBESHA12DES):
			enc.Cipher, keyLen = "2DES-CBC", 16
		case alg.Algorithm.Equal(oidPBESHA1RC2128):
			enc.Cipher, keyLen = "RC2-128-CBC", 16
		default:
			enc.Cipher, keyLen = "RC2-40-CBC", 5
		}
		if !derive {
			return nil, nil, enc, nil
		}
		key := pkcs12KDF(sha1.New, 20, 64, p.Salt, bmp, p.Iterations, 1, keyLen)
		iv := pkcs12KDF(sha1.New, 20, 64, p.Salt, bmp, p.Iterations, 2, 8)
		var block cipher.Block
		var err error
		switch keyLen {
		case 24:
			block, err = des.NewTripleDESCipher(key)
		case 16:
			if enc.Cipher == "2DES-CBC" {
				block, err = des.NewTripleDESCipher(append(key, key[:8]...))
			} else {
				block = newRC2(key, 128)
			}
		case 5:
			block = newRC2(key, 40)
		}
		return block, iv, enc, err
	}
	if block, iv, _, enc, ok, err := legacyPBE(alg, pw, bmp, derive); ok {
		return block, iv, enc, err // a nil block with derive set: an RC4 stream
	}
	return nil, nil, nil, fmt.Errorf("%w (OID %v)", errUnknownCipher, alg.Algorithm)
}

func pbes2Cipher(alg pkix.AlgorithmIdentifier, pw []byte, derive bool) (cipher.Block, []byte, *Encryption, error) {
	var p pbes2Params
	if err := unmarshalDER(alg.Parameters.FullBytes, &p); err != nil {
		return nil, nil, nil, err
	}
	enc := &Encryption{}
	var keyLen int
	var newBlock func(key []byte) (cipher.Block, error)
	var iv []byte
	switch o := p.Scheme.Algorithm; {
	case o.Equal(oidAES128CBC):
		enc.Cipher, keyLen, newBlock = "AES-128-CBC", 16, aes.NewCipher
	case o.Equal(oidAES192CBC):
		enc.Cipher, keyLen, newBlock = "AES-192-CBC", 24, aes.NewCipher
	case o.Equal(oidAES256CBC):
		enc.Cipher, keyLen, newBlock = "AES-256-CBC", 32, aes.NewCipher
	case o.Equal(oidCamellia128CBC):
		enc.Cipher, keyLen, newBlock = "CAMELLIA-128-CBC", 16, newCamellia
	case o.Equal(oidCamellia192CBC):
		enc.Cipher, keyLen, newBlock = "CAMELLIA-192-CBC", 24, newCamellia
	case o.Equal(oidCamellia256CBC):
		enc.Cipher, keyLen, newBlock = "CAMELLIA-256-CBC", 32, newCamellia
	case o.Equal(oidARIA128CBC):
		enc.Cipher, keyLen, newBlock = "ARIA-128-CBC", 16, newARIA
	case o.Equal(oidARIA192CBC):
		enc.Cipher, keyLen, newBlock = "ARIA-192-CBC", 24, newARIA
	case o.Equal(oidARIA256CBC):
		enc.Cipher, keyLen, newBlock = "ARIA-256-CBC", 32, newARIA
	case o.Equal(oidDESEDE3CBC):
		enc.Cipher, keyLen, newBlock = "3DES-CBC", 24, des.NewTripleDESCipher
	case o.Equal(oidDESCBC):
		enc.Cipher, keyLen, newBlock = "DES-CBC", 8, des.NewCipher
	case o.Equal(oidRC2CBC):
		var rc2Bits int
		var err error
		if iv, keyLen, rc2Bits, err = rc2Params(p); err != nil {
			return nil, nil, &Encryption{Cipher: "RC2-CBC"}, err
		}
		enc.Cipher = fmt.Sprintf("RC2-%d-CBC", rc2Bits)
		newBlock = func(key []byte) (cipher.Block, error) { return newRC2(key, rc2Bits), nil }
	default:
		return nil, nil, nil, fmt.Errorf("%w (PBES2 scheme OID %v)", errUnknownCipher, p.Scheme.Algorithm)
	}
	if iv == nil {
		if err := unmarshalDER(p.Scheme.Parameters.FullBytes, &iv); err != nil {
			return nil, nil, enc, err
		}
	}
	if p.KDF.Algorithm.Equal(oidScrypt) {
		enc.KDF = "scrypt"
		return nil, nil, enc, fmt.Errorf("%w: the scrypt KDF (re-encrypt the key with PBKDF2, e.g. \"openssl pkcs8 -topk8 -v2 aes256\")", ErrUnsupported)
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, enc, fmt.Errorf("%w: key derivation OID %v", ErrUnsupported, p.KDF.Algorithm)
	}
	key, kdf, iters, err := pbkdf2Key(p.KDF.Parameters.FullBytes, pw, keyLen, derive)
	enc.KDF, enc.Iterations = kdf, iters
	if err != nil || !derive {
		return nil, nil, enc, err
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, nil, enc, err
	}
	if len(iv) != block.BlockSize() {
		return nil, nil, enc, corrupt("IV of %d bytes for %s", len(iv), enc.Cipher)
	}
	return block, iv, enc, nil
}

// rc2Params reads PBES2's RC2-CBC parameters (RFC 8018 B.2.3): the IV,
// the effective key bits from the version field, and the key length from
// the PBKDF2 parameters (16 bytes when absent, as OpenSSL writes).
func rc2Params(p pbes2Params) (iv []byte, keyLen, bits int, err error) {
	var rp struct {
		Version int `asn1:"optional,default:-1"`
		IV      []byte
	}
	if err := unmarshalDER(p.Scheme.Parameters.FullBytes, &rp); err != nil {
		return nil, 0, 0, err
	}
	switch v := rp.Version; {
	case v == -1:
		bits = 32
	case v == 160:
		bits = 40
	case v == 120:
		bits = 64
	case v == 58:
		bits = 128
	case v >= 256 && v <= 1024:
		bits = v
	default:
		return nil, 0, 0, fmt.Errorf("%w: RC2 parameter version %d", ErrUnsupported, v)
	}
	var kp pbkdf2Params
	if p.KDF.Algorithm.Equal(oidPBKDF2) {
		if err := unmarshalDER(p.KDF.Parameters.FullBytes, &kp); err != nil {
			return nil, 0, 0, err
		}
	}
	keyLen = kp.KeyLength
	if keyLen == 0 {
		keyLen = 16
	}
	if keyLen < 1 || keyLen > 128 {
		return nil, 0, 0, corrupt("RC2 key of %d bytes", keyLen)
	}
	if rp.IV == nil {
		rp.IV = []byte{}
	}
	return rp.IV, keyLen, bits, nil
}

// pbkdf2Key derives keyLen bytes from the PBKDF2 parameters.
func pbkdf2Key(params, pw []byte, keyLen int, derive bool) ([]byte, string, int, error) {
	var kp pbkdf2Params
	if err := unmarshalDER(params, &kp); err != nil {
		return nil, "", 0, err
	}
	prf := kp.PRF
	if len(prf.Algorithm) == 0 {
		prf = pbes2DefaultPRF
	}
	h, name, ok := hashByOID(prf.Algorithm)
	if !ok {
		return nil, "", kp.Iterations, fmt.Errorf("%w: PBKDF2 PRF OID %v", ErrUnsupported, prf.Algorithm)
	}
	kdf := "PBKDF2-HMAC-" + name
	if kp.Iterations < 1 || kp.Iterations > maxKDFIterations {
		return nil, kdf, kp.Iterations, errTooManyRounds
	}
	if kp.KeyLength != 0 && kp.KeyLength != keyLen {
		return nil, kdf, kp.Iterations, corrupt("PBKDF2 key length %d, cipher needs %d", kp.KeyLength, keyLen)
	}
	if !derive {
		return nil, kdf, kp.Iterations, nil
	}
	key, err := pbkdf2.Key(h, string(pw), kp.Salt, kp.Iterations, keyLen)
	if err != nil {
		return nil, kdf, kp.Iterations, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return key, kdf, kp.Iterations, nil
}

// pbEncryptAlgorithm describes how pkit encrypts: PBES2 (PBKDF2-HMAC-
// SHA256, AES-256-CBC) or, legacy, PKCS#12 PBE-SHA1-3DES.
type pbEncryptAlgorithm struct {
	legacy     bool
	iterations int
}

// pbEncrypt encrypts data and returns the AlgorithmIdentifier that
// describes how.
func pbEncrypt(a pbEncryptAlgorithm, data, pw []byte) (pkix.AlgorithmIdentifier, []byte, error) {
	k, err := derivePBE(a, pw)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	return k.alg, k.encrypt(data), nil
}

// pbeKey encrypts one thing with a password: the cipher keyed from it,
// the IV, and the AlgorithmIdentifier that says how (with the salt).
// Deriving it ([derivePBE]) is the costly part; a pbeKey encrypts once,
// as each encryption has its own salt.
type pbeKey struct {
	alg   pkix.AlgorithmIdentifier
	block cipher.Block
	iv    []byte
}

// derivePBE picks a new salt (and IV) and derives the key of a.
func derivePBE(a pbEncryptAlgorithm, pw []byte) (pbeKey, error) {
	var k pbeKey
	var err error
	if a.legacy {
		salt := randomBytes(8)
		k.alg.Algorithm = oidPBESHA13DES
		if k.alg.Parameters.FullBytes, err = asn1.Marshal(pbeParams{Salt: salt, Iterations: a.iterations}); err != nil {
			return k, err
		}
		bmp := bmpPassword(pw)
		key := pkcs12KDF(sha1.New, 20, 64, salt, bmp, a.iterations, 1, 24)
		k.iv = pkcs12KDF(sha1.New, 20, 64, salt, bmp, a.iterations, 2, 8)
		k.block, err = des.NewTripleDESCipher(key)
		return k, err
	}
	salt, ivb := randomBytes(16), randomBytes(16)
	key, err := pbkdf2.Key(sha256.New, string(pw), salt, a.iterations, aes256CBCKeyBytes)
	if err != nil {
		return k, err
	}
	kdfParams, err := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: a.iterations, PRF: hmacSHA256AlgoID})
	if err != nil {
		return k, err
	}
	ivDER, err := asn1.Marshal(ivb)
	if err != nil {
		return k, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		Scheme: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return k, err
	}
	k.alg = pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}}
	k.block, err = aes.NewCipher(key)
	k.iv = ivb
	return k, err
}

// encrypt pads data (PKCS#7) and encrypts it in CBC mode.
func (k pbeKey) encrypt(data []byte) []byte {
	bs := k.block.BlockSize()
	n := bs - len(data)%bs
	out := append(bytes.Clone(data), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(k.block, k.iv).CryptBlocks(out, out)
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// bmpPassword is the PKCS#12 form of a password: UTF-16 big-endian with a
// terminating zero character (RFC 7292 appendix B.1).
func bmpPassword(pw []byte) []byte {
	var out []byte
	for _, r := range utf16.Encode([]rune(string(pw))) {
		out = append(out, byte(r>>8), byte(r))
	}
	return append(out, 0, 0)
}

// pkcs12KDF derives size bytes of key material with the PKCS#12 key
// derivation function (RFC 7292 appendix B.2); id 1 is for keys, 2 for
// IVs, 3 for MAC keys. u and v are the hash's output and block sizes.
func pkcs12KDF(h func() hash.Hash, u, v int, salt, password []byte, iterations int, id byte, size int) []byte {
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	D := bytes.Repeat([]byte{id}, v)
	I := append(fill(salt), fill(password)...)
	var out []byte
	hh := h()
	for len(out) < size {
		hh.Reset()
		hh.Write(D)
		hh.Write(I)
		A := hh.Sum(nil)
		for i := 1; i < iterations; i++ {
			hh.Reset()
			hh.Write(A)
			A = hh.Sum(A[:0])
		}
		out = append(out, A...)
		if len(out) >= size {
			break
		}
		B := make([]byte, v)
		for i := range B {
			B[i] = A[i%u]
		}
		for j := 0; j < len(I); j += v {
			// I_j = (I_j + B + 1) mod 2^(8v)
			carry := 1
			for k := v - 1; k >= 0; k-- {
				s := int(I[j+k]) + int(B[k]) + carry
				I[j+k] = byte(s)
				carry = s >> 8
			}
		}
	}
	return out[:size]
}

// pkcs12MAC computes the PKCS#12 HMAC over data with a key derived by the
// PKCS#12 KDF from the BMP password.
func pkcs12MAC(h func() hash.Hash, salt, bmp []byte, iterations int, data []byte) []byte {
	return hmacSum(h, pkcs12MACKey(h, salt, bmp, iterations), data)
}

// pkcs12MACKey derives the key of the PKCS#12 MAC from the BMP password.
func pkcs12MACKey(h func() hash.Hash, salt, bmp []byte, iterations int) []byte {
	hh := h()
	u, v := hh.Size(), hh.BlockSize()
	return pkcs12KDF(h, u, v, salt, bmp, iterations, 3, u)
}

// hmacSum is the HMAC of data under key.
func hmacSum(h func() hash.Hash, key, data []byte) []byte {
	m := hmac.New(h, key)
	m.Write(data)
	return m.Sum(nil)
}

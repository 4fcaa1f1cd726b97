package formats

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/x509/pkix"
	"encoding/asn1"
	"hash"
)

// Password-based encryption schemes older than PBES2 that OpenSSL 3 still
// reads with -legacy, as old Windows, Java and OpenSSL 0.9/1.x wrote them:
// PKCS#12's RC4 schemes and PKCS#5 v1.5's PBES1 (MD5 or SHA-1 with DES or
// RC2-64). pkit reads them and never writes them.

var (
	oidPBESHA1RC440 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 2}
	oidPBEMD5DES    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
	oidPBEMD5RC2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 6}
	oidPBESHA1DES   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}
	oidPBESHA1RC2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 11}
	oidDESCBC       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}
)

// legacyPBE tells whether alg is one of these schemes and, when derive is
// set, returns a cipher.Block and IV (PBES1) or an RC4 stream.
func legacyPBE(alg pkix.AlgorithmIdentifier, pw, bmp []byte, derive bool) (block cipher.Block, iv []byte, stream cipher.Stream, enc *Encryption, ok bool, err error) {
	var h func() hash.Hash
	var kdf, name string
	rc4Len := 0
	switch {
	case alg.Algorithm.Equal(oidPBESHA1RC4128):
		rc4Len, name = 16, "RC4-128"
	case alg.Algorithm.Equal(oidPBESHA1RC440):
		rc4Len, name = 5, "RC4-40"
	case alg.Algorithm.Equal(oidPBEMD5DES):
		h, kdf, name = md5.New, "PBKDF1-MD5", "DES-CBC"
	case alg.Algorithm.Equal(oidPBEMD5RC2):
		h, kdf, name = md5.New, "PBKDF1-MD5", "RC2-64-CBC"
	case alg.Algorithm.Equal(oidPBESHA1DES):
		h, kdf, name = sha1.New, "PBKDF1-SHA1", "DES-CBC"
	case alg.Algorithm.Equal(oidPBESHA1RC2):
		h, kdf, name = sha1.New, "PBKDF1-SHA1", "RC2-64-CBC"
	default:
		return nil, nil, nil, nil, false, nil
	}
	var p pbeParams
	if err := unmarshalDER(alg.Parameters.FullBytes, &p); err != nil {
		return nil, nil, nil, nil, true, err
	}
	if rc4Len > 0 {
		kdf = "PKCS12-KDF-SHA1"
	}
	enc = &Encryption{Cipher: name, KDF: kdf, Iterations: p.Iterations}
	if p.Iterations < 1 || p.Iterations > maxKDFIterations {
		return nil, nil, nil, enc, true, errTooManyRounds
	}
	if !derive {
		return nil, nil, nil, enc, true, nil
	}
	if rc4Len > 0 {
		key := pkcs12KDF(sha1.New, 20, 64, p.Salt, bmp, p.Iterations, 1, rc4Len)
		s, err := rc4.NewCipher(key)
		return nil, nil, s, enc, true, err
	}
	// PBKDF1 (RFC 8018 5.1): T1 = H(P || S), Ti = H(Ti-1); the first 8
	// bytes of Tc are the key, the next 8 the IV.
	hh := h()
	hh.Write(pw)
	hh.Write(p.Salt)
	t := hh.Sum(nil)
	for i := 1; i < p.Iterations; i++ {
		hh.Reset()
		hh.Write(t)
		t = hh.Sum(t[:0])
	}
	key, iv := t[:8], t[8:16]
	if name == "DES-CBC" {
		block, err = des.NewCipher(key)
	} else {
		block = newRC2(key, 64)
	}
	return block, iv, nil, enc, true, err
}

// rc4Decrypt decrypts with an RC4 stream; RC4 has no padding, so a wrong
// password shows only in what follows (the MAC, or the content's shape).
func rc4Decrypt(s cipher.Stream, data []byte) []byte {
	out := make([]byte, len(data))
	s.XORKeyStream(out, data)
	return out
}

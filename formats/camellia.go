package formats

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Camellia (RFC 3713), only to read PKCS#12 files and PKCS#8 keys that
// OpenSSL encrypts with "-keypbe CAMELLIA-256-CBC" (PBES2, RFC 3657
// OIDs). Our own code because no maintained Go module for it is
// available to pkit: golang.org/x/crypto has none, and the module proxy
// here served none of the third-party ones asked for. pkit never writes
// Camellia. Straight from the RFC's description (64-bit halves, no
// lookup tables beyond SBOX1); speed does not matter for a few KB.

const camelliaBlockSize = 16

// camelliaSBox1 is SBOX1 of RFC 3713 section 2.4.4; SBOX2, SBOX3 and
// SBOX4 are rotations of it (camelliaF).
var camelliaSBox1 = [256]byte{
	112, 130, 44, 236, 179, 39, 192, 229, 228, 133, 87, 53, 234, 12, 174, 65,
	35, 239, 107, 147, 69, 25, 165, 33, 237, 14, 79, 78, 29, 101, 146, 189,
	134, 184, 175, 143, 124, 235, 31, 206, 62, 48, 220, 95, 94, 197, 11, 26,
	166, 225, 57, 202, 213, 71, 93, 61, 217, 1, 90, 214, 81, 86, 108, 77,
	139, 13, 154, 102, 251, 204, 176, 45, 116, 18, 43, 32, 240, 177, 132, 153,
	223, 76, 203, 194, 52, 126, 118, 5, 109, 183, 169, 49, 209, 23, 4, 215,
	20, 88, 58, 97, 222, 27, 17, 28, 50, 15, 156, 22, 83, 24, 242, 34,
	254, 68, 207, 178, 195, 181, 122, 145, 36, 8, 232, 168, 96, 252, 105, 80,
	170, 208, 160, 125, 161, 137, 98, 151, 84, 91, 30, 149, 224, 255, 100, 210,
	16, 196, 0, 72, 163, 247, 117, 219, 138, 3, 230, 218, 9, 63, 221, 148,
	135, 92, 131, 2, 205, 74, 144, 51, 115, 103, 246, 243, 157, 127, 191, 226,
	82, 155, 216, 38, 200, 55, 198, 59, 129, 150, 111, 75, 19, 190, 99, 46,
	233, 121, 167, 140, 159, 110, 188, 142, 41, 245, 249, 182, 47, 253, 180, 89,
	120, 152, 6, 106, 231, 70, 113, 186, 212, 37, 171, 66, 136, 162, 141, 250,
	114, 7, 185, 85, 248, 238, 172, 10, 54, 73, 42, 104, 60, 56, 241, 164,
	64, 40, 211, 123, 187, 201, 67, 193, 21, 227, 173, 244, 119, 199, 128, 158,
}

// camelliaSigma are the key-schedule constants Sigma1..Sigma6 (RFC 3713
// section 2.2).
var camelliaSigma = [6]uint64{
	0xA09E667F3BCC908B, 0xB67AE8584CAA73B2, 0xC6EF372FE94F82BE,
	0x54FF53A5F1D36F1C, 0x10E527FADE682D1D, 0xB05688C2B3E6C1FD,
}

// camelliaCipher holds the subkeys of both directions: decryption is
// encryption with the subkeys in reverse order (RFC 3713 section 2.3.3).
type camelliaCipher struct {
	groups   int // 3 for 128-bit keys (18 rounds), 4 for 192 and 256 (24 rounds)
	enc, dec camelliaKeys
}

type camelliaKeys struct {
	kw [4]uint64
	k  [24]uint64
	ke [6]uint64
}

// newCamellia returns Camellia with a 16-, 24- or 32-byte key.
func newCamellia(key []byte) (cipher.Block, error) {
	var kl, kr [2]uint64
	switch len(key) {
	case 16:
		kl = [2]uint64{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])}
	case 24:
		kl = [2]uint64{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])}
		r := binary.BigEndian.Uint64(key[16:])
		kr = [2]uint64{r, ^r}
	case 32:
		kl = [2]uint64{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])}
		kr = [2]uint64{binary.BigEndian.Uint64(key[16:]), binary.BigEndian.Uint64(key[24:])}
	default:
		return nil, fmt.Errorf("camellia: key of %d bytes", len(key))
	}
	// KA and KB (RFC 3713 section 2.2).
	d1, d2 := kl[0]^kr[0], kl[1]^kr[1]
	d2 ^= camelliaF(d1, camelliaSigma[0])
	d1 ^= camelliaF(d2, camelliaSigma[1])
	d1 ^= kl[0]
	d2 ^= kl[1]
	d2 ^= camelliaF(d1, camelliaSigma[2])
	d1 ^= camelliaF(d2, camelliaSigma[3])
	ka := [2]uint64{d1, d2}
	d1, d2 = ka[0]^kr[0], ka[1]^kr[1]
	d2 ^= camelliaF(d1, camelliaSigma[4])
	d1 ^= camelliaF(d2, camelliaSigma[5])
	kb := [2]uint64{d1, d2}

	c := &camelliaCipher{}
	e := &c.enc
	if len(key) == 16 {
		c.groups = 3
		e.kw[0], e.kw[1] = rotl128(kl, 0)
		e.k[0], e.k[1] = rotl128(ka, 0)
		e.k[2], e.k[3] = rotl128(kl, 15)
		e.k[4], e.k[5] = rotl128(ka, 15)
		e.ke[0], e.ke[1] = rotl128(ka, 30)
		e.k[6], e.k[7] = rotl128(kl, 45)
		e.k[8], _ = rotl128(ka, 45)
		_, e.k[9] = rotl128(kl, 60)
		e.k[10], e.k[11] = rotl128(ka, 60)
		e.ke[2], e.ke[3] = rotl128(kl, 77)
		e.k[12], e.k[13] = rotl128(kl, 94)
		e.k[14], e.k[15] = rotl128(ka, 94)
		e.k[16], e.k[17] = rotl128(kl, 111)
		e.kw[2], e.kw[3] = rotl128(ka, 111)
	} else {
		c.groups = 4
		e.kw[0], e.kw[1] = rotl128(kl, 0)
		e.k[0], e.k[1] = rotl128(kb, 0)
		e.k[2], e.k[3] = rotl128(kr, 15)
		e.k[4], e.k[5] = rotl128(ka, 15)
		e.ke[0], e.ke[1] = rotl128(kr, 30)
		e.k[6], e.k[7] = rotl128(kb, 30)
		e.k[8], e.k[9] = rotl128(kl, 45)
		e.k[10], e.k[11] = rotl128(ka, 45)
		e.ke[2], e.ke[3] = rotl128(kl, 60)
		e.k[12], e.k[13] = rotl128(kr, 60)
		e.k[14], e.k[15] = rotl128(kb, 60)
		e.k[16], e.k[17] = rotl128(kl, 77)
		e.ke[4], e.ke[5] = rotl128(ka, 77)
		e.k[18], e.k[19] = rotl128(kr, 94)
		e.k[20], e.k[21] = rotl128(ka, 94)
		e.k[22], e.k[23] = rotl128(kl, 111)
		e.kw[2], e.kw[3] = rotl128(kb, 111)
	}
	nk, nke := 6*c.groups, 2*(c.groups-1)
	d := &c.dec
	d.kw = [4]uint64{e.kw[2], e.kw[3], e.kw[0], e.kw[1]}
	for i := range nk {
		d.k[i] = e.k[nk-1-i]
	}
	for i := range nke {
		d.ke[i] = e.ke[nke-1-i]
	}
	return c, nil
}

// rotl128 rotates the 128-bit value x (high half first) left by n bits
// and returns its halves.
func rotl128(x [2]uint64, n uint) (uint64, uint64) {
	hi, lo := x[0], x[1]
	if n >= 64 {
		hi, lo = lo, hi
		n -= 64
	}
	if n == 0 {
		return hi, lo
	}
	return hi<<n | lo>>(64-n), lo<<n | hi>>(64-n)
}

// camelliaF is the F-function (RFC 3713 section 2.4.1).
func camelliaF(in, ke uint64) uint64 {
	x := in ^ ke
	s := &camelliaSBox1
	t1 := s[byte(x>>56)]
	t2 := bits.RotateLeft8(s[byte(x>>48)], 1)
	t3 := bits.RotateLeft8(s[byte(x>>40)], 7)
	t4 := s[bits.RotateLeft8(byte(x>>32), 1)]
	t5 := bits.RotateLeft8(s[byte(x>>24)], 1)
	t6 := bits.RotateLeft8(s[byte(x>>16)], 7)
	t7 := s[bits.RotateLeft8(byte(x>>8), 1)]
	t8 := s[byte(x)]
	y1 := t1 ^ t3 ^ t4 ^ t6 ^ t7 ^ t8
	y2 := t1 ^ t2 ^ t4 ^ t5 ^ t7 ^ t8
	y3 := t1 ^ t2 ^ t3 ^ t5 ^ t6 ^ t8
	y4 := t2 ^ t3 ^ t4 ^ t5 ^ t6 ^ t7
	y5 := t1 ^ t2 ^ t6 ^ t7 ^ t8
	y6 := t2 ^ t3 ^ t5 ^ t7 ^ t8
	y7 := t3 ^ t4 ^ t5 ^ t6 ^ t8
	y8 := t1 ^ t4 ^ t5 ^ t6 ^ t7
	return uint64(y1)<<56 | uint64(y2)<<48 | uint64(y3)<<40 | uint64(y4)<<32 |
		uint64(y5)<<24 | uint64(y6)<<16 | uint64(y7)<<8 | uint64(y8)
}

// camelliaFL and camelliaFLInv are the FL- and FL^-1-functions (RFC 3713
// sections 2.4.2 and 2.4.3).
func camelliaFL(in, ke uint64) uint64 {
	x1, x2 := uint32(in>>32), uint32(in)
	k1, k2 := uint32(ke>>32), uint32(ke)
	x2 ^= bits.RotateLeft32(x1&k1, 1)
	x1 ^= x2 | k2
	return uint64(x1)<<32 | uint64(x2)
}

func camelliaFLInv(in, ke uint64) uint64 {
	y1, y2 := uint32(in>>32), uint32(in)
	k1, k2 := uint32(ke>>32), uint32(ke)
	y1 ^= y2 | k2
	y2 ^= bits.RotateLeft32(y1&k1, 1)
	return uint64(y1)<<32 | uint64(y2)
}

func (c *camelliaCipher) BlockSize() int { return camelliaBlockSize }

func (c *camelliaCipher) Encrypt(dst, src []byte) { c.crypt(&c.enc, dst, src) }

func (c *camelliaCipher) Decrypt(dst, src []byte) { c.crypt(&c.dec, dst, src) }

// crypt runs the Feistel network of RFC 3713 section 2.3.2 with the
// subkeys of one direction.
func (c *camelliaCipher) crypt(sk *camelliaKeys, dst, src []byte) {
	if len(src) < camelliaBlockSize || len(dst) < camelliaBlockSize {
		panic("camellia: input not full block")
	}
	d1 := binary.BigEndian.Uint64(src) ^ sk.kw[0]
	d2 := binary.BigEndian.Uint64(src[8:]) ^ sk.kw[1]
	for g := 0; g < c.groups; g++ {
		k := sk.k[6*g : 6*g+6]
		d2 ^= camelliaF(d1, k[0])
		d1 ^= camelliaF(d2, k[1])
		d2 ^= camelliaF(d1, k[2])
		d1 ^= camelliaF(d2, k[3])
		d2 ^= camelliaF(d1, k[4])
		d1 ^= camelliaF(d2, k[5])
		if g < c.groups-1 {
			d1 = camelliaFL(d1, sk.ke[2*g])
			d2 = camelliaFLInv(d2, sk.ke[2*g+1])
		}
	}
	binary.BigEndian.PutUint64(dst, d2^sk.kw[2])
	binary.BigEndian.PutUint64(dst[8:], d1^sk.kw[3])
}

package formats

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // reading DSA keys other tools made is the point; pkit never makes them
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Private keys crypto/x509 does not read from PKCS#8, but OpenSSL and
// Java write into PKCS#12 files: RSASSA-PSS keys (an RSA key restricted to
// PSS signatures) and DSA keys.

var oidDSA = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}

// maxDSABits bounds the DSA prime pkit does arithmetic with.
const maxDSABits = 8192

// DSAKey is a DSA private key read from a file: a [crypto.Signer] whose
// Public is a *dsa.PublicKey (what crypto/x509 gives for a DSA
// certificate) and whose signatures are ASN.1 (r, s), as in certificates.
// pkit reads DSA keys so that keystores holding them open; it never
// creates them.
type DSAKey struct {
	dsa.PrivateKey
}

// Public returns the *dsa.PublicKey.
func (k *DSAKey) Public() crypto.PublicKey { return &k.PublicKey }

// Sign signs digest (already hashed) with DSA, truncated to the size of
// the subgroup as FIPS 186 says.
func (k *DSAKey) Sign(rand io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	if n := (k.Q.BitLen() + 7) / 8; len(digest) > n {
		digest = digest[:n]
	}
	r, s, err := dsa.Sign(rand, &k.PrivateKey, digest) //nolint:staticcheck
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

// parseOtherPKCS8 reads the PKCS#8 keys crypto/x509 refuses: RSASSA-PSS
// and DSA. ok is false when der is neither (the caller keeps its error).
func parseOtherPKCS8(der []byte) (key crypto.Signer, ok bool, err error) {
	in := cryptobyte.String(der)
	var seq, alg, params, privOctets cryptobyte.String
	var version int
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) ||
		!seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!seq.ReadASN1(&privOctets, cbasn1.OCTET_STRING) {
		return nil, false, nil
	}
	switch {
	case oid.Equal(oidRSAPSS):
		k, err := x509.ParsePKCS1PrivateKey(privOctets)
		if err != nil {
			return nil, true, corrupt("RSASSA-PSS key: %v", err)
		}
		return k, true, nil
	case oid.Equal(oidDSA):
		var p, q, g, x big.Int
		if !alg.ReadASN1(&params, cbasn1.SEQUENCE) || !params.ReadASN1Integer(&p) ||
			!params.ReadASN1Integer(&q) || !params.ReadASN1Integer(&g) || !params.Empty() {
			return nil, true, corrupt("DSA key without valid domain parameters")
		}
		if !privOctets.ReadASN1Integer(&x) || !privOctets.Empty() {
			return nil, true, corrupt("DSA private key value")
		}
		one := big.NewInt(1)
		if p.BitLen() > maxDSABits || p.Cmp(one) <= 0 || q.Cmp(one) <= 0 || g.Cmp(one) <= 0 || g.Cmp(&p) >= 0 ||
			x.Sign() <= 0 || x.Cmp(&q) >= 0 || q.BitLen() > p.BitLen() {
			return nil, true, corrupt("DSA key parameters out of range")
		}
		k := &DSAKey{}
		k.P, k.Q, k.G, k.X = &p, &q, &g, &x
		k.Y = new(big.Int).Exp(&g, &x, &p)
		return k, true, nil
	}
	return nil, false, nil
}

// parseDSATraditional reads OpenSSL's traditional "DSA PRIVATE KEY":
// SEQUENCE { 0, p, q, g, y, x }.
func parseDSATraditional(der []byte) (*DSAKey, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	var version int
	var p, q, g, y, x big.Int
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1Integer(&version) || version != 0 ||
		!seq.ReadASN1Integer(&p) || !seq.ReadASN1Integer(&q) || !seq.ReadASN1Integer(&g) ||
		!seq.ReadASN1Integer(&y) || !seq.ReadASN1Integer(&x) || !seq.Empty() {
		return nil, corrupt("not a DSA private key")
	}
	one := big.NewInt(1)
	if p.BitLen() > maxDSABits || p.Cmp(one) <= 0 || q.Cmp(one) <= 0 || g.Cmp(one) <= 0 || g.Cmp(&p) >= 0 ||
		x.Sign() <= 0 || x.Cmp(&q) >= 0 || new(big.Int).Exp(&g, &x, &p).Cmp(&y) != 0 {
		return nil, corrupt("DSA key parameters out of range")
	}
	k := &DSAKey{}
	k.P, k.Q, k.G, k.Y, k.X = &p, &q, &g, &y, &x
	return k, nil
}

// marshalDSAPKCS8 writes a DSA key as PKCS#8, the form OpenSSL writes.
func marshalDSAPKCS8(k *DSAKey) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidDSA)
			addDSAParams(b, &k.Parameters)
		})
		b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1BigInt(k.X) })
	})
	return b.Bytes()
}

func addDSAParams(b *cryptobyte.Builder, p *dsa.Parameters) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(p.P)
		b.AddASN1BigInt(p.Q)
		b.AddASN1BigInt(p.G)
	})
}

// marshalDSAPublicKey writes a DSA SubjectPublicKeyInfo.
func marshalDSAPublicKey(k *dsa.PublicKey) ([]byte, error) {
	if k.P == nil || k.Q == nil || k.G == nil || k.Y == nil {
		return nil, errors.New("incomplete DSA public key")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidDSA)
			addDSAParams(b, &k.Parameters)
		})
		var y cryptobyte.Builder
		y.AddASN1BigInt(k.Y)
		yb, err := y.Bytes()
		if err != nil {
			b.SetError(err)
			return
		}
		b.AddASN1BitString(yb)
	})
	return b.Bytes()
}

func dsaKeysEqual(a, b *dsa.PublicKey) bool {
	return a.P.Cmp(b.P) == 0 && a.Q.Cmp(b.Q) == 0 && a.G.Cmp(b.G) == 0 && a.Y.Cmp(b.Y) == 0
}

// CertificatePublicKey returns c's public key. crypto/x509 leaves
// c.PublicKey nil for an RSASSA-PSS key (an RSA key restricted to PSS
// signatures, OID 1.2.840.113549.1.1.10); for one, CertificatePublicKey
// returns the *rsa.PublicKey inside and restriction "RSASSA-PSS".
// It returns nil when the key cannot be read.
func CertificatePublicKey(c *x509.Certificate) (pub crypto.PublicKey, restriction string) {
	if c.PublicKey != nil {
		return c.PublicKey, ""
	}
	if k := pssPublicKey(c.RawSubjectPublicKeyInfo); k != nil {
		return k, "RSASSA-PSS" // an rsaEncryption key crypto/x509 would have read
	}
	return nil, ""
}

// CertificateKeyDescription is [KeyDescription] of c's key, naming keys
// crypto/x509 does not read ("RSASSA-PSS 2048", or the algorithm's OID).
func CertificateKeyDescription(c *x509.Certificate) string {
	pub, r := CertificatePublicKey(c)
	if r != "" {
		return fmt.Sprintf("%s %d", r, pub.(*rsa.PublicKey).N.BitLen())
	}
	if pub == nil {
		return spkiAlgorithm(c.RawSubjectPublicKeyInfo)
	}
	return KeyDescription(pub)
}

// spkiAlgorithm describes a SubjectPublicKeyInfo crypto/x509 did not
// read: "ECDSA, explicit curve parameters", or the algorithm's OID.
func spkiAlgorithm(der []byte) string {
	in := cryptobyte.String(der)
	var spki, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return "unknown (unreadable key)"
	}
	if oid.Equal(oidECPublicKey) && alg.PeekASN1Tag(cbasn1.SEQUENCE) {
		return "ECDSA, explicit curve parameters"
	}
	return "unknown (algorithm " + oid.String() + ")"
}

// Package revoketest makes certificates and CRLs for tests of revocation
// checking: CRLs of either version, with or without a CRL number, with
// an issuing distribution point, as delta CRLs, with certificateIssuer
// entries (indirect CRLs) and with any extra extension; certificates with
// CRL distribution points naming cRLIssuers and reasons. It is for tests
// only.
package revoketest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"sync/atomic"
	"time"

	"github.com/pkit/pkit/revoke"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Base is the reference time: certificates are valid from an hour
// before it for a year.
var Base = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// Cert is a certificate with its private key.
type Cert struct {
	*x509.Certificate
	Key crypto.Signer
}

// DP is one CRL distribution point of a certificate.
type DP struct {
	// URIs are the fullName of the distribution point; none leaves the
	// name out.
	URIs []string
	// Reasons limits the distribution point to these reasons.
	Reasons []revoke.Reason
	// CRLIssuer is the DER Name of the CRL issuer, for indirect CRLs.
	CRLIssuer []byte
}

// CertSpec describes a certificate.
type CertSpec struct {
	// Subject is the subject's name (its common name is enough).
	Subject pkix.Name
	// Issuer signs the certificate; nil makes it self-signed.
	Issuer *Cert
	// Key is the subject's key; nil generates an ECDSA P-256 key.
	Key crypto.Signer
	// CA makes a CA certificate; KeyUsage defaults to keyCertSign|cRLSign
	// for CAs and digitalSignature for others.
	CA       bool
	KeyUsage x509.KeyUsage
	// DPs are the CRL distribution points.
	DPs []DP
	// NotBefore and NotAfter default to Base-1h and Base+1y.
	NotBefore, NotAfter time.Time
}

var serials atomic.Int64

// NewCert makes the certificate s describes.
func NewCert(s CertSpec) (*Cert, error) {
	key := s.Key
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	t := &x509.Certificate{
		SerialNumber: big.NewInt(1000 + serials.Add(1)), Subject: s.Subject,
		NotBefore: s.NotBefore, NotAfter: s.NotAfter, BasicConstraintsValid: true, IsCA: s.CA, KeyUsage: s.KeyUsage,
	}
	if t.NotBefore.IsZero() {
		t.NotBefore = Base.Add(-time.Hour)
	}
	if t.NotAfter.IsZero() {
		t.NotAfter = Base.AddDate(1, 0, 0)
	}
	if t.KeyUsage == 0 {
		t.KeyUsage = x509.KeyUsageDigitalSignature
		if s.CA {
			t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
	}
	if !s.CA {
		t.BasicConstraintsValid = false
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	ski := sha256.Sum256(pub)
	t.SubjectKeyId = ski[:20]
	if len(s.DPs) > 0 {
		ext, err := cdpExtension(s.DPs)
		if err != nil {
			return nil, err
		}
		t.ExtraExtensions = append(t.ExtraExtensions, ext)
	}
	parent, signer := t, key
	if s.Issuer != nil {
		parent, signer = s.Issuer.Certificate, s.Issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Cert{Certificate: c, Key: key}, nil
}

// Must panics when err is not nil; for test set-up.
func Must(c *Cert, err error) *Cert {
	if err != nil {
		panic(err)
	}
	return c
}

func reasonBits(rs []revoke.Reason) []byte {
	var bits uint16
	for _, r := range rs {
		bit := int(r)
		switch r {
		case revoke.PrivilegeWithdrawn:
			bit = 7
		case revoke.AACompromise:
			bit = 8
		}
		bits |= 0x8000 >> bit
	}
	b := []byte{byte(bits >> 8), byte(bits)}
	if b[1] == 0 {
		b = b[:1]
	}
	unused := 0
	for unused < 7 && b[len(b)-1]&(1<<unused) == 0 {
		unused++
	}
	return append([]byte{byte(unused)}, b...)
}

// dirName is a directoryName GeneralName holding the DER name.
func dirName(b *cryptobyte.Builder, name []byte) {
	b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(name) })
}

func uris(b *cryptobyte.Builder, us []string) {
	b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			for _, u := range us {
				b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u)) })
			}
		})
	})
}

func cdpExtension(dps []DP) (pkix.Extension, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, dp := range dps {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if len(dp.URIs) > 0 {
					uris(b, dp.URIs)
				}
				if len(dp.Reasons) > 0 {
					b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(reasonBits(dp.Reasons)) })
				}
				if dp.CRLIssuer != nil {
					b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { dirName(b, dp.CRLIssuer) })
				}
			})
		}
	})
	der, err := b.Bytes()
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 31}, Value: der}, err
}

// IDP describes an issuing distribution point extension (always
// critical, as RFC 5280 5.2.5 asks).
type IDP struct {
	URIs                                 []string
	UserOnly, CAOnly, AttrOnly, Indirect bool
	Reasons                              []revoke.Reason
}

// Extension encodes the issuing distribution point.
func (p IDP) Extension() pkix.Extension {
	b := cryptobyte.NewBuilder(nil)
	flag := func(b *cryptobyte.Builder, tag int, on bool) {
		if on {
			b.AddASN1(cbasn1.Tag(tag).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddUint8(0xff) })
		}
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if len(p.URIs) > 0 {
			uris(b, p.URIs)
		}
		flag(b, 1, p.UserOnly)
		flag(b, 2, p.CAOnly)
		if len(p.Reasons) > 0 {
			b.AddASN1(cbasn1.Tag(3).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(reasonBits(p.Reasons)) })
		}
		flag(b, 4, p.Indirect)
		flag(b, 5, p.AttrOnly)
	})
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: b.BytesOrPanic()}
}

// Entry is one revoked certificate of a CRL.
type Entry struct {
	Serial *big.Int
	// At defaults to Base minus a day.
	At time.Time
	// Reason goes in a reasonCode extension unless it is unspecified.
	Reason revoke.Reason
	// Issuer, when set, is the DER name put in a (critical)
	// certificateIssuer extension: this entry and the following ones
	// are that issuer's certificates.
	Issuer []byte
	// Extra are more entry extensions.
	Extra []pkix.Extension
}

// CRL describes a CRL.
type CRL struct {
	// Signer signs the CRL; its subject is the CRL's issuer and its
	// subject key identifier the authority key identifier.
	Signer *Cert
	// Issuer, when set, is the DER name put in the CRL's issuer field
	// instead of the signer's subject (the same name written otherwise).
	Issuer []byte
	// V1 makes a version 1 CRL: no version field and no extensions.
	V1 bool
	// Number is the CRL number; nil leaves it out.
	Number *big.Int
	// DeltaOf, when set, makes a delta CRL with this BaseCRLNumber.
	DeltaOf *big.Int
	// ThisUpdate and NextUpdate default to Base minus and plus a day; a
	// NextUpdate before 1951 leaves it out.
	ThisUpdate, NextUpdate time.Time
	IDP                    *IDP
	// Freshest, when set, is the URI put in a freshestCRL extension: where
	// the delta CRLs are (OpenSSL applies a delta CRL only when the
	// certificate or the complete CRL has one, as RFC 5280 6.3.3 c says).
	Freshest string
	// Extra are more CRL extensions.
	Extra   []pkix.Extension
	Entries []Entry
}

func addExt(b *cryptobyte.Builder, e pkix.Extension) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(e.Id)
		if e.Critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1OctetString(e.Value)
	})
}

func addTime(b *cryptobyte.Builder, t time.Time) {
	if t.Year() >= 2050 {
		b.AddASN1GeneralizedTime(t.UTC())
	} else {
		b.AddASN1UTCTime(t.UTC())
	}
}

func intExt(id asn1.ObjectIdentifier, n *big.Int, critical bool) pkix.Extension {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1BigInt(n)
	return pkix.Extension{Id: id, Critical: critical, Value: b.BytesOrPanic()}
}

// DER encodes and signs the CRL.
func (c CRL) DER() ([]byte, error) {
	if c.Signer == nil {
		return nil, errors.New("revoketest: no signer")
	}
	ai, hash, err := algorithm(c.Signer.Key.Public())
	if err != nil {
		return nil, err
	}
	this, next := c.ThisUpdate, c.NextUpdate
	if this.IsZero() {
		this = Base.AddDate(0, 0, -1)
	}
	if next.IsZero() {
		next = Base.AddDate(0, 0, 1)
	}
	tbs := cryptobyte.NewBuilder(nil)
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if !c.V1 {
			b.AddASN1Int64(1)
		}
		b.AddBytes(ai)
		if c.Issuer != nil {
			b.AddBytes(c.Issuer)
		} else {
			b.AddBytes(c.Signer.RawSubject)
		}
		addTime(b, this)
		if next.Year() > 1950 {
			addTime(b, next)
		}
		if len(c.Entries) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, e := range c.Entries {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(e.Serial)
						at := e.At
						if at.IsZero() {
							at = Base.AddDate(0, 0, -1)
						}
						addTime(b, at)
						var exts []pkix.Extension
						if e.Reason != revoke.Unspecified {
							exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 21}, Value: []byte{0x0a, 0x01, byte(e.Reason)}})
						}
						if e.Issuer != nil {
							gn := cryptobyte.NewBuilder(nil)
							gn.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { dirName(b, e.Issuer) })
							exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 29}, Critical: true, Value: gn.BytesOrPanic()})
						}
						exts = append(exts, e.Extra...)
						if len(exts) > 0 {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								for _, x := range exts {
									addExt(b, x)
								}
							})
						}
					})
				}
			})
		}
		if c.V1 {
			return
		}
		var exts []pkix.Extension
		if len(c.Signer.SubjectKeyId) > 0 {
			aki := cryptobyte.NewBuilder(nil)
			aki.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(c.Signer.SubjectKeyId) })
			})
			exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 35}, Value: aki.BytesOrPanic()})
		}
		if c.Number != nil {
			exts = append(exts, intExt(asn1.ObjectIdentifier{2, 5, 29, 20}, c.Number, false))
		}
		if c.DeltaOf != nil {
			exts = append(exts, intExt(asn1.ObjectIdentifier{2, 5, 29, 27}, c.DeltaOf, true))
		}
		if c.IDP != nil {
			exts = append(exts, c.IDP.Extension())
		}
		if c.Freshest != "" {
			f, err := cdpExtension([]DP{{URIs: []string{c.Freshest}}})
			if err != nil {
				b.SetError(err)
				return
			}
			f.Id = asn1.ObjectIdentifier{2, 5, 29, 46}
			exts = append(exts, f)
		}
		exts = append(exts, c.Extra...)
		if len(exts) > 0 {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, x := range exts {
						addExt(b, x)
					}
				})
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, err
	}
	msg, opts := tbsDER, crypto.SignerOpts(crypto.Hash(0))
	if hash != 0 {
		sum := sha256.Sum256(tbsDER)
		msg, opts = sum[:], hash
	}
	sig, err := c.Signer.Key.Sign(rand.Reader, msg, opts)
	if err != nil {
		return nil, err
	}
	out := cryptobyte.NewBuilder(nil)
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddBytes(ai)
		b.AddASN1BitString(sig)
	})
	return out.Bytes()
}

// Parse encodes the CRL and parses it with [revoke.ParseCRL].
func (c CRL) Parse() (*x509.RevocationList, error) {
	der, err := c.DER()
	if err != nil {
		return nil, err
	}
	return revoke.ParseCRL(der)
}

// MustParse is Parse that panics on error; for test set-up.
func (c CRL) MustParse() *x509.RevocationList {
	rl, err := c.Parse()
	if err != nil {
		panic(err)
	}
	return rl
}

// PEM encodes DER bytes of the given PEM type.
func PEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func algorithm(pub crypto.PublicKey) ([]byte, crypto.Hash, error) {
	var ai pkix.AlgorithmIdentifier
	hash := crypto.SHA256
	switch pub.(type) {
	case *ecdsa.PublicKey:
		ai.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	case *rsa.PublicKey:
		ai.Algorithm, ai.Parameters = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, asn1.NullRawValue
	case ed25519.PublicKey:
		ai.Algorithm, hash = asn1.ObjectIdentifier{1, 3, 101, 112}, 0
	default:
		return nil, 0, errors.New("revoketest: unsupported key")
	}
	der, err := asn1.Marshal(ai)
	return der, hash, err
}

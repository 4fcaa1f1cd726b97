package ocsp

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ResponseStatus is an OCSPResponseStatus (RFC 6960 section 4.2.1).
type ResponseStatus int

// The response statuses. 4 is not used.
const (
	Successful       ResponseStatus = 0
	MalformedRequest ResponseStatus = 1
	InternalError    ResponseStatus = 2
	TryLater         ResponseStatus = 3
	SigRequired      ResponseStatus = 5
	Unauthorized     ResponseStatus = 6
)

func (s ResponseStatus) String() string {
	switch s {
	case Successful:
		return "successful"
	case MalformedRequest:
		return "malformedRequest"
	case InternalError:
		return "internalError"
	case TryLater:
		return "tryLater"
	case SigRequired:
		return "sigRequired"
	case Unauthorized:
		return "unauthorized"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// errorResponse is the whole DER OCSPResponse of an unsuccessful status:
// no responseBytes, nothing signed (RFC 6960 section 4.2.1).
func errorResponse(s ResponseStatus) []byte { return []byte{0x30, 0x03, 0x0a, 0x01, byte(s)} }

// CertStatus is what a response says of one certificate.
type CertStatus int

// The certificate statuses of RFC 6960 section 4.2.1.
const (
	Good CertStatus = iota
	Revoked
	Unknown
)

func (s CertStatus) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	}
	return "unknown"
}

// Status is the state of one certificate, as a [Source] knows it.
type Status struct {
	Status CertStatus
	// RevokedAt and Reason are set when Status is Revoked. Unspecified is
	// left out of the response, as pkit's CRLs leave it out of their
	// entries (RFC 5280 section 5.3.1).
	RevokedAt time.Time
	Reason    revoke.Reason
	// InvalidAt, when set on a revoked certificate, is when its key is
	// known or suspected to have been compromised: the response carries
	// it in an invalidityDate single extension (RFC 6960 section 4.4
	// allows the CRL entry extensions of RFC 5280 section 5.3).
	InvalidAt time.Time
}

// same reports whether s and o answer alike.
func (s Status) same(o Status) bool {
	return s.Status == o.Status && s.RevokedAt.Equal(o.RevokedAt) && s.Reason == o.Reason && s.InvalidAt.Equal(o.InvalidAt)
}

// signer is one CA's way of signing responses: the CA's own key, or a
// delegated OCSP signing certificate and its key.
type signer struct {
	key         crypto.Signer
	delegated   *x509.Certificate // nil when the CA signs itself
	responderID []byte            // DER [2] EXPLICIT KeyHash
	sigAlg      []byte            // DER AlgorithmIdentifier
	hash        crypto.Hash       // 0 for Ed25519
	notAfter    time.Time         // responses never outlive the signer
}

func newSigner(key crypto.Signer, cert *x509.Certificate, delegated bool) (*signer, error) {
	if !formats.PublicKeysEqual(key.Public(), cert.PublicKey) {
		return nil, errors.New("ocsp: the signing key does not belong to its certificate")
	}
	alg, hash, err := revoke.SignatureAlgorithm(key.Public())
	if err != nil {
		return nil, err
	}
	bits, err := publicKeyBits(cert)
	if err != nil {
		return nil, err
	}
	kh := sha1.Sum(bits)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddASN1OctetString(kh[:])
	})
	s := &signer{key: key, responderID: b.BytesOrPanic(), sigAlg: alg, hash: hash, notAfter: cert.NotAfter}
	if delegated {
		s.delegated = cert
	}
	return s, nil
}

// publicKeyBits returns the subjectPublicKey BIT STRING's bytes of c, what
// RFC 6960 hashes for issuerKeyHash and the responder's KeyHash.
func publicKeyBits(c *x509.Certificate) ([]byte, error) {
	in := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki, alg cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&alg, cbasn1.SEQUENCE) || !spki.ReadASN1BitString(&bits) {
		return nil, errors.New("ocsp: cannot read the certificate's public key")
	}
	return bits.Bytes, nil
}

// addSingle adds one SingleResponse: the CertID as the request had it,
// the status, thisUpdate, nextUpdate, and the invalidity date of a
// revocation that has one.
func addSingle(b *cryptobyte.Builder, a single, thisUpdate, nextUpdate time.Time) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(a.id.Raw)
		switch a.status.Status {
		case Good:
			b.AddBytes([]byte{0x80, 0x00}) // [0] IMPLICIT NULL
		case Revoked:
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1GeneralizedTime(a.status.RevokedAt.UTC())
				if a.status.Reason != revoke.Unspecified {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1Enum(int64(a.status.Reason))
					})
				}
			})
		default:
			b.AddBytes([]byte{0x82, 0x00}) // [2] IMPLICIT UnknownInfo (NULL)
		}
		b.AddASN1GeneralizedTime(thisUpdate.UTC())
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1GeneralizedTime(nextUpdate.UTC())
		})
		if a.status.Status == Revoked && !a.status.InvalidAt.IsZero() {
			// singleExtensions [1] EXPLICIT Extensions: one invalidityDate.
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oidInvalidity) })
						b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
							b.AddASN1GeneralizedTime(a.status.InvalidAt.UTC().Truncate(time.Second))
						})
					})
				})
			})
		}
	})
}

// single is one SingleResponse to encode.
type single struct {
	id     CertID
	status Status
}

// sign encodes and signs a successful response (RFC 6960 section 4.2.1)
// produced at producedAt, with thisUpdate and nextUpdate for every
// certificate, and nonce (an extension value) in the response extensions
// when not nil.
func (s *signer) sign(producedAt, thisUpdate, nextUpdate time.Time, answers []single, nonce []byte) ([]byte, error) {
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(s.responderID)
		b.AddASN1GeneralizedTime(producedAt.UTC())
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, a := range answers {
				addSingle(b, a, thisUpdate, nextUpdate)
			}
		})
		if nonce != nil {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oidNonce) })
						b.AddASN1OctetString(nonce)
					})
				})
			})
		}
	})
	tbs, err := tb.Bytes()
	if err != nil {
		return nil, err
	}
	var sig []byte
	if s.hash == 0 {
		sig, err = s.key.Sign(rand.Reader, tbs, crypto.Hash(0))
	} else {
		h := s.hash.New()
		h.Write(tbs)
		sig, err = s.key.Sign(rand.Reader, h.Sum(nil), s.hash)
	}
	if err != nil {
		return nil, fmt.Errorf("ocsp: signing the response: %w", err)
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(int64(Successful))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oidBasic) })
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddBytes(tbs)
						b.AddBytes(s.sigAlg)
						b.AddASN1BitString(sig)
						if s.delegated != nil {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
									b.AddBytes(s.delegated.Raw)
								})
							})
						}
					})
				})
			})
		})
	})
	return out.Bytes()
}

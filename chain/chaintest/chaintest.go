// Package chaintest generates certificate hierarchies for tests and
// benchmarks of chain building and verification: roots, intermediates and
// leaves of any key type, cross-signatures, name and path-length
// constraints, expired twins, decoys and CRLs. It is for tests only; the
// certificates it makes are not fit for use.
package chaintest

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
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"time"
)

// KeyType is the kind of key a generated certificate gets.
type KeyType string

// The key types; EC256 and Ed25519 are fast to generate, RSA is not.
const (
	EC256   KeyType = "ecdsa-p256"
	EC384   KeyType = "ecdsa-p384"
	Ed25519 KeyType = "ed25519"
	RSA2048 KeyType = "rsa-2048"
	RSA1024 KeyType = "rsa-1024"
)

// KeyTypes lists every key type a hierarchy may use (RSA1024, a weak key,
// is left out).
var KeyTypes = []KeyType{EC256, EC384, Ed25519, RSA2048}

// NewKey generates a key of type t.
func NewKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case EC256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EC384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA1024:
		return rsa.GenerateKey(rand.Reader, 1024)
	}
	return nil, fmt.Errorf("unknown key type %q", t)
}

// Cert is a generated certificate with its private key.
type Cert struct {
	*x509.Certificate
	Key crypto.Signer
}

// Spec describes a certificate to generate. Zero fields get defaults: a
// fresh EC P-256 key, valid from an hour before Base to a year after, a
// leaf with digitalSignature and no EKU unless set.
type Spec struct {
	// CN is the subject's common name; O is added as organization when
	// set.
	CN, O string
	// Issuer signs the certificate; nil makes it self-signed.
	Issuer *Cert
	// Key is the subject's key; nil generates one of KeyType.
	Key     crypto.Signer
	KeyType KeyType
	// CA makes a CA certificate (keyCertSign|cRLSign, basic constraints
	// CA:TRUE).
	CA bool
	// PathLen is the path length constraint of a CA: -1 or less means
	// none, 0 or more sets it.
	PathLen int
	// NotBefore and NotAfter default to Base-1h and Base+1y.
	NotBefore, NotAfter time.Time
	EKU                 []x509.ExtKeyUsage
	KeyUsage            x509.KeyUsage
	DNS                 []string
	IPs                 []net.IP
	Emails              []string
	// PermittedDNS and ExcludedDNS are DNS name constraints (CA only).
	PermittedDNS, ExcludedDNS []string
	// NoKeyIDs leaves out the subject and authority key identifiers.
	NoKeyIDs bool
	// SigAlg is the signature algorithm of the issuer's signature (zero:
	// the default for the issuer's key), e.g. x509.SHA1WithRSA.
	SigAlg x509.SignatureAlgorithm
}

// Base is the reference time of generated certificates.
var Base = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var serial atomic.Int64

// New generates the certificate spec describes.
func New(s Spec) (*Cert, error) {
	key := s.Key
	if key == nil {
		var err error
		if key, err = NewKey(s.KeyType); err != nil {
			return nil, err
		}
	}
	nb, na := s.NotBefore, s.NotAfter
	if nb.IsZero() {
		nb = Base.Add(-time.Hour)
	}
	if na.IsZero() {
		na = Base.AddDate(1, 0, 0)
	}
	name := pkix.Name{CommonName: s.CN}
	if s.O != "" {
		name.Organization = []string{s.O}
	}
	t := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)<<20 | int64(time.Now().UnixNano()&0xfffff)),
		Subject:               name,
		NotBefore:             nb,
		NotAfter:              na,
		BasicConstraintsValid: true,
		IsCA:                  s.CA,
		ExtKeyUsage:           s.EKU,
		KeyUsage:              s.KeyUsage,
		DNSNames:              s.DNS,
		IPAddresses:           s.IPs,
		EmailAddresses:        s.Emails,
		PermittedDNSDomains:   s.PermittedDNS,
		ExcludedDNSDomains:    s.ExcludedDNS,
		SignatureAlgorithm:    s.SigAlg,
	}
	// Name constraints are critical (RFC 5280 4.2.1.10).
	t.PermittedDNSDomainsCritical = len(s.PermittedDNS)+len(s.ExcludedDNS) > 0
	if s.CA {
		if t.KeyUsage == 0 {
			t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
		if s.PathLen >= 0 {
			t.MaxPathLen, t.MaxPathLenZero = s.PathLen, s.PathLen == 0
		} else {
			t.MaxPathLen = -1
		}
	} else if t.KeyUsage == 0 {
		t.KeyUsage = x509.KeyUsageDigitalSignature
	}
	if !s.NoKeyIDs {
		der, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(der)
		t.SubjectKeyId = sum[:20]
	}
	parent, signer := t, key
	if s.Issuer != nil {
		parent, signer = s.Issuer.Certificate, s.Issuer.Key
		if s.NoKeyIDs {
			t.AuthorityKeyId = nil
		} else {
			t.AuthorityKeyId = parent.SubjectKeyId // Go leaves it out of a self-issued certificate
		}
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

// Hierarchy is a generated chain: Certs[0] is the leaf, the last is the
// root.
type Hierarchy struct {
	Certs []*Cert
}

// Leaf returns the leaf.
func (h *Hierarchy) Leaf() *Cert { return h.Certs[0] }

// Root returns the root.
func (h *Hierarchy) Root() *Cert { return h.Certs[len(h.Certs)-1] }

// X509 returns the certificates, leaf first.
func (h *Hierarchy) X509() []*x509.Certificate { return X509(h.Certs...) }

// X509 returns the x509 certificates of cs.
func X509(cs ...*Cert) []*x509.Certificate {
	out := make([]*x509.Certificate, len(cs))
	for i, c := range cs {
		out[i] = c.Certificate
	}
	return out
}

// NewHierarchy makes a chain of levels certificates (1 is a self-signed
// leaf-less root alone; 2 is root and leaf; 4 is root, two intermediates
// and leaf) with keys of type kt. The leaf is a server certificate for
// host, with serverAuth and clientAuth. Names carry prefix.
func NewHierarchy(prefix string, levels int, kt KeyType, host string) (*Hierarchy, error) {
	root, err := New(Spec{CN: prefix + " Root CA", O: prefix, CA: true, PathLen: -1, KeyType: kt, NotBefore: Base.AddDate(-1, 0, 0), NotAfter: Base.AddDate(10, 0, 0)})
	if err != nil {
		return nil, err
	}
	h := &Hierarchy{Certs: []*Cert{root}}
	if levels <= 1 {
		return h, nil
	}
	parent := root
	for i := 1; i < levels-1; i++ {
		ic, err := New(Spec{CN: fmt.Sprintf("%s Intermediate CA %d", prefix, i), O: prefix, CA: true, PathLen: -1, Issuer: parent, KeyType: kt,
			NotBefore: Base.AddDate(0, -6, 0), NotAfter: Base.AddDate(5, 0, 0)})
		if err != nil {
			return nil, err
		}
		h.Certs = append([]*Cert{ic}, h.Certs...)
		parent = ic
	}
	leaf, err := New(Spec{CN: host, Issuer: parent, KeyType: kt, DNS: []string{host},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return nil, err
	}
	h.Certs = append([]*Cert{leaf}, h.Certs...)
	return h, nil
}

// CrossSign re-issues c (same subject, key and extensions) signed by
// issuer: the cross-signed twin of an intermediate or root.
func CrossSign(c *Cert, issuer *Cert) (*Cert, error) {
	t := *c.Certificate
	t.SerialNumber = big.NewInt(serial.Add(1)<<20 | 1)
	t.AuthorityKeyId = nil
	der, err := x509.CreateCertificate(rand.Reader, &t, issuer.Certificate, c.Key.Public(), issuer.Key)
	if err != nil {
		return nil, err
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Cert{Certificate: x, Key: c.Key}, nil
}

// Twin re-issues c with the same subject and key but another validity,
// signed by issuer (nil: c is self-signed, the twin too).
func Twin(c *Cert, issuer *Cert, notBefore, notAfter time.Time) (*Cert, error) {
	t := *c.Certificate
	t.SerialNumber = big.NewInt(serial.Add(1)<<20 | 2)
	t.NotBefore, t.NotAfter = notBefore, notAfter
	parent, signer := &t, c.Key
	if issuer != nil {
		parent, signer = issuer.Certificate, issuer.Key
		t.AuthorityKeyId = nil
	}
	der, err := x509.CreateCertificate(rand.Reader, &t, parent, c.Key.Public(), signer)
	if err != nil {
		return nil, err
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Cert{Certificate: x, Key: c.Key}, nil
}

// Revoked is one entry of a generated CRL.
type Revoked struct {
	Cert   *Cert
	At     time.Time
	Reason int
}

// CRL makes a CRL signed by issuer, valid from thisUpdate to nextUpdate.
func CRL(issuer *Cert, number int64, thisUpdate, nextUpdate time.Time, revoked ...Revoked) (*x509.RevocationList, error) {
	t := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
	for _, r := range revoked {
		t.RevokedCertificateEntries = append(t.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: r.Cert.SerialNumber, RevocationTime: r.At, ReasonCode: r.Reason})
	}
	der, err := x509.CreateRevocationList(rand.Reader, t, issuer.Certificate, issuer.Key)
	if err != nil {
		return nil, err
	}
	return x509.ParseRevocationList(der)
}

// PEM encodes certificates as a PEM bundle, in order.
func PEM(cs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// CRLPEM encodes a CRL as PEM.
func CRLPEM(crl *x509.RevocationList) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw})
}

// KeyPEM encodes a private key as PKCS#8 PEM.
func KeyPEM(k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

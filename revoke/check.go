package revoke

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// MaxCRLSize is the largest CRL [ParseCRL] reads, in bytes.
const MaxCRLSize = 64 << 20

// ErrNotCRL is returned (wrapped) by [ParseCRL] when the data is neither a
// PEM "X509 CRL" block nor a DER CRL.
var ErrNotCRL = errors.New("not a CRL (expected PEM \"X509 CRL\" or DER)")

// ErrNoCRL is returned (wrapped in a [*CRLError]) by [Check] when none of
// the CRLs was issued by the certificate's issuer.
var ErrNoCRL = errors.New("no CRL from the issuer")

// ParseCRL parses one CRL in PEM ("X509 CRL", the first such block) or DER.
// It does not check the signature: that needs the issuer (see [Check]).
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	crls, err := ParseCRLs(data)
	if err != nil {
		return nil, err
	}
	return crls[0], nil
}

// ParseCRLs parses every CRL in data: a PEM file of one or more "X509 CRL"
// blocks (other blocks are skipped), or a single DER CRL (see [ReadCRLs]).
// It returns an error wrapping [ErrNotCRL] when data holds no CRL.
func ParseCRLs(data []byte) ([]*x509.RevocationList, error) {
	if len(data) > MaxCRLSize {
		return nil, fmt.Errorf("CRL larger than %d bytes", MaxCRLSize)
	}
	ders, err := ReadCRLs(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	out := make([]*x509.RevocationList, 0, len(ders))
	for _, der := range ders {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotCRL, err)
		}
		out = append(out, crl)
	}
	return out, nil
}

// CRLProblem says why a CRL could not be used.
type CRLProblem int

// The ways a CRL can fail to count.
const (
	// NoCRL: none of the CRLs names the issuer.
	NoCRL CRLProblem = iota + 1
	// BadSignature: the CRL names the issuer but its signature does not
	// verify with the issuer's key (or the issuer may not sign CRLs).
	BadSignature
	// NotYetValid: the CRL's thisUpdate is after the time of the check.
	NotYetValid
	// Expired: the CRL's nextUpdate is before the time of the check.
	Expired
)

// CRLError is returned by [Check] when no usable CRL from the issuer was
// found. Problem is the most telling reason among the candidate CRLs.
type CRLError struct {
	Problem CRLProblem
	// Issuer is the certificate whose CRL was looked for.
	Issuer *x509.Certificate
	// CRL is the rejected CRL (nil for NoCRL).
	CRL *x509.RevocationList
	// Err is the underlying error, if any.
	Err error
}

func (e *CRLError) Error() string {
	who := e.Issuer.Subject.String()
	switch e.Problem {
	case NoCRL:
		return fmt.Sprintf("no CRL issued by %q", who)
	case BadSignature:
		return fmt.Sprintf("the CRL of %q has a bad signature: %v", who, e.Err)
	case NotYetValid:
		return fmt.Sprintf("the CRL of %q is not yet valid (thisUpdate %s)", who, e.CRL.ThisUpdate.UTC().Format(time.RFC3339))
	case Expired:
		return fmt.Sprintf("the CRL of %q expired (nextUpdate %s)", who, e.CRL.NextUpdate.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("the CRL of %q cannot be used", who)
}

func (e *CRLError) Unwrap() error {
	if e.Problem == NoCRL {
		return ErrNoCRL
	}
	return e.Err
}

// Status is the answer of [Check].
type Status struct {
	// Revoked is true when the certificate's serial is on the CRL.
	Revoked bool
	// RevokedAt is the entry's revocation date; zero unless Revoked.
	RevokedAt time.Time
	// Reason is the entry's RFC 5280 reason code (0, unspecified, when the
	// entry carries none).
	Reason int
	// CRL is the CRL that gave the answer.
	CRL *x509.RevocationList
}

// IssuedBy reports whether crl names issuer as its issuer: the same
// subject and, when both carry one, the same key identifier. It does not
// check the signature.
func IssuedBy(crl *x509.RevocationList, issuer *x509.Certificate) bool {
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return false
	}
	if len(crl.AuthorityKeyId) > 0 && len(issuer.SubjectKeyId) > 0 && !bytes.Equal(crl.AuthorityKeyId, issuer.SubjectKeyId) {
		return false
	}
	return true
}

// Check looks cert up on the CRLs issued by issuer, as of at. Only CRLs
// that name issuer (see [IssuedBy]), whose signature verifies with the
// issuer's key and which are fresh at at count; among several, the one
// with the highest CRL number (then the latest thisUpdate) answers. When
// none counts, Check returns a [*CRLError] saying why.
func Check(cert, issuer *x509.Certificate, crls []*x509.RevocationList, at time.Time) (*Status, error) {
	var best *x509.RevocationList
	var fail *CRLError
	for _, crl := range crls {
		if !IssuedBy(crl, issuer) {
			continue
		}
		var p CRLProblem
		var err error
		switch {
		case crl.CheckSignatureFrom(issuer) != nil:
			p, err = BadSignature, crl.CheckSignatureFrom(issuer)
		case at.Before(crl.ThisUpdate):
			p = NotYetValid
		case !crl.NextUpdate.IsZero() && at.After(crl.NextUpdate):
			p = Expired
		}
		if p != 0 {
			if fail == nil || p < fail.Problem {
				fail = &CRLError{Problem: p, Issuer: issuer, CRL: crl, Err: err}
			}
			continue
		}
		if best == nil || newer(crl, best) {
			best = crl
		}
	}
	if best == nil {
		if fail == nil {
			fail = &CRLError{Problem: NoCRL, Issuer: issuer}
		}
		return nil, fail
	}
	st := &Status{CRL: best}
	for _, e := range best.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			st.Revoked, st.RevokedAt, st.Reason = true, e.RevocationTime, e.ReasonCode
			break
		}
	}
	return st, nil
}

func newer(a, b *x509.RevocationList) bool {
	na, nb := a.Number, b.Number
	if na == nil {
		na = new(big.Int)
	}
	if nb == nil {
		nb = new(big.Int)
	}
	if c := na.Cmp(nb); c != 0 {
		return c > 0
	}
	return a.ThisUpdate.After(b.ThisUpdate)
}

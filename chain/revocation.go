package chain

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/pkit/pkit/revoke"
)

// revocation checks each certificate below the top against the CRLs
// covering it (RFC 5280 section 6.3, see [revoke.CheckWith]).
func (v *verifier) revocation() {
	n := len(v.chain)
	so := v.o
	so.At = v.at
	o := CRLSigners(so, v.chain[n-1])
	for i := 0; i < n-1; i++ {
		c, iss := v.chain[i], v.chain[i+1]
		st, err := revoke.CheckWith(c, iss, v.o.CRLs, v.at, o)
		if err != nil {
			v.add(RevocationUnknown, i, "cannot check whether %s is revoked: %v", fixUnknown(err, iss), v.name(i), err)
			v.problems[len(v.problems)-1].Rule = "RFC 5280 6.3"
			continue
		}
		if st.Revoked {
			reason := fmt.Sprintf("reason code %d", st.Reason)
			if v.o.ReasonName != nil {
				reason = v.o.ReasonName(st.Reason)
			}
			v.add(Revoked, i, "%s was revoked %s (%s) by %q", fixRevoked(i), v.name(i), when(st.RevokedAt), reason, iss.Subject.String())
		}
	}
}

// fixUnknown says what to do when no CRL gave an answer.
func fixUnknown(err error, iss *x509.Certificate) string {
	var ce *revoke.CRLError
	who := iss.Subject.String()
	if errors.As(err, &ce) {
		switch ce.Problem {
		case revoke.Expired, revoke.NotYetValid:
			return fmt.Sprintf("pass a current CRL of %q with --crl FILE (pkit crl publishes one per CA; check the clocks when it is not yet valid)", who)
		case revoke.OutOfScope:
			return fmt.Sprintf("pass the CRL of %q whose scope (issuing distribution point) covers this certificate, with --crl FILE", who)
		case revoke.DeltaOnly:
			return fmt.Sprintf("pass the complete CRL of %q as well as the delta CRL, with --crl FILE", who)
		case revoke.PartialReasons:
			return fmt.Sprintf("pass the CRLs of %q for the missing reasons too, with --crl FILE", who)
		case revoke.SignerRefused:
			return fmt.Sprintf("pass a CRL signed by %q or by a CRL signer it certified with cRLSign, whose certificate (--bundle FILE) chains to the same root and is not revoked", who)
		case revoke.UnhandledCritical, revoke.NoNumber, revoke.Malformed:
			return fmt.Sprintf("ask the issuer of %q for a CRL pkit can use (version 2 with a CRL number, no unknown critical extensions, as pkit crl makes)", who)
		case revoke.BadSignature:
			return fmt.Sprintf("the CRL was changed or signed by another key: pass the CRL as %q signed it, with --crl FILE", who)
		}
	}
	return fmt.Sprintf("pass a current CRL of %q with --crl FILE (pkit crl publishes one per CA); a CRL signed by another key of the CA needs that key's certificate (--bundle FILE)", who)
}

// CRLSigners returns the [revoke.Options] for checking the certificates
// of a path that ends at anchor: every root, intermediate and served
// certificate of o may have signed CRLs, and one that is not the
// certificate's issuer is accepted when it is valid at o.At on a path to
// anchor itself (problems only of the profile are not held against it).
func CRLSigners(o VerifyOptions, anchor *x509.Certificate) revoke.Options {
	var pool []*x509.Certificate
	pool = append(pool, o.Intermediates...)
	pool = append(pool, o.Served...)
	pool = append(pool, o.Roots...)
	return revoke.Options{Signers: pool, VerifySigner: func(s *x509.Certificate) error {
		r, err := Verify(s, VerifyOptions{Roots: o.Roots, Intermediates: pool, At: o.At, Lenient: true})
		if err != nil {
			return err
		}
		top := r.Chain[len(r.Chain)-1]
		if !r.Trusted {
			return fmt.Errorf("it does not chain to a trusted root (its path ends at %q)", top.Subject.String())
		}
		if !bytes.Equal(top.Raw, anchor.Raw) {
			return fmt.Errorf("it chains to the root %q, not to %q, the certificate's", top.Subject.String(), anchor.Subject.String())
		}
		for _, p := range r.Problems {
			if !p.Warning {
				return fmt.Errorf("its own path is not valid: %s", p.Detail)
			}
		}
		return nil
	}}
}

func fixRevoked(i int) string {
	if i == 0 {
		return "issue a new certificate (pkit issue or pkit renew) and install it"
	}
	return "the CA was revoked: issue new certificates from a CA that is not"
}

// CRLSignersFor is [CRLSigners] for checking certificates of issuer with
// a pile of CA certificates and no separate trust anchors (as pkit crl
// check has): the self-signed certificates of pile are the roots, and
// the anchor is the top of issuer's path through pile.
func CRLSignersFor(issuer *x509.Certificate, pile []*x509.Certificate, at time.Time) revoke.Options {
	var roots []*x509.Certificate
	for _, c := range pile {
		if SelfSigned(c) {
			roots = append(roots, c)
		}
	}
	anchor := issuer
	if p, err := Build(nil, BuildOptions{Leaf: issuer, Roots: roots, Intermediates: pile, At: at}); err == nil && len(p.Certs) > 0 {
		anchor = p.Certs[len(p.Certs)-1]
	}
	return CRLSigners(VerifyOptions{Roots: roots, Intermediates: pile, At: at}, anchor)
}

package chain_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/revoke"
	rt "github.com/pkit/pkit/revoke/revoketest"
)

// TestVerifyRevocationRFC5280 checks chain.Verify's revocation through
// the CRL rules of RFC 5280 6.3 that involve the path: CRL signers other
// than the issuer's key are accepted only on a valid path to the same
// root (chain.CRLSigners), and a CRL that cannot be used says why.
func TestVerifyRevocationRFC5280(t *testing.T) {
	n := func(cn string) pkix.Name { return pkix.Name{CommonName: cn, Organization: []string{"pkit chain test"}} }
	root := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Root"), CA: true}))
	otherRoot := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Other Root"), CA: true}))
	ca := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: root, CA: true}))
	leaf := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("leaf"), Issuer: ca}))
	signer := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: ca, KeyUsage: x509.KeyUsageCRLSign}))
	expiredSigner := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: ca, KeyUsage: x509.KeyUsageCRLSign,
		NotBefore: rt.Base.AddDate(-1, 0, 0), NotAfter: rt.Base.AddDate(0, 0, -3)}))
	rollover := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: root, CA: true}))
	foreignRollover := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: otherRoot, CA: true}))
	// Another root of the same name: a rollover certificate under it has
	// the right names but its path ends at another anchor.
	namesakeRoot := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Root"), CA: true}))
	namesakeRollover := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: namesakeRoot, CA: true}))
	rootSigner := rt.Must(rt.NewCert(rt.CertSpec{Subject: n("Issuing CA"), Issuer: root, KeyUsage: x509.KeyUsageCRLSign}))

	one := big.NewInt(1)
	rootCRL := rt.CRL{Signer: root, Number: one}.MustParse()
	revokedLeaf := []rt.Entry{{Serial: leaf.SerialNumber, Reason: revoke.KeyCompromise}}
	crl := func(s *rt.Cert, e ...rt.Entry) *x509.RevocationList {
		return rt.CRL{Signer: s, Number: one, Entries: e}.MustParse()
	}
	critical := rt.CRL{Signer: ca, Number: one, Extra: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}}}.MustParse()

	x := func(cs ...*rt.Cert) []*x509.Certificate {
		var out []*x509.Certificate
		for _, c := range cs {
			out = append(out, c.Certificate)
		}
		return out
	}
	tests := []struct {
		name   string
		inter  []*rt.Cert
		roots  []*rt.Cert
		crls   []*x509.RevocationList
		want   []chain.Kind
		detail string // in the revocation problem's detail
		fix    string // in its fix
	}{
		{name: "the CA's own CRL", inter: []*rt.Cert{ca}, crls: []*x509.RevocationList{rootCRL, crl(ca, revokedLeaf...)}, want: []chain.Kind{chain.Revoked}},
		{name: "separate CRL signer", inter: []*rt.Cert{ca, signer}, crls: []*x509.RevocationList{rootCRL, crl(signer, revokedLeaf...)}, want: []chain.Kind{chain.Revoked}},
		{name: "separate CRL signer, not listed", inter: []*rt.Cert{ca, signer}, crls: []*x509.RevocationList{rootCRL, crl(signer)}},
		{name: "separate CRL signer not given", inter: []*rt.Cert{ca}, crls: []*x509.RevocationList{rootCRL, crl(signer)},
			want: []chain.Kind{chain.RevocationUnknown}, detail: "whose certificate was not given", fix: "--bundle"},
		{name: "expired CRL signer", inter: []*rt.Cert{ca, expiredSigner}, crls: []*x509.RevocationList{rootCRL, crl(expiredSigner)},
			want: []chain.Kind{chain.RevocationUnknown}, detail: "expired", fix: "chains to the same root"},
		{name: "CRL signer revoked on its own CRL", inter: []*rt.Cert{ca, signer},
			crls: []*x509.RevocationList{rootCRL, crl(signer, rt.Entry{Serial: signer.SerialNumber, Reason: revoke.KeyCompromise})},
			want: []chain.Kind{chain.RevocationUnknown}, detail: "was revoked"},
		{name: "key rollover", inter: []*rt.Cert{ca, rollover}, crls: []*x509.RevocationList{rootCRL, crl(rollover, revokedLeaf...)}, want: []chain.Kind{chain.Revoked}},
		{name: "rollover certificate under another root", inter: []*rt.Cert{ca, foreignRollover}, roots: []*rt.Cert{root, otherRoot},
			crls: []*x509.RevocationList{rootCRL, crl(foreignRollover)}, want: []chain.Kind{chain.RevocationUnknown}, detail: `certified by "CN=Other Root,O=pkit chain test", neither the CA nor its issuer`},
		{name: "rollover certificate under a namesake root", inter: []*rt.Cert{ca, namesakeRollover}, roots: []*rt.Cert{root, namesakeRoot},
			crls: []*x509.RevocationList{rootCRL, crl(namesakeRollover)}, want: []chain.Kind{chain.RevocationUnknown}, detail: `chains to the root "CN=Root`},
		{name: "CRL signer certified by the root", inter: []*rt.Cert{ca, rootSigner}, crls: []*x509.RevocationList{rootCRL, crl(rootSigner, revokedLeaf...)}, want: []chain.Kind{chain.Revoked}},
		{name: "CA-only root CRL covers the intermediate", inter: []*rt.Cert{ca},
			crls: []*x509.RevocationList{rt.CRL{Signer: root, Number: one, IDP: &rt.IDP{CAOnly: true}}.MustParse(), crl(ca)}},
		{name: "user-only root CRL does not", inter: []*rt.Cert{ca},
			crls: []*x509.RevocationList{rt.CRL{Signer: root, Number: one, IDP: &rt.IDP{UserOnly: true}}.MustParse(), crl(ca)},
			want: []chain.Kind{chain.RevocationUnknown}, detail: "onlyContainsUserCerts", fix: "scope"},
		{name: "unknown critical extension", inter: []*rt.Cert{ca}, crls: []*x509.RevocationList{rootCRL, critical},
			want: []chain.Kind{chain.RevocationUnknown}, detail: "1.2.3.4", fix: "pkit can use"},
		{name: "version 1 CRLs are not used", inter: []*rt.Cert{ca}, crls: []*x509.RevocationList{rootCRL, rt.CRL{Signer: ca, V1: true, Entries: revokedLeaf[:1]}.MustParse()},
			want: []chain.Kind{chain.RevocationUnknown}, detail: "it is a version 1 CRL", fix: "version 2 with a CRL number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roots := tc.roots
			if roots == nil {
				roots = []*rt.Cert{root}
			}
			res, err := chain.Verify(leaf.Certificate, chain.VerifyOptions{Roots: x(roots...), Intermediates: x(tc.inter...), At: rt.Base,
				CheckRevocation: true, CRLs: tc.crls})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []chain.Kind
			for _, p := range res.Problems {
				kinds = append(kinds, p.Kind)
				if p.Kind == chain.RevocationUnknown {
					t.Logf("%s\n  fix: %s", p.Detail, p.Fix)
					if !strings.Contains(p.Detail, tc.detail) || !strings.Contains(p.Fix, tc.fix) || p.Rule != "RFC 5280 6.3" {
						t.Errorf("problem %q (fix %q, rule %q) lacks %q / %q", p.Detail, p.Fix, p.Rule, tc.detail, tc.fix)
					}
				}
			}
			if !slices.Equal(kinds, tc.want) {
				t.Fatalf("problems %v, want %v", res.Problems, tc.want)
			}
		})
	}
}

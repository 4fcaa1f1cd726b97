package chain

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// lookTool returns the path of an external tool, skipping the test when
// it is missing (failing under CI=true, where every tool must be there).
func lookTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed under CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// tcert is a test certificate with its key.
type tcert struct {
	*x509.Certificate
	key crypto.Signer
}

// pspec describes a certificate with policy extensions; nil slices and
// pointers leave the extension out.
type pspec struct {
	cn         string
	selfIssued bool // same subject as the issuer, new key
	policies   []string
	emptyPols  bool // an empty certificate policies extension
	maps       [][2]string
	emptyMaps  bool // an empty policy mappings extension
	reqExpl    *int64
	inhMap     *int64
	inhAny     *int64
	emptyPC    bool // a policy constraints extension with neither field
}

func n64(n int64) *int64 { return &n }

func oidOf(t testing.TB, s string) asn1.ObjectIdentifier {
	t.Helper()
	var a asn1.ObjectIdentifier
	for _, f := range strings.Split(s, ".") {
		n := 0
		for _, r := range f {
			n = n*10 + int(r-'0')
		}
		a = append(a, n)
	}
	return a
}

func ext(t testing.TB, id asn1.ObjectIdentifier, critical bool, f func(b *cryptobyte.Builder)) pkix.Extension {
	t.Helper()
	var b cryptobyte.Builder
	f(&b)
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: id, Critical: critical, Value: der}
}

func (s pspec) extensions(t testing.TB) []pkix.Extension {
	var out []pkix.Extension
	if s.policies != nil || s.emptyPols {
		out = append(out, ext(t, oidExtCertPolicies, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, p := range s.policies {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidOf(t, p)) })
				}
			})
		}))
	}
	if s.maps != nil || s.emptyMaps {
		out = append(out, ext(t, oidExtPolicyMappings, true, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, m := range s.maps {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidOf(t, m[0]))
						b.AddASN1ObjectIdentifier(oidOf(t, m[1]))
					})
				}
			})
		}))
	}
	if s.reqExpl != nil || s.inhMap != nil || s.emptyPC {
		out = append(out, ext(t, oidExtPolicyConstr, true, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if s.reqExpl != nil {
					b.AddASN1Int64WithTag(*s.reqExpl, cbasn1.Tag(0).ContextSpecific())
				}
				if s.inhMap != nil {
					b.AddASN1Int64WithTag(*s.inhMap, cbasn1.Tag(1).ContextSpecific())
				}
			})
		}))
	}
	if s.inhAny != nil {
		out = append(out, ext(t, oidExtInhibitAnyPolicy, true, func(b *cryptobyte.Builder) { b.AddASN1Int64(*s.inhAny) }))
	}
	return out
}

var testSerial int64 = 1000

// mkCert makes a certificate from a template, signed by issuer (nil:
// self-signed), with a fresh P-256 key and key identifiers.
func mkCert(t testing.TB, tmpl *x509.Certificate, issuer *tcert) *tcert {
	t.Helper()
	return mkCertKey(t, tmpl, issuer, newP256(t))
}

func newP256(t testing.TB) crypto.Signer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// keyID is the subject key identifier of key, as pkit makes it.
func keyID(t testing.TB, key crypto.Signer) []byte {
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return sum[:20]
}

func mkCertKey(t testing.TB, tmpl *x509.Certificate, issuer *tcert, key crypto.Signer) *tcert {
	t.Helper()
	testSerial++
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(testSerial)
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(48 * time.Hour)
	}
	switch {
	case tmpl.SubjectKeyId == nil:
		tmpl.SubjectKeyId = keyID(t, key)
	case len(tmpl.SubjectKeyId) == 0: // none wanted
		tmpl.SubjectKeyId = nil
	}
	parent, signer := tmpl, key
	if issuer != nil {
		parent, signer = issuer.Certificate, issuer.key
		switch {
		case tmpl.AuthorityKeyId == nil && len(issuer.SubjectKeyId) == 0:
			// Go takes the AKI from the parent's SKI only.
			id := keyID(t, issuer.key)
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext(t, oidExtAKI, false, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(id) })
				})
			}))
		case tmpl.AuthorityKeyId == nil:
			// Go leaves the AKI out of a self-issued certificate.
			tmpl.AuthorityKeyId = issuer.SubjectKeyId
		case len(tmpl.AuthorityKeyId) == 0:
			// None wanted: Go takes it from the parent's SKI.
			p := *issuer.Certificate
			p.SubjectKeyId, parent, tmpl.AuthorityKeyId = nil, &p, nil
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tcert{Certificate: c, key: key}
}

func caTemplate(name pkix.Name) *x509.Certificate {
	return &x509.Certificate{
		Subject: name, BasicConstraintsValid: true, IsCA: true, MaxPathLen: -1,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func leafTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn}, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

// policyChain makes root -> specs[0] -> ... -> specs[n-1]; the last spec
// is the leaf. It returns the leaf first, the root last.
func policyChain(t testing.TB, root *tcert, specs []pspec) []*tcert {
	t.Helper()
	out := []*tcert{root}
	for i, s := range specs {
		issuer := out[0]
		var tmpl *x509.Certificate
		if i == len(specs)-1 {
			tmpl = leafTemplate(s.cn)
		} else {
			name := pkix.Name{CommonName: s.cn, Organization: []string{"pkit policy test"}}
			if s.selfIssued {
				name = issuer.Subject
			}
			tmpl = caTemplate(name)
		}
		tmpl.ExtraExtensions = s.extensions(t)
		out = append([]*tcert{mkCert(t, tmpl, issuer)}, out...)
	}
	return out
}

func x509s(cs []*tcert) []*x509.Certificate {
	out := make([]*x509.Certificate, len(cs))
	for i, c := range cs {
		out[i] = c.Certificate
	}
	return out
}

func pemOf(cs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

var policyKinds = []Kind{NoValidPolicy, BadPolicyMapping, BadPolicyExtension, PolicyTooComplex}

// policyProblems returns the policy problems of r as "kind@index".
func policyProblems(r *Result) []string {
	var out []string
	for _, p := range r.Problems {
		if slices.Contains(policyKinds, p.Kind) {
			out = append(out, string(p.Kind)+"@"+itoa(p.Index))
		}
	}
	return out
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}

// openSSLVerify runs openssl verify with policy checking on the chain
// (leaf first, root last) and reports whether it accepts it, with its
// output.
func openSSLVerify(t testing.TB, chain []*x509.Certificate, args ...string) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	n := len(chain)
	write := func(name string, cs ...*x509.Certificate) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pemOf(cs...), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cmd := append([]string{"verify"}, args...)
	cmd = append(cmd, "-CAfile", write("root.pem", chain[n-1]))
	if n > 2 {
		cmd = append(cmd, "-untrusted", write("untrusted.pem", chain[1:n-1]...))
	}
	cmd = append(cmd, write("leaf.pem", chain[0]))
	out, err := exec.Command("openssl", cmd...).CombinedOutput()
	return err == nil, string(out)
}

// goVerify runs Go's x509 Verify on the chain (leaf first, root last).
func goVerify(chain []*x509.Certificate, policies []x509.OID, usage x509.ExtKeyUsage) error {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[len(chain)-1])
	for _, c := range chain[1 : len(chain)-1] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}, CertificatePolicies: policies})
	return err
}

const (
	p1 = "2.16.840.1.101.3.2.1.48.1"
	p2 = "2.16.840.1.101.3.2.1.48.2"
	p3 = "2.16.840.1.101.3.2.1.48.3"
	pa = "2.5.29.32.0"
)

func TestPolicies(t *testing.T) {
	root := mkCert(t, caTemplate(pkix.Name{CommonName: "Policy Test Root"}), nil)
	leaf := func(pols ...string) pspec { return pspec{cn: "leaf.example", policies: pols} }
	tests := []struct {
		name  string
		specs []pspec
		o     PolicyOptions
		want  []string // policy problems, kind@index
		pols  []string // Result.Policies
	}{
		// No policies anywhere: fine unless an explicit policy is required.
		{"none", []pspec{{cn: "CA1"}, leaf()}, PolicyOptions{}, nil, nil},
		{"none explicit", []pspec{{cn: "CA1"}, leaf()}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@1"}, nil},
		{"leaf lacks explicit", []pspec{{cn: "CA1", policies: []string{p1}}, leaf()}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@0"}, nil},
		// One policy all the way down.
		{"p1", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p1)}, PolicyOptions{}, nil, []string{p1}},
		{"p1 explicit", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p1)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p1)}}, nil, []string{p1}},
		{"p1 wanted p2 explicit", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p1)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p2)}}, []string{"no-valid-policy@0"}, nil},
		{"p1 wanted p2", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p1)}, PolicyOptions{Initial: []asn1.ObjectIdentifier{oidOf(t, p2)}}, nil, nil},
		{"leaf other policy", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p2)}, PolicyOptions{}, nil, nil},
		{"leaf other policy explicit", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p2)}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@0"}, nil},
		// Initial set intersection.
		{"initial anyPolicy given", []pspec{{cn: "CA1", policies: []string{p1}}, leaf(p1)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidAnyPolicy}}, nil, []string{p1}},
		{"intersection", []pspec{{cn: "CA1", policies: []string{p1, p2}}, leaf(p1, p2)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p2), oidOf(t, p3)}}, nil, []string{p2}},
		// anyPolicy in the intermediate.
		{"any in CA", []pspec{{cn: "CA1", policies: []string{pa}}, leaf(p1)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1}},
		{"any in CA wanted p2", []pspec{{cn: "CA1", policies: []string{pa}}, leaf(p1)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p2)}}, []string{"no-valid-policy@0"}, nil},
		{"any everywhere wanted p2", []pspec{{cn: "CA1", policies: []string{pa}}, leaf(pa)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p2)}}, nil, []string{p2}},
		{"any everywhere", []pspec{{cn: "CA1", policies: []string{pa}}, leaf(pa)}, PolicyOptions{}, nil, []string{pa}},
		// requireExplicitPolicy in a CA.
		{"requireExplicit 0", []pspec{{cn: "CA1", reqExpl: n64(0)}, leaf()}, PolicyOptions{}, []string{"no-valid-policy@0"}, nil},
		{"requireExplicit 0 met", []pspec{{cn: "CA1", reqExpl: n64(0), policies: []string{p1}}, leaf(p1)}, PolicyOptions{}, nil, []string{p1}},
		{"requireExplicit 1", []pspec{{cn: "CA1", reqExpl: n64(1)}, leaf()}, PolicyOptions{}, []string{"no-valid-policy@0"}, nil},
		{"requireExplicit 2", []pspec{{cn: "CA1", reqExpl: n64(2)}, leaf()}, PolicyOptions{}, nil, nil},
		{"requireExplicit 2 deeper", []pspec{{cn: "CA1", reqExpl: n64(2)}, {cn: "CA2"}, leaf()}, PolicyOptions{}, []string{"no-valid-policy@0"}, nil},
		// A self-issued CA does not count.
		{"requireExplicit 2 self-issued", []pspec{{cn: "CA1", reqExpl: n64(2)}, {cn: "CA1", selfIssued: true}, leaf()}, PolicyOptions{}, nil, nil},
		{"requireExplicit in leaf", []pspec{{cn: "CA1"}, {cn: "leaf.example", reqExpl: n64(0)}}, PolicyOptions{}, []string{"no-valid-policy@0"}, nil},
		// Mapping.
		{"mapping", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p1)}}, nil, []string{p1}},
		{"mapping from any", []pspec{{cn: "CA1", policies: []string{pa}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1}},
		{"mapping wanted subject policy", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p2)}}, []string{"no-valid-policy@0"}, nil},
		{"mapping inhibited by caller", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true, InhibitMapping: true}, []string{"no-valid-policy@0"}, nil},
		{"mapping inhibited not explicit", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{InhibitMapping: true}, nil, nil},
		{"inhibitPolicyMapping 0", []pspec{{cn: "CA1", policies: []string{p1}, inhMap: n64(0)}, {cn: "CA2", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@0"}, nil},
		{"inhibitPolicyMapping 1", []pspec{{cn: "CA1", policies: []string{p1}, inhMap: n64(1)}, {cn: "CA2", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1}},
		{"inhibitPolicyMapping 1 deeper", []pspec{{cn: "CA1", policies: []string{p1}, inhMap: n64(1)}, {cn: "CA2", policies: []string{p1}}, {cn: "CA3", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@0"}, nil},
		{"inhibitPolicyMapping 1 self-issued", []pspec{{cn: "CA1", policies: []string{p1}, inhMap: n64(1)}, {cn: "CA1", selfIssued: true, policies: []string{p1}}, {cn: "CA3", policies: []string{p1}, maps: [][2]string{{p1, p2}}}, leaf(p2)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1}},
		// One policy mapped to two, two mapped to one (RFC 9618: one node
		// with two parents, where RFC 5280's tree had two).
		{"mapping to two", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{p1, p2}, {p1, p3}}}, leaf(p3)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p1)}}, nil, []string{p1}},
		{"two mapped to one", []pspec{{cn: "CA1", policies: []string{p1, p2}, maps: [][2]string{{p1, p3}, {p2, p3}}}, leaf(p3)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1, p2}},
		{"two mapped to one wanted p2", []pspec{{cn: "CA1", policies: []string{p1, p2}, maps: [][2]string{{p1, p3}, {p2, p3}}}, {cn: "CA2", policies: []string{p3}}, leaf(p3)}, PolicyOptions{RequireExplicit: true, Initial: []asn1.ObjectIdentifier{oidOf(t, p2)}}, nil, []string{p2}},
		{"map to any", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{p1, pa}}}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-mapping@1"}, nil},
		{"map from any", []pspec{{cn: "CA1", policies: []string{p1}, maps: [][2]string{{pa, p1}}}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-mapping@1"}, nil},
		// inhibitAnyPolicy.
		{"inhibit any by caller", []pspec{{cn: "CA1", policies: []string{pa}}, leaf(p1)}, PolicyOptions{InhibitAny: true, RequireExplicit: true}, []string{"no-valid-policy@1"}, nil},
		{"inhibit any by caller not explicit", []pspec{{cn: "CA1", policies: []string{pa}}, leaf(p1)}, PolicyOptions{InhibitAny: true}, nil, nil},
		{"inhibitAnyPolicy 0", []pspec{{cn: "CA1", policies: []string{pa}, inhAny: n64(0)}, {cn: "CA2", policies: []string{pa}}, leaf(p1)}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@1"}, nil},
		{"inhibitAnyPolicy 1", []pspec{{cn: "CA1", policies: []string{pa}, inhAny: n64(1)}, {cn: "CA2", policies: []string{pa}}, leaf(p1)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1}},
		{"inhibitAnyPolicy 1 leaf any", []pspec{{cn: "CA1", policies: []string{pa}, inhAny: n64(1)}, {cn: "CA2", policies: []string{pa}}, leaf(pa)}, PolicyOptions{RequireExplicit: true}, []string{"no-valid-policy@0"}, nil},
		{"inhibitAnyPolicy 0 self-issued", []pspec{{cn: "CA1", policies: []string{pa}, inhAny: n64(0)}, {cn: "CA1", selfIssued: true, policies: []string{pa}}, leaf(p1)}, PolicyOptions{RequireExplicit: true}, nil, []string{p1}},
		// Malformed extensions.
		{"negative inhibitAnyPolicy", []pspec{{cn: "CA1", policies: []string{pa}, inhAny: n64(-1)}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-extension@1"}, nil},
		{"negative requireExplicitPolicy", []pspec{{cn: "CA1", policies: []string{pa}, reqExpl: n64(-2)}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-extension@1"}, nil},
		{"negative inhibitPolicyMapping", []pspec{{cn: "CA1", policies: []string{pa}, inhMap: n64(-2)}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-extension@1"}, nil},
		{"empty policy constraints", []pspec{{cn: "CA1", policies: []string{pa}, emptyPC: true}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-extension@1"}, nil},
		{"empty policy mappings", []pspec{{cn: "CA1", policies: []string{pa}, emptyMaps: true}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-extension@1"}, nil},
		// An empty certificate policies extension breaks the profile; path
		// processing takes it as absent, as OpenSSL and Go do.
		{"empty certificate policies", []pspec{{cn: "CA1", emptyPols: true}, leaf(p1)}, PolicyOptions{}, []string{"bad-policy-extension@1"}, nil},
		{"empty certificate policies explicit", []pspec{{cn: "CA1", emptyPols: true}, leaf(p1)}, PolicyOptions{RequireExplicit: true}, []string{"bad-policy-extension@1", "no-valid-policy@1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := x509s(policyChain(t, root, tc.specs))
			r, err := Verify(cs[0], VerifyOptions{Roots: cs[len(cs)-1:], Intermediates: cs[1 : len(cs)-1], Policy: tc.o})
			if err != nil {
				t.Fatal(err)
			}
			if got := policyProblems(r); !slices.Equal(got, tc.want) {
				t.Errorf("problems %v, want %v; all: %v", got, tc.want, r.Problems)
			}
			var pols []string
			for _, p := range r.Policies {
				pols = append(pols, p.String())
			}
			if !slices.Equal(pols, tc.pols) {
				t.Errorf("policies %v, want %v", pols, tc.pols)
			}
			for _, p := range r.Problems {
				if slices.Contains(policyKinds, p.Kind) {
					if p.Warning || p.Rule == "" || p.Fix == "" || !strings.Contains(p.Detail, `"CN=`) {
						t.Errorf("problem lacks rule, fix or certificate name, or is a warning: %+v", p)
					}
				}
			}
			// Lenient softens only the profile rule of a non-empty
			// certificate policies extension.
			r2, _ := Verify(cs[0], VerifyOptions{Roots: cs[len(cs)-1:], Intermediates: cs[1 : len(cs)-1], Policy: tc.o, Lenient: true})
			if got := policyProblems(r2); !slices.Equal(got, tc.want) {
				t.Errorf("lenient: problems %v, want %v", got, tc.want)
			}
			for _, p := range r2.Problems {
				if p.Warning != strings.Contains(p.Detail, "certificate policies extension (2.5.29.32) is empty") {
					t.Errorf("lenient: warning %v for %s", p.Warning, p.Detail)
				}
			}
		})
	}
	// policyOK: no policy problem that is not a warning under Lenient.
	policyOK := func(cs []*x509.Certificate, o PolicyOptions) bool {
		r, err := Verify(cs[0], VerifyOptions{Roots: cs[len(cs)-1:], Intermediates: cs[1 : len(cs)-1], Policy: o, Lenient: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Problems {
			if slices.Contains(policyKinds, p.Kind) && !p.Warning {
				return false
			}
		}
		return true
	}

	// The same chains through openssl verify and Go: both must agree with
	// pkit on whether policy processing succeeds.
	t.Run("openssl", func(t *testing.T) {
		lookTool(t, "openssl")
		for _, tc := range tests {
			cs := x509s(policyChain(t, root, tc.specs))
			args := []string{"-policy_check"}
			if tc.o.RequireExplicit {
				args = append(args, "-explicit_policy")
			}
			if tc.o.InhibitMapping {
				args = append(args, "-inhibit_map")
			}
			if tc.o.InhibitAny {
				args = append(args, "-inhibit_any")
			}
			for _, p := range tc.o.Initial {
				args = append(args, "-policy", p.String())
			}
			// OpenSSL 3.0 takes no -policy as an empty set, not as
			// anyPolicy (RFC 5280 6.1.1 (c)): pass anyPolicy.
			if len(tc.o.Initial) == 0 {
				args = append(args, "-policy", pa)
			}
			ok, out := openSSLVerify(t, cs, args...)
			if want := policyOK(cs, tc.o); ok != want {
				t.Errorf("%s: openssl verify %v accepts=%v, pkit %v (problems %v)\n%s", tc.name, args, ok, want, tc.want, out)
			}
		}
	})
	t.Run("go", func(t *testing.T) {
		for _, tc := range tests {
			// Go takes only the initial policy set from its caller.
			if tc.o.RequireExplicit || tc.o.InhibitAny || tc.o.InhibitMapping {
				continue
			}
			cs := x509s(policyChain(t, root, tc.specs))
			// Go skips what pkit reports as malformed extensions.
			if len(tc.want) > 0 && strings.HasPrefix(tc.want[0], string(BadPolicyExtension)) && !policyOK(cs, tc.o) {
				continue
			}
			var pols []x509.OID
			for _, p := range tc.o.Initial {
				pols = append(pols, mustOID(p))
			}
			err := goVerify(cs, pols, x509.ExtKeyUsageServerAuth)
			if want := policyOK(cs, tc.o); (err == nil) != want {
				t.Errorf("%s: Go Verify: %v, pkit %v (problems %v)", tc.name, err, want, tc.want)
			}
			// "Go" is claimed among the refusers exactly when it refuses.
			r, _ := Verify(cs[0], VerifyOptions{Roots: cs[len(cs)-1:], Intermediates: cs[1 : len(cs)-1], Policy: tc.o})
			for _, p := range r.Problems {
				if slices.Contains(policyKinds, p.Kind) && !p.Warning && slices.Contains(p.Refused, "Go") != (err != nil) {
					t.Errorf("%s: %s claims Refused %q, Go Verify says %v", tc.name, p.Kind, p.Refused, err)
				}
			}
		}
	})
}

// manyPolicies returns count policy OIDs under base.
func manyPolicies(base string, count int) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = base + "." + itoa(i+1)
	}
	return out
}

// A hostile chain whose policies or mappings would make a large graph is
// stopped at the cap, as OpenSSL stops at 1000 nodes.
func TestPolicyGraphLimit(t *testing.T) {
	root := mkCert(t, caTemplate(pkix.Name{CommonName: "Policy Limit Root"}), nil)
	many := manyPolicies("1.3.6.1.4.1.55555.1", 600)
	var maps [][2]string
	ps, qs := manyPolicies("1.3.6.1.4.1.55555.2", 101), manyPolicies("1.3.6.1.4.1.55555.3", 100)
	for _, p := range ps {
		for _, q := range qs {
			maps = append(maps, [2]string{p, q})
		}
	}
	tests := []struct {
		name    string
		specs   []pspec
		openssl bool // whether openssl verify -policy_check checks this case
	}{
		{"nodes", []pspec{{cn: "CA1", policies: many}, {cn: "CA2", policies: many}, {cn: "leaf.example", policies: many}}, true},
		// 101 x 100 mappings: 10100 edges from one level to the next.
		{"edges", []pspec{{cn: "CA1", policies: ps, maps: maps}, {cn: "leaf.example", policies: qs}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := x509s(policyChain(t, root, tc.specs))
			v := &verifier{o: VerifyOptions{Roots: cs[len(cs)-1:]}, chain: cs}
			st := v.runPolicies()
			if st.peakNodes > maxPolicyNodes || st.peakEdges > maxPolicyEdges {
				t.Errorf("graph grew to %d nodes, %d edges", st.peakNodes, st.peakEdges)
			}
			var got []Kind
			for _, p := range v.problems {
				got = append(got, p.Kind)
				if p.Kind == PolicyTooComplex && (p.Rule == "" || !strings.Contains(p.Detail, `"CN=`)) {
					t.Errorf("problem without rule or certificate: %+v", p)
				}
			}
			if !slices.Equal(got, []Kind{PolicyTooComplex}) {
				t.Errorf("problems %v, want %v", got, PolicyTooComplex)
			}
			if tc.openssl {
				lookTool(t, "openssl")
				if ok, out := openSSLVerify(t, cs, "-policy_check", "-policy", pa); ok {
					t.Errorf("openssl verify -policy_check accepts the chain:\n%s", out)
				}
			}
		})
	}
}

// FuzzPolicies runs policy processing over short chains of certificates
// with random policies, mappings and constraints (drawn from a few OIDs,
// so that they meet) and random caller inputs: it must not panic, the
// graph must stay within its cap, and the work must stay bounded by the
// cap and the size of the input.
func FuzzPolicies(f *testing.F) {
	f.Add([]byte{0x03, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77})
	f.Add([]byte("\x00anyPolicy mapped to itself"))
	f.Add([]byte{0xff, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c})
	f.Add(bytes250())
	pool, asn1Pool := []x509.OID{anyPolicy}, []asn1.ObjectIdentifier{oidAnyPolicy}
	for i := 1; i < 8; i++ {
		a := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, i}
		pool, asn1Pool = append(pool, mustOID(a)), append(asn1Pool, a)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data: data}
		flags := r.byte()
		o := PolicyOptions{RequireExplicit: flags&1 != 0, InhibitMapping: flags&2 != 0, InhibitAny: flags&4 != 0}
		for j := 0; j < int(flags>>5); j++ {
			o.Initial = append(o.Initial, asn1Pool[r.byte()%8])
		}
		root := &x509.Certificate{Raw: []byte("root"), RawSubject: []byte("R"), RawIssuer: []byte("R")}
		chain := []*x509.Certificate{root}
		size := 0
		for j := 0; j < 1+int(r.byte()%5) && !r.done(); j++ {
			c := &x509.Certificate{Raw: []byte{byte(j)}, RawSubject: []byte{'C', byte(j)}, RawIssuer: chain[0].RawSubject}
			b := r.byte()
			if b&1 != 0 {
				c.RawSubject = c.RawIssuer // self-issued
			}
			// Many policies: up to 8 from the pool, or many distinct ones.
			np := int(r.byte() % 10)
			for k := 0; k < np; k++ {
				c.Policies = append(c.Policies, pool[r.byte()%8])
			}
			if b&2 != 0 {
				for k := 0; k < int(r.byte())*4; k++ {
					c.Policies = append(c.Policies, mustOID(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55556, k}))
				}
			}
			nm := int(r.byte() % 8)
			if b&4 != 0 {
				nm *= 40
			}
			for k := 0; k < nm; k++ {
				c.PolicyMappings = append(c.PolicyMappings, x509.PolicyMapping{IssuerDomainPolicy: pool[r.byte()%8], SubjectDomainPolicy: pool[r.byte()%8]})
			}
			if b&8 != 0 {
				c.RequireExplicitPolicy = int(int8(r.byte())) % 4
				c.RequireExplicitPolicyZero = c.RequireExplicitPolicy == 0
			}
			if b&16 != 0 {
				c.InhibitPolicyMapping = int(int8(r.byte())) % 4
				c.InhibitPolicyMappingZero = c.InhibitPolicyMapping == 0
			}
			if b&32 != 0 {
				c.InhibitAnyPolicy = int(int8(r.byte())) % 4
				c.InhibitAnyPolicyZero = c.InhibitAnyPolicy == 0
			}
			size += len(c.Policies) + len(c.PolicyMappings)
			chain = append([]*x509.Certificate{c}, chain...)
		}
		v := &verifier{o: VerifyOptions{Roots: []*x509.Certificate{root}, Policy: o}, chain: chain}
		st := v.runPolicies()
		if st.peakNodes > maxPolicyNodes || st.peakEdges > maxPolicyEdges {
			t.Fatalf("graph grew to %d nodes, %d edges", st.peakNodes, st.peakEdges)
		}
		// Each step adds a node or an edge, visits a node while pruning
		// (at most once per level per certificate), or reads an input.
		if bound := (len(chain)+2)*(maxPolicyNodes+maxPolicyEdges) + 4*size*len(chain); st.work > bound {
			t.Fatalf("%d steps for %d policies and mappings over %d certificates (bound %d)", st.work, size, len(chain), bound)
		}
		for _, p := range v.problems {
			if p.Rule == "" || p.Detail == "" || p.Fix == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
		}
		if len(v.problems) == 0 && len(v.validPolicies) == 0 && o.RequireExplicit && len(chain) > 1 {
			t.Fatalf("no valid policy and no problem under initial-explicit-policy")
		}
	})
}

func bytes250() []byte {
	b := make([]byte, 250)
	for i := range b {
		b[i] = byte(i*37 + 11)
	}
	return b
}

type fuzzReader struct {
	data []byte
	off  int
}

func (r *fuzzReader) byte() byte {
	if r.off >= len(r.data) {
		return 0
	}
	b := r.data[r.off]
	r.off++
	return b
}

func (r *fuzzReader) done() bool { return r.off >= len(r.data) }

// BenchmarkPolicyGraph measures policy processing alone (no signatures):
// a usual chain, and hostile ones that reach the node and edge caps.
func BenchmarkPolicyGraph(b *testing.B) {
	root := mkCert(b, caTemplate(pkix.Name{CommonName: "Policy Bench Root"}), nil)
	many := manyPolicies("1.3.6.1.4.1.55555.1", 600)
	var maps [][2]string
	ps, qs := manyPolicies("1.3.6.1.4.1.55555.2", 101), manyPolicies("1.3.6.1.4.1.55555.3", 100)
	for _, p := range ps {
		for _, q := range qs {
			maps = append(maps, [2]string{p, q})
		}
	}
	for _, bc := range []struct {
		name  string
		specs []pspec
	}{
		{"usual", []pspec{{cn: "CA1", policies: []string{p1, p2}, maps: [][2]string{{p1, p3}}}, {cn: "CA2", policies: []string{pa}, inhAny: n64(0)}, {cn: "leaf.example", policies: []string{p3}}}},
		{"hostile-nodes", []pspec{{cn: "CA1", policies: many}, {cn: "CA2", policies: many}, {cn: "leaf.example", policies: many}}},
		{"hostile-edges", []pspec{{cn: "CA1", policies: ps, maps: maps}, {cn: "leaf.example", policies: qs}}},
	} {
		cs := x509s(policyChain(b, root, bc.specs))
		o := VerifyOptions{Roots: cs[len(cs)-1:], Policy: PolicyOptions{RequireExplicit: true}}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				v := &verifier{o: o, chain: cs}
				v.runPolicies()
			}
		})
	}
}

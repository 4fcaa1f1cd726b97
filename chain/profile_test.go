package chain

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// profileCase is a chain (root, CA, leaf) made from good templates that
// mutate changes; the profile problem kind is expected at index idx.
type profileCase struct {
	name    string
	kind    Kind
	idx     int
	purpose Purpose
	mutate  func(t testing.TB, root, ca, leaf *x509.Certificate)
	leafKey crypto.Signer // nil: P-256
}

var (
	oidEKUServer = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidEKUAny    = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
)

func ekuExt(t testing.TB, critical bool, oids ...asn1.ObjectIdentifier) pkix.Extension {
	return ext(t, oidExtEKU, critical, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, o := range oids {
				b.AddASN1ObjectIdentifier(o)
			}
		})
	})
}

func bcExt(t testing.TB, critical, ca bool) pkix.Extension {
	return ext(t, oidExtBasicConstraint, critical, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if ca {
				b.AddASN1Boolean(true)
			}
		})
	})
}

func sanExt(t testing.TB, critical bool, dns ...string) pkix.Extension {
	return ext(t, oidExtSAN, critical, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, d := range dns {
				b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(d)) })
			}
		})
	})
}

// akiFullExt is an authority key identifier with key id, issuer name and
// serial number.
func akiFullExt(t testing.TB, keyID, issuer []byte, serial int64) pkix.Extension {
	return ext(t, oidExtAKI, false, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(keyID) })
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(issuer) })
			})
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(big.NewInt(serial).Bytes()) })
		})
	})
}

var (
	// noAKI asks mkCertKey to leave the authority key identifier out.
	noAKI = []byte{}
	// noSKI asks mkCertKey to leave the subject key identifier out (of
	// a template that is not a CA for Go: CA:TRUE goes in ExtraExtensions).
	noSKI = []byte{}
)

func profileCases(t *testing.T) []profileCase {
	rsaKey := func(bits int) crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	return []profileCase{
		{"leaf without AKI", MissingAKI, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) { l.AuthorityKeyId = noAKI }, nil},
		{"self-issued CA without AKI", MissingAKI, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.Subject, ca.AuthorityKeyId = r.Subject, noAKI
		}, nil},
		{"CA without SKI", MissingSKI, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.IsCA, ca.BasicConstraintsValid, ca.SubjectKeyId = false, false, noSKI
			ca.ExtraExtensions = append(ca.ExtraExtensions, bcExt(t, true, true))
		}, nil},
		{"root AKI with issuer and serial", AKIIssuerSerial, 2, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			r.SerialNumber = big.NewInt(77)
			r.ExtraExtensions = append(r.ExtraExtensions, akiFullExt(t, r.SubjectKeyId, rdnOf(t, r.Subject), 77))
		}, nil},
		{"CN not in SANs", CNNotInSAN, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) { l.DNSNames = []string{"api.example.com"} }, nil},
		{"no SAN", NoSAN, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) { l.DNSNames = nil }, nil},
		{"no EKU", NoServerEKU, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) { l.ExtKeyUsage = nil }, nil},
		{"anyEKU only", AnyEKU, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
		}, nil},
		{"anyEKU beside serverAuth", AnyEKU, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageAny}
		}, nil},
		{"empty EKU", BadEKUExtension, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.ExtKeyUsage = nil
			l.ExtraExtensions = append(l.ExtraExtensions, ekuExt(t, false))
		}, nil},
		{"critical EKU", BadEKUExtension, 0, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.ExtKeyUsage = nil
			l.ExtraExtensions = append(l.ExtraExtensions, ekuExt(t, true, oidEKUServer))
		}, nil},
		{"EKU on root", EKUOnRoot, 2, PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			r.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		}, nil},
		{"serial 0", BadSerial, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) { l.SerialNumber = big.NewInt(0) }, nil},
		{"serial of 21 octets", BadSerial, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.SerialNumber = new(big.Int).Lsh(big.NewInt(1), 160)
		}, nil},
		{"empty subject, SAN not critical", EmptyName, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.Subject, l.DNSNames = pkix.Name{}, nil
			l.ExtraExtensions = append(l.ExtraExtensions, sanExt(t, false, "www.example.com"))
		}, nil},
		{"empty EKU, no purpose", BadEKUExtension, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.ExtKeyUsage = nil
			l.ExtraExtensions = append(l.ExtraExtensions, ekuExt(t, false))
		}, nil},
		{"empty subject, no SAN", EmptyName, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.Subject, l.DNSNames = pkix.Name{}, nil
		}, nil},
		{"empty SAN", EmptySAN, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = nil
			l.ExtraExtensions = append(l.ExtraExtensions, sanExt(t, false))
		}, nil},
		{"leaf with path length", PathLenNotCA, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.ExtraExtensions = append(l.ExtraExtensions, ext(t, oidExtBasicConstraint, true, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(0) })
			}))
		}, nil},
		{"DNS name with a space", BadDNSName, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "www example.com")
		}, nil},
		{"policy constraints not critical", PolicyExtNotCrit, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.ExtraExtensions = append(ca.ExtraExtensions, ext(t, oidExtPolicyConstr, false, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64WithTag(5, cbasn1.Tag(0).ContextSpecific()) })
			}))
		}, nil},
		{"inhibitAnyPolicy not critical", PolicyExtNotCrit, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.ExtraExtensions = append(ca.ExtraExtensions, ext(t, oidExtInhibitAnyPolicy, false, func(b *cryptobyte.Builder) { b.AddASN1Int64(5) }))
		}, nil},
		{"CA basic constraints not critical", BasicConstraintsNC, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.ExtraExtensions = append(ca.ExtraExtensions, bcExt(t, false, true))
		}, nil},
		{"CA without key usage", CAKeyUsageMissing, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) { ca.KeyUsage = 0 }, nil},
		{"leaf CA:TRUE", LeafCA, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) { l.IsCA = true }, nil},
		{"leaf keyCertSign", LeafCA, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.KeyUsage |= x509.KeyUsageCertSign
		}, nil},
		{"name constraints not critical", NameConstraintsForm, 1, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.PermittedDNSDomains = []string{"example.com"}
		}, nil},
		{"name constraints on a leaf", NameConstraintsForm, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.PermittedDNSDomains, l.PermittedDNSDomainsCritical = []string{"example.com"}, true
		}, nil},
		{"DNS name with underscore", BadDNSName, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "bad_host.example.com")
		}, nil},
		{"DNS name with leading dot", BadDNSName, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, ".example.com")
		}, nil},
		{"DNS name with empty label", BadDNSName, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "a..example.com")
		}, nil},
		{"wildcard over com", PublicSuffixWild, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "*.com")
		}, nil},
		{"wildcard over co.uk", PublicSuffixWild, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "*.co.uk")
		}, nil},
		{"RSA modulus of 2052 bits", RSAModulusSize, 0, PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {}, rsaKey(2052)},
	}
}

func rdnOf(t testing.TB, n pkix.Name) []byte {
	der, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// profileChain makes root -> CA -> leaf from good templates changed by
// mutate (nil: unchanged); leaf first.
func profileChain(t testing.TB, mutate func(t testing.TB, r, ca, l *x509.Certificate), leafKey crypto.Signer) []*x509.Certificate {
	rootKey, caKey := newP256(t), newP256(t)
	if leafKey == nil {
		leafKey = newP256(t)
	}
	r := caTemplate(pkix.Name{CommonName: "Profile Root", Organization: []string{"pkit"}})
	ca := caTemplate(pkix.Name{CommonName: "Profile CA", Organization: []string{"pkit"}})
	l := leafTemplate("www.example.com")
	r.SubjectKeyId = keyID(t, rootKey)
	if mutate != nil {
		mutate(t, r, ca, l)
	}
	root := mkCertKey(t, r, nil, rootKey)
	c := mkCertKey(t, ca, root, caKey)
	leaf := mkCertKey(t, l, c, leafKey)
	return []*x509.Certificate{leaf.Certificate, c.Certificate, root.Certificate}
}

func profileKinds(r []Problem) map[Kind][]int {
	out := map[Kind][]int{}
	for _, p := range r {
		out[p.Kind] = append(out[p.Kind], p.Index)
	}
	return out
}

// named matches a Detail that names a certificate by role and subject.
var named = regexp.MustCompile(`(leaf|intermediate|root) "`)

func TestProfile(t *testing.T) {
	good := profileChain(t, nil, nil)
	for _, purpose := range []Purpose{PurposeAny, PurposeServer} {
		r, err := Verify(good[0], VerifyOptions{Roots: good[2:], Intermediates: good[1:2], Purpose: purpose})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Problems) > 0 {
			t.Fatalf("good chain for %s: %v", purpose, r.Problems)
		}
	}
	// A CA certificate verified on its own is no leaf that is a CA.
	if r, err := Verify(good[1], VerifyOptions{Roots: good[2:]}); err != nil || len(r.Problems) > 0 {
		t.Fatalf("CA verified on its own: %v %v", err, r.Problems)
	}
	for _, tc := range profileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			cs := profileChain(t, tc.mutate, tc.leafKey)
			for _, lenient := range []bool{false, true} {
				r, err := Verify(cs[0], VerifyOptions{Roots: cs[2:], Intermediates: cs[1:2], Purpose: tc.purpose, Lenient: lenient})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, p := range r.Problems {
					if p.Kind != tc.kind {
						t.Errorf("lenient=%v: other problem %s: %s", lenient, p.Kind, p.Detail)
						continue
					}
					found = true
					if p.Index != tc.idx || p.Warning != lenient || p.Rule == "" || p.Fix == "" || !named.MatchString(p.Detail) {
						t.Errorf("lenient=%v: problem %+v: want index %d, warning %v, a rule, a fix and the certificate named", lenient, p, tc.idx, lenient)
					}
				}
				if !found {
					t.Errorf("lenient=%v: no %s problem; got %v", lenient, tc.kind, r.Problems)
				}
				if r.Valid() != lenient {
					t.Errorf("lenient=%v: Valid() = %v", lenient, r.Valid())
				}
			}
		})
	}
}

// TestProfileRefused checks every Refused claim of the profile rules
// against openssl verify (with and without -x509_strict) and Go's
// Verify: a consumer is listed exactly when it refuses the failing chain
// of the rule, and none refuses the good chain.
func TestProfileRefused(t *testing.T) {
	lookTool(t, "openssl")
	verdicts := func(t *testing.T, cs []*x509.Certificate, purpose Purpose, host string) (openssl, strict, goOK bool, out string) {
		args := []string{}
		usage := x509.ExtKeyUsageAny
		if purpose == PurposeServer {
			args, usage = append(args, "-purpose", "sslserver"), x509.ExtKeyUsageServerAuth
		}
		if host != "" {
			args = append(args, "-verify_hostname", host)
		}
		openssl, o1 := openSSLVerify(t, cs, args...)
		strict, o2 := openSSLVerify(t, cs, append(args, "-x509_strict")...)
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		roots.AddCert(cs[2])
		inter.AddCert(cs[1])
		_, err := cs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}, DNSName: host})
		return openssl, strict, err == nil, o1 + o2 + "Go: " + errString(err)
	}
	good := profileChain(t, nil, nil)
	for _, purpose := range []Purpose{PurposeAny, PurposeServer} {
		if o, s, g, out := verdicts(t, good, purpose, "www.example.com"); !o || !s || !g {
			t.Fatalf("good chain refused:\n%s", out)
		}
	}
	for _, tc := range profileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			cs := profileChain(t, tc.mutate, tc.leafKey)
			r, err := Verify(cs[0], VerifyOptions{Roots: cs[2:], Intermediates: cs[1:2], Purpose: tc.purpose})
			if err != nil {
				t.Fatal(err)
			}
			var claimed []string
			for _, p := range r.Problems {
				if p.Kind == tc.kind {
					claimed = p.Refused
				}
			}
			host := ""
			if tc.kind == CNNotInSAN || tc.kind == NoSAN {
				host = cs[0].Subject.CommonName
			}
			o, s, g, out := verdicts(t, cs, tc.purpose, host)
			var want []string
			if !g {
				want = append(want, "Go")
			}
			if !o {
				want = append(want, "OpenSSL")
			} else if !s {
				want = append(want, "OpenSSL -x509_strict")
			}
			slices.Sort(want)
			claimed = slices.Sorted(slices.Values(claimed))
			if !slices.Equal(claimed, want) {
				t.Errorf("Refused %q, but the consumers refusing are %q:\n%s", claimed, want, out)
			}
		})
	}
}

// The AKI mismatch cannot be on a path pkit builds; its claim is checked
// on a chain whose leaf names another key as its issuer's.
func TestProfileRefusedAKIMismatch(t *testing.T) {
	lookTool(t, "openssl")
	cs := profileChain(t, func(t testing.TB, r, ca, l *x509.Certificate) {
		l.ExtraExtensions = append(l.ExtraExtensions, ext(t, oidExtAKI, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 20)) })
			})
		}))
	}, nil)
	var claimed []string
	for _, r := range profileRules {
		if r.kind == AKIMismatch {
			claimed = r.refused
		}
	}
	ok, out := openSSLVerify(t, cs)
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(cs[2])
	inter.AddCert(cs[1])
	_, err := cs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	var want []string
	if err != nil {
		want = append(want, "Go")
	}
	if !ok {
		want = append(want, "OpenSSL")
	}
	if !slices.Equal(claimed, want) {
		t.Errorf("Refused %q, but the consumers refusing are %q:\n%sGo: %s", claimed, want, out, errString(err))
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// Rules whose failing certificate a chain cannot carry (the path builder
// will not link it, or Go will not make it) are checked on the verifier
// directly.
func TestProfileDirect(t *testing.T) {
	cs := profileChain(t, nil, nil)
	other := profileChain(t, nil, nil)
	mismatched := *cs[0]
	mismatched.AuthorityKeyId = other[1].SubjectKeyId
	negative := *cs[0]
	negative.SerialNumber = big.NewInt(-5)
	emptyIssuer := *cs[0]
	emptyIssuer.RawIssuer = []byte{0x30, 0x00}
	tests := []struct {
		name  string
		chain []*x509.Certificate
		kind  Kind
	}{
		{"AKI not the issuer's SKI", []*x509.Certificate{&mismatched, cs[1], cs[2]}, AKIMismatch},
		{"negative serial", []*x509.Certificate{&negative, cs[1], cs[2]}, BadSerial},
		{"empty issuer", []*x509.Certificate{&emptyIssuer, cs[1], cs[2]}, EmptyName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, chain := range [][]*x509.Certificate{tc.chain, cs} {
				v := &verifier{chain: chain}
				v.profile()
				got := profileKinds(v.problems)
				if bad := chain[0] != cs[0]; bad != (len(got[tc.kind]) == 1 && got[tc.kind][0] == 0) || len(got) > 1 {
					t.Errorf("problems %v, want %s at 0 only for the bad chain", v.problems, tc.kind)
				}
			}
		})
	}
}

func TestDNSSyntax(t *testing.T) {
	for _, tc := range []struct{ name, why string }{
		{"www.example.com", ""},
		{"*.example.com", ""},
		{"xn--bcher-kva.example", ""},
		{"a-b.example", ""},
		{"localhost", ""},
		{"", "empty"},
		{".example.com", "leading dot"},
		{"example.com.", "trailing dot"},
		{"a..example.com", "empty label"},
		{"bad_host.example.com", "underscore"},
		{"www.*.example.com", "wildcard not the whole first label"},
		{"w*.example.com", "wildcard not the whole first label"},
		{"*", "wildcard not the whole first label"},
		{"-a.example.com", "label starts or ends with a hyphen"},
		{"a b.example.com", "character ' '"},
		{strings.Repeat("a", 64) + ".example", "label longer than 63 characters"},
	} {
		if got := dnsSyntax(tc.name); got != tc.why {
			t.Errorf("dnsSyntax(%q) = %q, want %q", tc.name, got, tc.why)
		}
	}
}

// Certificates close to a rule's edge that keep to it: no profile
// problem.
func TestProfilePasses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		purpose Purpose
		mutate  func(t testing.TB, r, ca, l *x509.Certificate)
	}{
		{"empty subject with a critical SAN", PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.Subject, l.DNSNames = pkix.Name{}, nil
			l.ExtraExtensions = append(l.ExtraExtensions, sanExt(t, true, "www.example.com"))
		}},
		{"serial of 20 octets", PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.SerialNumber = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 159), big.NewInt(1))
		}},
		{"wildcard under a registered domain", PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "*.example.com", "*.example.co.uk")
		}},
		{"wildcard under a private suffix", PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.DNSNames = append(l.DNSNames, "*.internal", "*.appspot.com")
		}},
		{"common name that is no host name", PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.Subject = pkix.Name{CommonName: "Web Server"}
		}},
		{"IP common name among the SANs", PurposeServer, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.Subject, l.DNSNames, l.IPAddresses = pkix.Name{CommonName: "192.0.2.7"}, nil, []net.IP{net.ParseIP("192.0.2.7")}
		}},
		{"client leaf without SAN or serverAuth", PurposeClient, func(t testing.TB, r, ca, l *x509.Certificate) {
			l.Subject, l.DNSNames, l.ExtKeyUsage = pkix.Name{CommonName: "alice"}, nil, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}},
		{"self-issued CA with an AKI", PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) { ca.Subject = r.Subject }},
		{"critical name constraints", PurposeAny, func(t testing.TB, r, ca, l *x509.Certificate) {
			ca.PermittedDNSDomains, ca.PermittedDNSDomainsCritical = []string{"example.com"}, true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := profileChain(t, tc.mutate, nil)
			r, err := Verify(cs[0], VerifyOptions{Roots: cs[2:], Intermediates: cs[1:2], Purpose: tc.purpose})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) > 0 {
				t.Errorf("problems: %v", r.Problems)
			}
		})
	}
}

// FuzzProfile feeds arbitrary bytes to the profile checks that read
// extensions and names themselves (the authority key identifier, the
// subject alternative name, the issuer and subject): no panic.
func FuzzProfile(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x30, 0x06, 0x80, 0x01, 0x01, 0x82, 0x01, 0x01})
	f.Add([]byte{0x30, 0x80, 0x80})
	f.Add([]byte{})
	cs := profileChain(f, nil, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		root := *cs[2]
		leaf := *cs[0]
		root.Extensions = []pkix.Extension{{Id: oidExtAKI, Value: data}, {Id: oidExtSAN, Value: data}}
		leaf.Extensions = root.Extensions
		leaf.RawIssuer, leaf.RawSubject = data, data
		v := &verifier{chain: []*x509.Certificate{&leaf, cs[1], &root}, o: VerifyOptions{Purpose: PurposeServer}}
		v.profile()
		for _, p := range v.problems {
			if p.Rule == "" || p.Detail == "" || p.Fix == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
		}
	})
}

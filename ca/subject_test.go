package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func TestParseSubject(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    string // FormatSubject of the result
		wantErr string
	}{
		{in: "", want: ""},
		{in: "O=Acme, OU=Ops, C=DE", want: "C=DE, O=Acme, OU=Ops"},
		{in: "o=Acme,ou=Ops,c=de,st=Bayern,l=München", want: "C=DE, ST=Bayern, L=München, O=Acme, OU=Ops"},
		{in: "OU=Ops, OU=Dev", want: "OU=Ops, OU=Dev"},
		{in: `O=Acme\, Inc.`, want: `O=Acme\, Inc.`},
		{in: `O=back\\slash`, want: `O=back\\slash`},
		{in: "STREET=Main St 1, postalCode=10115", want: "STREET=Main St 1, postalCode=10115"},
		{in: "O = Acme , OU = Ops ", want: "O=Acme, OU=Ops"},
		{in: "CN=alice", wantErr: "CN is the certificate's name"},
		{in: "cn=alice, O=x", wantErr: "CN is the certificate's name"},
		{in: "X=1", wantErr: `unknown subject field "X" (keys: C, ST, L, STREET, postalCode, O, OU)`},
		{in: "emailAddress=a@b.c", wantErr: "unknown subject field"},
		{in: "C=Germany", wantErr: "C=Germany: the country is a two-letter"},
		{in: "C=D1", wantErr: "two-letter"},
		{in: "C=DE, C=US", wantErr: "C is given twice"},
		{in: "O=", wantErr: "O= has no value"},
		{in: "O=Acme,,OU=x", wantErr: "empty field between commas"},
		{in: "O=Acme,", wantErr: "empty field between commas"},
		{in: "Acme", wantErr: `"Acme" is not KEY=value`},
		{in: "=Acme", wantErr: "is not KEY=value"},
		{in: `O=Acme\`, wantErr: "lone backslash"},
		{in: "O=a\nb", wantErr: "control character"},
		{in: "O=a\u202eb", wantErr: "bidirectional"},
		{in: "O=" + strings.Repeat("x", 65), wantErr: "O has 65 characters; it holds at most 64"},
		{in: "ST=" + strings.Repeat("x", 128), want: "ST=" + strings.Repeat("x", 128)},
		{in: `O=\ Acme`, wantErr: "begins or ends with white space"},
	} {
		n, err := ParseSubject(tt.in)
		if tt.wantErr != "" {
			var se *SubjectError
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &se) {
				t.Errorf("ParseSubject(%q) = %v, want a *SubjectError with %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSubject(%q): %v", tt.in, err)
			continue
		}
		if got := FormatSubject(n); got != tt.want {
			t.Errorf("ParseSubject(%q) formats as %q, want %q", tt.in, got, tt.want)
		}
		// What FormatSubject writes reads back the same.
		back, err := ParseSubject(FormatSubject(n))
		if err != nil || FormatSubject(back) != tt.want {
			t.Errorf("round trip of %q: %q, %v", tt.in, FormatSubject(back), err)
		}
	}
}

// TestSubjectDER: the fields are written in the order OpenSSL and most
// CAs use, each value its own RDN, and SubjectString shows them so.
func TestSubjectDER(t *testing.T) {
	n, err := ParseSubject("OU=Ops, OU=Dev, O=Acme, L=Berlin, C=DE")
	if err != nil {
		t.Fatal(err)
	}
	n.CommonName = "alice"
	der, err := subjectDER(n)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := SubjectString(der, pkix.Name{}), "CN=alice,OU=Dev,OU=Ops,O=Acme,L=Berlin,C=DE"; got != want {
		t.Errorf("SubjectString = %q, want %q", got, want)
	}
}

// TestCSRSubject: a CSR's fields are kept unless given again or not
// allowed by the profile; unknown attributes and bad values are dropped.
func TestCSRSubject(t *testing.T) {
	a := &Authority{Config: DefaultConfig("intermediate")}
	a.Config.Profiles["client"].AllowedSubject = []string{"O", "OU"}
	csr := &x509.CertificateRequest{Subject: pkix.Name{Names: []pkix.AttributeTypeAndValue{
		{Type: oidCommonName, Value: "alice"},
		{Type: subjectFields[0].oid, Value: "Germany"}, // C
		{Type: subjectFields[5].oid, Value: "Acme"},    // O
		{Type: subjectFields[6].oid, Value: "Ops"},     // OU
		{Type: subjectFields[2].oid, Value: "Berlin"},  // L
		{Type: []int{1, 2, 840, 113549, 1, 9, 1}, Value: "a@example.com"},
	}}}
	given, _ := ParseSubject("OU=Sec")
	got, dropped := a.CSRSubject(csr, "client", given)
	if s := FormatSubject(got); s != "O=Acme, OU=Sec" {
		t.Errorf("subject %q, want O=Acme, OU=Sec", s)
	}
	var ds []string
	for _, d := range dropped {
		ds = append(ds, d.Key+"="+d.Value+":"+[]string{"", "replaced", "not allowed", "unknown", "invalid"}[d.Reason])
	}
	want := "C=Germany:invalid emailAddress=a@example.com:unknown L=Berlin:not allowed OU=Ops:replaced"
	if got := strings.Join(ds, " "); got != want {
		t.Errorf("dropped %q, want %q", got, want)
	}
}

// TestSubjectFor: profile defaults fill what the request leaves out, and
// a field the profile does not allow is refused.
func TestSubjectFor(t *testing.T) {
	p := &Profile{Name: "client", AllowedSubject: []string{"OU"}}
	p.Subject, _ = ParseSubject("O=Acme, OU=Staff")
	for _, tt := range []struct{ subject, want, wantErr string }{
		{"", "O=Acme, OU=Staff", ""},
		{"OU=Ops", "O=Acme, OU=Ops", ""},
		{"O=Evil", "", `profile "client" does not allow O in the subject (it allows: OU)`},
	} {
		n, _ := ParseSubject(tt.subject)
		got, err := subjectFor(&Request{Name: "alice", Subject: n}, p)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrSubjectField) {
				t.Errorf("%q: %v, want %q", tt.subject, err, tt.wantErr)
			}
			continue
		}
		if err != nil || FormatSubject(got) != tt.want || got.CommonName != "alice" {
			t.Errorf("%q: %q %q %v, want %q", tt.subject, FormatSubject(got), got.CommonName, err, tt.want)
		}
	}
}

// FuzzParseSubject: any string gives a subject or a *SubjectError, and a
// subject read back from its FormatSubject is the same.
func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"O=Acme, OU=Ops, C=DE", `O=a\,b\\c`, "CN=x", "C=Germany", ",,", `\`, "OU= x , OU=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSubject(s)
		if err != nil {
			var se *SubjectError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if err := CheckSubject(n); err != nil {
			t.Fatalf("ParseSubject(%q) gave a subject CheckSubject refuses: %v", s, err)
		}
		back, err := ParseSubject(FormatSubject(n))
		if err != nil || FormatSubject(back) != FormatSubject(n) {
			t.Fatalf("round trip of %q: %q, %v", FormatSubject(n), FormatSubject(back), err)
		}
	})
}

// TestIssueWithinDirNameConstraints: a CA made elsewhere whose name
// constraints permit only subjects under C=DE, O=Acme (a directoryName
// subtree, which crypto/x509 neither writes nor checks) refuses a request
// whose subject fields fall outside, before signing, and issues one
// within: checked by chain's matcher, the one "pkit chain verify" uses.
func TestIssueWithinDirNameConstraints(t *testing.T) {
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	acme, err := subjectDER(pkix.Name{Country: []string{"DE"}, Organization: []string{"Acme"}})
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(acme) })
			})
		})
	})
	nc, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	rootKey, interKey := newKey(), newKey()
	mk := func(tmpl, parent *x509.Certificate, pub any, key *ecdsa.PrivateKey) *x509.Certificate {
		tmpl.NotBefore, tmpl.NotAfter = testNow.Add(-time.Hour), testNow.Add(5*365*24*time.Hour)
		tmpl.BasicConstraintsValid, tmpl.IsCA = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	root := mk(&x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DN Root"}}, nil, rootKey.Public(), rootKey)
	inter := mk(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{Country: []string{"DE"}, Organization: []string{"Acme"}, CommonName: "DN Issuing"},
		MaxPathLenZero: true, ExtraExtensions: []pkix.Extension{{Id: []int{2, 5, 29, 30}, Critical: true, Value: nc}}}, root, interKey.Public(), rootKey)
	a := openTestCA(t, InitOptions{Import: &ImportedCA{Chain: []*x509.Certificate{inter, root}, Key: interKey}})
	for _, tt := range []struct{ subject, wantErr string }{
		{"C=DE, O=Acme, OU=Ops", ""},
		{"C=DE, O=Evil", "outside"},
		{"O=Acme", "outside"},
	} {
		n, err := ParseSubject(tt.subject)
		if err != nil {
			t.Fatal(err)
		}
		iss, err := a.Issue(context.Background(), &Request{Profile: "client", Name: "alice", Subject: n})
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.subject, err)
			} else if got := SubjectString(iss.Cert.RawSubject, iss.Cert.Subject); got != "CN=alice,OU=Ops,O=Acme,C=DE" {
				t.Errorf("%q: subject %q", tt.subject, got)
			}
			continue
		}
		if !errors.Is(err, ErrNameConstraints) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: %v, want ErrNameConstraints %q", tt.subject, err, tt.wantErr)
		}
	}
}

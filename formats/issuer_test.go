package formats

import (
	"bytes"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

type atv struct {
	oid asn1.ObjectIdentifier
	tag cbasn1.Tag
	val []byte
}

var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// rawName encodes a Name: each inner slice is one RDN.
func rawName(rdns ...[]atv) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, rdn := range rdns {
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for _, a := range rdn {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(a.oid)
						b.AddASN1(a.tag, func(b *cryptobyte.Builder) { b.AddBytes(a.val) })
					})
				}
			})
		}
	})
	return b.BytesOrPanic()
}

func cn(tag cbasn1.Tag, s string) []atv { return []atv{{oidCN, tag, []byte(s)}} }

func bmp(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r>>8), byte(r))
	}
	return out
}

func TestSameName(t *testing.T) {
	utf8s, printable, ia5, bmpTag, t61 := cbasn1.UTF8String, cbasn1.PrintableString, cbasn1.IA5String, cbasn1.Tag(30), cbasn1.T61String
	tests := []struct {
		name string
		a, b []byte
		want bool
	}{
		{"identical", rawName(cn(utf8s, "Acme CA")), rawName(cn(utf8s, "Acme CA")), true},
		{"case", rawName(cn(utf8s, "Acme CA")), rawName(cn(utf8s, "ACME ca")), true},
		{"inner spaces folded", rawName(cn(utf8s, "Acme CA")), rawName(cn(utf8s, "Acme   \t CA")), true},
		{"leading and trailing spaces", rawName(cn(utf8s, "Acme CA")), rawName(cn(utf8s, "  Acme CA \n")), true},
		{"PrintableString vs UTF8String", rawName(cn(printable, "Acme CA")), rawName(cn(utf8s, "Acme CA")), true},
		{"IA5String vs UTF8String", rawName(cn(ia5, "acme ca")), rawName(cn(utf8s, "Acme CA")), true},
		{"BMPString vs UTF8String", rawName(cn(bmpTag, string(bmp("Acme Çà")))), rawName(cn(utf8s, "acme Çà")), true},
		{"T61String as Latin-1", rawName(cn(t61, "Acme \xe7")), rawName(cn(utf8s, "Acme ç")), true},
		{"non-ASCII case folds (RFC 4518 2.2)", rawName(cn(utf8s, "Ça")), rawName(cn(utf8s, "ça")), true},
		{"NFKC normalisation (RFC 4518 2.3)", rawName(cn(utf8s, "\ufb01le CA")), rawName(cn(utf8s, "File CA")), true},
		{"non-ASCII letters differ", rawName(cn(utf8s, "Ça")), rawName(cn(utf8s, "Ča")), false},
		{"different words", rawName(cn(utf8s, "Acme CA")), rawName(cn(utf8s, "Acme CA 2")), false},
		{"space inside a word", rawName(cn(utf8s, "AcmeCA")), rawName(cn(utf8s, "Acme CA")), false},
		{"RDN order matters", rawName([]atv{{oidO, utf8s, []byte("Acme")}}, cn(utf8s, "CA")), rawName(cn(utf8s, "CA"), []atv{{oidO, utf8s, []byte("Acme")}}), false},
		{"multi-valued RDN in any order", rawName([]atv{{oidO, utf8s, []byte("Acme")}, {oidCN, utf8s, []byte("CA")}}), rawName([]atv{{oidCN, utf8s, []byte("CA")}, {oidO, printable, []byte("ACME")}}), true},
		{"other attribute type", rawName([]atv{{oidO, utf8s, []byte("Acme")}}), rawName(cn(utf8s, "Acme")), false},
		{"extra RDN", rawName(cn(utf8s, "CA")), rawName([]atv{{oidC, printable, []byte("DE")}}, cn(utf8s, "CA")), false},
		{"empty names", rawName(), rawName(), true},
		{"garbage equals only itself", []byte{1, 2, 3}, []byte{1, 2, 3}, true},
		{"garbage vs name", []byte{0x30, 0x03, 1, 2, 3}, rawName(cn(utf8s, "CA")), false},
		{"trailing bytes do not parse", append(rawName(cn(utf8s, "CA")), 0), rawName(cn(utf8s, "ca")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameName(tt.a, tt.b); got != tt.want {
				t.Errorf("SameName = %v, want %v", got, tt.want)
			}
			if got := SameName(tt.b, tt.a); got != tt.want {
				t.Errorf("SameName (swapped) = %v, want %v", got, tt.want)
			}
			if got := NameKey(tt.a) == NameKey(tt.b); got != tt.want {
				t.Errorf("NameKey equal = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIssued(t *testing.T) {
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	mk := func(subject pkix.Name, rawSubject []byte, ski []byte, parent *x509.Certificate, pub, signer any) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subject, RawSubject: rawSubject, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0),
			BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign, SubjectKeyId: ski}
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rk, ok := key(), key()
	// The root's subject is a PrintableString; the child names it in
	// upper case as a UTF8String.
	root := mk(pkix.Name{}, rawName(cn(cbasn1.PrintableString, "Acme Root")), []byte{1}, nil, &rk.PublicKey, rk)
	rootUpper := *root
	rootUpper.RawSubject = rawName(cn(cbasn1.UTF8String, "ACME  ROOT"))
	child := mk(pkix.Name{CommonName: "child"}, nil, []byte{2}, &rootUpper, &ok.PublicKey, rk)
	other := mk(pkix.Name{}, rawName(cn(cbasn1.PrintableString, "Acme Root")), []byte{1}, nil, &ok.PublicKey, ok)
	otherSKI := mk(pkix.Name{}, rawName(cn(cbasn1.PrintableString, "Acme Root")), []byte{9}, nil, &rk.PublicKey, rk)
	tests := []struct {
		name          string
		parent, child *x509.Certificate
		want          bool
	}{
		{"issuer by name variant", root, child, true},
		{"self-signed", root, root, true},
		{"same name, other key", other, child, false},
		{"same key, other key id", otherSKI, child, false},
		{"child does not issue", child, root, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Issued(tt.parent, tt.child); got != tt.want {
				t.Errorf("Issued = %v, want %v", got, tt.want)
			}
		})
	}
	if !SelfIssued(root) || SelfIssued(child) {
		t.Error("SelfIssued wrong")
	}
}

// FuzzSameName checks that name comparison never panics and agrees with
// NameKey on any input.
func FuzzSameName(f *testing.F) {
	f.Add(rawName(cn(cbasn1.UTF8String, "Acme CA")), rawName(cn(cbasn1.PrintableString, "acme  ca")))
	f.Add(rawName(cn(cbasn1.Tag(30), string(bmp("x")))), []byte{0x30, 0})
	f.Add(rawName(cn(cbasn1.Tag(28), "\x00\x00\x00a")), rawName(cn(cbasn1.Tag(28), "\xff\x00\x00a")))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if SameName(a, b) != (NameKey(a) == NameKey(b)) {
			t.Fatalf("SameName and NameKey disagree on %x, %x", a, b)
		}
		if !SameName(a, a) {
			t.Fatalf("a name differs from itself: %x", a)
		}
	})
}

// FuzzIssuerParsers feeds arbitrary bytes to the hand-written readers of
// this file: names, RSASSA-PSS parameters (from a certificate's
// signature algorithm), PSS-only public keys and DSA signatures.
func FuzzIssuerParsers(f *testing.F) {
	f.Add(rawName(cn(cbasn1.UTF8String, "Acme CA")))
	f.Add([]byte{0x30, 0x0d, 0x30, 0x00, 0x30, 0x09, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a})
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, der []byte) {
		canonicalName(der)
		pssParams(der)
		pssPublicKey(der)
		k := &dsa.PublicKey{Parameters: dsa.Parameters{P: big.NewInt(23), Q: big.NewInt(11), G: big.NewInt(4)}, Y: big.NewInt(3)}
		verifyDSA(k, []byte{1, 2, 3}, der)
	})
}

// OpenSSL folds ASCII case and spaces, and compares string types as text,
// but leaves other letters as they are: SameNameOpenSSL says what it does.
func TestSameNameOpenSSL(t *testing.T) {
	utf8s, printable := cbasn1.UTF8String, cbasn1.PrintableString
	tests := []struct {
		name string
		a, b []byte
		want bool
	}{
		{"ASCII case and spaces", rawName(cn(utf8s, "Acme  CA")), rawName(cn(printable, "acme ca")), true},
		{"non-ASCII case", rawName(cn(utf8s, "Ça")), rawName(cn(utf8s, "ça")), false},
		{"same bytes", rawName(cn(utf8s, "Ça")), rawName(cn(utf8s, "Ça")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameNameOpenSSL(tt.a, tt.b); got != tt.want {
				t.Errorf("SameNameOpenSSL = %v, want %v", got, tt.want)
			}
			if !SameName(tt.a, tt.b) {
				t.Errorf("SameName = false: names OpenSSL matches must match by RFC 5280 7.1 too")
			}
		})
	}
}

// FuzzCanonicalASCIIName checks that the fast path for plain ASCII names
// gives what the general one builds, whenever it answers.
func FuzzCanonicalASCIIName(f *testing.F) {
	f.Add(rawName(cn(cbasn1.UTF8String, "Acme CA")))
	f.Add(rawName(cn(cbasn1.PrintableString, "acme  ca")))
	f.Add(rawName(cn(cbasn1.Tag(22), " x")))
	f.Add(rawName(cn(cbasn1.Tag(4), "Octets")))
	m, _ := filepath.Glob("testdata/*.pem")
	for _, p := range m {
		if certs, err := ParseCertificates(readFixtureF(f, filepath.Base(p))); err == nil {
			for _, c := range certs {
				f.Add(c.RawSubject)
				f.Add(c.RawIssuer)
			}
		}
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		fast, ok := canonicalASCIIName(der)
		if !ok {
			return
		}
		for _, unicode := range []bool{true, false} {
			want, wok := canonicalNameGeneral(der, unicode)
			if !wok || !bytes.Equal(fast, want) {
				t.Fatalf("fast %x, general %x (%v) for %x", fast, want, wok, der)
			}
		}
	})
}

// TestCanonicalASCIIName: the names pkit and most CAs write take the fast
// path; text that needs folding or re-encoding does not.
func TestCanonicalASCIIName(t *testing.T) {
	for _, tt := range []struct {
		name []byte
		fast bool
	}{
		{rawName(cn(cbasn1.PrintableString, "Pile Root CA")), true},
		{rawName(cn(cbasn1.UTF8String, "svc.example.test")), true},
		{rawName(cn(cbasn1.UTF8String, "two  spaces")), false},
		{rawName(cn(cbasn1.UTF8String, "Zürich")), false},
		{rawName(cn(cbasn1.Tag(30), string(bmp("x")))), false},
	} {
		got, ok := canonicalASCIIName(tt.name)
		want, _ := canonicalNameGeneral(tt.name, true)
		if ok != tt.fast || ok && !bytes.Equal(got, want) {
			t.Errorf("%x: fast %v (%x), want %v (%x)", tt.name, ok, got, tt.fast, want)
		}
	}
}

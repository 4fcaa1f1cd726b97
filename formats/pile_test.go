package formats

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// certWith makes a certificate signed by the test root with extra
// extensions, and a raw subject when rawSubject is not nil.
func certWith(t *testing.T, rawSubject []byte, exts ...pkix.Extension) []byte {
	t.Helper()
	p := newPKI(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "odd.example"}, RawSubject: rawSubject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtraExtensions: exts}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, p.leafKey.Public(), p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// bitStringSubject is CN=uid.example plus an x500UniqueIdentifier (a BIT
// STRING, legal in names, refused by crypto/x509).
func bitStringSubject(t *testing.T) []byte {
	cn := mustMarshal(t, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "uid.example"})
	uid := mustMarshal(t, struct {
		Type  asn1.ObjectIdentifier
		Value asn1.BitString
	}{oidX500UID, asn1.BitString{Bytes: []byte{0xa5}, BitLength: 8}})
	set := func(b []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: b}
	}
	return mustMarshal(t, []asn1.RawValue{set(cn), set(uid)})
}

// TestUnusualCertificates: legal but uncommon certificates are never
// called damaged. Those crypto/x509 reads (v1, DSA, RSASSA-PSS) parse;
// those it refuses (explicit curve parameters, a BIT STRING in a name)
// are unsupported, named, and with ParseOptions.Partial kept as items
// with their subject, issuer, serial and validity. Malformed extension
// contents are damaged certificates whose error names the extension.
func TestUnusualCertificates(t *testing.T) {
	for _, f := range []string{"v1.pem", "dsa-cert.pem", "pss-cert.pem"} {
		certs, err := ParseCertificates(readFixture(t, f))
		if err != nil || len(certs) != 1 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	bitString := EncodePEM("CERTIFICATE", certWith(t, bitStringSubject(t)))
	for _, tt := range []struct {
		name, why string
		data      []byte
		subject   string
		serial    int64
		keyDesc   string
	}{
		{"explicit curve parameters", "explicit curve parameters", readFixture(t, "explicit-ec.pem"), "CN=explicit.example", 0, "ECDSA, explicit curve parameters"},
		{"BIT STRING in the subject", "x500UniqueIdentifier", bitString, "CN=uid.example", 42, "ECDSA P-256"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCertificates(tt.data)
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("strict parse: %v", err)
			}
			items, err := Parse(tt.data, ParseOptions{Partial: true})
			if err != nil || len(items) != 1 || items[0].Partial == nil || items[0].Certificate != nil || !errors.Is(items[0].Unsupported, ErrUnsupported) {
				t.Fatalf("partial parse: %v %+v", err, items)
			}
			c := items[0].Partial
			if !strings.Contains(c.Subject.String(), tt.subject) || c.NotAfter.Before(c.NotBefore) || c.NotBefore.IsZero() {
				t.Fatalf("partial certificate: %s %v %v", c.Subject, c.NotBefore, c.NotAfter)
			}
			if tt.serial != 0 && c.SerialNumber.Int64() != tt.serial {
				t.Fatalf("serial %v", c.SerialNumber)
			}
			if tt.name == "explicit curve parameters" {
				if d := CertificateKeyDescription(c); d != tt.keyDesc {
					t.Fatalf("key: %s", d)
				}
			}
		})
	}
	for _, tt := range []struct {
		name, ext string
		e         pkix.Extension
	}{
		{"AKI", "authorityKeyIdentifier", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 35}, Value: []byte{0x30, 0x03, 0x80, 0x05, 0x01}}},
		{"basicConstraints length", "basicConstraints", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Value: []byte{0x30, 0x05, 0x01, 0x01, 0xff}}},
		{"SAN", "subjectAltName", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: []byte{0x30, 0x04, 0x82, 0x05, 'a', 'b'}}},
		{"SAN directoryName not a name", "subjectAltName", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: []byte{0x30, 0x04, 0xa4, 0x02, 0x05, 0x00}}},
		{"negative inhibitAnyPolicy", "inhibitAnyPolicy", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 54}, Value: []byte{0x02, 0x01, 0xff}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCertificates(EncodePEM("CERTIFICATE", certWith(t, nil, tt.e)))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.ext) {
				t.Fatalf("got %v, want a damaged certificate naming %s", err, tt.ext)
			}
		})
	}
}

// TestCertificatePile: a pile with bad certificates gives its good
// certificates and one note per bad one (naming its block), instead of
// failing; other items are named, and one that is damaged fails the file.
func TestCertificatePile(t *testing.T) {
	p := newPKI(t)
	garbageKey := []byte("-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n")
	badKey := EncodePEM("CERTIFICATE", certWith(t, bitStringSubject(t)))
	key := EncodePEM("PUBLIC KEY", p.leaf.RawSubjectPublicKeyInfo)
	pile := append(append(append(append(EncodePEM("CERTIFICATE", p.leaf.Raw), key...), readFixture(t, "explicit-ec.pem")...), badKey...), EncodePEM("CERTIFICATE", p.root.Raw)...)
	got, err := ParseCertificatePile(pile, ParseOptions{})
	if err != nil || len(got.Certificates) != 2 || !got.Certificates[0].Equal(p.leaf) || !got.Certificates[1].Equal(p.root) {
		t.Fatalf("certificates: %d, %v", len(got.Certificates), err)
	}
	if notes := got.Skipped; len(notes) != 2 || notes[0].Block != 3 || notes[1].Block != 4 {
		t.Fatalf("notes: %v", notes)
	}
	if !errors.Is(got.Skipped[0], ErrUnsupported) || !strings.Contains(got.Skipped[0].Error(), "item 3") {
		t.Fatalf("note: %v", got.Skipped[0])
	}
	if len(got.Others) != 1 || got.Others[0] != KindPublicKey {
		t.Fatalf("others: %v", got.Others)
	}
	// Strict parsing still fails on the first bad block.
	if _, err := ParseCertificates(pile); err == nil {
		t.Fatal("ParseCertificates accepted a pile with a broken certificate")
	}
	// A damaged block that is not a certificate fails the file.
	var pe *ParseError
	if _, err := ParseCertificatePile(append(EncodePEM("CERTIFICATE", p.leaf.Raw), garbageKey...), ParseOptions{}); !errors.As(err, &pe) || pe.Block != 2 || pe.Kind != KindPrivateKey {
		t.Fatalf("damaged key: %v", err)
	}
	// A file of one bad certificate: left out, not an error.
	got, err = ParseCertificatePile(badKey, ParseOptions{})
	if err != nil || len(got.Certificates) != 0 || len(got.Skipped) != 1 || got.Skipped[0].Block != 0 {
		t.Fatalf("one bad certificate: %+v, %v", got, err)
	}
	// A file of nothing usable: both left out.
	got, err = ParseCertificatePile(append(readFixture(t, "explicit-ec.pem"), badKey...), ParseOptions{})
	if err != nil || len(got.Certificates) != 0 || len(got.Skipped) != 2 || !errors.Is(got.Skipped[0], ErrUnsupported) {
		t.Fatalf("nothing usable: %+v, %v", got, err)
	}
}

// TestUnusualPublicKeys: an RSASSA-PSS public key reads as its RSA key; a
// key with explicit curve parameters is unsupported, not damaged.
func TestUnusualPublicKeys(t *testing.T) {
	pss, err := ParseCertificates(readFixture(t, "pss-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := Parse(EncodePEM("PUBLIC KEY", pss[0].RawSubjectPublicKeyInfo), ParseOptions{})
	if err != nil || items[0].PublicKey == nil || KeyDescription(items[0].PublicKey) != "RSA 2048" {
		t.Fatalf("PSS public key: %v", err)
	}
	exp, err := Parse(readFixture(t, "explicit-ec.pem"), ParseOptions{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(EncodePEM("PUBLIC KEY", exp[0].Partial.RawSubjectPublicKeyInfo), ParseOptions{})
	if !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("explicit curve public key: %v", err)
	}
}

// TestLargePEMFile: a file over keepPEMBlocks is read a block at a time
// (decoded twice) and gives what the one-pass read of a small file gives:
// every certificate, the bad one noted by its block, and a truncated end
// refused before any item is handed over.
func TestLargePEMFile(t *testing.T) {
	p := newPKI(t)
	one := EncodePEM("CERTIFICATE", p.leaf.Raw)
	bad := EncodePEM("CERTIFICATE", certWith(t, bitStringSubject(t)))
	n := keepPEMBlocks/len(one) + 2
	var data []byte
	for i := range n {
		if i == 7 {
			data = append(data, bad...)
		}
		data = append(data, one...)
	}
	if len(data) <= keepPEMBlocks {
		t.Fatalf("%d bytes is not over %d", len(data), keepPEMBlocks)
	}
	for _, in := range [][]byte{data, append(bad, one...)} {
		got, err := ParseCertificatePile(in, ParseOptions{})
		if err != nil || len(got.Certificates) != bytes.Count(in, []byte("BEGIN"))-1 || len(got.Skipped) != 1 {
			t.Fatalf("%d bytes: %d certificates, %d skipped, %v", len(in), len(got.Certificates), len(got.Skipped), err)
		}
		if want := bytes.Index(in, bad)/len(one) + 1; got.Skipped[0].Block != want {
			t.Errorf("%d bytes: skipped block %d, want %d", len(in), got.Skipped[0].Block, want)
		}
	}
	calls := 0
	err := ParseEach(data[:len(data)-40], ParseOptions{}, func(Item, int, int) error { calls++; return nil })
	if !errors.Is(err, ErrCorrupt) || calls != 0 {
		t.Fatalf("truncated: %v after %d items", err, calls)
	}
}

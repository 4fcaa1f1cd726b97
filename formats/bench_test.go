package formats

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// bundle500 is a PEM bundle of 500 ECDSA certificates, about 300 KB.
func bundle500(b *testing.B) []byte {
	p := newPKI(b)
	var out []byte
	now := time.Now()
	for i := range 500 {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(1000 + i)), Subject: pkix.Name{CommonName: "host.example.com", Organization: []string{"Bench"}},
			DNSNames: []string{"host.example.com", "www.example.com"}, NotBefore: now, NotAfter: now.Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, p.inter, p.leafKey.Public(), p.interKey)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, EncodePEM("CERTIFICATE", der)...)
	}
	return out
}

// BenchmarkDetectParse500 detects and parses a 500-certificate PEM bundle.
func BenchmarkDetectParse500(b *testing.B) {
	data := bundle500(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Detect(data)
		if err != nil || len(f.Kinds) != 500 {
			b.Fatal(err)
		}
		items, err := Parse(data, ParseOptions{})
		if err != nil || len(items) != 500 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(500, "certs/op")
}

// The PKCS#12 benchmarks use the iteration count pkit writes
// (PKCS12Iterations = 2048 for the encryption KDF and for the MAC KDF, as
// OpenSSL 3's "pkcs12 -export" and go-pkcs12's Modern2023 do); the KDF
// runs are most of the cost: one for the key bag, one for the
// certificates, one for the MAC.
func benchPKCS12(b *testing.B, legacy bool) {
	p := newPKI(b)
	o := PKCS12Options{Legacy: legacy}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EncodePKCS12(p.leafKey, p.leaf, []*x509.Certificate{p.inter, p.root}, "pw", o); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(PKCS12Iterations), "kdf-iterations")
	})
	der, err := EncodePKCS12(p.leafKey, p.leaf, []*x509.Certificate{p.inter, p.root}, "pw", o)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodePKCS12(der, password("pw")); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(PKCS12Iterations), "kdf-iterations")
	})
}

func BenchmarkPKCS12Modern(b *testing.B) { benchPKCS12(b, false) }
func BenchmarkPKCS12Legacy(b *testing.B) { benchPKCS12(b, true) }

package formats

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

// The fuzz targets assert what every parser in this package promises: no
// panic, and every error a *ParseError. Their seeds are the interop
// fixtures in testdata (written by OpenSSL, keytool and NSS) plus files
// pkit writes, and they run in "go test"; "make fuzz" runs each briefly.

func addFixtures(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func allFixtures(f *testing.F) {
	m, _ := filepath.Glob("testdata/*.*")
	for _, p := range m {
		if filepath.Ext(p) != ".sh" {
			addFixtures(f, filepath.Base(p))
		}
	}
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("error %T %q is not a *ParseError", err, err)
	}
	if pe != nil && pe.Error() == "" {
		t.Fatal("empty error message")
	}
}

func FuzzDetect(f *testing.F) {
	allFixtures(f)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, err := Detect(data)
		checkErr(t, err)
		if err == nil && len(fm.Kinds) == 0 {
			t.Fatal("Detect succeeded with no items")
		}
	})
}

// FuzzParsePEM parses PEM bundles and checks that every certificate read
// survives a PEM round trip unchanged.
func FuzzParsePEM(f *testing.F) {
	addFixtures(f, "leaf.pem", "ca.pem", "leaf.key", "leaf-sec1.key", "leaf-enc.key", "rsa-legacy-enc.key", "leaf.csr", "ca.crl")
	f.Add(append(append([]byte("\ufefftext\r\n"), readFixtureF(f, "leaf.pem")...), readFixtureF(f, "ca.pem")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := Parse(data, ParseOptions{Password: password("pw")})
		checkErr(t, err)
		for _, it := range items {
			if it.Certificate == nil {
				continue
			}
			again, err := Parse(EncodePEM("CERTIFICATE", it.Certificate.Raw), ParseOptions{})
			if err != nil || !bytes.Equal(again[0].Certificate.Raw, it.Certificate.Raw) {
				t.Fatalf("PEM round trip: %v", err)
			}
		}
	})
}

func readFixtureF(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzParseDER(f *testing.F) {
	addFixtures(f, "leaf.der", "chain.p7b", "empty.p7b")
	p := newPKI(f)
	f.Add(p.crl.Raw)
	f.Add(p.csr.Raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data, ParseOptions{})
		checkErr(t, err)
	})
}

func FuzzDecodePKCS12(f *testing.F) {
	addFixtures(f, "openssl.p12", "openssl-legacy.p12", "nss.p12", "keytool.p12", "pbes2/camellia-256-cbc.p12", "pbes2/aria-128-cbc.p12")
	p := newPKI(f)
	f.Add(twoKeyPKCS12(f, p))
	f.Add(manyPartsPKCS12(f, 3, maxKDFIterations, 1)) // over the total key-derivation budget
	f.Add(deepBER(maxDepth + 2))
	pbmac1 := must(gopkcs12.Modern2026.WithIterations(1).Encode(p.leafKey, p.leaf, nil, "pw"))
	f.Add(pbmac1)
	f.Add(forgePBMAC1(f, pbmac1, "pw", 1, nil, nil)) // PBMAC1 with a forgeable 1-byte key
	f.Add(must(EncodePKCS12(p.leafKey, p.leaf, []*x509.Certificate{p.inter}, "pw", PKCS12Options{Iterations: 1})))
	f.Add(must(EncodeTrustStore([]*x509.Certificate{p.root}, "pw", PKCS12Options{Iterations: 1, Legacy: true})))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := DecodePKCS12(data, password("pw"))
		checkErr(t, err)
	})
}

func FuzzDecodePKCS7(f *testing.F) {
	addFixtures(f, "chain.p7b", "empty.p7b")
	f.Add(deepBER(maxDepth + 2)) // BER nested deeper than pkit follows
	f.Add(append([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80}, deepBER(40)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePKCS7(data)
		checkErr(t, err)
		// A signed message may carry signer infos and no certificate or
		// CRL: nothing to write back as a bundle.
		if err == nil && len(p.Certificates)+len(p.CRLs) > 0 {
			again, err := EncodePKCS7(p.Certificates, p.CRLs)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodePKCS7(again); err != nil {
				t.Fatalf("re-encoded bundle does not parse: %v", err)
			}
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	addFixtures(f, "ca.crl")
	f.Add(newPKI(f).crl.Raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseCRL(data)
		checkErr(t, err)
	})
}

func FuzzParseCSR(f *testing.F) {
	addFixtures(f, "leaf.csr")
	f.Add(newPKI(f).csr.Raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseCSR(data)
		checkErr(t, err)
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	addFixtures(f, "leaf.key", "leaf-sec1.key", "leaf-enc.key", "rsa-legacy-enc.key", "pbes2/camellia-256-cbc.key", "pbes2/aria-256-cbc.key")
	p := newPKI(f)
	f.Add(must(EncryptPrivateKey(p.leafKey, []byte("pw"), false)))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParsePrivateKey(data, password("pw"))
		checkErr(t, err)
	})
}

// FuzzParseCertificatePile reads piles around their bad certificates:
// every error and every note must be a *ParseError naming what it is
// about, and every note a certificate.
func FuzzParseCertificatePile(f *testing.F) {
	addFixtures(f, "leaf.pem", "ca.pem", "explicit-ec.pem", "v1.pem", "dsa-cert.pem", "pss-cert.pem", "chain.p7b")
	f.Add(append(append(readFixtureF(f, "leaf.pem"), "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n"...), readFixtureF(f, "explicit-ec.pem")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseCertificatePile(data, ParseOptions{})
		checkErr(t, err)
		for _, n := range p.Skipped {
			if n == nil || n.Error() == "" || n.Kind != KindCertificate {
				t.Fatalf("note %v", n)
			}
		}
		if err == nil && len(p.Certificates)+len(p.Skipped)+len(p.Others) == 0 {
			t.Fatal("nothing read and no error")
		}
		// Read lazily, the pile is the same: the certificates that parse
		// are those read at once, and those that do not are skipped
		// either at once or when parsed, with the same error.
		ip, ierr := ParseCertificatePile(data, ParseOptions{Index: true})
		checkErr(t, ierr)
		if (err == nil) != (ierr == nil) {
			t.Fatalf("indexed: %v, parsed: %v", ierr, err)
		}
		skipped := append([]*ParseError(nil), ip.Skipped...)
		var certs []*x509.Certificate
		for _, pc := range ip.Indexed {
			c, err := pc.Certificate()
			var pe *ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("error %T %v", err, err)
			}
			if pe != nil {
				skipped = append(skipped, pe)
			} else {
				certs = append(certs, c)
			}
		}
		if len(certs) != len(p.Certificates) || len(skipped) != len(p.Skipped) {
			t.Fatalf("indexed: %d certificates, %d skipped; parsed: %d, %d", len(certs), len(skipped), len(p.Certificates), len(p.Skipped))
		}
		for i, c := range certs {
			if !c.Equal(p.Certificates[i]) {
				t.Fatalf("certificate %d differs", i)
			}
		}
		for _, pe := range p.Skipped {
			if !slices.ContainsFunc(skipped, func(q *ParseError) bool { return q.Error() == pe.Error() }) {
				t.Fatalf("skipped %v, not when indexed", pe)
			}
		}
	})
}

package formats

import (
	"crypto/x509"
	"testing"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

// TestPKCS12AgainstGoPKCS12 checks pkit's PKCS#12 code against an
// independent implementation both ways, including go-pkcs12's Modern2026
// encoder, whose PBMAC1 MAC OpenSSL 3.0 cannot write.
func TestPKCS12AgainstGoPKCS12(t *testing.T) {
	p := newPKI(t)
	chain := []*x509.Certificate{p.inter, p.root}
	for _, legacy := range []bool{false, true} {
		der, err := EncodePKCS12(p.leafKey, p.leaf, chain, "pw", PKCS12Options{Legacy: legacy})
		if err != nil {
			t.Fatal(err)
		}
		key, cert, cas, err := gopkcs12.DecodeChain(der, "pw")
		if err != nil || cert == nil || key == nil || len(cas) != 2 || !cas[0].Equal(p.inter) {
			t.Fatalf("go-pkcs12 reading pkit's (legacy=%v): %v", legacy, err)
		}
	}
	ts, err := EncodeTrustStore(chain, "pw", PKCS12Options{})
	if err != nil {
		t.Fatal(err)
	}
	if certs, err := gopkcs12.DecodeTrustStore(ts, "pw"); err != nil || len(certs) != 2 {
		t.Fatalf("go-pkcs12 reading pkit's trust store: %v", err)
	}

	for _, tt := range []struct {
		name string
		enc  *gopkcs12.Encoder
		mac  string
	}{
		{"Modern2026 (PBMAC1)", gopkcs12.Modern2026, "PBMAC1-HMAC-SHA256"},
		{"Modern2023", gopkcs12.Modern2023, "HMAC-SHA256"},
		{"LegacyDES", gopkcs12.LegacyDES, "HMAC-SHA1"},
		{"LegacyRC2", gopkcs12.LegacyRC2, "HMAC-SHA1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			der, err := tt.enc.Encode(p.leafKey, p.leaf, chain, "pw")
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodePKCS12(der, password("pw"))
			if err != nil {
				t.Fatal(err)
			}
			if got.MAC != tt.mac || !got.Leaf.Certificate.Equal(p.leaf) || len(got.Chain) != 2 {
				t.Fatalf("%+v", got)
			}
			if _, err := DecodePKCS12(der, password("nope")); err == nil {
				t.Fatal("wrong password accepted")
			}
		})
	}
	ts, err = gopkcs12.Passwordless.EncodeTrustStore(chain, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePKCS12(ts, nil)
	if err != nil || len(got.Chain) != 2 || !got.Chain[0].JavaTrusted || got.MAC != "" {
		t.Fatalf("passwordless trust store: %+v %v", got, err)
	}
}

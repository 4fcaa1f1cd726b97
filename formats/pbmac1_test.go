package formats

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"testing"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

// forgePBMAC1 rewrites the PBMAC1 parameters of a PKCS#12 file: the
// PBKDF2 keyLength becomes keyLen (0 leaves it out), prf and mac replace
// the PRF and MAC algorithms when not nil, and the MAC is recomputed for
// password pw with that key length, as a forger would.
func forgePBMAC1(t testing.TB, der []byte, pw string, keyLen int, prf, mac asn1.ObjectIdentifier) []byte {
	t.Helper()
	var pfx pfxPDU
	if err := unmarshalDER(der, &pfx); err != nil {
		t.Fatal(err)
	}
	var authSafe []byte
	if err := unmarshalDER(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		t.Fatal(err)
	}
	var p pbmac1Params
	if err := unmarshalDER(pfx.MacData.Mac.Algorithm.Parameters.FullBytes, &p); err != nil {
		t.Fatal(err)
	}
	var kp pbkdf2Params
	if err := unmarshalDER(p.KDF.Parameters.FullBytes, &kp); err != nil {
		t.Fatal(err)
	}
	kp.KeyLength = keyLen
	if prf != nil {
		kp.PRF = pkix.AlgorithmIdentifier{Algorithm: prf, Parameters: nullParams}
	}
	if mac != nil {
		p.MAC = pkix.AlgorithmIdentifier{Algorithm: mac, Parameters: nullParams}
	}
	p.KDF.Parameters = asn1.RawValue{FullBytes: mustMarshal(t, kp)}
	pfx.MacData.Mac.Algorithm.Parameters = asn1.RawValue{FullBytes: mustMarshal(t, p)}
	n := keyLen
	if n == 0 {
		n = 32
	}
	key, err := pbkdf2.Key(sha256.New, pw, kp.Salt, kp.Iterations, n)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write(authSafe)
	pfx.MacData.Mac.Digest = m.Sum(nil)
	return mustMarshal(t, pfx)
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPBMAC1UnsafeParameters: a PBMAC1 MAC whose PBKDF2 key is shorter
// than the HMAC's output can be forged (a 1-byte key opens with one wrong
// password in 256), so such files are refused for every password, the
// right one included, with ErrUnsafeIntegrity; unknown PRF or MAC
// algorithms are refused as unsupported.
func TestPBMAC1UnsafeParameters(t *testing.T) {
	p := newPKI(t)
	good := must(gopkcs12.Modern2026.WithIterations(1).Encode(p.leafKey, p.leaf, nil, "pw"))
	if got, err := DecodePKCS12(good, password("pw")); err != nil || got.MAC != "PBMAC1-HMAC-SHA256" {
		t.Fatalf("good PBMAC1 file: %v", err)
	}
	if _, err := DecodePKCS12(forgePBMAC1(t, good, "pw", 32, nil, nil), password("pw")); err != nil {
		t.Fatalf("re-encoded with keyLength 32: %v", err)
	}
	for _, tt := range []struct {
		name     string
		keyLen   int
		prf, mac asn1.ObjectIdentifier
		want     error
	}{
		{"keyLength 1", 1, nil, nil, ErrUnsafeIntegrity},
		{"keyLength 16", 16, nil, nil, ErrUnsafeIntegrity},
		{"keyLength absent", 0, nil, nil, ErrUnsafeIntegrity},
		{"keyLength 64 for SHA-256", 64, nil, nil, ErrUnsafeIntegrity},
		{"PRF not an HMAC", 32, oidSHA256, nil, ErrUnsupported},
		{"MAC not an HMAC", 32, nil, oidSHA256, ErrUnsupported},
		{"unknown MAC", 32, nil, asn1.ObjectIdentifier{1, 2, 3}, ErrUnsupported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			forged := forgePBMAC1(t, good, "pw", tt.keyLen, tt.prf, tt.mac)
			_, err := DecodePKCS12(forged, password("pw"))
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) {
				t.Fatalf("right password: got %v, want a *ParseError wrapping %v", err, tt.want)
			}
			if tt.want == ErrUnsafeIntegrity {
				if _, err := Parse(forged, ParseOptions{Password: password("pw")}); !errors.Is(err, ErrUnsafeIntegrity) {
					t.Fatalf("Parse: %v", err)
				}
			}
		})
	}
	// With a 1-byte key about one wrong password in 256 used to open the
	// file; now none does.
	forged := forgePBMAC1(t, good, "pw", 1, nil, nil)
	for i := range 600 {
		_, err := DecodePKCS12(forged, password(fmt.Sprintf("wrong%d", i)))
		if !errors.Is(err, ErrUnsafeIntegrity) {
			t.Fatalf("wrong password %d: got %v, want ErrUnsafeIntegrity", i, err)
		}
	}
}

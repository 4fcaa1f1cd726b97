package formats

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"
	"time"
)

// manyPartsPKCS12 builds a PKCS#12 file with n encrypted parts, each
// declaring iterations PBKDF2 iterations (their content is noise: a file
// over the budget is refused before anything is derived), and an
// HMAC-SHA1 MAC with macIterations.
func manyPartsPKCS12(t testing.TB, n, iterations, macIterations int) []byte {
	t.Helper()
	kdf := mustMarshal(t, pbkdf2Params{Salt: make([]byte, 8), Iterations: iterations, PRF: hmacSHA256AlgoID})
	iv := mustMarshal(t, make([]byte, 16))
	params := mustMarshal(t, pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		Scheme: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: iv}},
	})
	alg := pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}}
	var safes []contentInfo
	for range n {
		ed := mustMarshal(t, encryptedData{EncryptedContentInfo: encryptedContentInfo{
			ContentType: oidPKCS7Data, ContentEncryptionAlgorithm: alg,
			EncryptedContent: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: make([]byte, 32)},
		}})
		safes = append(safes, contentInfo{ContentType: oidPKCS7Encrypted, Content: explicit0(ed)})
	}
	der, err := finishPFX(safes, pbEncryptAlgorithm{legacy: true, iterations: macIterations}, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestPKCS12TotalWork: the key-derivation work of one file is capped in
// total (MaxPKCS12KDFIterations), not only per part, and a file over the
// cap is refused before any key is derived, so a small hostile file
// cannot keep pkit hashing for long.
func TestPKCS12TotalWork(t *testing.T) {
	for _, tt := range []struct {
		name             string
		parts, iter, mac int
		refused          bool
	}{
		{"20 parts at the per-part cap", 20, maxKDFIterations, 1, true},
		{"2 parts at the cap and the MAC", 2, maxKDFIterations, 1, true},
		{"3 parts of 3M", 3, 3 << 20, 1, true},
		{"MAC at the cap and two parts at half the cap", 2, maxKDFIterations/2 + 1, maxKDFIterations, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := manyPartsPKCS12(t, tt.parts, tt.iter, tt.mac)
			start := time.Now()
			_, err := DecodePKCS12(data, password("pw"))
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrTooMuchWork) {
				t.Fatalf("got %v, want a *ParseError wrapping ErrTooMuchWork", err)
			}
			if _, err := Parse(data, ParseOptions{Password: password("pw")}); !errors.Is(err, ErrTooMuchWork) {
				t.Fatalf("Parse: %v", err)
			}
			// Refused up front: no MAC or part was derived (each would
			// take seconds). Not a timing test: a whole minute is allowed.
			if time.Since(start) > time.Minute {
				t.Fatal("refused only after deriving keys")
			}
		})
	}
}

// TestKDFBudgetShared: a budget shared by several parses (a folder) caps
// them together; each PKCS#12 part, encrypted key and MAC is charged its
// declared iterations.
func TestKDFBudgetShared(t *testing.T) {
	p := newPKI(t)
	p12 := must(EncodePKCS12(p.leafKey, p.leaf, nil, "pw", PKCS12Options{Iterations: 100}))
	b := NewKDFBudget(1000)
	if _, err := Parse(p12, ParseOptions{Password: password("pw"), KDFBudget: b}); err != nil {
		t.Fatal(err)
	}
	if b.Left() != 1000-300 { // the MAC, the certificates, the key
		t.Fatalf("left %d, want 700", b.Left())
	}
	for range 2 {
		if _, err := Parse(p12, ParseOptions{Password: password("pw"), KDFBudget: b}); err != nil && !errors.Is(err, ErrTooMuchWork) {
			t.Fatal(err)
		}
	}
	if _, err := Parse(p12, ParseOptions{Password: password("pw"), KDFBudget: b}); !errors.Is(err, ErrTooMuchWork) {
		t.Fatalf("over the shared budget: %v", err)
	}
	// Encrypted keys in a PEM bundle count too.
	key := must(EncryptPrivateKey(p.leafKey, []byte("pw"), true))
	bundle := append(append(append([]byte{}, key...), key...), key...)
	if _, err := Parse(bundle, ParseOptions{Password: password("pw"), KDFBudget: NewKDFBudget(2 * KeyEncryptionIterations)}); !errors.Is(err, ErrTooMuchWork) {
		t.Fatalf("three encrypted keys on a budget for two: %v", err)
	}
	if _, err := Parse(bundle, ParseOptions{Password: password("pw")}); err != nil {
		t.Fatal(err)
	}
	_ = x509.Certificate{}
}

// TestBERToDER: indefinite lengths, segmented (and nested segmented)
// OCTET STRINGs and non-minimal lengths become DER; definite subtrees are
// copied unchanged; nesting deeper than maxDepth is refused, not followed.
func TestBERToDER(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ber     []byte
		der     []byte
		wantErr bool
	}{
		{"DER unchanged", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, false},
		{"indefinite", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0, 0}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, false},
		{"nested indefinite", []byte{0x30, 0x80, 0xa0, 0x80, 0x02, 0x01, 0x05, 0, 0, 0, 0}, []byte{0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0x05}, false},
		{"segmented octets", []byte{0x24, 0x80, 0x04, 0x01, 'a', 0x24, 0x04, 0x04, 0x02, 'b', 'c', 0, 0}, []byte{0x04, 0x03, 'a', 'b', 'c'}, false},
		{"non-minimal length kept in an unchanged subtree", []byte{0x30, 0x80, 0x30, 0x81, 0x03, 0x02, 0x01, 0x05, 0, 0}, []byte{0x30, 0x06, 0x30, 0x81, 0x03, 0x02, 0x01, 0x05}, false},
		{"missing end-of-contents", []byte{0x30, 0x80, 0x02, 0x01, 0x05}, nil, true},
		{"primitive indefinite", []byte{0x04, 0x80, 0, 0}, nil, true},
		{"segment not an OCTET STRING", []byte{0x24, 0x80, 0x02, 0x01, 0x05, 0, 0}, nil, true},
		{"too deep", deepBER(maxDepth + 2), nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			der, rest, err := toDER(tt.ber, 0)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if !tt.wantErr && (string(der) != string(tt.der) || len(rest) != 0) {
				t.Fatalf("got % x, want % x", der, tt.der)
			}
		})
	}
	if _, err := DecodePKCS7(deepBER(10000)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("deep nesting: %v", err)
	}
}

// deepBER is n nested indefinite-length SEQUENCEs.
func deepBER(n int) []byte {
	b := make([]byte, 0, 4*n)
	for range n {
		b = append(b, 0x30, 0x80)
	}
	for range n {
		b = append(b, 0, 0)
	}
	return b
}

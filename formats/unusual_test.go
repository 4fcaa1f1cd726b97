package formats

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA keys are read, never made
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// TestPKCS12Unusual reads PKCS#12 files other tools make that pkit used
// to refuse: an RSASSA-PSS key and a DSA key (openssl genpkey), PBES2
// with RC2-CBC (openssl pkcs12 -legacy -keypbe rc2-cbc), and a keytool
// keystore with two key entries. The fixtures and the commands that made
// them are in testdata (generate.sh). Every key must be paired with its
// certificate (their public keys equal) and sign something the
// certificate's key verifies.
func TestPKCS12Unusual(t *testing.T) {
	for _, tt := range []struct {
		file, password string
		names          []string // friendly name of each key, in order
		keyDesc        string
		certDesc       string
		keyEnc         string
		chain          int
	}{
		{"pss.p12", "pw", []string{"pss"}, "RSA 2048", "RSASSA-PSS 2048", "AES-256-CBC", 0},
		{"dsa.p12", "pw", []string{"dsa"}, "DSA 2048", "DSA 2048", "AES-256-CBC", 0},
		{"rc2-pbes2.p12", "pw", []string{"leaf"}, "ECDSA P-256", "ECDSA P-256", "RC2-128-CBC", 1},
		{"keytool-two.p12", "changeit", []string{"first", "second"}, "ECDSA P-384", "ECDSA P-384", "", 0},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, tt.file)
			got, err := DecodePKCS12(data, password(tt.password))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Keys) != len(tt.names) || got.Key != got.Keys[0].Key || got.Leaf != got.Keys[0].Leaf {
				t.Fatalf("%d keys, want %d", len(got.Keys), len(tt.names))
			}
			for i, k := range got.Keys {
				if k.FriendlyName != tt.names[i] || k.Leaf == nil {
					t.Fatalf("key %d: name %q, leaf %v", i, k.FriendlyName, k.Leaf)
				}
				pub, _ := CertificatePublicKey(k.Leaf.Certificate)
				if !PublicKeysEqual(pub, k.Key.Public()) {
					t.Fatalf("key %d is not its certificate's", i)
				}
				if d := KeyDescription(k.Key.Public()); !strings.HasPrefix(d, strings.Fields(tt.keyDesc)[0]) {
					t.Fatalf("key %d: %s, want %s", i, d, tt.keyDesc)
				}
				if d := CertificateKeyDescription(k.Leaf.Certificate); tt.file != "keytool-two.p12" && d != tt.certDesc {
					t.Fatalf("certificate key: %s, want %s", d, tt.certDesc)
				}
				checkSigns(t, k.Key, pub)
			}
			if tt.keyEnc != "" && (got.KeyEncryption == nil || got.KeyEncryption.Cipher != tt.keyEnc) {
				t.Fatalf("key encryption %v, want %s", got.KeyEncryption, tt.keyEnc)
			}
			if len(got.Chain) != tt.chain || len(got.Certificates()) != len(tt.names)+tt.chain {
				t.Fatalf("chain %d, certificates %d", len(got.Chain), len(got.Certificates()))
			}
			if _, err := DecodePKCS12(data, password("nope")); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("wrong password: %v", err)
			}
			// Parse gives the same keys, and they survive PKCS#8.
			items, err := Parse(data, ParseOptions{Password: password(tt.password)})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range PrivateKeys(items) {
				pem, err := MarshalPrivateKey(k, KeyFormatPKCS8, true)
				if err != nil {
					t.Fatal(err)
				}
				again, err := ParsePrivateKey(pem, nil)
				if err != nil || !PublicKeysEqual(again.Public(), k.Public()) {
					t.Fatalf("PKCS#8 round trip: %v", err)
				}
			}
		})
	}
}

func checkSigns(t *testing.T, k crypto.Signer, pub crypto.PublicKey) {
	t.Helper()
	sum := sha256.Sum256([]byte("pkit"))
	switch p := pub.(type) {
	case *rsa.PublicKey:
		sig, err := k.Sign(rand.Reader, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
		if err != nil || rsa.VerifyPSS(p, crypto.SHA256, sum[:], sig, nil) != nil {
			t.Fatalf("PSS signature: %v", err)
		}
	case *dsa.PublicKey:
		sig, err := k.Sign(rand.Reader, sum[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &rs); err != nil || !dsa.Verify(p, sum[:p.Q.BitLen()/8], rs.R, rs.S) { //nolint:staticcheck
			t.Fatalf("DSA signature does not verify: %v", err)
		}
	}
}

// TestPKCS12LegacyPBE: the old encryption schemes OpenSSL 3 reads with
// -legacy (PKCS#12's RC4, PKCS#5 v1.5's PBES1 with MD5 or SHA-1 and DES
// or RC2-64, PBES2 with single DES) open with the right password, give
// the key and its certificate, and say "wrong password" for another.
func TestPKCS12LegacyPBE(t *testing.T) {
	want := readFixture(t, "leaf.key")
	wantKey, err := ParsePrivateKey(want, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, cipher string }{
		{"PBE-SHA1-RC4-128.p12", "RC4-128"},
		{"PBE-SHA1-RC4-40.p12", "RC4-40"},
		{"PBE-MD5-DES.p12", "DES-CBC"},
		{"PBE-SHA1-DES.p12", "DES-CBC"},
		{"PBE-MD5-RC2-64.p12", "RC2-64-CBC"},
		{"PBE-SHA1-RC2-64.p12", "RC2-64-CBC"},
		{"des-cbc.p12", "DES-CBC"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, "legacy/"+tt.file)
			got, err := DecodePKCS12(data, password("pw"))
			if err != nil {
				t.Fatal(err)
			}
			if !PublicKeysEqual(got.Key.Public(), wantKey.Public()) || got.Leaf == nil || len(got.Chain) != 1 ||
				got.KeyEncryption.Cipher != tt.cipher || got.CertEncryption.Cipher != tt.cipher {
				t.Fatalf("%+v key %v cert %v", got, got.KeyEncryption, got.CertEncryption)
			}
			if _, err := DecodePKCS12(data, password("nope")); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
	k, err := ParsePrivateKey(readFixture(t, "legacy/pbe-md5-des.key"), password("pw"))
	if err != nil || !PublicKeysEqual(k.Public(), wantKey.Public()) {
		t.Fatalf("PBES1 PKCS#8 key: %v", err)
	}
	if _, err := ParsePrivateKey(readFixture(t, "legacy/pbe-md5-des.key"), password("nope")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("PBES1 key, wrong password: %v", err)
	}
}

// TestDSATraditionalKey: OpenSSL's "DSA PRIVATE KEY" reads as the DSA key
// of dsa.p12.
func TestDSATraditionalKey(t *testing.T) {
	p12, err := DecodePKCS12(readFixture(t, "dsa.p12"), password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := Parse(readFixture(t, "dsa-trad.key"), ParseOptions{})
	if err != nil || items[0].KeyFormat != KeyFormatTraditionalDSA || !PublicKeysEqual(items[0].PrivateKey.Public(), p12.Key.Public()) {
		t.Fatalf("traditional DSA key: %v", err)
	}
	if _, err := Parse(EncodePEM("DSA PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00}), ParseOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("broken DSA key: %v", err)
	}
}

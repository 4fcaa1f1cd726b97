package formats

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// blockCiphers are pkit's own block ciphers (camellia.go, aria.go) under
// OpenSSL's names for their CBC modes.
var blockCiphers = []struct {
	name   string // openssl enc's cipher name
	keyLen int
	new    func([]byte) (cipher.Block, error)
}{
	{"camellia-128-cbc", 16, newCamellia},
	{"camellia-192-cbc", 24, newCamellia},
	{"camellia-256-cbc", 32, newCamellia},
	{"aria-128-cbc", 16, newARIA},
	{"aria-192-cbc", 24, newARIA},
	{"aria-256-cbc", 32, newARIA},
}

// TestBlockCipherKnownAnswers checks the test vectors of RFC 3713
// (appendix A) and RFC 5794 (appendix A) in both directions.
func TestBlockCipherKnownAnswers(t *testing.T) {
	for _, tt := range []struct {
		name                   string
		new                    func([]byte) (cipher.Block, error)
		key, plain, wantCipher string
	}{
		{"Camellia-128", newCamellia, "0123456789abcdeffedcba9876543210",
			"0123456789abcdeffedcba9876543210", "67673138549669730857065648eabe43"},
		{"Camellia-192", newCamellia, "0123456789abcdeffedcba98765432100011223344556677",
			"0123456789abcdeffedcba9876543210", "b4993401b3e996f84ee5cee7d79b09b9"},
		{"Camellia-256", newCamellia, "0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff",
			"0123456789abcdeffedcba9876543210", "9acc237dff16d76c20ef7c919e3a7509"},
		{"ARIA-128", newARIA, "000102030405060708090a0b0c0d0e0f",
			"00112233445566778899aabbccddeeff", "d718fbd6ab644c739da95f3be6451778"},
		{"ARIA-192", newARIA, "000102030405060708090a0b0c0d0e0f1011121314151617",
			"00112233445566778899aabbccddeeff", "26449c1805dbe7aa25a468ce263a9e79"},
		{"ARIA-256", newARIA, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			"00112233445566778899aabbccddeeff", "f92bd7c79fb72e2f2b8f80c1972d24fc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key, _ := hex.DecodeString(tt.key)
			plain, _ := hex.DecodeString(tt.plain)
			b, err := tt.new(key)
			if err != nil {
				t.Fatal(err)
			}
			if b.BlockSize() != 16 {
				t.Fatalf("block size %d", b.BlockSize())
			}
			got := make([]byte, 16)
			b.Encrypt(got, plain)
			if hex.EncodeToString(got) != tt.wantCipher {
				t.Errorf("encrypt: %x, want %s", got, tt.wantCipher)
			}
			b.Decrypt(got, got) // in place, as CBC decryption may do
			if !bytes.Equal(got, plain) {
				t.Errorf("decrypt: %x, want %x", got, plain)
			}
		})
	}
	for _, n := range []int{0, 15, 17, 33} {
		if _, err := newCamellia(make([]byte, n)); err == nil {
			t.Errorf("Camellia accepted a %d-byte key", n)
		}
		if _, err := newARIA(make([]byte, n)); err == nil {
			t.Errorf("ARIA accepted a %d-byte key", n)
		}
	}
}

// TestBlockCipherOpenSSL encrypts random data in CBC mode with pkit's
// ciphers and with "openssl enc -nopad": the bytes must be the same, and
// pkit must decrypt them back.
func TestBlockCipherOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required under CI=true; install it in .ci/run")
		}
		t.Skip("openssl not installed")
	}
	plain := make([]byte, 16*37)
	for _, c := range blockCiphers {
		t.Run(c.name, func(t *testing.T) {
			key, iv := make([]byte, c.keyLen), make([]byte, 16)
			rand.Read(key)
			rand.Read(iv)
			rand.Read(plain)
			cmd := exec.Command("openssl", "enc", "-"+c.name, "-nopad", "-K", hex.EncodeToString(key), "-iv", hex.EncodeToString(iv))
			cmd.Stdin = bytes.NewReader(plain)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("openssl enc: %v: %s", err, stderr.String())
			}
			b, err := c.new(key)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(plain))
			cipher.NewCBCEncrypter(b, iv).CryptBlocks(got, plain)
			if !bytes.Equal(got, want) {
				t.Fatalf("pkit and openssl differ for key %x iv %x", key, iv)
			}
			cipher.NewCBCDecrypter(b, iv).CryptBlocks(got, got)
			if !bytes.Equal(got, plain) {
				t.Fatal("decrypting openssl's output does not give the input back")
			}
		})
	}
}

// TestPKCS12CamelliaARIA reads what "openssl pkcs12 -export -keypbe
// CAMELLIA-256-CBC -certpbe CAMELLIA-256-CBC" (and the other Camellia
// and ARIA sizes) writes, and PKCS#8 keys from "openssl pkcs8 -topk8 -v2
// camellia-256-cbc" (fixtures: testdata/generate.sh): the right key and
// certificates with the right password, "wrong password" for another.
func TestPKCS12CamelliaARIA(t *testing.T) {
	wantKey, err := ParsePrivateKey(readFixture(t, "leaf.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range blockCiphers {
		t.Run(c.name, func(t *testing.T) {
			data := readFixture(t, "pbes2/"+c.name+".p12")
			got, err := DecodePKCS12(data, password("pw"))
			if err != nil {
				t.Fatal(err)
			}
			want := Encryption{Cipher: strings.ToUpper(c.name), KDF: "PBKDF2-HMAC-SHA256", Iterations: 2048}
			if !PublicKeysEqual(got.Key.Public(), wantKey.Public()) || got.Leaf == nil || len(got.Chain) != 1 ||
				*got.KeyEncryption != want || *got.CertEncryption != want {
				t.Fatalf("%+v key %v cert %v", got, got.KeyEncryption, got.CertEncryption)
			}
			if _, err := DecodePKCS12(data, password("nope")); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
	for _, name := range []string{"camellia-256-cbc.key", "aria-256-cbc.key"} {
		data := readFixture(t, "pbes2/"+name)
		k, err := ParsePrivateKey(data, password("pw"))
		if err != nil || !PublicKeysEqual(k.Public(), wantKey.Public()) {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := ParsePrivateKey(data, password("nope")); !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("%s, wrong password: %v", name, err)
		}
	}
}

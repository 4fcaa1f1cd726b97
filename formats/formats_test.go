package formats

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPKI is a root, an intermediate and a leaf with their keys, made
// once per test binary.
type testPKI struct {
	rootKey, interKey, leafKey crypto.Signer
	root, inter, leaf          *x509.Certificate
	crl                        *x509.RevocationList
	csr                        *x509.CertificateRequest
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newPKI(t testing.TB) *testPKI {
	pkiOnce.Do(func() {
		p := &testPKI{rootKey: mustKey(t), interKey: mustKey(t), leafKey: mustKey(t)}
		now := time.Now()
		mk := func(tmpl, parent *x509.Certificate, pub crypto.PublicKey, priv crypto.Signer) *x509.Certificate {
			der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
			if err != nil {
				t.Fatal(err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
		p.root = mk(rootT, rootT, p.rootKey.Public(), p.rootKey)
		interT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test Intermediate"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, PermittedDNSDomains: []string{"example.com"}}
		p.inter = mk(interT, p.root, p.interKey.Public(), p.rootKey)
		leafT := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "-----BEGIN CERTIFICATE-----"}, DNSNames: []string{"a.example.com"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		p.leaf = mk(leafT, p.inter, p.leafKey.Public(), p.interKey)
		crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(7), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(3), RevocationTime: now, ReasonCode: 1}}}, p.inter, p.interKey)
		if err != nil {
			t.Fatal(err)
		}
		if p.crl, err = x509.ParseRevocationList(crlDER); err != nil {
			t.Fatal(err)
		}
		csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr"}, DNSNames: []string{"csr.example"}}, p.leafKey)
		if err != nil {
			t.Fatal(err)
		}
		if p.csr, err = x509.ParseCertificateRequest(csrDER); err != nil {
			t.Fatal(err)
		}
		pkiVal = p
	})
	return pkiVal
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func password(s string) func() ([]byte, error) {
	return func() ([]byte, error) { return []byte(s), nil }
}

func TestDetect(t *testing.T) {
	p := newPKI(t)
	certPEM := EncodePEM("CERTIFICATE", p.leaf.Raw)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(p.leafKey)
	sec1, _ := x509.MarshalECPrivateKey(p.leafKey.(*ecdsa.PrivateKey))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey)
	spki, _ := x509.MarshalPKIXPublicKey(p.leafKey.Public())
	encKey, _ := EncryptPrivateKey(p.leafKey, []byte("pw"), false)
	p7, _ := EncodePKCS7([]*x509.Certificate{p.leaf, p.inter}, nil)
	p12, err := EncodePKCS12(p.leafKey, p.leaf, []*x509.Certificate{p.inter}, "pw", PKCS12Options{Iterations: 1})
	if err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(append(append([]byte{}, certPEM...), EncodePEM("PRIVATE KEY", pkcs8)...), []byte("\n"), []byte("\r\n"))
	tests := []struct {
		name    string
		data    []byte
		enc     Encoding
		kinds   []Kind
		wantErr error
	}{
		{"DER certificate whose subject holds -----BEGIN", p.leaf.Raw, EncodingDER, []Kind{KindCertificate}, nil},
		{"DER CSR", p.csr.Raw, EncodingDER, []Kind{KindCSR}, nil},
		{"DER CRL", p.crl.Raw, EncodingDER, []Kind{KindCRL}, nil},
		{"DER PKCS#8", pkcs8, EncodingDER, []Kind{KindPrivateKey}, nil},
		{"DER SEC 1", sec1, EncodingDER, []Kind{KindPrivateKey}, nil},
		{"DER PKCS#1", pkcs1, EncodingDER, []Kind{KindPrivateKey}, nil},
		{"DER public key", spki, EncodingDER, []Kind{KindPublicKey}, nil},
		{"DER PKCS#1 public key", x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey), EncodingDER, []Kind{KindPublicKey}, nil},
		{"DER encrypted PKCS#8", encKey, EncodingDER, []Kind{KindEncryptedPrivateKey}, nil},
		{"DER PKCS#7", p7, EncodingDER, []Kind{KindPKCS7}, nil},
		{"PKCS#12", p12, EncodingDER, []Kind{KindPKCS12}, nil},
		{"openssl PKCS#12", readFixture(t, "openssl.p12"), EncodingDER, []Kind{KindPKCS12}, nil},
		{"NSS BER PKCS#12", readFixture(t, "nss.p12"), EncodingDER, []Kind{KindPKCS12}, nil},
		{"keytool PKCS#12", readFixture(t, "keytool.p12"), EncodingDER, []Kind{KindPKCS12}, nil},
		{"openssl p7b", readFixture(t, "chain.p7b"), EncodingDER, []Kind{KindPKCS7}, nil},
		{"PEM bundle with BOM, CRLF and text", append(append([]byte("\ufeffsome text\r\n"), crlf...), "trailing\r\n"...), EncodingPEM, []Kind{KindCertificate, KindPrivateKey}, nil},
		{"PEM after openssl -text", append([]byte("Certificate:\n    Data:\n"), certPEM...), EncodingPEM, []Kind{KindCertificate}, nil},
		{"PEM legacy encrypted key", readFixture(t, "rsa-legacy-enc.key"), EncodingPEM, []Kind{KindEncryptedPrivateKey}, nil},
		{"PEM EC PARAMETERS are skipped", append([]byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"), EncodePEM("EC PRIVATE KEY", sec1)...), EncodingPEM, []Kind{KindPrivateKey}, nil},
		{"empty", nil, 0, nil, ErrEmpty},
		{"whitespace", []byte(" \n\t\r\n"), 0, nil, ErrEmpty},
		{"garbage", []byte("hello world"), 0, nil, ErrUnknownFormat},
		{"DER with trailing garbage", append(append([]byte{}, p.leaf.Raw...), 0, 1, 2), 0, nil, ErrTrailingData},
		{"truncated DER", p.leaf.Raw[:100], 0, nil, ErrCorrupt},
		{"truncated PKCS#12", readFixture(t, "openssl.p12")[:1000], 0, nil, ErrCorrupt},
		{"broken base64", []byte("-----BEGIN CERTIFICATE-----\nMIIB$$$notbase64\n-----END CERTIFICATE-----\n"), 0, nil, ErrCorrupt},
		{"missing END line", certPEM[:len(certPEM)-30], 0, nil, ErrCorrupt},
		{"unknown PEM type", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), 0, nil, ErrUnsupported},
		{"too large", make([]byte, MaxInputSize+1), 0, nil, ErrTooLarge},
		{"Java JKS keystore", []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, 0, nil, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Detect(tt.data)
			if tt.wantErr != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, tt.wantErr) {
					t.Fatalf("Detect error = %v, want a *ParseError wrapping %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != tt.enc || !equalKinds(f.Kinds, tt.kinds) {
				t.Fatalf("Detect = %v %v, want %v %v", f.Encoding, f.Kinds, tt.enc, tt.kinds)
			}
		})
	}
}

func equalKinds(a, b []Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseEveryKind(t *testing.T) {
	p := newPKI(t)
	var bundle []byte
	bundle = append(bundle, EncodePEM("CERTIFICATE", p.leaf.Raw)...)
	bundle = append(bundle, EncodePEM("CERTIFICATE REQUEST", p.csr.Raw)...)
	bundle = append(bundle, EncodePEM("X509 CRL", p.crl.Raw)...)
	key, _ := EncodePrivateKeyPEM(p.leafKey)
	bundle = append(bundle, key...)
	items, err := Parse(bundle, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 || items[0].Certificate == nil || items[1].CSR == nil || items[2].CRL == nil || items[3].PrivateKey == nil {
		t.Fatalf("items = %+v", items)
	}
	if items[3].KeyFormat != KeyFormatPKCS8 || items[0].PEMType != "CERTIFICATE" || items[0].Encoding != EncodingPEM {
		t.Fatalf("item details wrong: %+v", items[3])
	}
	if _, err := ParseCSR(bundle); err != nil {
		t.Fatal(err)
	}
	if crl, err := ParseCRL(p.crl.Raw); err != nil || crl.Number.Int64() != 7 {
		t.Fatal(crl, err)
	}
	// A broken block in the middle names its position.
	broken := append(append([]byte{}, bundle...), "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"...)
	_, err = Parse(broken, ParseOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Block != 5 || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("broken 5th block: err = %v", err)
	}
}

func TestPEMDERRoundTrip(t *testing.T) {
	for _, name := range []string{"leaf.pem", "ca.pem"} {
		pemData := readFixture(t, name)
		certs, err := ParseCertificates(pemData)
		if err != nil {
			t.Fatal(err)
		}
		der := certs[0].Raw
		back, err := ParseCertificates(der)
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodePEM("CERTIFICATE", back[0].Raw); !bytes.Equal(got, pemData) {
			t.Errorf("%s: PEM -> DER -> PEM differs", name)
		}
	}
	if der := readFixture(t, "leaf.der"); !bytes.Equal(der, mustCerts(t, readFixture(t, "leaf.pem"))[0].Raw) {
		t.Error("openssl's DER differs from the PEM body")
	}
}

func mustCerts(t testing.TB, data []byte) []*x509.Certificate {
	t.Helper()
	c, err := ParseCertificates(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPKCS7(t *testing.T) {
	certs := append(mustCerts(t, readFixture(t, "leaf.pem")), mustCerts(t, readFixture(t, "ca.pem"))...)
	der, err := EncodePKCS7(certs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := readFixture(t, "chain.p7b"); !bytes.Equal(der, want) {
		t.Fatal("EncodePKCS7 differs from openssl crl2pkcs7 -nocrl")
	}
	p, err := DecodePKCS7(der)
	if err != nil || len(p.Certificates) != 2 || !p.Certificates[0].Equal(certs[0]) {
		t.Fatal(p, err)
	}
	if _, err := DecodePKCS7(readFixture(t, "empty.p7b")); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty p7b: %v", err)
	}
	// With a CRL, and as BER with indefinite lengths.
	crl, err := ParseCRL(readFixture(t, "ca.crl"))
	if err != nil {
		t.Fatal(err)
	}
	der, _ = EncodePKCS7(certs, []*x509.RevocationList{crl})
	if p, err := DecodePKCS7(der); err != nil || len(p.CRLs) != 1 {
		t.Fatal(p, err)
	}
	ber := toBER(t, der)
	if p, err := DecodePKCS7(ber); err != nil || len(p.Certificates) != 2 {
		t.Fatalf("BER p7b: %v", err)
	}
}

// toBER re-encodes the outer layers of a DER structure with indefinite
// lengths, as some Windows and Java tools do.
func toBER(t *testing.T, der []byte) []byte {
	e, _, err := readElement(der, 0)
	if err != nil {
		t.Fatal(err)
	}
	kids, _ := e.children()
	out := []byte{der[0], 0x80}
	for i, k := range kids {
		if i == 1 && k.constructed {
			out = append(out, toBER(t, k.full)...)
			continue
		}
		out = append(out, k.full...)
	}
	return append(out, 0, 0)
}

func TestPKCS12RoundTrip(t *testing.T) {
	p := newPKI(t)
	for _, tt := range []struct {
		name              string
		o                 PKCS12Options
		mac, keyEnc, cert string
	}{
		{"modern", PKCS12Options{FriendlyName: "Alice's cert"}, "HMAC-SHA256", "AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations", "AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations"},
		{"legacy", PKCS12Options{Legacy: true, FriendlyName: "Alice's cert"}, "HMAC-SHA1", "3DES-CBC, PKCS12-KDF-SHA1, 2048 iterations", "3DES-CBC, PKCS12-KDF-SHA1, 2048 iterations"},
	} {
		for _, enc := range pkcs12Encoders {
			t.Run(tt.name+"/"+enc.name, func(t *testing.T) {
				testPKCS12RoundTrip(t, p, enc.encode, tt.o, tt.mac, tt.keyEnc, tt.cert)
			})
		}
	}
}

// pkcs12Encoders are the ways to write a .p12, which must write the same
// file but for the salts and IVs: EncodePKCS12, and a PKCS12Writer's
// first file (keys derived ahead) and second (keys derived anew).
var pkcs12Encoders = []struct {
	name   string
	encode func(key crypto.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate, pw string, o PKCS12Options) ([]byte, error)
}{
	{"EncodePKCS12", EncodePKCS12},
	{"PreparePKCS12", func(key crypto.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate, pw string, o PKCS12Options) ([]byte, error) {
		return PreparePKCS12(pw, o).Encode(key, cert, chain)
	}},
	{"PreparePKCS12 second file", func(key crypto.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate, pw string, o PKCS12Options) ([]byte, error) {
		w := PreparePKCS12(pw, o)
		if _, err := w.Encode(key, cert, chain); err != nil {
			return nil, err
		}
		return w.Encode(key, cert, chain)
	}},
}

func testPKCS12RoundTrip(t *testing.T, p *testPKI, encode func(crypto.PrivateKey, *x509.Certificate, []*x509.Certificate, string, PKCS12Options) ([]byte, error),
	o PKCS12Options, mac, keyEnc, cert string) {
	der, err := encode(p.leafKey, p.leaf, []*x509.Certificate{p.inter, p.root}, "pässword", o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePKCS12(der, password("pässword"))
	if err != nil {
		t.Fatal(err)
	}
	if got.MAC != mac || got.MACIterations != PKCS12Iterations || got.KeyEncryption.String() != keyEnc || got.CertEncryption.String() != cert {
		t.Errorf("algorithms: %s %d / %v / %v", got.MAC, got.MACIterations, got.KeyEncryption, got.CertEncryption)
	}
	if !PublicKeysEqual(got.Key.Public(), p.leafKey.Public()) || !got.Leaf.Certificate.Equal(p.leaf) {
		t.Fatal("key or leaf differ")
	}
	if len(got.Chain) != 2 || !got.Chain[0].Certificate.Equal(p.inter) || !got.Chain[1].Certificate.Equal(p.root) {
		t.Fatal("chain order lost")
	}
	if got.KeyFriendlyName != "Alice's cert" || got.Leaf.FriendlyName != "Alice's cert" {
		t.Errorf("friendly names %q %q", got.KeyFriendlyName, got.Leaf.FriendlyName)
	}
	if len(got.KeyLocalKeyID) != 20 || !bytes.Equal(got.KeyLocalKeyID, got.Leaf.LocalKeyID) {
		t.Errorf("localKeyID %x %x", got.KeyLocalKeyID, got.Leaf.LocalKeyID)
	}
	_, err = DecodePKCS12(der, password("wrong"))
	if !errors.Is(err, ErrWrongPassword) || errors.Is(err, ErrCorrupt) {
		t.Errorf("wrong password: %v", err)
	}
	_, err = DecodePKCS12(der, nil)
	if !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("no password: %v", err)
	}
	_, err = DecodePKCS12(der[:len(der)/2], password("pässword"))
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrWrongPassword) {
		t.Errorf("truncated: %v", err)
	}
	// A damaged MAC: the right password still opens the content,
	// so the file is called damaged; a wrong one is still wrong.
	var pfx pfxPDU
	if err := unmarshalDER(der, &pfx); err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(der, pfx.MacData.Mac.Digest)
	damaged := bytes.Clone(der)
	damaged[at] ^= 1
	_, err = DecodePKCS12(damaged, password("pässword"))
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged MAC, right password: %v", err)
	}
	_, err = DecodePKCS12(damaged, password("wrong"))
	if !errors.Is(err, ErrWrongPassword) {
		t.Errorf("damaged MAC, wrong password: %v", err)
	}
}

// TestPKCS12WriterSalts: every file a PKCS12Writer writes has keys of
// its own (the MAC's salt, derived with the encryptions' keys, tells), as
// EncodePKCS12's files have, and opens with the password; a key that
// does not match the certificate is refused.
func TestPKCS12WriterSalts(t *testing.T) {
	p := newPKI(t)
	for _, legacy := range []bool{false, true} {
		w := PreparePKCS12("pw", PKCS12Options{Legacy: legacy, Iterations: 10})
		seen := map[string]bool{}
		for i := range 3 {
			der, err := w.Encode(p.leafKey, p.leaf, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodePKCS12(der, password("pw")); err != nil {
				t.Fatalf("legacy=%v file %d: %v", legacy, i, err)
			}
			var pfx pfxPDU
			if err := unmarshalDER(der, &pfx); err != nil {
				t.Fatal(err)
			}
			if salt := string(pfx.MacData.MacSalt); seen[salt] {
				t.Errorf("legacy=%v file %d: MAC salt %x used before", legacy, i, salt)
			} else {
				seen[salt] = true
			}
		}
		if _, err := w.Encode(mustKey(t), p.leaf, nil); err == nil {
			t.Errorf("legacy=%v: a key of another certificate was written", legacy)
		}
	}
}

func TestPKCS12EmptyPasswordAndTrustStore(t *testing.T) {
	p := newPKI(t)
	der, err := EncodePKCS12(p.leafKey, p.leaf, nil, "", PKCS12Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePKCS12(der, nil)
	if err != nil || !got.EmptyPassword || got.KeyFriendlyName != p.leaf.Subject.CommonName {
		t.Fatal(got, err)
	}
	ts, err := EncodeTrustStore([]*x509.Certificate{p.root, p.inter}, "pw", PKCS12Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err = DecodePKCS12(ts, password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != nil || got.Leaf != nil || len(got.Chain) != 2 || !got.Chain[0].JavaTrusted || got.Chain[1].FriendlyName != "Test Intermediate" {
		t.Fatalf("trust store: %+v", got)
	}
}

func TestPKCS12FromOtherTools(t *testing.T) {
	for _, tt := range []struct {
		file, password, name string
		chain                int
		mac                  string
	}{
		{"openssl.p12", "pw", "leaf", 1, "HMAC-SHA256"},
		{"openssl-legacy.p12", "pw", "leaf", 1, "HMAC-SHA1"},
		{"nss.p12", "pw", "leaf", 1, "HMAC-SHA256"},
		{"keytool.p12", "changeit", "mykey", 0, "HMAC-SHA256"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			got, err := DecodePKCS12(readFixture(t, tt.file), password(tt.password))
			if err != nil {
				t.Fatal(err)
			}
			if got.Key == nil || got.Leaf == nil || len(got.Chain) != tt.chain || got.KeyFriendlyName != tt.name || got.MAC != tt.mac {
				t.Fatalf("%+v", got)
			}
			if _, err := DecodePKCS12(readFixture(t, tt.file), password("nope")); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
}

// TestPKCS12TwoKeys: a file with two keys and one certificate gives both
// keys, the first paired with its certificate, the second with none.
func TestPKCS12TwoKeys(t *testing.T) {
	p := newPKI(t)
	data := twoKeyPKCS12(t, p)
	got, err := DecodePKCS12(data, password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Keys) != 2 || !PublicKeysEqual(got.Keys[0].Key.Public(), p.leafKey.Public()) || !PublicKeysEqual(got.Keys[1].Key.Public(), p.interKey.Public()) {
		t.Fatalf("keys: %+v", got.Keys)
	}
	if got.Key != got.Keys[0].Key || got.Leaf == nil || !got.Leaf.Certificate.Equal(p.leaf) || got.Keys[1].Leaf != nil || len(got.Chain) != 0 {
		t.Fatalf("%+v", got)
	}
	if n := len(PrivateKeys([]Item{{PKCS12: got}})); n != 2 {
		t.Fatalf("PrivateKeys: %d", n)
	}
}

// twoKeyPKCS12 builds a PKCS#12 file with two key bags.
func twoKeyPKCS12(t testing.TB, p *testPKI) []byte {
	alg := pbEncryptAlgorithm{iterations: 1}
	var bags []safeBag
	for _, k := range []crypto.Signer{p.leafKey, p.interKey} {
		plain, _ := x509.MarshalPKCS8PrivateKey(k)
		a, d, err := pbEncrypt(alg, plain, []byte("pw"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := asn1.Marshal(encryptedPrivateKeyInfo{Algorithm: a, Data: d})
		bags = append(bags, safeBag{ID: oidShroudedKeyBag, Value: explicit0(b)})
	}
	cb, _ := makeCertBag(p.leaf, nil)
	bags = append(bags, cb)
	safe, err := plainSafe(bags)
	if err != nil {
		t.Fatal(err)
	}
	der, err := finishPFX([]contentInfo{safe}, alg, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestKeyFormats(t *testing.T) {
	pkcs8PEM := readFixture(t, "leaf.key")
	sec1PEM := readFixture(t, "leaf-sec1.key")
	key, err := ParsePrivateKey(pkcs8PEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		f    KeyFormat
		want []byte
	}{{KeyFormatPKCS8, pkcs8PEM}, {KeyFormatSEC1, sec1PEM}} {
		got, err := MarshalPrivateKey(key, tt.f, true)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%v: not byte-identical to openssl's (%v)", tt.f, err)
		}
	}
	if _, err := MarshalPrivateKey(key, KeyFormatPKCS1, true); err == nil {
		t.Error("PKCS#1 accepted an EC key")
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	if TraditionalKeyFormat(edKey) != KeyFormatPKCS8 {
		t.Error("Ed25519 has no traditional format")
	}
}

func TestEncryptedKeys(t *testing.T) {
	p := newPKI(t)
	for _, tt := range []struct {
		name string
		data []byte
		pw   string
		enc  string
	}{
		{"openssl pkey -aes256", readFixture(t, "leaf-enc.key"), "pw", "AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations"},
		{"openssl rsa -aes128 -traditional", readFixture(t, "rsa-legacy-enc.key"), "pw", "AES-128-CBC, OpenSSL-EVP-BytesToKey-MD5, 1 iterations"},
		{"pkit", must(EncryptPrivateKey(p.leafKey, []byte("pkit"), true)), "pkit", "AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse(tt.data, ParseOptions{})
			if err != nil || items[0].PrivateKey != nil || items[0].Encryption.String() != tt.enc {
				t.Fatalf("without password: %v %+v", err, items)
			}
			if _, err := ParsePrivateKey(tt.data, password(tt.pw)); err != nil {
				t.Fatal(err)
			}
			if _, err := ParsePrivateKey(tt.data, password("wrong")); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("wrong password: %v", err)
			}
			if _, err := ParsePrivateKey(tt.data, nil); !errors.Is(err, ErrPasswordRequired) {
				t.Fatalf("no password: %v", err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// RFC 2268 section 5 test vectors.
func TestRC2(t *testing.T) {
	for _, tt := range []struct{ key, bits, plain, cipher string }{
		{"0000000000000000", "63", "0000000000000000", "ebb773f993278eff"},
		{"ffffffffffffffff", "64", "ffffffffffffffff", "278b27e42e2f0d49"},
		{"3000000000000000", "64", "1000000000000001", "30649edf9be7d2c2"},
		{"88bca90e90875a7f0f79c384627bafb2", "128", "0000000000000000", "2269552ab0f85ca6"},
	} {
		key, _ := hex.DecodeString(tt.key)
		bits := map[string]int{"63": 63, "64": 64, "128": 128}[tt.bits]
		c := newRC2(key, bits)
		plain, _ := hex.DecodeString(tt.plain)
		got := make([]byte, 8)
		c.Encrypt(got, plain)
		if hex.EncodeToString(got) != tt.cipher {
			t.Errorf("encrypt %s: %x", tt.key, got)
		}
		c.Decrypt(got, got)
		if !bytes.Equal(got, plain) {
			t.Errorf("decrypt %s: %x", tt.key, got)
		}
	}
}

func TestOrderChain(t *testing.T) {
	p := newPKI(t)
	other := newPKIOther(t)
	got := OrderChain(p.leaf, []*x509.Certificate{other, p.root, p.inter})
	if len(got) != 3 || got[0] != p.inter || got[1] != p.root || got[2] != other {
		t.Fatalf("order: %v", got)
	}
}

func newPKIOther(t *testing.T) *x509.Certificate {
	k := mustKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Unrelated"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// A key that cannot sign (X25519) is unsupported, said without Go type names.
func TestParseX25519KeyUnsupported(t *testing.T) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "X25519") || strings.Contains(err.Error(), "*ecdh") {
		t.Errorf("X25519 key: %v", err)
	}
}

package revoke

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA makes a self-signed CA certificate for key.
func testCA(t testing.TB, key crypto.Signer, ku x509.KeyUsage) *x509.Certificate {
	t.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA", Organization: []string{"pkit"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: ku, SubjectKeyId: []byte{1, 2, 3, 4}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustKey[K crypto.Signer](k K, err error) crypto.Signer {
	if err != nil {
		panic(err)
	}
	return k
}

func TestCreateCRL(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keys := map[string]crypto.Signer{
		"ecdsa-p256": mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)),
		"ecdsa-p384": mustKey(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)),
		"rsa-2048":   mustKey(rsa.GenerateKey(rand.Reader, 2048)),
		"ed25519":    edKey,
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	big20 := bytes.Repeat([]byte{0xff}, 20)
	entries := []Entry{
		{Serial: []byte{0x01}, RevokedAt: now, Reason: KeyCompromise, InvalidAt: now.Add(-48 * time.Hour)},
		{Serial: []byte{0x80}, RevokedAt: now.Add(-time.Hour)},                                              // high bit: needs a 0 pad
		{Serial: []byte{0x00, 0x00, 0x7f}, RevokedAt: now, Reason: CertificateHold},                         // leading zeros dropped
		{Serial: nil, RevokedAt: now, Reason: AACompromise},                                                 // serial 0
		{Serial: big20, RevokedAt: time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), Reason: PrivilegeWithdrawn}, // GeneralizedTime
		{Serial: []byte{0x12, 0x34}, RevokedAt: time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), Reason: Superseded},
	}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			issuer := testCA(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
			tmpl := Template{Number: big.NewInt(4711), ThisUpdate: now, NextUpdate: now.Add(7 * 24 * time.Hour)}
			crl, err := CreateCRL(issuer, key, tmpl, entries)
			if err != nil {
				t.Fatal(err)
			}
			der := crl.Bytes()
			if len(der) != crl.Len() || crl.Entries() != len(entries) {
				t.Fatalf("Len %d, Entries %d for %d bytes", crl.Len(), crl.Entries(), len(der))
			}
			rl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := rl.CheckSignatureFrom(issuer); err != nil {
				t.Fatal(err)
			}
			if rl.Number.Int64() != 4711 || !rl.ThisUpdate.Equal(now) || !rl.NextUpdate.Equal(tmpl.NextUpdate) ||
				!bytes.Equal(rl.AuthorityKeyId, issuer.SubjectKeyId) || !bytes.Equal(rl.RawIssuer, issuer.RawSubject) {
				t.Fatalf("header: number %v, %v to %v, AKI %x", rl.Number, rl.ThisUpdate, rl.NextUpdate, rl.AuthorityKeyId)
			}
			if len(rl.RevokedCertificateEntries) != len(entries) {
				t.Fatalf("%d entries, want %d", len(rl.RevokedCertificateEntries), len(entries))
			}
			for i, e := range rl.RevokedCertificateEntries {
				want := entries[i]
				if e.SerialNumber.Cmp(new(big.Int).SetBytes(want.Serial)) != 0 || !e.RevocationTime.Equal(want.RevokedAt) ||
					e.ReasonCode != int(want.Reason) {
					t.Errorf("entry %d: serial %x at %v reason %d; want %x at %v reason %d", i, e.SerialNumber, e.RevocationTime,
						e.ReasonCode, want.Serial, want.RevokedAt, want.Reason)
				}
				hasReason := false
				for _, ext := range e.Extensions {
					hasReason = hasReason || ext.Id.Equal([]int{2, 5, 29, 21})
				}
				if hasReason != (want.Reason != Unspecified) {
					t.Errorf("entry %d: reasonCode extension present %v with reason %s", i, hasReason, want.Reason)
				}
			}
			// The PEM form holds the same DER.
			var buf bytes.Buffer
			if err := crl.WritePEM(&buf); err != nil {
				t.Fatal(err)
			}
			b, rest := pem.Decode(buf.Bytes())
			if b == nil || b.Type != "X509 CRL" || !bytes.Equal(b.Bytes, der) || len(rest) != 0 {
				t.Fatal("WritePEM does not hold the DER")
			}
			opensslVerify(t, issuer, buf.Bytes())
		})
	}
}

// opensslVerify checks the PEM CRL with "openssl crl -verify", when
// openssl is installed (it must be under CI=true).
func opensslVerify(t *testing.T, issuer *x509.Certificate, crlPEM []byte) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required under CI=true")
		}
		return
	}
	d := t.TempDir()
	ca, crl := filepath.Join(d, "ca.pem"), filepath.Join(d, "crl.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuer.Raw}), 0o644)
	os.WriteFile(crl, crlPEM, 0o644)
	out, err := exec.Command("openssl", "crl", "-in", crl, "-noout", "-CAfile", ca, "-verify").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verify OK") {
		t.Fatalf("openssl crl -verify: %v\n%s", err, out)
	}
}

func TestNoEntries(t *testing.T) {
	key := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	issuer := testCA(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	now := time.Now()
	crl, err := CreateCRL(issuer, key, Template{Number: big.NewInt(0), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(crl.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil || len(rl.RevokedCertificateEntries) != 0 {
		t.Fatalf("signature %v, %d entries", err, len(rl.RevokedCertificateEntries))
	}
}

func TestBuilderErrors(t *testing.T) {
	key := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	other := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	good := testCA(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	noCRLSign := testCA(t, key, x509.KeyUsageCertSign)
	now := time.Now()
	ok := Template{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	tests := []struct {
		name   string
		issuer *x509.Certificate
		tmpl   Template
		signer crypto.Signer
		entry  *Entry
	}{
		{name: "no issuer", tmpl: ok},
		{name: "no cRLSign", issuer: noCRLSign, tmpl: ok},
		{name: "no number", issuer: good, tmpl: Template{ThisUpdate: now, NextUpdate: now.Add(time.Hour)}},
		{name: "negative number", issuer: good, tmpl: Template{Number: big.NewInt(-1), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}},
		{name: "number over 20 octets", issuer: good, tmpl: Template{Number: new(big.Int).Lsh(big.NewInt(1), 170), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}},
		{name: "nextUpdate before thisUpdate", issuer: good, tmpl: Template{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(-time.Hour)}},
		{name: "entry without date", issuer: good, tmpl: ok, entry: &Entry{Serial: []byte{1}}},
		{name: "serial too long", issuer: good, tmpl: ok, entry: &Entry{Serial: bytes.Repeat([]byte{1}, 65), RevokedAt: now}},
		{name: "wrong key", issuer: good, tmpl: ok, signer: other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBuilder(tt.issuer, tt.tmpl)
			if err == nil && tt.entry != nil {
				err = b.Add(*tt.entry)
			}
			if err == nil && tt.signer != nil {
				_, err = b.Sign(tt.signer)
			}
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestPEMWriter(t *testing.T) {
	data := make([]byte, 200000)
	rand.Read(data)
	for _, n := range []int{0, 1, 47, 48, 49, 95, 96, 1000, pemBatch - 1, pemBatch, pemBatch + 1, len(data)} {
		for _, step := range []int{1, 7, 48, 4096, n + 1} {
			var got bytes.Buffer
			w := &pemWriter{w: &got}
			for i := 0; i < n; i += step {
				w.Write(data[i:min(i+step, n)])
			}
			w.Close()
			want := pem.EncodeToMemory(&pem.Block{Type: "X", Bytes: data[:n]})
			want = bytes.TrimPrefix(want, []byte("-----BEGIN X-----\n"))
			want = bytes.TrimSuffix(want, []byte("-----END X-----\n"))
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("n=%d step=%d: differs from encoding/pem", n, step)
			}
		}
	}
}

// bigCRL builds a CRL of n entries with serials i*7919 (16 bytes each).
func bigCRL(t testing.TB, n int) (*x509.Certificate, crypto.Signer, *CRL) {
	key := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	issuer := testCA(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	now := time.Now().Truncate(time.Second)
	b, err := NewBuilder(issuer, Template{Number: big.NewInt(9), ThisUpdate: now, NextUpdate: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var serial [16]byte
	serial[0] = 0x42
	for i := range n {
		binary.BigEndian.PutUint64(serial[8:], uint64(i)*7919)
		if err := b.Add(Entry{Serial: serial[:], RevokedAt: now.Add(-time.Duration(i) * time.Second), Reason: Reason(i % 6)}); err != nil {
			t.Fatal(err)
		}
	}
	crl, err := b.Sign(key)
	if err != nil {
		t.Fatal(err)
	}
	return issuer, key, crl
}

func serialOf(i int) *big.Int {
	var serial [16]byte
	serial[0] = 0x42
	binary.BigEndian.PutUint64(serial[8:], uint64(i)*7919)
	return new(big.Int).SetBytes(serial[:])
}

func TestParseCRLFor(t *testing.T) {
	issuer, _, crl := bigCRL(t, 5000)
	der := crl.Bytes()
	now := time.Now()
	tests := []struct {
		name    string
		serials []*big.Int
		want    int
	}{
		{"one present", []*big.Int{serialOf(4321)}, 1},
		{"first and last", []*big.Int{serialOf(0), serialOf(4999)}, 2},
		{"absent", []*big.Int{serialOf(5000)}, 0},
		{"negative", []*big.Int{big.NewInt(-5)}, 0},
		{"header only", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rl, err := ParseCRLFor(der, tt.serials...)
			if err != nil {
				t.Fatal(err)
			}
			if len(rl.RevokedCertificateEntries) != tt.want {
				t.Fatalf("%d entries, want %d", len(rl.RevokedCertificateEntries), tt.want)
			}
			if err := rl.CheckSignatureFrom(issuer); err != nil {
				t.Fatalf("the signature over the whole CRL does not verify: %v", err)
			}
			if rl.Number.Int64() != 9 {
				t.Fatalf("number %v", rl.Number)
			}
		})
	}
	// Check gives the same answer on the filtered and the full CRL.
	full, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 17, 4999, 5000, 123456} {
		leaf := &x509.Certificate{SerialNumber: serialOf(i), RawIssuer: issuer.RawSubject}
		filtered, err := ParseCRLFor(der, leaf.SerialNumber)
		if err != nil {
			t.Fatal(err)
		}
		a, err1 := Check(leaf, issuer, []*x509.RevocationList{filtered}, now)
		b, err2 := Check(leaf, issuer, []*x509.RevocationList{full}, now)
		if err1 != nil || err2 != nil || a.Revoked != b.Revoked || a.Reason != b.Reason || !a.RevokedAt.Equal(b.RevokedAt) {
			t.Fatalf("serial %d: filtered %+v %v, full %+v %v", i, a, err1, b, err2)
		}
	}
	// A tampered entry breaks the signature, though it was never parsed.
	bad := bytes.Clone(der)
	i := bytes.Index(bad, serialOf(2500).Bytes())
	bad[i+10] ^= 1
	rl, err := ParseCRLFor(bad, serialOf(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(&x509.Certificate{SerialNumber: serialOf(1), RawIssuer: issuer.RawSubject}, issuer, []*x509.RevocationList{rl}, now); !errors.As(err, new(*CRLError)) {
		t.Fatalf("Check on a tampered CRL: %v, want a *CRLError", err)
	}
}

func TestReadCRLs(t *testing.T) {
	_, _, crl := bigCRL(t, 10)
	der := crl.Bytes()
	var one bytes.Buffer
	crl.WritePEM(&one)
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})
	two := append(append(append([]byte("comment\n"), one.Bytes()...), cert...), one.Bytes()...)
	tests := []struct {
		name    string
		data    []byte
		want    int
		wantErr bool
	}{
		{"DER", der, 1, false},
		{"PEM", one.Bytes(), 1, false},
		{"bundle with a certificate between", two, 2, false},
		{"CRLF", bytes.ReplaceAll(one.Bytes(), []byte("\n"), []byte("\r\n")), 1, false},
		{"empty", nil, 0, true},
		{"certificate only", cert, 0, true},
		{"truncated PEM", one.Bytes()[:one.Len()/2], 0, true},
		{"bad base64", []byte("-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n"), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCRLs(bytes.NewReader(tt.data), int64(len(tt.data)))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if !errors.Is(err, ErrNotCRL) {
					t.Fatalf("error %v does not wrap ErrNotCRL", err)
				}
				return
			}
			if len(got) != tt.want {
				t.Fatalf("%d CRLs, want %d", len(got), tt.want)
			}
			for _, g := range got {
				if !bytes.Equal(g, der) {
					t.Fatal("decoded CRL differs")
				}
			}
		})
	}
}

func FuzzParseCRLFor(f *testing.F) {
	_, _, crl := bigCRL(f, 3)
	f.Add(crl.Bytes(), []byte{0x42})
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00}, []byte{})
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, []byte{1})
	f.Fuzz(func(t *testing.T, der, serial []byte) {
		rl, err := ParseCRLFor(der, new(big.Int).SetBytes(serial))
		if err != nil {
			if !errors.Is(err, ErrNotCRL) {
				t.Fatalf("error %v does not wrap ErrNotCRL", err)
			}
			return
		}
		if len(rl.RevokedCertificateEntries) > 0 && rl.RevokedCertificateEntries[0].SerialNumber.Cmp(new(big.Int).SetBytes(serial)) != 0 {
			t.Fatal("kept an entry for another serial")
		}
	})
}

func FuzzReadCRLs(f *testing.F) {
	_, _, crl := bigCRL(f, 2)
	var p bytes.Buffer
	crl.WritePEM(&p)
	f.Add(p.Bytes())
	f.Add(crl.Bytes())
	f.Add([]byte("-----BEGIN X509 CRL-----\nMA==\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ders, err := ReadCRLs(bytes.NewReader(data), int64(len(data)))
		if err == nil && len(ders) == 0 {
			t.Fatal("no error and no CRL")
		}
	})
}

// BenchmarkBuilder measures the streaming encoder alone (no store): the
// time and memory to encode and sign n entries.
func BenchmarkBuilder(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				_, _, crl := bigCRL(b, n)
				crl.WriteTo(discard{})
			}
		})
	}
}

// BenchmarkStdlibCreateRevocationList is the same CRL made with
// x509.CreateRevocationList, for comparison (100,000 entries; at 1M it
// takes several times the time and memory of the Builder).
func BenchmarkStdlibCreateRevocationList(b *testing.B) {
	const n = 100000
	key := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	issuer := testCA(b, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	now := time.Now().Truncate(time.Second)
	for b.Loop() {
		entries := make([]x509.RevocationListEntry, n)
		for i := range entries {
			entries[i] = x509.RevocationListEntry{SerialNumber: serialOf(i), RevocationTime: now.Add(-time.Duration(i) * time.Second), ReasonCode: i % 6}
		}
		if _, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(9), ThisUpdate: now,
			NextUpdate: now.Add(time.Hour), RevokedCertificateEntries: entries}, issuer, key); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkCheck1M measures what pkit crl check does with a CRL of a
// million entries once it is in memory: parse the header, verify the
// signature, and step over every entry looking for one certificate and
// for unknown critical entry extensions.
func BenchmarkCheck1M(b *testing.B) {
	issuer, _, crl := bigCRL(b, 1000000)
	der := crl.Bytes()
	leaf := &x509.Certificate{SerialNumber: serialOf(777777), RawIssuer: issuer.RawSubject}
	at := time.Now()
	b.SetBytes(int64(len(der)))
	for b.Loop() {
		rl, err := ParseCRLFor(der)
		if err != nil {
			b.Fatal(err)
		}
		st, err := Check(leaf, issuer, []*x509.RevocationList{rl}, at)
		if err != nil || !st.Revoked {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkWalkEntries1M is the step over the entries alone.
func BenchmarkWalkEntries1M(b *testing.B) {
	_, _, crl := bigCRL(b, 1000000)
	_, h, err := parse(crl.Bytes(), false)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := 0
		if _, err := walkEntries(h.entries, func(*rawEntry) { n++ }); err != nil || n != 1000000 {
			b.Fatal(n, err)
		}
	}
}

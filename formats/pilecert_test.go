package formats

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sameIndex fails t when p's fields are not those crypto/x509 read into c.
func sameIndex(t *testing.T, p *PileCert, c *x509.Certificate) {
	t.Helper()
	for _, f := range []struct {
		name string
		a, b []byte
	}{
		{"Raw", p.Raw, c.Raw}, {"RawSubject", p.RawSubject, c.RawSubject}, {"RawIssuer", p.RawIssuer, c.RawIssuer},
		{"RawSubjectPublicKeyInfo", p.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo},
		{"SubjectKeyId", p.SubjectKeyId, c.SubjectKeyId}, {"AuthorityKeyId", p.AuthorityKeyId, c.AuthorityKeyId},
	} {
		if !bytes.Equal(f.a, f.b) {
			t.Fatalf("%s: index %x, crypto/x509 %x", f.name, f.a, f.b)
		}
	}
	nb, na := p.Validity()
	if !nb.Equal(c.NotBefore) || !na.Equal(c.NotAfter) || p.Version != c.Version ||
		p.BasicConstraintsValid != c.BasicConstraintsValid || p.IsCA != c.IsCA {
		t.Fatalf("index %v %v v%d bc=%v ca=%v, crypto/x509 %v %v v%d bc=%v ca=%v", nb, na, p.Version, p.BasicConstraintsValid, p.IsCA,
			c.NotBefore, c.NotAfter, c.Version, c.BasicConstraintsValid, c.IsCA)
	}
}

// certDERs returns the DER of every certificate in the fixtures (PEM
// blocks and DER files).
func certDERs(t testing.TB) [][]byte {
	var out [][]byte
	m, _ := filepath.Glob("testdata/*.*")
	for _, p := range m {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x509.ParseCertificate(b); err == nil {
			out = append(out, b)
		}
		for {
			var blk *pem.Block
			if blk, b = pem.Decode(b); blk == nil {
				break
			}
			if blk.Type == "CERTIFICATE" {
				out = append(out, blk.Bytes)
			}
		}
	}
	p := newPKI(t)
	return append(out, p.root.Raw, p.inter.Raw, p.leaf.Raw)
}

// TestIndexCertificate: the lazy index reads what crypto/x509 reads (v1
// certificates, DSA, RSASSA-PSS, CAs and leaves), finds the contents
// crypto/x509 refuses only when the certificate is parsed, and refuses
// damaged DER at once with the error Parse gives.
func TestIndexCertificate(t *testing.T) {
	ders := certDERs(t)
	if len(ders) < 6 {
		t.Fatalf("only %d fixtures", len(ders))
	}
	for _, der := range ders {
		c, goErr := x509.ParseCertificate(der)
		p, err := IndexCertificate(der)
		if err != nil {
			if goErr == nil {
				t.Fatalf("index refused what crypto/x509 reads: %v", err)
			}
			continue
		}
		if p.Parsed() || p.Broken() != nil {
			t.Fatal("indexed certificate parsed already")
		}
		if goErr == nil {
			sameIndex(t, p, c)
		}
		_, perr := p.Certificate()
		_, want := parseCertificate(der)
		if !p.Parsed() || (perr == nil) != (want == nil) {
			t.Fatalf("parse: %v (Parse: %v)", perr, want)
		}
	}
	// Contents crypto/x509 refuses, well-formed DER: indexed, broken when
	// parsed, with Parse's error and the block number.
	badKU := certWith(t, nil, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Value: []byte{0x05, 0x00}})
	p, err := IndexCertificate(badKU)
	if err != nil {
		t.Fatal(err)
	}
	p.Block = 3
	if _, err := p.Certificate(); err == nil || p.Broken() == nil {
		t.Fatal("malformed key usage parsed")
	}
	var pe *ParseError
	if !errors.As(p.Broken(), &pe) || pe.Block != 3 || pe.Kind != KindCertificate || !errors.Is(pe, ErrCorrupt) {
		t.Fatalf("error %v", p.Broken())
	}
	_, want := parseCertificate(badKU)
	if pe.Err.Error() != want.Error() {
		t.Fatalf("error %q, Parse says %q", pe.Err, want)
	}
	// Damaged DER: refused at once, as Parse refuses it.
	for _, bad := range [][]byte{{0x30, 0x03, 0x02, 0x01, 0x01}, ders[0][:len(ders[0])-1], append(append([]byte{}, ders[0]...), 0)} {
		_, err := IndexCertificate(bad)
		_, want := parseCertificate(bad)
		if !errors.As(err, &pe) || want == nil || pe.Err.Error() != want.Error() {
			t.Fatalf("damaged: %v, Parse says %v", err, want)
		}
	}
}

// TestParseCertificatePileIndex: with Index, a pile reads the same
// certificates, those crypto/x509 refuses for their contents found when
// parsed.
func TestParseCertificatePileIndex(t *testing.T) {
	p := newPKI(t)
	badKU := certWith(t, nil, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Value: []byte{0x05, 0x00}})
	data := append(append(EncodePEM("CERTIFICATE", p.leaf.Raw), EncodePEM("CERTIFICATE", badKU)...), EncodePEM("CERTIFICATE", p.root.Raw)...)
	pile, err := ParseCertificatePile(data, ParseOptions{Index: true})
	if err != nil || len(pile.Certificates) != 0 || len(pile.Indexed) != 3 || len(pile.Skipped) != 0 {
		t.Fatalf("%v: %+v", err, pile)
	}
	for i, want := range []*x509.Certificate{p.leaf, nil, p.root} {
		c, err := pile.Indexed[i].Certificate()
		if pile.Indexed[i].Block != i+1 || (want == nil) != (err != nil) || (want != nil && !c.Equal(want)) {
			t.Fatalf("certificate %d: %v, block %d", i+1, err, pile.Indexed[i].Block)
		}
	}
	full, _ := ParseCertificatePile(data, ParseOptions{})
	if len(full.Skipped) != 1 || full.Skipped[0].Error() != pile.Indexed[1].Broken().Error() {
		t.Fatalf("skipped %v, indexed broken %v", full.Skipped, pile.Indexed[1].Broken())
	}
}

// FuzzIndexCertificate: the lazy index never panics, its errors are
// *ParseError, it reads every certificate crypto/x509 reads with the
// same fields (a differential test), and it refuses only what Parse
// refuses.
func FuzzIndexCertificate(f *testing.F) {
	for _, der := range certDERs(f) {
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		p, err := IndexCertificate(der)
		checkErr(t, err)
		c, goErr := x509.ParseCertificate(der)
		q := &PileCert{Raw: der}
		quick := q.read()
		if goErr == nil {
			if !quick {
				t.Fatal("crypto/x509 reads it, the quick index does not")
			}
			sameIndex(t, q, c)
		}
		if err != nil {
			if _, perr := parseCertificate(der); perr == nil {
				t.Fatalf("index refused what Parse reads: %v", err)
			}
			return
		}
		if goErr == nil {
			sameIndex(t, p, c)
		}
		_, perr := p.Certificate()
		checkErr(t, perr)
		if perr == nil && goErr != nil {
			t.Fatalf("parsed what crypto/x509 refuses: %v", goErr)
		}
	})
}

// FuzzQuickPEM: on every block it reads, quickPEM gives what pem.Decode
// gives (type, bytes, no headers), into an arena or not; eachPEM falls
// back to pem.Decode for the others, so reading a PEM file is unchanged.
func FuzzQuickPEM(f *testing.F) {
	allFixtures(f)
	leaf := newPKI(f).leaf.Raw
	for _, s := range []string{
		"-----BEGIN CERTIFICATE-----\r\nMAMCAQE=\r\n-----END CERTIFICATE-----\r\n",
		"-----BEGIN CERTIFICATE-----  \nMAMCAQE=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMAMC\nAQE=\n-----END CERTIFICATE-----  \n",
		"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nMAMCAQE=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMAMC AQE=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMAMCAQE\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----x\n",
		"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END X509 CRL-----\n",
		"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----",
		"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n",
	} {
		f.Add([]byte(s))
	}
	f.Add(append(EncodePEM("CERTIFICATE", leaf), EncodePEM("X509 CRL", leaf)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The blocks as eachPEM finds them.
		for {
			i := lineStart(data, pemBegin)
			if i < 0 {
				return
			}
			data = data[i:]
			typ := blockType(data)
			j := bytes.Index(data, pemEnd)
			if j < 0 {
				return
			}
			end := len(data)
			if k := bytes.IndexByte(data[j:], '\n'); k >= 0 {
				end = j + k + 1
			}
			block := data[:end]
			data = data[end:]
			arena := make([]byte, 0, len(block))
			q, q2 := quickPEM(block, typ, j, &arena), quickPEM(block, typ, j, nil)
			if (q == nil) != (q2 == nil) {
				t.Fatal("arena changes what quickPEM reads")
			}
			if q == nil {
				continue
			}
			p, rest := pem.Decode(block)
			if p == nil || p.Type != q.Type || len(p.Headers) != 0 || !bytes.Equal(p.Bytes, q.Bytes) || !bytes.Equal(q.Bytes, q2.Bytes) || len(rest) != 0 {
				t.Fatalf("quickPEM %q %x, pem.Decode %+v (rest %q)", q.Type, q.Bytes, p, rest)
			}
			if len(arena) != len(q.Bytes) || cap(q.Bytes) != len(q.Bytes) {
				t.Fatal("arena not advanced by the block, or the block's capacity reaches past it")
			}
		}
	})
}

// TestQuickPEM: quickPEM reads the plain form (LF or CRLF lines) and
// leaves every other form to pem.Decode.
func TestQuickPEM(t *testing.T) {
	plain := string(EncodePEM("CERTIFICATE", newPKI(t).leaf.Raw))
	for _, tt := range []struct {
		pem   string
		quick bool
	}{
		{plain, true},
		{strings.ReplaceAll(plain, "\n", "\r\n"), true},
		{strings.TrimSuffix(plain, "\n"), true},
		{strings.Replace(plain, "-----\n", "----- \n", 1), false},
		{strings.Replace(plain, "-----\n", "-----\nA: b\n\n", 1), false},
		{strings.Replace(plain, "\n", "\n ", 2), false},
		{strings.Replace(plain, "END CERTIFICATE", "END X509 CRL", 1), false},
		{"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", false},
	} {
		data := []byte(tt.pem)
		q := quickPEM(data, blockType(data), bytes.Index(data, pemEnd), nil)
		if (q != nil) != tt.quick {
			t.Errorf("%q: quick %v", tt.pem, q != nil)
		}
		blocks, err := splitPEM(data)
		p, _ := pem.Decode(data)
		if (err == nil) != (p != nil) || (p != nil && !bytes.Equal(blocks[0].block.Bytes, p.Bytes)) {
			t.Errorf("%q: splitPEM %v, pem.Decode %v", tt.pem, err, p != nil)
		}
	}
}

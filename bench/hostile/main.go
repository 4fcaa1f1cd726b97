// Command hostile writes the hostile inputs bench/hostile.sh times pkit
// on (issue 10 item 4):
//
//   - parts.p12: a 12 KB PKCS#12 file with 20 encrypted parts, each at
//     pkit's per-part cap of 2^22 PBKDF2 iterations (password "pw"); every
//     part decrypts, so a reader without a total cap derives 20 keys;
//
//   - ber.p7b and der.p7b: the same ~60 MB certificate bundle as BER
//     (indefinite lengths on every level above the certificates, as
//     Windows and Java write) and as DER;
//
//   - many.pem: 70,000 certificates as PEM (~59 MB);
//
//   - twins/: 1000 CA certificates with the same subject and the same
//     subject key identifier (one of them the real issuer), a root and a
//     leaf, for "pkit chain build".
//
//     go run ./bench/hostile -dir bench/out/hostile
package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidPBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidHMACSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidCertBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Cert      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	null             = asn1.RawValue{Tag: asn1.TagNull}
)

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier
}

func main() {
	dir := flag.String("dir", "bench/out/hostile", "output folder")
	parts := flag.Int("parts", 20, "encrypted parts in parts.p12")
	iters := flag.Int("iter", 1<<22, "PBKDF2 iterations per part")
	p7MB := flag.Int("p7b-mb", 60, "size of the PKCS#7 bundles in MB")
	pemCerts := flag.Int("pem-certs", 70000, "certificates in many.pem")
	twins := flag.Int("twins", 1000, "same-name same-SKI CA certificates")
	flag.Parse()
	check(os.MkdirAll(filepath.Join(*dir, "twins"), 0o755))
	check(os.WriteFile(filepath.Join(*dir, "parts.p12"), manyParts(*parts, *iters), 0o644))
	der, ber := bundles(*p7MB << 20)
	check(os.WriteFile(filepath.Join(*dir, "der.p7b"), der, 0o644))
	check(os.WriteFile(filepath.Join(*dir, "ber.p7b"), ber, 0o644))
	check(os.WriteFile(filepath.Join(*dir, "many.pem"), manyPEM(*pemCerts), 0o644))
	writeTwins(filepath.Join(*dir, "twins"), *twins)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func explicit0(b []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b}
}

func marshal(v any) []byte {
	b, err := asn1.Marshal(v)
	check(err)
	return b
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

// manyParts: n encrypted safes, one certificate bag each, all under the
// same PBKDF2 salt and count (one derivation to write them, n to read
// them), and a PBMAC1 MAC with 1 iteration.
func manyParts(n, iters int) []byte {
	cert := selfSigned("parts.example", nil)
	salt := []byte("hostile!")
	key, err := pbkdf2.Key(sha256.New, "pw", salt, iters, 32)
	check(err)
	kdf := marshal(pbkdf2Params{Salt: salt, Iterations: iters, PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: null}})
	var safes []contentInfo
	for range n {
		bag := marshal([]struct {
			ID    asn1.ObjectIdentifier
			Value asn1.RawValue `asn1:"tag:0,explicit"`
		}{{oidCertBag, explicit0(marshal(struct {
			ID   asn1.ObjectIdentifier
			Data []byte `asn1:"tag:0,explicit"`
		}{oidX509Cert, cert.Raw}))}})
		iv := make([]byte, 16)
		rand.Read(iv)
		pad := 16 - len(bag)%16
		plain := append(bag, bytes.Repeat([]byte{byte(pad)}, pad)...)
		block, _ := aes.NewCipher(key)
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(plain, plain)
		params := marshal(struct{ KDF, Scheme pkix.AlgorithmIdentifier }{
			pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
			pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: marshal(iv)}},
		})
		ed := marshal(struct {
			Version int
			ECI     struct {
				ContentType asn1.ObjectIdentifier
				Alg         pkix.AlgorithmIdentifier
				Content     asn1.RawValue `asn1:"tag:0,optional"`
			}
		}{0, struct {
			ContentType asn1.ObjectIdentifier
			Alg         pkix.AlgorithmIdentifier
			Content     asn1.RawValue `asn1:"tag:0,optional"`
		}{oidData, pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
			asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: plain}}})
		safes = append(safes, contentInfo{oidEncryptedData, explicit0(ed)})
	}
	authSafe := marshal(safes)
	macSalt := []byte("macsalt!")
	macKDF := marshal(pbkdf2Params{Salt: macSalt, Iterations: 1, KeyLength: 32, PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: null}})
	macKey, err := pbkdf2.Key(sha256.New, "pw", macSalt, 1, 32)
	check(err)
	m := hmac.New(sha256.New, macKey)
	m.Write(authSafe)
	pbmac1 := marshal(struct{ KDF, MAC pkix.AlgorithmIdentifier }{
		pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: macKDF}},
		pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: null},
	})
	return marshal(struct {
		Version  int
		AuthSafe contentInfo
		MacData  struct {
			Mac struct {
				Alg    pkix.AlgorithmIdentifier
				Digest []byte
			}
			Salt       []byte
			Iterations int
		}
	}{3, contentInfo{oidData, explicit0(marshal(authSafe))}, struct {
		Mac struct {
			Alg    pkix.AlgorithmIdentifier
			Digest []byte
		}
		Salt       []byte
		Iterations int
	}{struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBMAC1, Parameters: asn1.RawValue{FullBytes: pbmac1}}, m.Sum(nil)}, []byte("notused!"), 1}})
}

var caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

// selfSigned makes a small certificate; extra SANs pad it.
func selfSigned(cn string, sans []string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	t := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"pkit hostile bench"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), DNSNames: sans}
	der, err := x509.CreateCertificate(rand.Reader, t, t, caKey.Public(), caKey)
	check(err)
	c, err := x509.ParseCertificate(der)
	check(err)
	return c
}

// distinct is a few hundred different certificates to cycle through.
func distinct(n, pad int) []*x509.Certificate {
	var out []*x509.Certificate
	for i := range n {
		sans := []string{fmt.Sprintf("host%d.example", i), fmt.Sprintf("www.host%d.example", i), "api.example.com"}
		for j := range pad {
			sans = append(sans, fmt.Sprintf("service-%d-%d.a-longer-name.internal.example.com", i, j))
		}
		out = append(out, selfSigned(fmt.Sprintf("host%d.example", i), sans))
	}
	return out
}

// indefinite re-encodes DER with an indefinite length on every
// constructed element (legal BER; its DER is the original again).
func indefinite(der []byte) []byte {
	var out []byte
	in := cryptobyte.String(der)
	for !in.Empty() {
		var e, body cryptobyte.String
		var tag cbasn1.Tag
		if !in.ReadAnyASN1Element(&e, &tag) {
			log.Fatal("bad DER")
		}
		if tag&0x20 == 0 {
			out = append(out, e...)
			continue
		}
		el := cryptobyte.String(e)
		el.ReadAnyASN1(&body, &tag)
		out = append(out, byte(tag), 0x80)
		out = append(out, indefinite(body)...)
		out = append(out, 0, 0)
	}
	return out
}

// bundles: DER and BER PKCS#7 certificate bundles of about size bytes
// (the BER one is about size bytes and has indefinite lengths on every
// level of every certificate; the DER one has the same certificates and
// is a little smaller).
func bundles(size int) (der, ber []byte) {
	pool := distinct(200, 8)
	var certs, berCerts []byte
	for i := 0; len(berCerts) < size; i++ {
		certs = append(certs, pool[i%len(pool)].Raw...)
		berCerts = append(berCerts, indefinite(pool[i%len(pool)].Raw)...) // every level of every certificate
	}
	emptySet := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: []byte{}}
	sd := marshal(struct {
		Version     int
		Digests     asn1.RawValue
		Content     contentInfo
		Certs       asn1.RawValue `asn1:"optional,tag:0"`
		SignerInfos asn1.RawValue
	}{1, emptySet, contentInfo{ContentType: oidData}, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs}, emptySet})
	der = marshal(contentInfo{oidSignedData, explicit0(sd)})
	// BER: ContentInfo, [0], SignedData and [0] certificates with
	// indefinite lengths, the other fields and the certificates as DER.
	oid := marshal(oidSignedData)
	version := marshal(1)
	dataCI := marshal(contentInfo{ContentType: oidData})
	set := marshal(emptySet)
	var b bytes.Buffer
	b.Write([]byte{0x30, 0x80})
	b.Write(oid)
	b.Write([]byte{0xa0, 0x80, 0x30, 0x80})
	b.Write(version)
	b.Write(set)
	b.Write(dataCI)
	b.Write([]byte{0xa0, 0x80})
	b.Write(berCerts)
	b.Write([]byte{0, 0})
	b.Write(set)
	b.Write([]byte{0, 0, 0, 0, 0, 0})
	return der, b.Bytes()
}

func manyPEM(n int) []byte {
	pool := distinct(300, 3)
	var b bytes.Buffer
	for i := range n {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: pool[i%len(pool)].Raw})
	}
	return b.Bytes()
}

// writeTwins: a root, n intermediates with one subject and one SKI (only
// the last made the leaf), and the leaf, as root.pem, pile.pem, leaf.pem.
func writeTwins(dir string, n int) {
	now := time.Now()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Twins Root"}, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootT, rootT, rootKey.Public(), rootKey)
	check(err)
	root, _ := x509.ParseCertificate(rootDER)
	ski := []byte("same-ski-for-all-twins")
	var pile bytes.Buffer
	var issuerKey *ecdsa.PrivateKey
	var issuer *x509.Certificate
	for i := range n {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		t := &x509.Certificate{SerialNumber: big.NewInt(int64(100 + i)), Subject: pkix.Name{CommonName: "Twins Intermediate"}, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(4, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: ski}
		der, err := x509.CreateCertificate(rand.Reader, t, root, k.Public(), rootKey)
		check(err)
		pem.Encode(&pile, &pem.Block{Type: "CERTIFICATE", Bytes: der})
		issuerKey, issuer = k, t
		issuer.Raw = der
	}
	ic, _ := x509.ParseCertificate(issuer.Raw)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafT := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "twins.example"}, DNSNames: []string{"twins.example"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafT, ic, leafKey.Public(), issuerKey)
	check(err)
	check(os.WriteFile(filepath.Join(dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}), 0o644))
	check(os.WriteFile(filepath.Join(dir, "pile.pem"), pile.Bytes(), 0o644))
	check(os.WriteFile(filepath.Join(dir, "leaf.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), 0o644))
}

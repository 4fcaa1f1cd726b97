package formats

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
)

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// pemBlock is one decoded PEM block and what it holds.
type pemBlock struct {
	block *pem.Block
	kind  Kind
}

// pemKinds maps PEM block types to kinds. Types not listed are refused,
// except those in pemIgnored.
var pemKinds = map[string]Kind{
	"CERTIFICATE":             KindCertificate,
	"X509 CERTIFICATE":        KindCertificate,
	"TRUSTED CERTIFICATE":     KindCertificate,
	"CERTIFICATE REQUEST":     KindCSR,
	"NEW CERTIFICATE REQUEST": KindCSR,
	"X509 CRL":                KindCRL,
	"PRIVATE KEY":             KindPrivateKey,
	"RSA PRIVATE KEY":         KindPrivateKey,
	"EC PRIVATE KEY":          KindPrivateKey,
	"DSA PRIVATE KEY":         KindPrivateKey,
	"ENCRYPTED PRIVATE KEY":   KindEncryptedPrivateKey,
	"PUBLIC KEY":              KindPublicKey,
	"RSA PUBLIC KEY":          KindPublicKey,
	"PKCS7":                   KindPKCS7,
	"PKCS #7 SIGNED DATA":     KindPKCS7,
	"CMS":                     KindPKCS7,
	"PKCS12":                  KindPKCS12,
}

// pemIgnored are block types that accompany keys and carry nothing to
// read ("openssl ecparam -genkey" writes EC PARAMETERS before the key).
var pemIgnored = map[string]bool{"EC PARAMETERS": true}

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
)

// splitPEM finds and decodes every PEM block in data. Unlike
// [pem.Decode], which skips a block whose body does not decode, it fails
// on a broken block, and on a BEGIN line without its END line, so a
// damaged file is never read as a shorter one.
func splitPEM(data []byte) ([]pemBlock, error) {
	var out []pemBlock
	_, err := eachPEM(data, func(b pemBlock) error {
		if out == nil {
			// At most one block per BEGIN line: allocated once.
			out = make([]pemBlock, 0, bytes.Count(data, pemBegin))
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

// eachPEM calls f (when not nil) with every PEM block of data in turn,
// decoding one at a time, and returns how many there are. Its errors are
// splitPEM's; an error from f stops it and is returned as it is.
func eachPEM(data []byte, f func(pemBlock) error) (int, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	count, n := 0, 0
	for {
		i := lineStart(data, pemBegin)
		if i < 0 {
			break
		}
		n++
		data = data[i:]
		typ := blockType(data)
		j := bytes.Index(data, pemEnd)
		if j < 0 {
			return 0, parseErr(pemKinds[typ], n, fmt.Errorf("%w: the PEM block has no END line (truncated file?)", ErrCorrupt))
		}
		end := len(data)
		if k := bytes.IndexByte(data[j:], '\n'); k >= 0 {
			end = j + k + 1
		}
		block, _ := pem.Decode(data[:end])
		if block == nil {
			return 0, parseErr(pemKinds[typ], n, fmt.Errorf("%w: broken PEM block (bad base64 body, bad headers or mismatched END line)", ErrCorrupt))
		}
		data = data[end:]
		if pemIgnored[block.Type] {
			n--
			continue
		}
		k, ok := pemKinds[block.Type]
		if !ok {
			return 0, parseErr(KindUnknown, n, fmt.Errorf("%w: PEM block type %q", ErrUnsupported, block.Type))
		}
		if k == KindPrivateKey && block.Headers["Proc-Type"] == "4,ENCRYPTED" {
			k = KindEncryptedPrivateKey
		}
		count++
		if f != nil {
			if err := f(pemBlock{block: block, kind: k}); err != nil {
				return count, err
			}
		}
	}
	if count == 0 {
		if n > 0 {
			return 0, parseErr(KindUnknown, 0, errors.New("the file holds only EC PARAMETERS, no key"))
		}
		return 0, parseErr(KindUnknown, 0, ErrUnknownFormat)
	}
	return count, nil
}

// lineStart returns the index of the first occurrence of prefix at the
// start of a line in data, or -1.
func lineStart(data, prefix []byte) int {
	off := 0
	for {
		i := bytes.Index(data[off:], prefix)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || data[i-1] == '\n' {
			return i
		}
		off = i + 1
	}
}

// blockType returns TYPE from a "-----BEGIN TYPE-----" line.
func blockType(data []byte) string {
	line := data[len(pemBegin):]
	if k := bytes.IndexByte(line, '\n'); k >= 0 {
		line = line[:k]
	}
	line = bytes.TrimRight(line, "\r \t")
	return string(bytes.TrimSuffix(line, []byte("-----")))
}

// EncodePEM returns der as one PEM block of type typ, with 64-column base64
// lines as OpenSSL writes them.
func EncodePEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

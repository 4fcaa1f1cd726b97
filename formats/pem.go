package formats

import (
	"bytes"
	"encoding/base64"
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
	// The blocks are decoded into one buffer: base64 takes 4 bytes for 3.
	arena := make([]byte, 0, len(data)/4*3)
	_, err := eachPEMInto(data, &arena, func(b pemBlock) error {
		out = append(out, b)
		return nil
	})
	return out, err
}

// eachPEM calls f (when not nil) with every PEM block of data in turn,
// decoding one at a time, and returns how many there are. Its errors are
// splitPEM's; an error from f stops it and is returned as it is.
func eachPEM(data []byte, f func(pemBlock) error) (int, error) {
	return eachPEMInto(data, nil, f)
}

// eachPEMInto is eachPEM decoding the blocks into arena's spare capacity
// when it is not nil and there is room.
func eachPEMInto(data []byte, arena *[]byte, f func(pemBlock) error) (int, error) {
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
		block := quickPEM(data[:end], typ, j, arena)
		if block == nil {
			block, _ = pem.Decode(data[:end])
		}
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

// quickPEM decodes the PEM block that begins data (its BEGIN line, body
// and END line, as eachPEM found them, typ its type) when it has the plain
// form of nearly every PEM file: "-----BEGIN TYPE-----", lines of base64
// only (no headers, spaces or tabs), "-----END TYPE-----", each line
// ended by LF or CRLF; endAt is where its END line starts. It returns
// nil for anything else, which
// pem.Decode then reads: on what quickPEM reads, pem.Decode gives the
// same type and bytes, with an empty header map instead of nil
// (FuzzQuickPEM). It is there for speed: pem.Decode searches each block
// backwards for a second BEGIN line and allocates four times a block.
// The bytes are decoded into arena's spare capacity when arena is not
// nil and has room, else into a buffer of their own.
func quickPEM(data []byte, typ string, endAt int, arena *[]byte) *pem.Block {
	if _, known := pemKinds[typ]; !known && !pemIgnored[typ] {
		return nil // a type that names no kind (it could hold "-----BEGIN ")
	}
	rest, ok := bytes.CutPrefix(data, pemBegin)
	if !ok {
		return nil
	}
	if rest, ok = cutLine(rest, typ); !ok {
		return nil
	}
	start := len(data) - len(rest)
	if endAt <= start || endAt > len(data) || data[endAt-1] != '\n' || !bytes.HasPrefix(data[endAt:], pemEnd) {
		return nil
	}
	// The body is base64 alone: the decoder refuses anything else (a
	// header's colon, a space, a dash) but line ends, and quickPEM then
	// leaves the block to pem.Decode.
	body := data[start:endAt]
	if end, ok := cutLine(data[endAt+len(pemEnd):], typ); !ok || len(end) != 0 {
		return nil
	}
	n := base64.StdEncoding.DecodedLen(len(body))
	inArena := arena != nil && cap(*arena)-len(*arena) >= n
	var dst []byte
	if inArena {
		a := *arena
		dst = a[len(a) : len(a)+n]
	} else {
		dst = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(dst, body)
	if err != nil || n == 0 {
		return nil
	}
	if inArena {
		*arena = (*arena)[:len(*arena)+n]
	}
	return &pem.Block{Type: typ, Bytes: dst[:n:n]}
}

// cutLine cuts "TYPE-----" and the line's end (LF, CRLF, or the end of
// the data) from the start of b.
func cutLine(b []byte, typ string) ([]byte, bool) {
	if len(b) < len(typ)+5 || string(b[:len(typ)]) != typ || string(b[len(typ):len(typ)+5]) != "-----" {
		return nil, false
	}
	b = b[len(typ)+5:]
	switch {
	case len(b) == 0:
		return b, true
	case b[0] == '\n':
		return b[1:], true
	case len(b) > 1 && b[0] == '\r' && b[1] == '\n':
		return b[2:], true
	}
	return nil, false
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
	line = bytes.TrimSuffix(line, []byte("-----"))
	if string(line) == "CERTIFICATE" {
		return "CERTIFICATE" // most blocks: no copy
	}
	return string(line)
}

// EncodePEM returns der as one PEM block of type typ, with 64-column base64
// lines as OpenSSL writes them.
func EncodePEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

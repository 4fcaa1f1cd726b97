package revoke

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"time"

	"github.com/pkit/pkit/formats"
)

// Entry is one revoked certificate on a CRL.
type Entry struct {
	// Serial is the certificate's serial number: a non-negative integer,
	// big-endian, as [big.Int.Bytes] returns it. Leading zero bytes are
	// dropped when encoding. The slice may be reused after [Builder.Add].
	Serial []byte
	// RevokedAt is the revocation date.
	RevokedAt time.Time
	// Reason is put in a reasonCode entry extension; [Unspecified] puts
	// none, as RFC 5280 section 5.3.1 asks.
	Reason Reason
	// InvalidAt, when not zero, is put in an invalidityDate entry
	// extension (RFC 5280 section 5.3.2): when the key is known or
	// suspected to have been compromised.
	InvalidAt time.Time
}

// Template describes the CRL being built.
type Template struct {
	// Number is the CRL number (RFC 5280 section 5.2.3); it must be
	// non-negative, at most 20 octets, and grow with every CRL an issuer
	// publishes.
	Number *big.Int
	// ThisUpdate is the issue date of the CRL.
	ThisUpdate time.Time
	// NextUpdate is the date by which the next CRL will be issued; it must
	// be after ThisUpdate.
	NextUpdate time.Time
}

// Builder encodes a CRL v2 as entries are added: each revoked entry is
// encoded to DER the moment it is added, so a CRL of a million entries
// costs about 45 bytes of memory per entry and no per-entry objects, and
// the signature is made over the encoded blocks without building the CRL
// twice. [x509.CreateRevocationList] builds the same structure from a
// slice of [x509.RevocationListEntry] values and costs several times the
// time and memory at that size. The zero value is not usable; call
// [NewBuilder].
type Builder struct {
	issuer  *x509.Certificate
	tmpl    Template
	chunks  [][]byte // encoded revokedCertificates content
	size    int      // total bytes in chunks
	entries int
	scratch [256]byte
}

// chunkSize is the size of the blocks entries are encoded into; big enough
// to make appends cheap, small enough that the last block wastes little.
const chunkSize = 1 << 20

// NewBuilder starts a CRL for issuer. The issuer must be a CA certificate
// allowed to sign CRLs (when it has a key usage extension, it must hold
// cRLSign); its subject becomes the CRL's issuer and its subject key
// identifier the CRL's authority key identifier.
func NewBuilder(issuer *x509.Certificate, t Template) (*Builder, error) {
	switch {
	case issuer == nil:
		return nil, errors.New("revoke: no issuer certificate")
	case issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0:
		return nil, fmt.Errorf("revoke: issuer %q may not sign CRLs (no cRLSign key usage)", issuer.Subject)
	case t.Number == nil || t.Number.Sign() < 0 || len(t.Number.Bytes()) > 20:
		return nil, errors.New("revoke: the CRL number must be a non-negative integer of at most 20 octets")
	case t.ThisUpdate.IsZero() || !t.NextUpdate.After(t.ThisUpdate):
		return nil, errors.New("revoke: nextUpdate must be after thisUpdate")
	}
	return &Builder{issuer: issuer, tmpl: t}, nil
}

// Len returns the number of entries added so far.
func (b *Builder) Len() int { return b.entries }

// Add encodes one revoked certificate onto the CRL.
func (b *Builder) Add(e Entry) error {
	serial := e.Serial
	for len(serial) > 0 && serial[0] == 0 {
		serial = serial[1:]
	}
	if len(serial) > 64 {
		return fmt.Errorf("revoke: serial number of %d octets is too long", len(serial))
	}
	if e.RevokedAt.IsZero() {
		return errors.New("revoke: entry without a revocation date")
	}
	// Encode the entry's content after a 4-byte gap, then put its
	// SEQUENCE header right before it.
	buf := b.scratch[:4]
	buf = appendInteger(buf, serial)
	buf = appendTime(buf, e.RevokedAt)
	var ext [64]byte
	exts := ext[:0]
	if e.Reason != Unspecified {
		exts = append(exts, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, byte(e.Reason))
	}
	if !e.InvalidAt.IsZero() {
		exts = append(exts, 0x30, 0x18, 0x06, 0x03, 0x55, 0x1d, 0x18, 0x04, 0x11)
		exts = appendGeneralizedTime(exts, e.InvalidAt)
	}
	if len(exts) > 0 {
		buf = append(buf, 0x30, byte(len(exts)))
		buf = append(buf, exts...)
	}
	content := len(buf) - 4
	var hdr []byte
	if content < 0x80 {
		hdr = buf[2:4]
		hdr[0], hdr[1] = 0x30, byte(content)
	} else {
		hdr = buf[1:4]
		hdr[0], hdr[1], hdr[2] = 0x30, 0x81, byte(content)
	}
	enc := buf[4-len(hdr):]
	b.write(enc)
	b.entries++
	return nil
}

func (b *Builder) write(p []byte) {
	n := len(b.chunks)
	if n == 0 || len(b.chunks[n-1])+len(p) > cap(b.chunks[n-1]) {
		b.chunks = append(b.chunks, make([]byte, 0, chunkSize))
		n++
	}
	b.chunks[n-1] = append(b.chunks[n-1], p...)
	b.size += len(p)
}

// Sign signs the CRL with signer, the issuer's private key, and returns
// it ready to be written. The signature algorithm follows the key:
// ECDSA with SHA-256 (P-256), SHA-384 (P-384) or SHA-512 (P-521), RSA
// PKCS #1 v1.5 with SHA-256, or Ed25519. The TBSCertList is hashed from
// the encoded blocks, so a large CRL is never copied; only Ed25519, which
// signs whole messages, needs one copy.
func (b *Builder) Sign(signer crypto.Signer) (*CRL, error) {
	if !formats.PublicKeysEqual(signer.Public(), b.issuer.PublicKey) {
		return nil, errors.New("revoke: the signing key does not belong to the issuer certificate")
	}
	alg, hash, err := signatureAlgorithm(signer.Public())
	if err != nil {
		return nil, err
	}
	// Everything in the TBSCertList before the entries.
	var fields []byte
	fields = append(fields, 0x02, 0x01, 0x01) // version v2
	fields = append(fields, alg...)
	fields = append(fields, b.issuer.RawSubject...)
	fields = appendTime(fields, b.tmpl.ThisUpdate)
	fields = appendTime(fields, b.tmpl.NextUpdate)
	if b.entries > 0 {
		fields = appendHeader(fields, 0x30, b.size)
	}
	// The CRL extensions after them.
	var exts []byte
	if len(b.issuer.SubjectKeyId) > 0 {
		aki := appendTLV(nil, 0x80, b.issuer.SubjectKeyId)
		aki = appendTLV(nil, 0x30, aki)
		exts = appendTLV(exts, 0x30, appendTLV([]byte{0x06, 0x03, 0x55, 0x1d, 0x23}, 0x04, aki))
	}
	num := appendInteger(nil, b.tmpl.Number.Bytes())
	exts = appendTLV(exts, 0x30, appendTLV([]byte{0x06, 0x03, 0x55, 0x1d, 0x14}, 0x04, num))
	exts = appendTLV(nil, 0xa0, appendTLV(nil, 0x30, exts))

	tbsLen := len(fields) + b.size + len(exts)
	tbsHdr := appendHeader(nil, 0x30, tbsLen)

	var sig []byte
	if hash == 0 {
		msg := make([]byte, 0, len(tbsHdr)+tbsLen)
		msg = append(append(msg, tbsHdr...), fields...)
		for _, c := range b.chunks {
			msg = append(msg, c...)
		}
		msg = append(msg, exts...)
		sig, err = signer.Sign(rand.Reader, msg, crypto.Hash(0))
	} else {
		h := hash.New()
		h.Write(tbsHdr)
		h.Write(fields)
		for _, c := range b.chunks {
			h.Write(c)
		}
		h.Write(exts)
		digest := h.Sum(nil)
		sig, err = signer.Sign(rand.Reader, digest, hash)
		if err == nil && !verifyDigest(signer.Public(), hash, digest, sig) {
			err = errors.New("the signature does not verify")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("revoke: signing the CRL: %w", err)
	}
	var tail []byte
	tail = append(tail, exts...)
	tail = append(tail, alg...)
	tail = appendTLV(tail, 0x03, append([]byte{0}, sig...))

	total := len(tbsHdr) + tbsLen - len(exts) + len(tail)
	head := appendHeader(nil, 0x30, total)
	head = append(head, tbsHdr...)
	head = append(head, fields...)
	c := &CRL{head: head, body: b.chunks, tail: tail, size: len(head) + b.size + len(tail), entries: b.entries}
	b.chunks, b.size, b.entries = nil, 0, 0
	return c, nil
}

// CRL is a signed CRL held as its DER encoding in pieces.
type CRL struct {
	head, tail []byte
	body       [][]byte
	size       int
	entries    int
}

// Len returns the length of the DER encoding in bytes.
func (c *CRL) Len() int { return c.size }

// Entries returns the number of revoked certificates on the CRL.
func (c *CRL) Entries() int { return c.entries }

// WriteTo writes the DER encoding to w.
func (c *CRL) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range append(append([][]byte{c.head}, c.body...), c.tail) {
		m, err := w.Write(p)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Bytes returns the DER encoding in one slice.
func (c *CRL) Bytes() []byte {
	var b bytes.Buffer
	b.Grow(c.size)
	c.WriteTo(&b)
	return b.Bytes()
}

// WritePEM writes the CRL to w as a PEM "X509 CRL" block, encoding as it
// goes.
func (c *CRL) WritePEM(w io.Writer) error {
	pw := &pemWriter{w: w}
	if _, err := io.WriteString(w, "-----BEGIN X509 CRL-----\n"); err != nil {
		return err
	}
	if _, err := c.WriteTo(pw); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "-----END X509 CRL-----\n")
	return err
}

// CreateCRL builds and signs a CRL with the given entries in one call. See
// [NewBuilder] and [Builder.Sign].
func CreateCRL(issuer *x509.Certificate, signer crypto.Signer, t Template, entries []Entry) (*CRL, error) {
	b, err := NewBuilder(issuer, t)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := b.Add(e); err != nil {
			return nil, err
		}
	}
	return b.Sign(signer)
}

// pemWriter base64-encodes what is written to it in 64-column lines.
type pemWriter struct {
	w    io.Writer
	rest []byte // fewer than 48 input bytes waiting for a full line
	out  []byte
}

const pemBatch = 48 * 1024 // input bytes per output write: 1024 lines

func (p *pemWriter) Write(b []byte) (int, error) {
	n := len(b)
	if len(p.rest) > 0 {
		k := min(48-len(p.rest), len(b))
		p.rest = append(p.rest, b[:k]...)
		b = b[k:]
		if len(p.rest) < 48 {
			return n, nil
		}
		if err := p.lines(p.rest); err != nil {
			return 0, err
		}
		p.rest = p.rest[:0]
	}
	for len(b) >= 48 {
		k := min(len(b)/48*48, pemBatch)
		if err := p.lines(b[:k]); err != nil {
			return 0, err
		}
		b = b[k:]
	}
	p.rest = append(p.rest, b...)
	return n, nil
}

// lines writes b (a multiple of 48 bytes, or the final rest) as lines.
func (p *pemWriter) lines(b []byte) error {
	if cap(p.out) < pemBatch/48*65 {
		p.out = make([]byte, 0, pemBatch/48*65)
	}
	out := p.out[:0]
	for len(b) > 0 {
		k := min(48, len(b))
		out = base64.StdEncoding.AppendEncode(out, b[:k])
		out = append(out, '\n')
		b = b[k:]
	}
	_, err := p.w.Write(out)
	return err
}

// Close writes the last partial line.
func (p *pemWriter) Close() error {
	if len(p.rest) == 0 {
		return nil
	}
	err := p.lines(p.rest)
	p.rest = p.rest[:0]
	return err
}

// signatureAlgorithm returns the DER AlgorithmIdentifier and hash for a
// public key, choosing what crypto/x509 would choose.
func signatureAlgorithm(pub crypto.PublicKey) ([]byte, crypto.Hash, error) {
	var (
		oid  asn1.ObjectIdentifier
		hash crypto.Hash
		null bool
	)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			oid, hash = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, crypto.SHA256
		case elliptic.P384():
			oid, hash = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, crypto.SHA384
		case elliptic.P521():
			oid, hash = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, crypto.SHA512
		default:
			return nil, 0, errors.New("revoke: unsupported elliptic curve")
		}
	case *rsa.PublicKey:
		oid, hash, null = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, crypto.SHA256, true
	case ed25519.PublicKey:
		oid = asn1.ObjectIdentifier{1, 3, 101, 112}
	default:
		return nil, 0, fmt.Errorf("revoke: unsupported key type %T", pub)
	}
	ai := pkix.AlgorithmIdentifier{Algorithm: oid}
	if null {
		ai.Parameters = asn1.NullRawValue
	}
	der, err := asn1.Marshal(ai)
	return der, hash, err
}

func verifyDigest(pub crypto.PublicKey, hash crypto.Hash, digest, sig []byte) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, sig)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, hash, digest, sig) == nil
	}
	return true
}

// appendHeader appends a DER tag and definite length.
func appendHeader(b []byte, tag byte, n int) []byte {
	b = append(b, tag)
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 1<<8:
		return append(b, 0x81, byte(n))
	case n < 1<<16:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n < 1<<24:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendTLV(b []byte, tag byte, content []byte) []byte {
	return append(appendHeader(b, tag, len(content)), content...)
}

// appendInteger appends a non-negative INTEGER whose magnitude is mag
// (big-endian, no leading zeros).
func appendInteger(b, mag []byte) []byte {
	switch {
	case len(mag) == 0:
		return append(b, 0x02, 0x01, 0x00)
	case mag[0]&0x80 != 0:
		b = appendHeader(b, 0x02, len(mag)+1)
		b = append(b, 0)
	default:
		b = appendHeader(b, 0x02, len(mag))
	}
	return append(b, mag...)
}

// appendTime appends a Time as RFC 5280 section 4.1.2.5 asks: UTCTime
// for the years 1950 to 2049, GeneralizedTime otherwise.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y < 1950 || y >= 2050 {
		return appendGeneralizedTime(b, t)
	}
	b = append(b, 0x17, 13)
	return appendDigits(b, t, false)
}

func appendGeneralizedTime(b []byte, t time.Time) []byte {
	b = append(b, 0x18, 15)
	return appendDigits(b, t.UTC(), true)
}

// appendDigits appends YYMMDDHHMMSSZ, or YYYYMMDDHHMMSSZ when full.
func appendDigits(b []byte, t time.Time, full bool) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	if full {
		b = two(b, y/100)
	}
	b = two(b, y%100)
	b = two(b, int(mo))
	b = two(b, d)
	b = two(b, h)
	b = two(b, mi)
	b = two(b, s)
	return append(b, 'Z')
}

// ReadCRLFile is [ReadCRLs] on the file at path, its size taken from the
// file. Errors from opening it are returned as they are (fs.ErrNotExist
// among them).
func ReadCRLFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return ReadCRLs(f, size)
}

// ReadCRLs reads every CRL in r, a DER CRL or a PEM file of "X509 CRL"
// blocks (other blocks are skipped), and returns their DER encodings.
// PEM is decoded as it is read, so a large CRL is held once, not twice;
// size, when positive (the file's size), sizes the buffer in advance. It
// fails with an error wrapping [ErrNotCRL] when r holds no CRL.
func ReadCRLs(r io.Reader, size int64) ([][]byte, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	first, err := br.Peek(1)
	if err != nil {
		return nil, ErrNotCRL
	}
	if first[0] == 0x30 {
		buf := bytes.NewBuffer(make([]byte, 0, max(size, 0)+bytes.MinRead))
		if _, err := buf.ReadFrom(br); err != nil {
			return nil, err
		}
		return [][]byte{buf.Bytes()}, nil
	}
	var out [][]byte
	var cur, spare []byte
	in := false
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, fmt.Errorf("%w: a PEM line is too long", ErrNotCRL)
		}
		text := bytes.TrimSpace(line)
		switch {
		case !in && bytes.Equal(text, []byte("-----BEGIN X509 CRL-----")):
			in = true
			if cur = spare; cur == nil {
				cur = make([]byte, 0, max(size*3/4, 1024))
			}
			spare = nil
		case in && bytes.Equal(text, []byte("-----END X509 CRL-----")):
			in = false
			// A small CRL read into the large buffer is copied out, and
			// the buffer kept for the next one.
			if cap(cur) > 2*len(cur)+64*1024 {
				spare, cur = cur[:0], bytes.Clone(cur)
			}
			out = append(out, cur)
			size -= int64(len(cur)) * 4 / 3
			cur = nil
		case in && len(text) > 0:
			if bytes.IndexByte(text, ':') >= 0 { // PEM headers
				continue
			}
			var derr error
			if cur, derr = base64.StdEncoding.AppendDecode(cur, text); derr != nil {
				return nil, fmt.Errorf("%w: bad base64 in PEM: %v", ErrNotCRL, derr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if in {
		return nil, fmt.Errorf("%w: PEM block without its END line", ErrNotCRL)
	}
	if len(out) == 0 {
		return nil, ErrNotCRL
	}
	return out, nil
}

package formats

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"
)

// BER. PKCS#7 and PKCS#12 files from Windows, Java and NSS may use BER's
// indefinite lengths and segmented OCTET STRINGs, which Go's encoding/asn1
// and cryptobyte refuse. This file reads BER headers (on cryptobyte's
// byte reader; cryptobyte itself reads DER only) and converts BER to DER
// in linear time and memory: one pass measures every element that
// changes, a second writes the DER into one buffer of the final size.
// Before, the conversion copied each level of nesting and re-walked
// subtrees: a 60 MB indefinite-length .p7b took 39 s and 480 MB, against
// 1.2 s for the same file as DER.

// ASN.1 tag classes and the universal tags this package looks at.
const (
	classUniversal = 0
	classContext   = 2

	tagInteger     = 2
	tagBitString   = 3
	tagOctetString = 4
	tagOID         = 6
	tagSequence    = 16
	tagSet         = 17
	tagUTCTime     = 23
	tagGenTime     = 24
)

// maxDepth bounds the nesting this package follows, so hostile input
// cannot exhaust the stack.
const maxDepth = 48

var errBadTLV = errors.New("malformed ASN.1 (tag, length or truncated content)")

// element is one BER/DER tag-length-value.
type element struct {
	class       int
	tag         int
	constructed bool
	indefinite  bool   // BER indefinite length (constructed only)
	content     []byte // for an indefinite element: the children, without the end-of-contents octets
	full        []byte // the whole encoding, header included
}

func (e element) is(class, tag int) bool { return e.class == class && e.tag == tag }

// berHeader is a parsed identifier and length.
type berHeader struct {
	class, tag  int
	constructed bool
	indefinite  bool
	hdrLen      int // bytes of identifier and length octets
	length      int // content length (definite only)
	tagBytes    int // bytes of the identifier octets
}

// readHeader parses the identifier and length octets at the start of b.
// Lengths may be non-minimal (BER), tags up to 4 bytes of high-tag-number
// form.
func readHeader(b []byte) (berHeader, bool) {
	var h berHeader
	s := cryptobyte.String(b)
	var id uint8
	if !s.ReadUint8(&id) {
		return h, false
	}
	h.class, h.constructed, h.tag = int(id>>6), id&0x20 != 0, int(id&0x1f)
	if h.tag == 0x1f {
		h.tag = 0
		for i := 0; ; i++ {
			var c uint8
			if i == 4 || !s.ReadUint8(&c) {
				return h, false
			}
			h.tag = h.tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	h.tagBytes = len(b) - len(s)
	var l uint8
	if !s.ReadUint8(&l) {
		return h, false
	}
	switch {
	case l == 0x80:
		if !h.constructed {
			return h, false
		}
		h.indefinite = true
	case l > 0x80:
		var lb []byte
		if n := int(l & 0x7f); n > 4 || !s.ReadBytes(&lb, n) {
			return h, false
		}
		for _, c := range lb {
			h.length = h.length<<8 | int(c)
		}
		if h.length < 0 || h.length > len(s) {
			return h, false
		}
	default:
		h.length = int(l)
		if h.length > len(s) {
			return h, false
		}
	}
	h.hdrLen = len(b) - len(s)
	return h, true
}

// skip returns the length of the whole element at the start of b,
// walking the children of indefinite-length elements to find their end.
func skip(b []byte, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errBadTLV
	}
	h, ok := readHeader(b)
	if !ok {
		return 0, errBadTLV
	}
	if !h.indefinite {
		return h.hdrLen + h.length, nil
	}
	i := h.hdrLen
	for {
		if i+1 < len(b) && b[i] == 0 && b[i+1] == 0 {
			return i + 2, nil
		}
		if i >= len(b) {
			return 0, errBadTLV
		}
		n, err := skip(b[i:], depth+1)
		if err != nil {
			return 0, err
		}
		i += n
	}
}

// readElement reads one BER element from the start of b and returns the
// rest. It accepts indefinite lengths but no more than maxDepth levels.
func readElement(b []byte, depth int) (element, []byte, error) {
	var e element
	h, ok := readHeader(b)
	if !ok || depth > maxDepth {
		return e, nil, errBadTLV
	}
	n, err := skip(b, depth)
	if err != nil {
		return e, nil, err
	}
	e.class, e.tag, e.constructed, e.indefinite = h.class, h.tag, h.constructed, h.indefinite
	e.full = b[:n]
	if h.indefinite {
		e.content = b[h.hdrLen : n-2]
	} else {
		e.content = b[h.hdrLen:n]
	}
	return e, b[n:], nil
}

// children splits the content of a constructed element into elements.
func (e element) children() ([]element, error) {
	if !e.constructed {
		return nil, errBadTLV
	}
	var out []element
	b := e.content
	for len(b) > 0 {
		c, rest, err := readElement(b, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		b = rest
	}
	return out, nil
}

// berMeasure is the first pass of the conversion: the DER content length
// of every element that changes, in the order the second pass meets them.
type berMeasure struct {
	sizes []int
}

// measure returns the BER length of the element at the start of b, its
// DER length, and whether its DER differs from its BER (an indefinite
// length or a segmented OCTET STRING inside). Elements that do not change
// are recorded as -1 (and their children not at all): the second pass
// copies them.
func (m *berMeasure) measure(b []byte, depth int) (berLen, derLen int, changed bool, err error) {
	if depth > maxDepth {
		return 0, 0, false, errBadTLV
	}
	h, ok := readHeader(b)
	if !ok {
		return 0, 0, false, errBadTLV
	}
	if !h.constructed {
		return h.hdrLen + h.length, h.hdrLen + h.length, false, nil
	}
	slot := len(m.sizes)
	m.sizes = append(m.sizes, 0)
	octets := h.is(classUniversal, tagOctetString)
	content, i := 0, h.hdrLen
	end := len(b)
	if !h.indefinite {
		end = h.hdrLen + h.length
	}
	for {
		if h.indefinite {
			if i+1 < len(b) && b[i] == 0 && b[i+1] == 0 {
				i += 2
				break
			}
		} else if i == end {
			break
		}
		if i >= end {
			return 0, 0, false, errBadTLV
		}
		if octets {
			n, flat, err := m.flatOctets(b[i:end], depth+1)
			if err != nil {
				return 0, 0, false, err
			}
			i += n
			content += flat
			continue
		}
		n, d, c, err := m.measure(b[i:end], depth+1)
		if err != nil {
			return 0, 0, false, err
		}
		i, content, changed = i+n, content+d, changed || c
	}
	if !changed && !h.indefinite && !octets {
		m.sizes = append(m.sizes[:slot], -1) // copied as it is: drop what the children recorded
		return i, i, false, nil
	}
	m.sizes[slot] = content
	return i, h.tagBytes + len(derLength(content)) + content, true, nil
}

// flatOctets measures one segment of a constructed OCTET STRING: its BER
// length and the bytes of string it holds (segments may nest).
func (m *berMeasure) flatOctets(b []byte, depth int) (berLen, flat int, err error) {
	if depth > maxDepth {
		return 0, 0, errBadTLV
	}
	h, ok := readHeader(b)
	if !ok || !h.is(classUniversal, tagOctetString) {
		return 0, 0, errBadTLV
	}
	if !h.constructed {
		return h.hdrLen + h.length, h.length, nil
	}
	i, end := h.hdrLen, len(b)
	if !h.indefinite {
		end = h.hdrLen + h.length
	}
	for {
		if h.indefinite {
			if i+1 < len(b) && b[i] == 0 && b[i+1] == 0 {
				return i + 2, flat, nil
			}
		} else if i == end {
			return i, flat, nil
		}
		if i >= end {
			return 0, 0, errBadTLV
		}
		n, f, err := m.flatOctets(b[i:end], depth+1)
		if err != nil {
			return 0, 0, err
		}
		i, flat = i+n, flat+f
	}
}

func (h berHeader) is(class, tag int) bool { return h.class == class && h.tag == tag }

// berWriter is the second pass: it writes DER using the sizes measured
// (one entry per constructed element measure met outside segmented
// strings, -1 for an element that is copied as it is).
type berWriter struct {
	sizes []int
	next  int
	out   []byte
}

// emit writes the DER of the element at the start of b (already checked
// by measure) and returns its BER length.
func (w *berWriter) emit(b []byte) int {
	h, _ := readHeader(b)
	if !h.constructed {
		n := h.hdrLen + h.length
		w.out = append(w.out, b[:n]...)
		return n
	}
	size := w.sizes[w.next]
	w.next++
	if size < 0 {
		n := h.hdrLen + h.length
		w.out = append(w.out, b[:n]...)
		return n
	}
	octets := h.is(classUniversal, tagOctetString)
	id := b[0]
	if octets {
		id &^= 0x20
	}
	w.out = append(w.out, id)
	w.out = append(w.out, b[1:h.tagBytes]...)
	w.out = append(w.out, derLength(size)...)
	return w.body(b, h, octets)
}

// body writes the children of a constructed element (their contents only,
// when flattening a segmented OCTET STRING) and returns the element's BER
// length.
func (w *berWriter) body(b []byte, h berHeader, flatten bool) int {
	i, end := h.hdrLen, len(b)
	if !h.indefinite {
		end = h.hdrLen + h.length
	}
	for {
		if h.indefinite {
			if b[i] == 0 && b[i+1] == 0 {
				return i + 2
			}
		} else if i == end {
			return i
		}
		if !flatten {
			i += w.emit(b[i:end])
			continue
		}
		sh, _ := readHeader(b[i:end])
		if sh.constructed {
			i += w.body(b[i:end], sh, true)
		} else {
			w.out = append(w.out, b[i+sh.hdrLen:i+sh.hdrLen+sh.length]...)
			i += sh.hdrLen + sh.length
		}
	}
}

// toDER re-encodes the BER element at the start of b as DER: indefinite
// lengths become definite and constructed OCTET STRINGs are flattened.
// Subtrees that need no change are copied byte for byte, so signed
// structures inside (certificates) keep their exact encoding; when nothing
// changes, the DER returned is b's own bytes. It returns the element and
// the bytes after it. Time and memory are linear in the input.
func toDER(b []byte, depth int) ([]byte, []byte, error) {
	var m berMeasure
	berLen, derLen, changed, err := m.measure(b, depth)
	if err != nil {
		return nil, nil, err
	}
	if !changed {
		return b[:berLen], b[berLen:], nil
	}
	w := &berWriter{sizes: m.sizes, out: make([]byte, 0, derLen)}
	w.emit(b)
	return w.out, b[berLen:], nil
}

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var l []byte
	for ; n > 0; n >>= 8 {
		l = append([]byte{byte(n)}, l...)
	}
	return append([]byte{0x80 | byte(len(l))}, l...)
}

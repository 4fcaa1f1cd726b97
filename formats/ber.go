package formats

import "errors"

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

// readElement reads one BER element from the start of b and returns the
// rest. It accepts indefinite lengths (walking the children to find the
// end-of-contents octets) but no more than maxDepth levels.
func readElement(b []byte, depth int) (element, []byte, error) {
	var e element
	if depth > maxDepth {
		return e, nil, errBadTLV
	}
	if len(b) < 2 {
		return e, nil, errBadTLV
	}
	e.class = int(b[0] >> 6)
	e.constructed = b[0]&0x20 != 0
	e.tag = int(b[0] & 0x1f)
	i := 1
	if e.tag == 0x1f {
		e.tag = 0
		for {
			if i >= len(b) || i > 4 {
				return e, nil, errBadTLV
			}
			c := b[i]
			i++
			e.tag = e.tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return e, nil, errBadTLV
	}
	l := int(b[i])
	i++
	switch {
	case l == 0x80:
		if !e.constructed {
			return e, nil, errBadTLV
		}
		e.indefinite = true
		start := i
		for {
			if i+1 < len(b) && b[i] == 0 && b[i+1] == 0 {
				e.content = b[start:i]
				e.full = b[:i+2]
				return e, b[i+2:], nil
			}
			_, rest, err := readElement(b[i:], depth+1)
			if err != nil {
				return e, nil, err
			}
			i = len(b) - len(rest)
		}
	case l > 0x80:
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return e, nil, errBadTLV
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
		if l < 0 {
			return e, nil, errBadTLV
		}
	}
	if l > len(b)-i {
		return e, nil, errBadTLV
	}
	e.content = b[i : i+l]
	e.full = b[:i+l]
	return e, b[i+l:], nil
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

// hasIndefinite reports whether any element in the first element of b uses
// an indefinite length or a constructed OCTET STRING, the BER-only forms
// Go's encoding/asn1 refuses.
func hasIndefinite(b []byte) bool { return needsDER(b, 0) }

func needsDER(b []byte, depth int) bool {
	e, _, err := readElement(b, depth)
	if err != nil || !e.constructed {
		return false
	}
	if e.indefinite || e.is(classUniversal, tagOctetString) {
		return true
	}
	kids, err := e.children()
	if err != nil {
		return false
	}
	for _, k := range kids {
		if needsDER(k.full, depth+1) {
			return true
		}
	}
	return false
}

// toDER re-encodes a BER element as DER: indefinite lengths become definite
// and constructed OCTET STRINGs are flattened. Definite-length subtrees
// that need no change are copied byte for byte, so signed structures
// inside (certificates) keep their exact encoding. It returns the element
// and the bytes after it.
func toDER(b []byte, depth int) ([]byte, []byte, error) {
	e, rest, err := readElement(b, depth)
	if err != nil {
		return nil, nil, err
	}
	if !e.constructed || !needsDER(e.full, depth) {
		return e.full, rest, nil
	}
	var body []byte
	in := e.content
	for len(in) > 0 {
		d, r, err := toDER(in, depth+1)
		if err != nil {
			return nil, nil, err
		}
		body = append(body, d...)
		in = r
	}
	header := e.full[0]
	if e.is(classUniversal, tagOctetString) {
		// Concatenate the segments' contents into one primitive string.
		var flat []byte
		segs := body
		for len(segs) > 0 {
			s, r, err := readElement(segs, depth+1)
			if err != nil || !s.is(classUniversal, tagOctetString) || s.constructed {
				return nil, nil, errBadTLV
			}
			flat = append(flat, s.content...)
			segs = r
		}
		body = flat
		header &^= 0x20
	}
	tagBytes := []byte{header}
	if e.tag >= 0x1f {
		// Copy the long-form tag octets as they were.
		n := 1
		for e.full[n]&0x80 != 0 {
			n++
		}
		tagBytes = append(tagBytes, e.full[1:n+1]...)
	}
	return append(append(tagBytes, derLength(len(body))...), body...), rest, nil
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

package formats

import (
	"math/big"
	"strings"
)

// How pkit spells the identifiers of certificates and keys, in text and
// JSON alike (docs/output.md), so that the output of one command can be
// joined with another's and with OpenSSL's.

// SerialHex writes a serial number as lowercase hex with an even number
// of digits and no separators ("0a3f…"), the form the store keys and
// "pkit revoke" accepts.
func SerialHex(n *big.Int) string {
	s := n.Text(16)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// FormatFingerprint writes a digest as uppercase hex pairs joined by
// colons, the way browsers and OpenSSL show fingerprints.
func FormatFingerprint(sum []byte) string {
	const hexDigits = "0123456789ABCDEF"
	out := make([]byte, 0, len(sum)*3)
	for i, b := range sum {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hexDigits[b>>4], hexDigits[b&15])
	}
	return string(out)
}

// KeyIDHex writes a key identifier (SKI, AKI) as lowercase hex pairs
// joined by colons, the way OpenSSL shows them; "" when id is empty.
func KeyIDHex(id []byte) string {
	return strings.ToLower(FormatFingerprint(id))
}

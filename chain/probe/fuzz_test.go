package probe

import (
	"errors"
	"strings"
	"testing"
)

// FuzzServerInput feeds what a server controls — the CA names of its
// CertificateRequest and the body of its HTTP reply — to the code that
// reads them: no panic, a name always shows as something, a title is one
// line.
func FuzzServerInput(f *testing.F) {
	f.Add([]byte{0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 'R', 'o', 'o', 't'})
	f.Add([]byte("<html><head><title>400 No required SSL certificate was sent</title></head>"))
	f.Add([]byte{0x30, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		if n := nameString(data); len(data) > 0 && n == "" {
			t.Errorf("nameString(%x) is empty", data)
		}
		if title := htmlTitle(data); strings.ContainsAny(title, "\r\n") {
			t.Errorf("htmlTitle = %q spans lines", title)
		}
	})
}

// FuzzParseTarget checks that ParseTarget fails only with a
// *TargetError and that what it accepts has a host and a port.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"localhost:8443", "[::1]:443", "https://example.internal/x?y", "http://a", "a:b:c", "https://[::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("ParseTarget(%q): %T %v, want a *TargetError", s, err, err)
			}
			return
		}
		if tg.Host == "" || tg.Address == "" || !strings.HasPrefix(tg.Path, "/") {
			t.Fatalf("ParseTarget(%q) = %+v", s, tg)
		}
	})
}

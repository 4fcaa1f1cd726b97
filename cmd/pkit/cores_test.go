package main

import (
	"strings"
	"testing"
)

// TestIsOneShot: the one-shot commands keep the one CPU the Linux
// program starts on; every other command gets them all as it starts.
func TestIsOneShot(t *testing.T) {
	for _, tt := range []struct {
		args string
		want bool
	}{
		{"pkit --version", true},
		{"pkit", true},
		{"pkit nosuchcommand", true},
		{"pkit help issue", true},
		{"pkit inspect a.pem", true},
		{"pkit chain verify a.pem --purpose server", true},
		{"pkit chain build pile.pem", true},
		{"pkit convert a.pem a.der", true},
		{"pkit crl check a.pem --crl c.crl", true},
		{"pkit --dir pki crl", false},
		{"pkit crl", false},
		{"pkit issue client alice --p12", false},
		{"pkit --dir pki issue --batch m.csv", false},
		{"pkit issue --help", false},
		{"pkit sign r.csr --profile server", false},
		{"pkit renew a.pem", false},
		{"pkit revoke a.pem", false},
		{"pkit quickstart", false},
		{"pkit list --json", false},
		{"pkit serve --listen :8080", false},
		{"pkit trust install", false},
		{"pkit db migrate --from a --to b", false},
	} {
		if got := isOneShot(strings.Fields(tt.args)); got != tt.want {
			t.Errorf("isOneShot(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

package main

import (
	"strings"
	"testing"
)

// TestProcsFor: commands that work on one goroutine run on one P; those
// that run work in parallel, and any process whose user set GOMAXPROCS,
// keep the runtime's default.
func TestProcsFor(t *testing.T) {
	for _, tt := range []struct {
		args, gomaxprocs string
		want             int
	}{
		{"pkit --version", "", 1},
		{"pkit", "", 1},
		{"pkit help issue", "", 1},
		{"pkit inspect a.pem", "", 1},
		{"pkit chain verify a.pem --purpose server", "", 1},
		{"pkit convert a.pem a.p12 --key k.pem", "", 1},
		{"pkit crl check a.pem --crl c.crl", "", 1},
		{"pkit --dir pki revoke a.pem", "", 1},
		{"pkit issue client alice --p12", "", 0},
		{"pkit --dir pki issue --batch m.csv", "", 0},
		{"pkit sign r.csr --profile server", "", 0},
		{"pkit renew a.pem", "", 0},
		{"pkit quickstart", "", 0},
		{"pkit list --json", "", 0},
		{"pkit serve --listen :8080", "", 0},
		{"pkit db migrate --from a --to b", "", 0},
		{"pkit inspect a.pem", "4", 0},
	} {
		getenv := func(k string) string {
			if k == "GOMAXPROCS" {
				return tt.gomaxprocs
			}
			return ""
		}
		if got := procsFor(strings.Fields(tt.args), getenv); got != tt.want {
			t.Errorf("procsFor(%q, GOMAXPROCS=%q) = %d, want %d", tt.args, tt.gomaxprocs, got, tt.want)
		}
	}
}

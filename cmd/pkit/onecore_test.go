package main

import (
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestOneCore: the short one-shot commands stay on the one core pkit
// starts with; everything that may use more (batch issuance, the OCSP
// server, store-wide work, CRL signing) gets the cores back.
func TestOneCore(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"pkit", "--version"}, true},
		{[]string{"pkit", "-v"}, true},
		{[]string{"pkit", "inspect", "a.pem"}, true},
		{[]string{"pkit", "convert", "a.pem", "a.der"}, true},
		{[]string{"pkit", "chain", "verify", "c.pem"}, true},
		{[]string{"pkit", "--dir", "pki", "chain", "build", "p.pem"}, true},
		{[]string{"pkit", "crl", "check", "a.pem"}, true},
		{[]string{"pkit", "crl"}, false},
		{[]string{"pkit", "crl", "--check"}, false},
		{[]string{"pkit", "issue", "--batch", "m.csv"}, false},
		{[]string{"pkit", "issue", "client", "alice"}, false},
		{[]string{"pkit", "serve", "--listen", "127.0.0.1:0"}, false},
		{[]string{"pkit", "list", "--json"}, false},
		{[]string{"pkit"}, false},
		{[]string{"pkit", "--version", "extra"}, false},
	} {
		if got := oneCore(tc.args); got != tc.want {
			t.Errorf("oneCore(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestCoresGivenBack: a command that is not one-shot runs with the
// machine's cores, not the one internal/onecore starts the process with.
func TestCoresGivenBack(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: nothing to give back")
	}
	defer runtime.SetDefaultGOMAXPROCS()
	runtime.GOMAXPROCS(1)
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	e.main([]string{"pkit", "list", "--dir", t.TempDir()}) // fails: no CA; the cores come back first
	if n := runtime.GOMAXPROCS(0); n < 2 {
		t.Fatalf("GOMAXPROCS after pkit list = %d, want the default (%d CPUs)", n, runtime.NumCPU())
	}
	runtime.GOMAXPROCS(1)
	e.main([]string{"pkit", "--version"})
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Fatalf("GOMAXPROCS after pkit --version = %d, want 1", n)
	}
}

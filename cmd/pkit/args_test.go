package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestInterspersed(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
	tests := []struct{ in, want string }{
		{"pkit issue server localhost --chain", "pkit issue server --chain -- localhost"},
		{"pkit issue server a b --dir pki", "pkit issue server --dir pki -- a b"},
		{"pkit list", "pkit list"},
		{"pkit --dir pki list", "pkit list --dir pki"},
		{"pkit --dir=pki list --json", "pkit list --dir=pki --json"},
		{"pkit --json --dir pki list", "pkit list --json --dir pki"},
		{"pkit --dir pki ca show intermediate", "pkit ca show --dir pki -- intermediate"},
		{"pkit --version", "pkit --version"},
		{"pkit --dir pki", "pkit --dir -- pki"}, // no command: a usage error (unknown flag at the top)
		{"pkit revoke -- -odd-name", "pkit revoke -- -odd-name"},
	}
	for _, tt := range tests {
		got := strings.Join(interspersed(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("%q:\n got  %q\n want %q", tt.in, got, tt.want)
		}
	}
	if args := strings.Fields("pkit issue client x"); !slices.Equal(interspersed(app, args), []string{"pkit", "issue", "client", "--", "x"}) {
		t.Errorf("plain: %q", interspersed(app, args))
	}
}

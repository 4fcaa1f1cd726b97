package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestInterspersed(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}, nil)
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
		// The app built for these arguments alone reads them the same.
		lazy := newApp(app.Metadata["env"].(*env), strings.Fields(tt.in))
		if got := strings.Join(interspersed(lazy, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("%q with only its command built:\n got  %q\n want %q", tt.in, got, tt.want)
		}
	}
	if args := strings.Fields("pkit issue client x"); !slices.Equal(interspersed(app, args), []string{"pkit", "issue", "client", "--", "x"}) {
		t.Errorf("plain: %q", interspersed(app, args))
	}
}

// TestCommandTable: the names newApp looks commands up by are the names
// the commands have, and an app built for one command has that one only.
func TestCommandTable(t *testing.T) {
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	all := newApp(e, nil).Commands
	if len(all) != len(commands) {
		t.Fatalf("%d commands built, %d in the table", len(all), len(commands))
	}
	if n := len(newApp(e, []string{"pkit", "--version"}).Commands); n != 0 {
		t.Errorf("pkit --version built %d commands, want none", n)
	}
	for i, c := range commands {
		if all[i].Name != c.name {
			t.Errorf("table entry %d is %q, its command is named %q", i, c.name, all[i].Name)
		}
		one := newApp(e, []string{"pkit", "--dir", "x", c.name, "--help"}).Commands
		if wholeTree[c.name] {
			if len(one) != len(commands) {
				t.Errorf("%s: %d commands built, want all", c.name, len(one))
			}
		} else if len(one) != 1 || one[0].Name != c.name {
			t.Errorf("%s: built %d commands, want only it", c.name, len(one))
		}
	}
}

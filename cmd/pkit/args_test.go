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
		{"pkit issue client alice --p12 --out-dir o", "pkit issue client --p12 --out-dir o -- alice"},
		{"pkit --dir pki issue client alice --p12", "pkit issue client --dir pki --p12 -- alice"},
		{"pkit chain verify c.pem --host h --purpose server", "pkit chain verify --host h --purpose server -- c.pem"},
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
		} else if len(one[0].Subcommands) != len(all[i].Subcommands) {
			t.Errorf("%s --help: %d subcommands built, want all %d", c.name, len(one[0].Subcommands), len(all[i].Subcommands))
		}
		// A command whose subs the table lists: built without them, they
		// are its subcommands in that order, and an app built for one of
		// them has that one only.
		if c.subs == nil {
			continue
		}
		if n := len(c.build(e).Subcommands); n != 0 {
			t.Errorf("%s builds %d subcommands itself, beside the table's", c.name, n)
		}
		if len(all[i].Subcommands) != len(c.subs) {
			t.Errorf("%s: %d subcommands built, %d in the table", c.name, len(all[i].Subcommands), len(c.subs))
			continue
		}
		for j, s := range c.subs {
			if got := all[i].Subcommands[j]; got.Name != s.name || len(got.Aliases) > 0 {
				t.Errorf("%s: table sub %d is %q, its command is named %q (aliases %q)", c.name, j, s.name, got.Name, got.Aliases)
			}
			one := newApp(e, []string{"pkit", "--dir", "x", c.name, s.name, "--json"}).Commands
			if len(one) != 1 || len(one[0].Subcommands) != 1 || one[0].Subcommands[0].Name != s.name {
				t.Errorf("%s %s: built %v, want only %s %s", c.name, s.name, one, c.name, s.name)
			}
		}
	}
}

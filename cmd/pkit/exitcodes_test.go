package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// The README and docs/output.md name every command that answers a check
// with exit code 3, and only those: the commands and flags whose help says
// they exit 3.
func TestExitCodeListsComplete(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}, nil)
	exits3 := regexp.MustCompile(`\bexits? 3\b`)
	exitSection := regexp.MustCompile(`EXIT CODES\n[^\n]*\b3\b`)
	sameAs := regexp.MustCompile(`^the same as (--[a-z-]+)\b`)
	var want []string
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			if exits3.MatchString(c.Usage) || exitSection.MatchString(c.Description) {
				want = append(want, name)
			}
			var flags []string
			for _, f := range c.Flags {
				if u, ok := f.(interface{ GetUsage() string }); ok && exits3.MatchString(u.GetUsage()) {
					flags = append(flags, "--"+f.Names()[0])
				}
			}
			for _, f := range c.Flags { // a flag that is another with a value
				if u, ok := f.(interface{ GetUsage() string }); ok {
					if m := sameAs.FindStringSubmatch(u.GetUsage()); m != nil && slices.Contains(flags, m[1]) {
						flags = append(flags, "--"+f.Names()[0])
					}
				}
			}
			for _, f := range flags {
				want = append(want, name+" "+f)
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
	slices.Sort(want)
	if len(want) < 6 {
		t.Fatalf("found only %q saying they exit 3", want)
	}
	for file, pattern := range map[string]string{
		"../../README.md":      `(?m)^\*\*3\*\* a check said no \(([^)]*)\)`,
		"../../docs/output.md": `\*\*3\*\* a check said no\s+\(([^)]*)\)`,
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(pattern).FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no list of what exits 3", file)
		}
		var got []string
		for _, name := range regexp.MustCompile("`([^`]*)`").FindAllSubmatch(m[1], -1) {
			n := string(name[1])
			if strings.HasPrefix(n, "--") { // "crl --check"/"--check-expiry": a flag of the command before
				n = strings.Fields(got[len(got)-1])[0] + " " + n
			}
			got = append(got, n)
		}
		slices.Sort(got)
		var missing []string
		for _, w := range want {
			if !slices.Contains(got, w) {
				missing = append(missing, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("%s names %q among what exits 3, whose help does not say so", file, g)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: the list of what exits 3 leaves out %q", file, missing)
		}
	}
}

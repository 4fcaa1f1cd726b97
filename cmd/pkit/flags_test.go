package main

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestFlagNamesOnce: every flag of the whole command tree (and --help,
// --version) answers Names from names worked out once, the same names
// urfave/cli's FlagNames gives, and does everything else the flag it
// wraps does (the interfaces urfave/cli looks for).
func TestFlagNamesOnce(t *testing.T) {
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	n := 0
	check := func(where string, f cli.Flag) {
		n++
		var inner cli.Flag
		var name string
		var aliases []string
		switch f := f.(type) {
		case *boolFlag:
			inner, name, aliases = f.BoolFlag, f.Name, f.Aliases
		case *stringFlag:
			inner, name, aliases = f.StringFlag, f.Name, f.Aliases
		case *stringSliceFlag:
			inner, name, aliases = f.StringSliceFlag, f.Name, f.Aliases
		case *intFlag:
			inner, name, aliases = f.IntFlag, f.Name, f.Aliases
		case *durationFlag:
			inner, name, aliases = f.DurationFlag, f.Name, f.Aliases
		default:
			t.Errorf("%s: flag %q is a %T, whose names are not worked out once (add a type to namedOnce)", where, f.Names(), f)
			return
		}
		if got, want := f.Names(), cli.FlagNames(name, aliases); !slices.Equal(got, want) {
			t.Errorf("%s: flag names %q, urfave/cli's %q", where, got, want)
		}
		// Every method of the wrapped flag, so every interface urfave/cli
		// looks for (help, values, environment, required, categories,
		// separators), with the same signature.
		wt, it := reflect.TypeOf(f), reflect.TypeOf(inner)
		for i := range it.NumMethod() {
			m := it.Method(i)
			w, ok := wt.MethodByName(m.Name)
			if !ok || !sameSignature(w.Type, m.Type) {
				t.Errorf("%s --%s: %T lacks %T's method %s", where, name, f, inner, m.Name)
			}
		}
		if f.String() != inner.String() {
			t.Errorf("%s --%s: help line %q, the wrapped flag's %q", where, name, f.String(), inner.String())
		}
	}
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				check(path+" "+c.Name, f)
			}
			walk(path+" "+c.Name, c.Subcommands)
		}
	}
	walk("pkit", newApp(e, nil).Commands)
	check("--help", cli.HelpFlag)
	check("--version", cli.VersionFlag)
	if n < 100 {
		t.Errorf("only %d flags in the command tree", n)
	}
}

// sameSignature tells whether methods a and b (receiver first) take and
// give the same types.
func sameSignature(a, b reflect.Type) bool {
	if a.NumIn() != b.NumIn() || a.NumOut() != b.NumOut() || a.IsVariadic() != b.IsVariadic() {
		return false
	}
	for i := 1; i < a.NumIn(); i++ {
		if a.In(i) != b.In(i) {
			return false
		}
	}
	for i := range a.NumOut() {
		if a.Out(i) != b.Out(i) {
			return false
		}
	}
	return true
}

// TestFlagNames: the names urfave/cli's FlagNames gives, with and without
// the commas and spaces its expression strips from.
func TestFlagNames(t *testing.T) {
	for _, tt := range []struct {
		name    string
		aliases []string
	}{
		{"dir", nil},
		{"force", []string{"f"}},
		{"cert-file", []string{"cert", "c"}},
		{"", nil},
		{"a, b", nil},
		{"a b", []string{"c"}},
		{"a", []string{"b,c", "d"}},
		{"a ,b\nc", []string{" x"}},
		{"a\tb", []string{"ü ber"}},
	} {
		if got, want := flagNames(tt.name, tt.aliases), cli.FlagNames(tt.name, tt.aliases); !slices.Equal(got, want) {
			t.Errorf("flagNames(%q, %q) = %q, FlagNames gives %q", tt.name, tt.aliases, got, want)
		}
	}
}

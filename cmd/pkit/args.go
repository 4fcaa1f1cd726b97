package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves flags that follow positional arguments in front of
// them, so "pkit issue server localhost --chain" works: urfave/cli v2 (like
// Go's flag package) stops parsing flags at the first argument. Flags are
// looked up in the command the arguments name, so a flag's value is never
// mistaken for an argument. "--" ends flag reordering.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	args = leadingFlagsLater(app, args)
	out := []string{args[0]}
	cmds, flags := app.Commands, app.Flags
	i := 1
	// Walk down the command path.
	for i < len(args) && !strings.HasPrefix(args[i], "-") {
		next := findCommand(cmds, args[i])
		if next == nil {
			break
		}
		out = append(out, args[i])
		cmds, flags = next.Subcommands, next.Flags
		i++
	}
	var fl, pos []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && a != "-":
			fl = append(fl, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && valued(flags, name) && i+1 < len(args) {
				fl = append(fl, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(out, fl...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}

// valued tells whether the flag called name among flags takes a value
// (--dir DIR, not --force); false for a name none of them has.
func valued(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return takesValue(f)
		}
	}
	return false
}

// leadingFlagsLater moves flags written before the command ("pkit --dir
// /srv/pki list", as with git -C) behind the command's name, where the
// command's own flags are parsed. A flag's value is the word after it
// unless that word is a command or another flag. The app's own flags
// (--help, --version) stay where they are.
func leadingFlagsLater(app *cli.App, args []string) []string {
	isCommand := func(s string) bool { return findCommand(app.Commands, s) != nil }
	// The flags urfave/cli adds to the app when it runs, and any of its own.
	appFlag := map[string]bool{"help": true, "h": true, "version": true, "v": true}
	for _, f := range app.Flags {
		for _, n := range f.Names() {
			appFlag[n] = true
		}
	}
	var moved []string
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && args[i] != "--" {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if appFlag[name] {
			// --help or --version: they answer alone, whatever came before.
			return append([]string{args[0]}, args[i:]...)
		}
		moved = append(moved, args[i])
		i++
		if !hasValue && i < len(args) && !strings.HasPrefix(args[i], "-") && !isCommand(args[i]) {
			moved = append(moved, args[i])
			i++
		}
	}
	if len(moved) == 0 || i == len(args) {
		return args
	}
	out := append([]string{args[0]}, args[i:]...)
	// Behind the command path: the leading words naming commands.
	j := 2
	for j < len(out) && !strings.HasPrefix(out[j], "-") && isSubcommandPath(app, out[1:j+1]) {
		j++
	}
	return append(append(append([]string{}, out[:j]...), moved...), out[j:]...)
}

// isSubcommandPath tells whether words name a command and its
// subcommands, like ["ca", "show"].
func isSubcommandPath(app *cli.App, words []string) bool {
	cmds := app.Commands
	for _, w := range words {
		next := findCommand(cmds, w)
		if next == nil {
			return false
		}
		cmds = next.Subcommands
	}
	return true
}

// findCommand returns the command in cmds called name (or one of its
// aliases), or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

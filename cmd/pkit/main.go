// Command pkit is a private PKI toolkit: it creates CAs, issues server and
// client certificates, builds and verifies chains, converts between file
// formats, revokes certificates and publishes CRLs.
package main

import (
	// On Linux with cgo: the program is mapped in at start, not faulted
	// in page by page (see the package doc).
	_ "github.com/pkit/pkit/internal/prefault"

	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pkit/pkit/internal/startcpu"
	"github.com/urfave/cli/v2"
)

func main() {
	// pkit never writes heap profiles; sampling them costs start-up time.
	runtime.MemProfileRate = 0
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// oneShot lists the commands that work on one goroutine (with no command:
// --version, help and usage errors), and, for a command whose other
// subcommands do not, the ones that do. They keep the one CPU and the one
// P make build's Linux program starts with (internal/startcpu), unless
// they meet a .p12 (useAllCores). Every other command runs goroutines in
// parallel (issuance's .p12 key derivations, a batch's rows, list
// --json's reader, the server) or may run long, and gets every CPU and P
// as it starts.
var oneShot = map[string][]string{
	"": nil, "help": nil, "inspect": nil, "convert": nil, "chain": nil, "crl": {"check"},
}

// isOneShot reports whether the process started with args runs a command
// of oneShot.
func isOneShot(args []string) bool {
	name, i := firstWord(args)
	subs, ok := oneShot[name]
	if !ok || subs == nil {
		return ok
	}
	for _, a := range args[i+1:] {
		if !strings.HasPrefix(a, "-") {
			return slices.Contains(subs, a)
		}
	}
	return false
}

// useAllCores gives the process every CPU it started with and, unless the
// user set GOMAXPROCS, the runtime's default GOMAXPROCS
// (startcpu.Release). Commands call it before they run goroutines in
// parallel; it does nothing the second time, or in a process that did not
// start on one CPU.
func (e *env) useAllCores() { startcpu.Release(e.getenv("GOMAXPROCS") == "") }

// env is what a command may touch of the outside world. Commands read
// the environment, stdin and the terminal only through it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	stdinUsed      bool
	// workFactor overrides the scrypt work factor (tests only).
	workFactor int
	// folderKDF overrides formats.MaxFolderKDFIterations (tests only).
	folderKDF int64
}

// run executes pkit with args and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return e.main(args)
}

// main runs the app with e and returns the exit code.
func (e *env) main(args []string) int {
	if !isOneShot(args) {
		e.useAllCores()
	}
	app := newApp(e, args)
	args = leadingFlagsLater(app, args)
	if len(args) > 1 && (args[1] == "help" || args[1] == "h") {
		// "pkit help [CMD [SUB]]": only the command words count (urfave/
		// cli's own help command would answer "help -h" with exit code 3).
		var path []string
		for i := 2; i < len(args); i++ {
			switch a := args[i]; {
			case a == "--dir" || a == "-dir":
				i++ // and its value
			case strings.HasPrefix(a, "-"):
			default:
				path = append(path, a)
			}
		}
		return e.report(e.help(app, path))
	}
	err := app.Run(interspersed(app, args))
	return e.report(err)
}

// newApp builds the command tree. Every command is listed here.
// commands are pkit's commands in the order help lists them, each with the
// function that builds it. Building every command's flags costs a short
// command about 5% of its CPU (perf, pkit --version), so newApp builds
// only the one that runs when the arguments name it, and of its subs only
// the one the next word names.
var commands = []command{
	{"quickstart", quickstartCommand, nil},
	{"init", initCommand, nil},
	{"ca", caCommand, nil},
	{"issue", issueCommand, []subcommand{{"server", issueServerCommand}, {"client", issueClientCommand}}},
	{"sign", signCommand, nil},
	{"csr", csrCommand, nil},
	{"list", listCommand, nil},
	{"renew", renewCommand, nil},
	{"inspect", inspectCommand, nil},
	{"convert", convertCommand, nil},
	{"match", matchCommand, nil},
	{"chain", chainCommand, []subcommand{{"build", chainBuildCommand}, {"verify", chainVerifyCommand}}},
	{"probe", probeCommand, nil},
	{"revoke", revokeCommand, nil},
	{"unrevoke", unrevokeCommand, nil},
	{"crl", crlCommand, nil},
	{"store", storeCommand, nil},
	{"db", dbCommand, nil},
	{"serve", serveCommand, nil},
	{"trust", trustCommand, nil},
	{"completion", completionCommand, nil},
	{"man", manCommand, nil},
}

// wholeTree names the commands that read the whole command tree.
var wholeTree = map[string]bool{"completion": true, "man": true}

// command is a command's name and the function that builds it.
type command struct {
	name  string
	build func(*env) *cli.Command
	// subs, when set, are the command's subcommands (build leaves them
	// out): building issue server's flags costs "pkit issue client"
	// about 0.4% of its CPU.
	subs []subcommand
}

// subcommand is a subcommand's name and the function that builds it.
type subcommand struct {
	name  string
	build func(*env) *cli.Command
}

// buildFor builds c with, of its subs, only the one called next when
// next names one, else all of them.
func (c command) buildFor(e *env, next string) *cli.Command {
	cmd := c.build(e)
	for _, s := range c.subs {
		if s.name == next {
			cmd.Subcommands = []*cli.Command{s.build(e)}
			return cmd
		}
	}
	for _, s := range c.subs {
		cmd.Subcommands = append(cmd.Subcommands, s.build(e))
	}
	return cmd
}

// newApp builds pkit's command line for args (nil: every command). When
// the first word of args names a command, only that one is built: the
// others are not needed to run it; when the word right after it names
// one of the subs the table lists for it, that one is its only
// subcommand.
func newApp(e *env, args []string) *cli.App {
	var cmds []*cli.Command
	if len(args) == 2 && (args[1] == "--version" || args[1] == "-v") {
		return buildApp(e, nil) // the version needs no command
	}
	if name, i := firstWord(args); name != "" && !wholeTree[name] {
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		for _, c := range commands {
			if c.name == name {
				cmds = []*cli.Command{c.buildFor(e, next)}
			}
		}
	}
	if cmds == nil {
		for _, c := range commands {
			cmds = append(cmds, c.buildFor(e, ""))
		}
	}
	return buildApp(e, cmds)
}

// firstWord is the command args name and its index: the first word after
// the program's name and its leading flags (a word after a flag may be
// that flag's value, "pkit --dir pki list"), or "" when there is none.
func firstWord(args []string) (string, int) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" {
			return "", 0
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		for _, c := range commands {
			if c.name == a {
				return a, i
			}
		}
		if !strings.HasPrefix(args[i-1], "-") || i == 1 {
			return "", 0 // not a flag's value: an unknown command
		}
	}
	return "", 0
}

// buildApp is pkit's command line with cmds.
func buildApp(e *env, cmds []*cli.Command) *cli.App {
	app := &cli.App{
		Name:     "pkit",
		Version:  version(),
		Metadata: map[string]any{"stdout": e.stdout, "env": e},
		Usage:    "a private PKI toolkit: CAs, certificates, chains, formats, revocation",
		Description: `pkit keeps a CA in a directory (default ./pki, or --dir, or $PKIT_DIR).

   Start with:
     pkit quickstart                       a CA, a localhost server cert and a client cert + .p12
     pkit init                             a CA only (root + intermediate)
     pkit issue server example.internal    a server certificate
     pkit issue client alice --p12         a client certificate for mTLS and a browser

   Exit codes: 0 ok, 1 error, 2 usage error, 3 a check said no.`,
		Writer:                    e.stderr,
		ErrWriter:                 e.stderr,
		Reader:                    e.stdin,
		HideHelpCommand:           true,
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError:              onUsageError,
		Action: func(c *cli.Context) error {
			if a := c.Args(); a.First() == "help" || a.First() == "h" {
				return e.help(c.App, a.Tail())
			}
			if c.NArg() > 0 {
				return usagef("unknown command %q", c.Args().First()).hint(`run "pkit --help" for the commands`)
			}
			return cli.ShowAppHelp(c)
		},
		Commands: cmds,
		// Shown nowhere; set, it spares urfave/cli a stat of os.Args[0]
		// to fill it in.
		Compiled: time.Unix(0, 0),
	}
	setUsageErrors(app.Commands)
	nameFlagsOnce(app.Commands)
	return app
}

// nameFlagsOnce gives every flag of cmds and their subcommands names
// worked out once ([namedOnce]).
func nameFlagsOnce(cmds []*cli.Command) {
	for _, c := range cmds {
		for i, f := range c.Flags {
			c.Flags[i] = namedOnce(f)
		}
		nameFlagsOnce(c.Subcommands)
	}
}

// help answers "pkit help CMD [SUB]" with what "pkit CMD [SUB] --help"
// shows (the app hides urfave/cli's own help command, which would print
// to stdout and give no help for subcommands): each name must be a
// command of the one before.
func (e *env) help(app *cli.App, path []string) error {
	cmds, where := app.Commands, "pkit"
	for _, name := range path {
		next := findCommand(cmds, name)
		if next == nil {
			if where == "pkit" {
				return usagef("unknown command %q", name).hint(`run "pkit --help" for the commands`)
			}
			if len(cmds) == 0 {
				return usagef("%q has no commands under it (%q is not one)", where, name).hint("run %q", "pkit help "+strings.TrimPrefix(where, "pkit "))
			}
			return usagef("unknown command %q for %q", name, where).hint("run %q for its commands", where+" --help")
		}
		cmds, where = next.Subcommands, where+" "+next.Name
	}
	return newApp(e, nil).Run(append(append([]string{"pkit"}, path...), "--help"))
}

// setUsageErrors gives every command (subcommands don't inherit it) the
// usage-error handler, and sends help to stderr.
func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		if len(c.Subcommands) > 0 && c.Action == nil {
			// Without this urfave/cli answers an unknown subcommand with
			// "No help topic" and exit code 3, which means "a check said no".
			c.Action = func(c *cli.Context) error {
				var names []string
				for _, sub := range c.Command.Subcommands {
					if sub.Name != "help" && !sub.Hidden {
						names = append(names, sub.Name)
					}
				}
				if c.NArg() > 0 {
					return usagef("unknown command %q for %q", c.Args().First(), c.Command.HelpName).
						hint("%s has: %s (run %q)", c.Command.HelpName, strings.Join(names, ", "), c.Command.HelpName+" --help")
				}
				return usagef("%s what?", c.Command.HelpName).
					hint("%s has: %s (run %q)", c.Command.HelpName, strings.Join(names, ", "), c.Command.HelpName+" --help")
			}
		}
		setUsageErrors(c.Subcommands)
	}
}

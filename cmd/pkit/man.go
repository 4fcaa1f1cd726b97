package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

// The man pages are roff written here from the command tree, not
// urfave/cli's generator: that one comes with a markdown package whose
// start-up cost pkit is built without (-tags urfave_cli_no_docs, see the
// Makefile), and it makes one page for everything. This code runs only
// for "pkit man" and initialises nothing at start-up.

func manCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "man",
		Usage:     "write pkit's man pages (pkit.1, pkit-issue-server.1 …) to a folder",
		ArgsUsage: "DIR",
		Description: `Writes a man page for pkit and one for each of its commands and
   subcommands (pkit-issue-server.1, pkit-chain-verify.1 …), made from the
   same text as --help, to DIR (made if missing): all of them or, on
   error, none. Existing pages are replaced only with -f/--force.
   "make man" writes them to man/man1 in a source tree.

EXAMPLES
   pkit man ~/.local/share/man/man1 && man pkit-issue-server
   pkit man /usr/local/share/man/man1 --force
   pkit man /tmp/pkit-man && man -l /tmp/pkit-man/pkit-convert.1`,
		Flags: []cli.Flag{forceFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("man takes one folder to write the pages to").hint("e.g. pkit man ~/.local/share/man/man1")
			}
			dir := c.Args().First()
			pages := manPages(c.App, completionTree(c.App))
			if err := mkdirAll(dir); err != nil {
				return failf("%v", err)
			}
			files := make([]formats.File, len(pages))
			for i, p := range pages {
				files[i] = formats.File{Path: filepath.Join(dir, p.name), Data: []byte(p.text), Perm: 0o644}
			}
			if err := formats.WriteFiles(files, c.Bool("force")); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %d man pages to %s\n", len(files), dir)
			return nil
		},
	}
}

type manPage struct{ name, text string }

// manPages renders every node of the command tree as a page in section 1.
func manPages(app *cli.App, tree []completionNode) []manPage {
	var pages []manPage
	for _, n := range tree {
		pages = append(pages, manPage{name: manName(n.path) + ".1", text: manPageText(app, n)})
	}
	return pages
}

// manName is "pkit" for the root, "pkit-ca-init" for "ca init".
func manName(path string) string {
	if path == "" {
		return "pkit"
	}
	return "pkit-" + strings.ReplaceAll(path, " ", "-")
}

func manPageText(app *cli.App, n completionNode) string {
	var b strings.Builder
	name := manName(n.path)
	fmt.Fprintf(&b, ".TH %q 1 \"\" %q \"pkit manual\"\n", strings.ToUpper(name), "pkit "+strings.ReplaceAll(app.Version, `"`, ""))
	b.WriteString(".nh\n.ad l\n") // no hyphenation, ragged right: commands and flags stay whole
	b.WriteString(".SH NAME\n" + roffText(name) + ` \- ` + roffText(n.usage) + "\n")

	full := strings.TrimSpace("pkit " + n.path)
	synopsis, desc := full+" COMMAND [options]", app.Description
	if n.cmd != nil {
		desc = n.cmd.Description
		switch {
		case n.cmd.UsageText != "":
			synopsis = n.cmd.UsageText
		case len(n.subs) == 0:
			synopsis = strings.TrimSpace(full + " [options] " + n.cmd.ArgsUsage)
		}
	}
	b.WriteString(".SH SYNOPSIS\n.nf\n")
	for _, l := range strings.Split(synopsis, "\n") {
		b.WriteString(roffText(strings.TrimSpace(l)) + "\n")
	}
	b.WriteString(".fi\n")
	b.WriteString(".SH DESCRIPTION\n")
	if desc == "" {
		desc = n.usage
	}
	manDescription(&b, desc)

	if len(n.subs) > 0 {
		b.WriteString(".SH COMMANDS\n")
		for _, s := range n.subs {
			fmt.Fprintf(&b, ".TP\n.BR %s (1)\n%s\n", roffText(manName(strings.TrimSpace(n.path+" "+s.Name))), roffText(s.Usage))
		}
	}
	if len(n.flags) > 0 {
		b.WriteString(".SH OPTIONS\n")
		for _, f := range n.flags {
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR\n%s\n", roffText(f.term), roffText(f.help))
		}
	}
	var see []string
	if n.path != "" {
		parent := ""
		if i := strings.LastIndex(n.path, " "); i > 0 {
			parent = n.path[:i]
		}
		see = append(see, manName(parent))
	}
	for _, s := range n.subs {
		see = append(see, manName(strings.TrimSpace(n.path+" "+s.Name)))
	}
	if len(see) > 0 {
		b.WriteString(".SH SEE ALSO\n")
		for i, s := range see {
			sep := ","
			if i == len(see)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, ".BR %s (1)%s\n", roffText(s), sep)
		}
	}
	return b.String()
}

// manDescription renders a --help description: its first line starts at
// column 0 and the rest is indented by three spaces; lines in capitals
// at column 0 ("EXAMPLES", "EXIT CODES") start sections. Prose at the
// paragraph's indentation is filled; lines indented further (tables,
// commands) and whole EXAMPLES sections are kept as they are.
func manDescription(b *strings.Builder, desc string) {
	fill, section, pendingBlank := true, "", false
	setFill := func(f bool) {
		if f != fill {
			if f {
				b.WriteString(".fi\n")
			} else {
				b.WriteString(".nf\n")
			}
			fill = f
		}
	}
	for i, line := range strings.Split(strings.TrimRight(desc, "\n "), "\n") {
		if name, remark, ok := manHeading(line); i > 0 && ok {
			setFill(true)
			section, pendingBlank = name, false
			b.WriteString(".SH " + roffText(name) + "\n")
			if remark != "" {
				b.WriteString(roffText(remark) + "\n.sp\n")
			}
			continue
		}
		if i > 0 {
			line = trimIndent(line, 3)
		}
		if strings.TrimSpace(line) == "" {
			pendingBlank = true
			continue
		}
		setFill(!(section == "EXAMPLES" || strings.HasPrefix(line, " ")))
		if pendingBlank {
			b.WriteString(".sp\n")
			pendingBlank = false
		}
		b.WriteString(roffText(line) + "\n")
	}
	setFill(true)
}

// manHeading splits a section heading, capitals at column 0 and
// perhaps a remark in brackets ("EXAMPLES (after \"pkit quickstart\")"),
// into its name and the remark.
func manHeading(line string) (name, remark string, ok bool) {
	name, remark, _ = strings.Cut(line, " (")
	if remark != "" {
		remark = "(" + remark
	}
	if len(name) < 2 || name[0] == ' ' {
		return "", "", false
	}
	for _, r := range name {
		if !unicode.IsUpper(r) && r != ' ' {
			return "", "", false
		}
	}
	return name, remark, true
}

func trimIndent(s string, n int) string {
	for i := 0; i < n && strings.HasPrefix(s, " "); i++ {
		s = s[1:]
	}
	return s
}

// roffText escapes text for roff: backslashes, hyphens (which would
// print as typographic hyphens and break copied commands), a leading
// dot or quote (which would make the line a request), and the non-ASCII
// punctuation of the help texts, which man's ASCII output (the C locale)
// has no glyph for.
func roffText(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`, "…", "...", "—", `\(em`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

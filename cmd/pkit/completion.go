package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

func completionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints a script that completes pkit's commands, subcommands and flags
   in bash, zsh or fish; after a flag that takes a value, and for file
   arguments, the shell completes file names. The script is made from
   pkit's own command tree, so it knows exactly the commands and flags of
   this pkit, and it runs no pkit process while you type. Load it in your
   shell's start-up file; make it again after upgrading pkit.

EXAMPLES
   source <(pkit completion bash)                        # this bash, now
   pkit completion bash > ~/.local/share/bash-completion/completions/pkit
   echo 'source <(pkit completion zsh)' >> ~/.zshrc      # after compinit
   pkit completion fish > ~/.config/fish/completions/pkit.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion takes one shell name: bash, zsh or fish").hint("e.g. source <(pkit completion bash)")
			}
			tree := completionTree(c.App)
			switch shell := c.Args().First(); shell {
			case "bash":
				return writeBashCompletion(e.stdout, tree)
			case "zsh":
				return writeZshCompletion(e.stdout, tree)
			case "fish":
				return writeFishCompletion(e.stdout, tree)
			default:
				return usagef("no completion for the shell %q", shell).hint("pkit completes in bash, zsh and fish")
			}
		},
	}
}

// completionNode is one command of the tree: its path of names from the
// root ("" for pkit itself, "ca init" for a subcommand), its subcommands
// and its flags.
type completionNode struct {
	cmd   *cli.Command // nil for pkit itself
	path  string
	usage string
	subs  []*cli.Command
	flags []flagDoc
	// leadingValueFlags (at the root): every command's flags that take a
	// value, since they may come before the command ("pkit --dir D list",
	// see leadingFlagsLater), so the word after one is its value.
	leadingValueFlags []string
}

// flagDoc is a flag as help and completion show it.
type flagDoc struct {
	names []string // "--force", "-f"
	value bool     // takes a value
	term  string   // "--to value" as in --help
	usage string   // what it does
	help  string   // what it does, with its default and variables, as in --help
}

// completionTree walks the visible commands of app, depth first.
func completionTree(app *cli.App) []completionNode {
	root := completionNode{usage: app.Usage, subs: visibleCommands(app.Commands),
		flags: flagDocs(app.Flags, true)}
	nodes := []completionNode{root}
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			path := strings.TrimSpace(prefix + " " + c.Name)
			subs := visibleCommands(c.Subcommands)
			nodes = append(nodes, completionNode{cmd: c, path: path, usage: c.Usage, subs: subs, flags: flagDocs(c.Flags, false)})
			walk(path, subs)
		}
	}
	walk("", root.subs)
	seen := map[string]bool{}
	for _, n := range nodes[1:] {
		for _, f := range n.flagNames(true) {
			if !seen[f] {
				seen[f] = true
				nodes[0].leadingValueFlags = append(nodes[0].leadingValueFlags, f)
			}
		}
	}
	return nodes
}

// visibleCommands are the commands help lists (not urfave/cli's own help
// command, not hidden ones).
func visibleCommands(cmds []*cli.Command) []*cli.Command {
	var out []*cli.Command
	for _, c := range cmds {
		if !c.Hidden && c.Name != "help" {
			out = append(out, c)
		}
	}
	return out
}

// flagDocs lists the visible flags, with --help (and --version at the
// root) whether or not urfave/cli has added them yet.
func flagDocs(flags []cli.Flag, root bool) []flagDoc {
	var out []flagDoc
	seen := map[string]bool{}
	add := func(f cli.Flag) {
		if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
			return
		}
		d := flagDoc{}
		for _, n := range f.Names() {
			if seen[n] {
				return
			}
			seen[n] = true
			if len(n) == 1 {
				d.names = append(d.names, "-"+n)
			} else {
				d.names = append(d.names, "--"+n)
			}
		}
		if g, ok := f.(cli.DocGenerationFlag); ok {
			d.value, d.usage = g.TakesValue(), g.GetUsage()
		}
		d.term, d.help, _ = strings.Cut(f.String(), "\t")
		if d.usage == "" {
			d.usage = d.help
		}
		out = append(out, d)
	}
	for _, f := range flags {
		add(f)
	}
	add(cli.HelpFlag)
	if root {
		add(cli.VersionFlag)
	}
	return out
}

func (n completionNode) subNames() []string {
	var out []string
	for _, c := range n.subs {
		out = append(out, c.Name)
		out = append(out, c.Aliases...)
	}
	return out
}

func (n completionNode) flagNames(valueOnly bool) []string {
	var out []string
	for _, f := range n.flags {
		if f.value || !valueOnly {
			out = append(out, f.names...)
		}
	}
	if valueOnly {
		out = append(out, n.leadingValueFlags...)
	}
	return out
}

// shellNodeFunction writes _pkit_node, shared by bash and zsh: given a
// command path it sets _pkit_subs (subcommands), _pkit_flags (all flags)
// and _pkit_vflags (flags that take a value). Then _pkit_walk, also
// shared: it reads the words typed before the cursor and leaves in
// _pkit_path the deepest command they name (skipping flags and their
// values), with that command's _pkit_node variables set.
func shellNodeFunction(w io.Writer, tree []completionNode) {
	fmt.Fprintln(w, "_pkit_node() {")
	fmt.Fprintln(w, "  case \"$1\" in")
	for _, n := range tree {
		fmt.Fprintf(w, "  %s) _pkit_subs=%s; _pkit_flags=%s; _pkit_vflags=%s ;;\n",
			shellQuote(n.path), shellQuote(strings.Join(n.subNames(), " ")),
			shellQuote(strings.Join(n.flagNames(false), " ")), shellQuote(strings.Join(n.flagNames(true), " ")))
	}
	fmt.Fprintln(w, "  *) _pkit_subs=''; _pkit_flags=''; _pkit_vflags='' ;;")
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, "}")
	fmt.Fprint(w, `_pkit_walk() {
  local w skip=0
  _pkit_path=''
  _pkit_node ''
  for w in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$w" in
    -*=*) ;;
    -*) case " $_pkit_vflags " in *" $w "*) skip=1 ;; esac ;;
    *) case " $_pkit_subs " in
       *" $w "*) _pkit_path="${_pkit_path:+$_pkit_path }$w"; _pkit_node "$_pkit_path" ;;
       esac ;;
    esac
  done
}
`)
}

func writeBashCompletion(w io.Writer, tree []completionNode) error {
	var b strings.Builder
	b.WriteString("# bash completion for pkit; load with: source <(pkit completion bash)\n")
	shellNodeFunction(&b, tree)
	b.WriteString(`_pkit() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  _pkit_walk "${COMP_WORDS[@]:1:COMP_CWORD-1}"
  COMPREPLY=()
  case " $_pkit_vflags " in
  *" $prev "*) [[ $cur != -* ]] && return ;; # a flag's value: file names (-o default)
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$_pkit_flags" -- "$cur"))
  elif [[ -n $_pkit_subs ]]; then
    COMPREPLY=($(compgen -W "$_pkit_subs" -- "$cur"))
  fi
}
complete -o default -F _pkit pkit
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeZshCompletion(w io.Writer, tree []completionNode) error {
	var b strings.Builder
	b.WriteString("#compdef pkit\n# zsh completion for pkit; load with: source <(pkit completion zsh) after compinit,\n# or save as _pkit in a folder of $fpath\n")
	shellNodeFunction(&b, tree)
	b.WriteString(`_pkit() {
  local cur=${words[CURRENT]} prev=${words[CURRENT-1]}
  _pkit_walk "${(@)words[2,CURRENT-1]}"
  case " $_pkit_vflags " in
  *" $prev "*) [[ $cur != -* ]] && { _files; return } ;;
  esac
  if [[ $cur == -* ]]; then
    compadd -- ${=_pkit_flags}
  elif [[ -n $_pkit_subs ]]; then
    compadd -- ${=_pkit_subs}
  else
    _files
  fi
}
if [[ ${funcstack[1]} == _pkit ]]; then
  _pkit "$@"
else
  compdef _pkit pkit
fi
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFishCompletion writes fish "complete" rules: each command's
// subcommands and flags apply where __pkit_path (the command named by
// the words typed so far) is that command.
func writeFishCompletion(w io.Writer, tree []completionNode) error {
	var b strings.Builder
	b.WriteString("# fish completion for pkit; save as ~/.config/fish/completions/pkit.fish\n")
	b.WriteString("function __pkit_node --argument-names path what\n    switch \"$path\"\n")
	for _, n := range tree {
		fmt.Fprintf(&b, "        case %s\n", fishQuote(n.path))
		for i, words := range [][]string{n.subNames(), n.flagNames(true)} {
			if len(words) > 0 {
				fmt.Fprintf(&b, "            test \"$what\" = %s; and printf '%%s\\n' %s\n", []string{"subs", "vflags"}[i], fishWords(words))
			}
		}
	}
	b.WriteString("    end\nend\n")
	b.WriteString(`function __pkit_path
    set -l path ''
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '-*=*'
            case '-*'
                contains -- $w (__pkit_node "$path" vflags); and set skip 1
            case '*'
                if contains -- $w (__pkit_node "$path" subs)
                    set path (string trim -- "$path $w")
                end
        end
    end
    echo $path
end
function __pkit_at
    test (__pkit_path) = "$argv[1]"
end
`)
	for _, n := range tree {
		cond := fishQuote("__pkit_at " + fishQuote(n.path))
		for _, s := range n.subs {
			for _, name := range append([]string{s.Name}, s.Aliases...) {
				fmt.Fprintf(&b, "complete -c pkit -f -n %s -a %s -d %s\n", cond, fishQuote(name), fishQuote(s.Usage))
			}
		}
		for _, f := range n.flags {
			line := "complete -c pkit -n " + cond
			for _, name := range f.names {
				if strings.HasPrefix(name, "--") {
					line += " -l " + fishQuote(name[2:])
				} else {
					line += " -s " + fishQuote(name[1:])
				}
			}
			if f.value {
				line += " -r"
			}
			b.WriteString(line + " -d " + fishQuote(f.usage) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote quotes s for fish (single quotes; \ and ' escaped).
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func fishWords(words []string) string {
	words = slices.Clone(words)
	sort.Strings(words)
	var q []string
	for _, w := range words {
		q = append(q, fishQuote(w))
	}
	return strings.Join(q, " ")
}

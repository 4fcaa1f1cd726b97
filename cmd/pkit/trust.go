package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/ca/trust"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

func trustCommand(e *env) *cli.Command {
	storeFlags := func(extra ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.BoolFlag{Name: "system", Usage: "the operating system's store (update-ca-certificates, update-ca-trust; macOS System keychain; Windows ROOT)"},
			&cli.BoolFlag{Name: "nss", Usage: "NSS databases: ~/.pki/nssdb (Chromium) and every Firefox profile, with certutil"},
			&cli.BoolFlag{Name: "java", Usage: "Java's cacerts ($JAVA_HOME/lib/security/cacerts), with keytool"},
			&cli.StringSliceFlag{Name: "nss-db", Usage: "use the NSS database `DIR` instead of those found under $HOME (repeatable; implies --nss)"},
			&cli.StringFlag{Name: "java-keystore", Usage: "use the keystore `FILE` (password changeit) instead of $JAVA_HOME's cacerts (implies --java)"},
			jsonFlag(),
		}, extra...)
	}
	changeFlags := storeFlags(
		&cli.BoolFlag{Name: "yes", Usage: "change the stores without asking (needed without a terminal)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "only say what would change"},
	)
	return &cli.Command{
		Name:  "trust",
		Usage: "put the CA's root into the system, NSS (Chrome, Firefox) and Java trust stores, or take it out",
		Description: `The root of the issuing CA goes into each selected store (default: every
   store available here) under one name, "pkit CN FINGERPRINT-PREFIX":
   the system store's anchor file, the NSS nickname (trust C,,), the Java
   alias. uninstall removes exactly that entry and nothing else; status
   finds the root by its fingerprint under any name.

   pkit first says what it will change, asks on a terminal (or takes
   --yes), then says what it changed. Installing twice changes nothing the
   second time. The system store and Java's cacerts usually need root.

EXAMPLES
   sudo pkit trust install --system --java --yes
   pkit trust install --nss
   pkit trust status
   pkit trust uninstall --yes
   pkit trust install --nss-db ./nssdb --java-keystore ./cacerts --yes`,
		Subcommands: []*cli.Command{
			{
				Name:      "install",
				Usage:     "add the root to the trust stores",
				UsageText: "pkit trust install [--system] [--nss] [--java] [--yes] [--dry-run] [--json]",
				Description: `EXAMPLES
   sudo pkit trust install --yes                 every store available here
   sudo pkit trust install --system --yes        curl, Python, Go, OpenSSL-based tools
   pkit trust install --nss                      Chromium's ~/.pki/nssdb and Firefox profiles
   pkit trust install --dry-run --json           the plan, changing nothing`,
				Flags:  changeFlags,
				Action: func(c *cli.Context) error { return e.trustChange(c, true) },
			},
			{
				Name:      "uninstall",
				Usage:     "remove the root that pkit added from the trust stores",
				UsageText: "pkit trust uninstall [--system] [--nss] [--java] [--yes] [--dry-run] [--json]",
				Description: `Only pkit's own entry for the root is removed; a copy of the root that
   was added under another name stays (status shows it).

EXAMPLES
   sudo pkit trust uninstall --yes
   pkit trust uninstall --nss`,
				Flags:  changeFlags,
				Action: func(c *cli.Context) error { return e.trustChange(c, false) },
			},
			{
				Name:      "status",
				Usage:     "show which trust stores hold the root",
				UsageText: "pkit trust status [--system] [--nss] [--java] [--json]",
				Description: `EXAMPLES
   pkit trust status
   pkit trust status --java --json`,
				Flags:  storeFlags(),
				Action: e.trustStatus,
			},
		},
	}
}

// trustSetup opens the CA, picks its root and the selected stores, and
// says where the stores are: the home folder and JAVA_HOME from the
// environment (or the Java that keytool on PATH belongs to).
func (e *env) trustSetup(c *cli.Context) (*trust.Trust, []trust.Store, bool, error) {
	if c.NArg() > 0 {
		return nil, nil, false, usagef("%s takes no arguments, got %q", c.Command.HelpName, c.Args().First()).
			hint("choose stores with --system, --nss, --java")
	}
	var stores []trust.Store
	for _, s := range trust.Stores {
		if c.Bool(string(s)) || s == trust.NSS && c.IsSet("nss-db") || s == trust.Java && c.IsSet("java-keystore") {
			stores = append(stores, s)
		}
	}
	explicit := len(stores) > 0
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
	if err != nil {
		return nil, nil, false, err
	}
	chain := a.Chain(a.Config.Issuer)
	a.Close()
	if len(chain) == 0 {
		return nil, nil, false, failf("no chain to a root for the issuing CA %q", a.Config.Issuer)
	}
	root := chain[len(chain)-1]
	home := e.getenv("HOME")
	if runtime.GOOS == "windows" {
		home = e.getenv("USERPROFILE")
	}
	javaHome := e.getenv("JAVA_HOME")
	if javaHome == "" {
		if p, err := exec.LookPath("keytool"); err == nil {
			if p, err := filepath.EvalSymlinks(p); err == nil {
				javaHome = filepath.Dir(filepath.Dir(p)) // JAVA_HOME/bin/keytool
			}
		}
	}
	var dbs []string
	for _, d := range c.StringSlice("nss-db") {
		if d == "" {
			return nil, nil, false, usagef("--nss-db is empty").hint("name an NSS database folder (one with cert9.db)")
		}
		dbs = append(dbs, d)
	}
	t, err := trust.New(root, trust.Options{
		Home:         home,
		NSSDBs:       dbs,
		JavaHome:     javaHome,
		JavaKeystore: c.String("java-keystore"),
	})
	if err != nil {
		return nil, nil, false, failf("%v", err).hint("the issuing CA's chain must end in a self-signed root")
	}
	return t, stores, explicit, nil
}

// unavailableError refuses a store the user asked for by name.
func unavailableError(u trust.Unavailable) error {
	ue := failf("the %s store is not available: %s", u.Store, u.Reason)
	switch {
	case u.Install != "":
		ue.hint("install %q with %q and run the command again; nothing was changed", u.Tool, u.Install)
	case u.Store == trust.NSS:
		ue.hint("nothing was changed; start Chromium or Firefox once to make one, or name one with --nss-db DIR")
	default:
		ue.hint("nothing was changed; leave out --%s, or see %q", u.Store, "pkit trust --help")
	}
	return ue
}

func (e *env) trustStatus(c *cli.Context) error {
	t, stores, explicit, err := e.trustSetup(c)
	if err != nil {
		return err
	}
	locs, un, err := t.Status(ctxOf(c), stores)
	if err != nil {
		return trustError(err, c.Command.HelpName)
	}
	if explicit && len(un) > 0 {
		return unavailableError(un[0])
	}
	if c.Bool("json") {
		if locs == nil {
			locs = []trust.Location{}
		}
		return e.printJSON(struct {
			Name        string              `json:"name"`
			SHA256      string              `json:"sha256"`
			Locations   []trust.Location    `json:"locations"`
			Unavailable []trust.Unavailable `json:"unavailable,omitempty"`
		}{t.Name(), t.SHA256(), locs, un})
	}
	fmt.Fprintf(e.stderr, "root %q, SHA-256 %s\n", t.Name(), t.SHA256())
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tLOCATION\tTRUSTED\tENTRIES")
	for _, l := range locs {
		trusted := "no"
		if l.Trusted {
			trusted = "yes"
		}
		entries := quoteNames(l.Names)
		if l.AddedByPkit {
			entries += " (added by pkit)"
		}
		if l.Note != "" {
			entries = strings.TrimSpace(entries + "; " + l.Note)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Store, l.Path, trusted, strings.TrimPrefix(entries, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, u := range un {
		e.printUnavailable(u)
	}
	return nil
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// printUnavailable notes a store passed over (one the user did not name).
func (e *env) printUnavailable(u trust.Unavailable) {
	if u.Install != "" {
		notef(e.stderr, "the %s store is not available: %s (install %q with %q)", u.Store, u.Reason, u.Tool, u.Install)
		return
	}
	notef(e.stderr, "the %s store is not available: %s", u.Store, u.Reason)
}

// trustChange plans an install or uninstall, prints the plan, asks for
// confirmation (or takes --yes), applies it and prints what changed.
func (e *env) trustChange(c *cli.Context, install bool) error {
	t, stores, explicit, err := e.trustSetup(c)
	if err != nil {
		return err
	}
	var p *trust.Plan
	if install {
		p, err = t.PlanInstall(ctxOf(c), stores)
	} else {
		p, err = t.PlanUninstall(ctxOf(c), stores)
	}
	if err != nil {
		return trustError(err, c.Command.HelpName)
	}
	if explicit && len(p.Unavailable) > 0 {
		return unavailableError(p.Unavailable[0])
	}
	e.printPlan(p)
	switch {
	case !p.Pending():
		fmt.Fprintf(e.stderr, "nothing to change\n")
	case c.Bool("dry-run"):
		fmt.Fprintf(e.stderr, "nothing changed (--dry-run)\n")
	default:
		if !c.Bool("yes") {
			question := "Remove the root from these stores? [y/N] "
			if install {
				question = "Add the root to these stores? [y/N] "
			}
			if err := e.confirm(question); err != nil {
				return err
			}
		}
		err := t.Apply(ctxOf(c), p)
		e.printDone(p)
		if err != nil {
			return trustError(err, c.Command.HelpName)
		}
	}
	if c.Bool("json") {
		return e.printJSON(p)
	}
	return nil
}

// confirm asks question when standard input is a terminal, and reads
// the answer from it; otherwise (a script, a pipe, CI) it refuses, since
// trust stores change only when someone said so.
func (e *env) confirm(question string) error {
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return usagef("no terminal to confirm the changes on, and no --yes").
			hint("nothing was changed; pass --yes to change the trust stores without asking")
	}
	fmt.Fprint(e.stderr, question)
	answer, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return failf("not confirmed; nothing was changed")
	}
	return nil
}

func (e *env) printPlan(p *trust.Plan) {
	fmt.Fprintf(e.stderr, "root %q, SHA-256 %s\n", p.Name, p.SHA256)
	verb := "remove from"
	if p.Install {
		verb = "add to"
	}
	for _, ch := range p.Changes {
		if ch.Action == trust.None {
			continue
		}
		fmt.Fprintf(e.stderr, "will %s %s %s as %q:\n", verb, ch.Store, ch.Location, ch.Name)
		for _, s := range ch.Steps {
			fmt.Fprintf(e.stderr, "    %s\n", s)
		}
		if ch.Note != "" {
			fmt.Fprintf(e.stderr, "    (%s)\n", ch.Note)
		}
	}
	for _, ch := range p.Changes {
		if ch.Action == trust.None {
			fmt.Fprintf(e.stderr, "unchanged: %s %s: %s\n", ch.Store, ch.Location, ch.Note)
		}
	}
	for _, u := range p.Unavailable {
		e.printUnavailable(u)
	}
}

func (e *env) printDone(p *trust.Plan) {
	verb := "removed from"
	if p.Install {
		verb = "added to"
	}
	for _, ch := range p.Changes {
		if ch.Done {
			fmt.Fprintf(e.stderr, "%s %s %s as %q\n", verb, ch.Store, ch.Location, ch.Name)
		}
	}
}

// trustError adds what to do to the library's errors; command is
// "pkit trust install" or the like.
func trustError(err error, command string) error {
	var pe *trust.PermissionError
	var ce *trust.CommandError
	switch {
	case errors.As(err, &pe):
		ue := failf("%v", err)
		if pe.Store == trust.System || pe.Store == trust.Java {
			return ue.hint("nothing was changed; run it as root (sudo %s --%s), or leave the %s store out (choose stores with --system, --nss, --java)", command, pe.Store, pe.Store)
		}
		return ue.hint("nothing was changed; run it as the owner of %q", pe.Path)
	case errors.As(err, &ce):
		return failf("%v", err).hint("the stores listed above as changed were changed; the others were not")
	}
	return failf("%v", err)
}

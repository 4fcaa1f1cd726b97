package main

import (
	"slices"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

// Flags shared by many commands; the same noun everywhere.
func dirFlag() cli.Flag {
	return &cli.StringFlag{Name: "dir", Value: "pki", EnvVars: []string{"PKIT_DIR"}, Usage: "the CA directory"}
}

func forceFlag() cli.Flag {
	return &cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "overwrite existing output files"}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON on stdout for scripts"}
}

// unlockFlags are the ways to open a sealed CA key.
func unlockFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "passphrase-file", Usage: "read the CA passphrase from `FILE` (- for stdin); or set PKIT_PASSPHRASE"},
		&cli.StringFlag{Name: "age-identity", Usage: "open an age-sealed CA key with the identity `FILE`; or set PKIT_AGE_IDENTITY (a file, or the AGE-SECRET-KEY-1… itself)"},
	}
}

// p12Flags are the flags for writing a PKCS#12 file.
func p12Flags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "p12", Usage: "also write a PKCS#12 (.p12) file with key, certificate and chain"},
		&cli.BoolFlag{Name: "legacy", Usage: "write the .p12 with 3DES and a SHA-1 MAC for old importers (macOS, iOS, Windows, Java < 12)"},
		&cli.StringFlag{Name: "p12-password-file", Usage: "read the .p12 password from `FILE`; or set PKIT_P12_PASSWORD"},
		&cli.BoolFlag{Name: "p12-empty-password", Usage: "write the .p12 with an empty password (macOS and iOS refuse such files)"},
	}
}

// flags is groups in one list, allocated once with room for the --help
// urfave/cli adds to it.
func flags(groups ...[]cli.Flag) []cli.Flag {
	n := 1
	for _, g := range groups {
		n += len(g)
	}
	out := make([]cli.Flag, 0, n)
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// allowShortFlag lets a validity or CRL next-update interval be shorter
// than [ca.MinLifetime] (one minute).
func allowShortFlag() cli.Flag {
	return &cli.BoolFlag{Name: "allow-short", Usage: "allow a validity or next-update interval shorter than 1 minute (for tests of expiry)"}
}

// lifetimeFlag reads the duration flag name, a validity or CRL interval,
// with the one parser ([ca.ParseDuration]) and rule ([ca.CheckLifetime]):
// a usage error naming the flag when it does not parse, is longer than
// 100 years, or is shorter than 1 minute without --allow-short.
func lifetimeFlag(c *cli.Context, name string) (time.Duration, error) {
	d, err := ca.ParseDuration(c.String(name))
	if err != nil {
		return 0, usagef("--%s: %v", name, err).hint("examples: 90d, 1y, 12h")
	}
	if err := ca.CheckLifetime("--"+name, d, c.Bool("allow-short")); err != nil {
		ue := usagef("%v", err)
		if d > 0 {
			ue.hint("ask for 1m or more, or pass --allow-short")
		}
		return 0, ue
	}
	return d, nil
}

// dbFlag is --db (or PKIT_DB), beside --dir on every command that opens
// the CA directory: the store's PostgreSQL
// database, for a CA whose issuing machines share one. It overrides the
// config's "db =" line; without either the store is the file "store" of
// the CA directory.
func dbFlag() cli.Flag {
	return &cli.StringFlag{Name: "db", EnvVars: []string{"PKIT_DB"},
		Usage: "keep the store in the PostgreSQL database `URL` (postgres://USER@HOST/DB; the password in ~/.pgpass, passfile= or PGPASSWORD, never in the URL); default: the config's db line, else the file store in the CA directory"}
}

// dbOf is the --db (PKIT_DB) of the command line, "" when not given.
func dbOf(c *cli.Context) string { return c.String("db") }

// Flags whose names are worked out once. urfave/cli's FlagNames, which
// each flag's Names calls, runs a regular expression over every name, and
// urfave/cli asks every flag of the command and its parents for its names
// again for each flag it checks before the action (Context.IsSet): a
// number of calls that grows with the square of the flags, 1.6% of the
// CPU of "pkit issue client NAME --p12" (perf). Each type embeds the
// urfave/cli flag, so every other method, and so every interface urfave/cli
// looks for (help, usage, values, environment variables, required flags,
// categories), is that flag's own; only Names is answered from names.
type (
	boolFlag struct {
		*cli.BoolFlag
		names []string
	}
	stringFlag struct {
		*cli.StringFlag
		names []string
	}
	stringSliceFlag struct {
		*cli.StringSliceFlag
		names []string
	}
	intFlag struct {
		*cli.IntFlag
		names []string
	}
	durationFlag struct {
		*cli.DurationFlag
		names []string
	}
)

// Names are the flag's name and aliases, as [cli.FlagNames] gives them.
func (f *boolFlag) Names() []string { return f.names }

// Names are the flag's name and aliases, as [cli.FlagNames] gives them.
func (f *stringFlag) Names() []string { return f.names }

// Names are the flag's name and aliases, as [cli.FlagNames] gives them.
func (f *stringSliceFlag) Names() []string { return f.names }

// Names are the flag's name and aliases, as [cli.FlagNames] gives them.
func (f *intFlag) Names() []string { return f.names }

// Names are the flag's name and aliases, as [cli.FlagNames] gives them.
func (f *durationFlag) Names() []string { return f.names }

// urfave/cli adds --help to every command and --version to the app.
func init() {
	cli.HelpFlag = namedOnce(cli.HelpFlag)
	cli.VersionFlag = namedOnce(cli.VersionFlag)
}

// namedOnce is f with its names worked out now (f itself when it is of a
// type without such a wrapper, or is one already).
func namedOnce(f cli.Flag) cli.Flag {
	switch f := f.(type) {
	case *cli.BoolFlag:
		return &boolFlag{f, flagNames(f.Name, f.Aliases)}
	case *cli.StringFlag:
		return &stringFlag{f, flagNames(f.Name, f.Aliases)}
	case *cli.StringSliceFlag:
		return &stringSliceFlag{f, flagNames(f.Name, f.Aliases)}
	case *cli.IntFlag:
		return &intFlag{f, flagNames(f.Name, f.Aliases)}
	case *cli.DurationFlag:
		return &durationFlag{f, flagNames(f.Name, f.Aliases)}
	}
	return f
}

// flagNames is [cli.FlagNames] of name and aliases: its expression only
// changes a name holding a comma or a space, so without one the names are
// name and aliases as they are.
func flagNames(name string, aliases []string) []string {
	if strings.ContainsAny(name, ", ") || slices.ContainsFunc(aliases, func(a string) bool { return strings.ContainsAny(a, ", ") }) {
		return cli.FlagNames(name, aliases)
	}
	return append([]string{name}, aliases...)
}

// takesValue tells whether f is followed by a value (--dir DIR) rather
// than standing alone (--force).
func takesValue(f cli.Flag) bool {
	switch f.(type) {
	case *boolFlag, *cli.BoolFlag:
		return false
	}
	return true
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

// Exit codes, documented in the README and in "pkit --help".
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	exitNo    = 3
)

// userError is an error to show the user, with hints and an exit code.
type userError struct {
	code  int
	msg   string
	hints []string
}

func (e *userError) Error() string { return e.msg }

// failf is an error (exit 1) with optional hints added by withHint.
func failf(format string, args ...any) *userError {
	return &userError{code: exitError, msg: fmt.Sprintf(format, args...)}
}

// usagef is a usage error (exit 2).
func usagef(format string, args ...any) *userError {
	return &userError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// checkFailed is a negative answer from a check command (exit 3).
func checkFailed(format string, args ...any) *userError {
	return &userError{code: exitNo, msg: fmt.Sprintf(format, args...)}
}

func (e *userError) hint(format string, args ...any) *userError {
	e.hints = append(e.hints, fmt.Sprintf(format, args...))
	return e
}

func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	name := "pkit"
	if c.Command != nil && c.Command.Name != "" {
		name = c.Command.HelpName
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		// Go's flag package prints "-name" whatever the user typed; pkit's
		// long flags are written "--name".
		if name := strings.TrimLeft(f, "-"); len(name) > 1 {
			f = "--" + name
		}
		msg = "unknown flag " + f
	}
	// "invalid value "x" for flag -max-depth: parse error": the long
	// flag as users write it, and Go's parse error in words.
	if before, after, ok := strings.Cut(msg, " for flag -"); ok && strings.HasPrefix(msg, "invalid value ") {
		if name, rest, _ := strings.Cut(after, ":"); len(name) > 1 {
			msg = before + " for flag --" + name + ":" + strings.Replace(rest, " parse error", " not a number", 1)
		}
	}
	return usagef("%s", msg).hint("run %q for usage", name+" --help")
}

// report prints err the way users see errors and returns the exit code.
func (e *env) report(err error) int {
	if err == nil {
		return exitOK
	}
	removeMadeDirs()
	ue := explain(err)
	if ue.msg != "" { // "" when the command already printed its error lines
		fmt.Fprintf(e.stderr, "pkit: error: %s\n", oneLine(ue.msg))
	}
	for _, h := range ue.hints {
		fmt.Fprintf(e.stderr, "pkit: hint: %s\n", oneLine(h))
	}
	return ue.code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// explain turns library errors into messages with hints.
func explain(err error) *userError {
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	var ce *ca.ConfigError
	var re *ca.RequestError
	var ec cli.ExitCoder
	switch {
	case errors.As(err, &ce):
		return failf("%v", err).hint("fix the config file in the CA directory")
	case errors.As(err, &re):
		ue := failf("%v", err)
		if errors.Is(err, ca.ErrBadName) {
			ue.code = exitUsage // a name given on the command line or in a request
		}
		if re.Hint != "" {
			ue.hint("%s", re.Hint)
		}
		return ue
	case errors.Is(err, ca.ErrNoCA):
		return failf("%v", err).hint(`create one with "pkit init", or point --dir or PKIT_DIR at an existing CA directory`)
	case errors.Is(err, ca.ErrStoreMissing):
		return failf("%v", err).hint("restore it (with its -wal file, if any) from your latest backup; pkit never recreates it, as an empty store forgets every revocation")
	case errors.Is(err, ca.ErrStoreReadOnly):
		return failf("%v", err).hint("nothing was changed; run as the CA's owner, or on a writable copy of the CA directory")
	case errors.Is(err, ca.ErrStoreNewer):
		return failf("%v", err).hint("use the pkit that last wrote this CA directory, or a newer one")
	case errors.Is(err, ca.ErrDiskFull):
		return failf("%v", err).hint("free some space on the disk that holds the CA directory, then run the command again")
	case errors.Is(err, ca.ErrLockLink):
		return failf("%v", err).hint("remove the link; pkit creates its lock files itself")
	case errors.Is(err, ca.ErrCAExists):
		return failf("%v", err).hint("choose another --dir; pkit never overwrites a CA")
	case errors.Is(err, ca.ErrWrongPassphrase):
		return failf("%v", err).hint("check --passphrase-file, PKIT_PASSPHRASE or --age-identity")
	case errors.Is(err, ca.ErrNeedPassphrase):
		return failf("%v", err).hint("pass --passphrase-file FILE or set PKIT_PASSPHRASE, or run on a terminal to be asked")
	case errors.Is(err, ca.ErrNeedIdentity):
		return failf("%v", err).hint("pass --age-identity FILE or set PKIT_AGE_IDENTITY")
	case errors.Is(err, fs.ErrExist):
		return failf("%v", err).hint("remove it, choose another name, or pass -f/--force to overwrite")
	case errors.As(err, &ec):
		return &userError{code: ec.ExitCode(), msg: err.Error()}
	}
	return failf("%v", err)
}

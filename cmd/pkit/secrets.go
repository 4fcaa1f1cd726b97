package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// secretSource says where one secret may come from: a file flag, an
// environment variable, or a prompt on the terminal. Never argv.
type secretSource struct {
	fileFlag string // e.g. "passphrase-file"
	envVar   string // e.g. "PKIT_PASSPHRASE"
	what     string // e.g. "CA passphrase"
	confirm  bool   // ask twice on a terminal (when creating)
}

// readSecret gets a secret from the file flag, else the environment
// variable, else the terminal. With none of them it fails at once, naming
// the flag and the variable.
func (e *env) readSecret(c *cli.Context, s secretSource) ([]byte, error) {
	if path := c.String(s.fileFlag); path != "" {
		data, err := e.readInput(path, 64*1024)
		if err != nil {
			return nil, failf("reading --%s: %v", s.fileFlag, err)
		}
		data = bytes.TrimRight(data, "\r\n")
		if len(data) == 0 {
			return nil, failf("--%s %q is empty", s.fileFlag, path).hint("put the %s on its first line", s.what)
		}
		return data, nil
	}
	if v := e.getenv(s.envVar); v != "" {
		return []byte(v), nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		if tty != nil {
			tty.Close()
		}
		return nil, failf("no %s given and no terminal to ask on", s.what).
			hint("pass --%s FILE or set %s", s.fileFlag, s.envVar)
	}
	defer tty.Close()
	for range 3 {
		fmt.Fprintf(tty, "%s: ", strings.ToUpper(s.what[:1])+s.what[1:])
		p, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return nil, failf("reading the %s: %v", s.what, err)
		}
		if len(p) == 0 {
			fmt.Fprintf(tty, "the %s may not be empty\n", s.what)
			continue
		}
		if s.confirm {
			fmt.Fprintf(tty, "Repeat the %s: ", s.what)
			q, err := term.ReadPassword(int(tty.Fd()))
			fmt.Fprintln(tty)
			if err != nil {
				return nil, failf("reading the %s: %v", s.what, err)
			}
			if !bytes.Equal(p, q) {
				fmt.Fprintf(tty, "they differ; try again\n")
				continue
			}
		}
		return p, nil
	}
	return nil, failf("no %s entered", s.what)
}

// readInput reads a file, or stdin for "-" (once per run), capped at max
// bytes.
func (e *env) readInput(path string, max int64) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		if e.stdinUsed {
			return nil, usagef("standard input (-) can be used only once")
		}
		e.stdinUsed = true
		r = e.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%q is larger than %d bytes", path, max)
	}
	return data, nil
}

var caPassphrase = secretSource{fileFlag: "passphrase-file", envVar: "PKIT_PASSPHRASE", what: "CA passphrase"}

// unlocker returns how to open the CA key: identities from --age-identity
// or PKIT_AGE_IDENTITY (a file path), else a passphrase asked for lazily.
func (e *env) unlocker(c *cli.Context) (ca.Unlocker, error) {
	u := ca.Unlocker{Passphrase: func() ([]byte, error) { return e.readSecret(c, caPassphrase) }}
	path := c.String("age-identity")
	if path == "" {
		path = e.getenv("PKIT_AGE_IDENTITY")
	}
	if path != "" {
		data, err := e.readInput(path, 1<<20)
		if err != nil {
			return u, failf("reading --age-identity: %v", err)
		}
		ids, err := age.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return u, failf("--age-identity %q: %v", path, err).hint(`make one with "age-keygen -o FILE"`)
		}
		u.Identities = ids
	}
	return u, nil
}

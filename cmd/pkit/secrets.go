package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
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
			return nil, failf("reading --%s: %v", s.fileFlag, err).hint("--%s names a file holding the %s", s.fileFlag, s.what)
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
	size := int64(512)
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
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < max {
			// One buffer of the file's size (and a byte to see the end):
			// growing one step by step copies a large bundle several
			// times, each copy new memory to fault in.
			size = st.Size() + 1
		}
	}
	data := make([]byte, 0, size)
	lr := io.LimitReader(r, max+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%q is larger than %d bytes", path, max)
	}
	return data, nil
}

var caPassphrase = secretSource{fileFlag: "passphrase-file", envVar: "PKIT_PASSPHRASE", what: "CA passphrase"}

// ageKeyPrefix starts an age secret key written out, as age-keygen does.
const ageKeyPrefix = "AGE-SECRET-KEY-"

// unlocker returns how to open the CA key: identities from --age-identity
// FILE, or PKIT_AGE_IDENTITY (a file path, or the secret key itself, as CI
// secret stores hand it over), else a passphrase asked for lazily. A secret
// key is never echoed in an error.
func (e *env) unlocker(c *cli.Context) (ca.Unlocker, error) {
	u := ca.Unlocker{Passphrase: func() ([]byte, error) { return e.readSecret(c, caPassphrase) }}
	src, val := "--age-identity", c.String("age-identity")
	if val == "" {
		src, val = "PKIT_AGE_IDENTITY", e.getenv("PKIT_AGE_IDENTITY")
	}
	if val == "" {
		return u, nil
	}
	var data []byte
	// The key itself, or a whole identity file's text (age-keygen's output
	// with its comments), in any case.
	if strings.Contains(strings.ToUpper(val), ageKeyPrefix) || strings.ContainsAny(val, "\n\r") {
		if src == "--age-identity" {
			return u, usagef("--age-identity takes a file, not the secret key itself (command lines are visible to other users)").
				hint("put the key in a file (mode 0600), or in PKIT_AGE_IDENTITY")
		}
		data = []byte(val)
	} else {
		var err error
		if data, err = e.readInput(val, 1<<20); err != nil {
			return u, failf("reading the age identity file %q (from %s): %v", val, src, formats.SystemReason(err)).
				hint("%s names a file made by age-keygen, or PKIT_AGE_IDENTITY holds the AGE-SECRET-KEY-1… itself", src)
		}
	}
	ids, err := ca.ParseIdentities(data)
	if err != nil {
		// age's message may quote the malformed line: say where, not what.
		return u, failf("the age identity from %s is not a valid age secret key", src).hint(`make one with "age-keygen -o FILE"`)
	}
	u.Identities = ids
	return u, nil
}

// unlockerOnce is e.unlocker for commands that open several CA keys: the
// passphrase is asked for (or --passphrase-file - read) once, not once per
// key.
func (e *env) unlockerOnce(c *cli.Context) (ca.Unlocker, error) {
	u, err := e.unlocker(c)
	if err != nil {
		return u, err
	}
	var pass []byte
	ask := u.Passphrase
	u.Passphrase = func() ([]byte, error) {
		if pass == nil {
			p, err := ask()
			if err != nil {
				return nil, err
			}
			pass = p
		}
		return pass, nil
	}
	return u, nil
}

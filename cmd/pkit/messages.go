package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The lines pkit prints for people besides errors (errors.go), in one
// place so they all look alike: "pkit: KIND: text", one line each.
//
//	pkit: warning: it works, but will surprise you (browsers refuse it, …)
//	pkit: note: something was passed over (an unreadable block in a pile, …)
//	pkit: problem: what a check found wrong
//	pkit: fix: what to do about the problem above

// warnf prints a warning line.
func warnf(w io.Writer, format string, args ...any) { message(w, "warning", format, args...) }

// notef prints a note line.
func notef(w io.Writer, format string, args ...any) { message(w, "note", format, args...) }

// problemf prints a problem line and, when fix is not empty, its fix.
func problemf(w io.Writer, detail, fix string) {
	message(w, "problem", "%s", detail)
	if fix != "" {
		message(w, "fix", "%s", fix)
	}
}

func message(w io.Writer, kind, format string, args ...any) {
	fmt.Fprintf(w, "pkit: %s: %s\n", kind, oneLine(fmt.Sprintf(format, args...)))
}

// self is how the user runs this pkit, for the commands pkit prints to
// be pasted: "pkit" when that name on $PATH is this program, "go run
// ./cmd/pkit" under go run (a binary in Go's build cache), else the
// program's own path.
func (e *env) self() string {
	exe, err := os.Executable()
	if err != nil {
		return "pkit"
	}
	if onPath, err := exec.LookPath("pkit"); err == nil {
		if a, b := realPath(onPath), realPath(exe); a == b {
			return "pkit"
		}
	}
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./cmd/pkit"
	}
	if filepath.Base(exe) == "pkit" || filepath.Base(exe) == "pkit.exe" {
		return shellQuote(exe)
	}
	return "pkit" // a test binary: the scripts put pkit on $PATH
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	return p
}

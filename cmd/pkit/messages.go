package main

import (
	"fmt"
	"io"
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

//go:build cgo

package main

// static const char *pkit_gostart(void) { return "gostart (cgo)"; }
import "C"

// greeting calls into C once, so the cgo runtime is linked and started
// as in pkit.
func greeting() string { return C.GoString(C.pkit_gostart()) }

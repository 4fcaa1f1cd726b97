//go:build !linux

package startcpu

// Release does nothing here: only the Linux program starts pinned.
func Release(all bool) {}

//go:build unix

package ca

import "golang.org/x/sys/unix"

// writable reports whether this process may write path (a file, or a
// folder to create files in): access(2) with W_OK, which also says no on
// a read-only mount.
func writable(path string) bool { return unix.Access(path, unix.W_OK) == nil }

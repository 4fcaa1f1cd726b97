//go:build unix

package ca

import "golang.org/x/sys/unix"

// writable reports whether this process may write path (a file, or a
// folder to create files in): access(2) with W_OK, which also says no on
// a read-only mount.
func writable(path string) bool { return unix.Access(path, unix.W_OK) == nil }

// noSpace reports whether the file system holding dir has no space left
// for this process (less than 64 KiB available).
func noSpace(dir string) bool {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return false
	}
	return uint64(st.Bavail)*uint64(st.Bsize) < 64<<10
}

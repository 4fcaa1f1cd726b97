//go:build !unix

package ca

import "os"

// writable reports whether this process may write path. Without
// access(2), a file is tried by opening it for writing; a folder is taken
// as writable, and a refused write then fails the command.
func writable(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if st.IsDir() {
		return true
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// noSpace reports whether the file system holding dir has no space left;
// without statfs(2) it says no, and only ENOSPC errors are recognized.
func noSpace(dir string) bool { return false }

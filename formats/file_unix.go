//go:build unix

package formats

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openLock opens path for locking: a folder as it is, any other path as
// a lock file created when missing, never through a symbolic link.
func openLock(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return os.Open(path)
	}
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o644)
}

// lockFile takes an exclusive flock(2) on f, waiting for it.
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

// fileKey identifies the open file f (device and inode, zero-padded so
// that keys sort in a fixed order).
func fileKey(f *os.File, path string) string {
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		return path
	}
	return fmt.Sprintf("%020d:%020d", uint64(st.Dev), uint64(st.Ino))
}

// processAlive reports whether a process with this PID exists.
func processAlive(pid int) bool { return unix.Kill(pid, 0) != unix.ESRCH }

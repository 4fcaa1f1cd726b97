package formats

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// openLock opens path for locking: a folder as it is, any other path as
// a lock file created when missing.
func openLock(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return os.Open(path)
	}
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}

// lockFile takes an exclusive LockFileEx lock on f, waiting for it.
func lockFile(f *os.File) error {
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ol)
}

// fileKey identifies f by its absolute path.
func fileKey(_ *os.File, path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// processAlive reports whether a process with this PID exists.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code == 259 // STILL_ACTIVE
}

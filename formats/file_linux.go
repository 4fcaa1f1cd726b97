//go:build linux && !pkit_portable

// The Linux fast paths: O_TMPFILE staging and syncfs(2). The build tag
// pkit_portable turns them off so the portable path (file_notlinux.go) can
// be tested on Linux too: go test -tags pkit_portable ./formats.

package formats

import (
	"io/fs"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// haveSyncFS: syncfs(2) flushes one file system, so bulk writers can skip
// the per-file fsync and sync once.
const haveSyncFS = true

// maxPath is PATH_MAX.
const maxPath = 4096

func syncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

// openUnnamed opens an unnamed O_TMPFILE file in dir.
func openUnnamed(dir string, perm fs.FileMode) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(perm))
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), dir), nil
}

// linkUnnamed gives the O_TMPFILE file f the name to.
func linkUnnamed(f *os.File, to string) error {
	src := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	return unix.Linkat(unix.AT_FDCWD, src, unix.AT_FDCWD, to, unix.AT_SYMLINK_FOLLOW)
}

//go:build linux && !pkit_portable

// The Linux fast paths: O_TMPFILE staging and syncfs(2). The build tag
// pkit_portable turns them off so the portable path (file_notlinux.go) can
// be tested on Linux too: go test -tags pkit_portable ./formats.

package formats

import (
	"io/fs"
	"os"
	"strconv"
	"strings"

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

// syncFSCheapBytes bounds the dirty data (system-wide, waiting to be
// written back) under which one syncfs(2) is taken to cost less than the
// fsyncs it replaces: syncfs writes back every dirty page of the file
// system, other processes' too (a build writing tens of megabytes makes
// one take a few hundred milliseconds here), where an fsync waits for its
// own file and the file system's journal.
const syncFSCheapBytes = 4 << 20

// syncFSCheap reports whether the system's dirty and in-writeback data,
// from /proc/meminfo, is under syncFSCheapBytes.
func syncFSCheap() bool {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return false
	}
	var total int64
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "Dirty" && name != "Writeback") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return false
		}
		total += kb << 10
		if found++; found == 2 {
			break
		}
	}
	return found == 2 && total < syncFSCheapBytes
}

// deviceOf returns the device number of the file system holding path.
func deviceOf(path string) (uint64, bool) {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0, false
	}
	return uint64(st.Dev), true
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

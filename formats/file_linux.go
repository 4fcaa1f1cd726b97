//go:build linux && !pkit_portable

// The Linux fast paths: O_TMPFILE staging and syncfs(2). The build tag
// pkit_portable turns them off so the portable path (file_notlinux.go) can
// be tested on Linux too: go test -tags pkit_portable ./formats.

package formats

import (
	"bytes"
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

// syncFSCheapBytes bounds the dirty data (system-wide, waiting to be
// written back) under which one syncfs(2) is taken to cost less than the
// fsyncs it replaces: syncfs writes back every dirty page of the file
// system, other processes' too (a build writing tens of megabytes makes
// one take a few hundred milliseconds here), where an fsync waits for its
// own file and the file system's journal.
const syncFSCheapBytes = 4 << 20

// syncFSCheap reports whether the system's dirty and in-writeback data,
// from /proc/meminfo, is under syncFSCheapBytes. Every issuance asks, so
// the file is read with one read(2) into a buffer on the stack and
// scanned in place (os.ReadFile grew a buffer and the lines were split
// into strings); both lines come early in the file, well within the
// buffer. "pkit issue client --p12", two runs of 40 interleaved at load
// 7-12, medians: 620 -> 570 and 626 -> 577 page faults per process.
func syncFSCheap() bool {
	var buf [4096]byte
	n, err := readProcMeminfo(buf[:])
	if err != nil {
		return false
	}
	total, ok := meminfoUnwritten(buf[:n])
	return ok && total < syncFSCheapBytes
}

// readProcMeminfo reads /proc/meminfo into buf with one read(2).
func readProcMeminfo(buf []byte) (int, error) {
	fd, err := unix.Open("/proc/meminfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	return unix.Read(fd, buf)
}

// meminfoUnwritten returns the sum of the Dirty and Writeback lines of
// /proc/meminfo's text data, in bytes, and whether it found both.
func meminfoUnwritten(data []byte) (int64, bool) {
	var total int64
	found := 0
	for len(data) > 0 && found < 2 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok || (string(name) != "Dirty" && string(name) != "Writeback") {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB")))), 10, 64)
		if err != nil {
			return 0, false
		}
		total += kb << 10
		found++
	}
	return total, found == 2
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

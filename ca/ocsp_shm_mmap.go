//go:build linux || darwin

package ca

import (
	"os"
	"runtime/debug"
	"syscall"
)

// mapWALIndex maps the first page of the store's WAL index read-only, so
// that [OCSPSource.Version] reads its header from memory, as SQLite's
// own connections do, without a system call per request. nil when it
// cannot be mapped (the source then reads the file).
func mapWALIndex(f *os.File) []byte {
	st, err := f.Stat()
	if err != nil || st.Size() < 4096 {
		return nil
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return m
}

func unmapWALIndex(m []byte) { syscall.Munmap(m) }

// readMapped copies the header out of the mapped WAL index; false when
// the page is gone (the file was truncated under the mapping, which
// SQLite does only when no connection has the store open, so not while
// serve holds its own: the fault is caught, never a crash).
func readMapped(m []byte, h *[48]byte) (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if recover() != nil {
			ok = false
		}
	}()
	copy(h[:], m[:48])
	return true
}

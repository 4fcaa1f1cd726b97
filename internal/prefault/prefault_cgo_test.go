//go:build linux && cgo

package prefault

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestProgramMapped checks that a program's read-only segments (code,
// read-only data, Go's tables) and its writable initialised data are
// mapped whole when it starts. It runs a
// copy of this test program written 4 KiB at a time, as cp writes one:
// the linker's own output can sit in the page cache in large blocks that
// one fault maps whole, a copy in pages that are faulted in one by one.
func TestProgramMapped(t *testing.T) {
	needPopulate(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "prefault.test")
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(copyPath, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	size, rss, pages, present := report(t, copyPath)
	if size == 0 || rss < size {
		t.Fatalf("the program's read-only segments are %d kB, %d kB of them mapped at its start: not prefaulted", size, rss)
	}
	if pages == 0 || present < pages {
		t.Fatalf("the program's writable data is %d pages, %d of them mapped at its start: not prefaulted", pages, present)
	}
}

//go:build cgo

package ca

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// TestOneMallocArena: however many threads SQLite runs on, glibc's malloc
// keeps the one arena the constructor of sqlite_cgo.go allows (without it
// each thread would make its own).
func TestOneMallocArena(t *testing.T) {
	if mallocArenas() < 0 {
		t.Skip("not glibc's malloc")
	}
	dir := filepath.Join(t.TempDir(), "pki")
	if err := Init(dir, InitOptions{Name: "Test", Protection: Protection{None: true}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			// A thread of its own, kept busy so that no other goroutine
			// runs the next statements on a thread already counted.
			runtime.LockOSThread()
			s, err := OpenStore(filepath.Join(dir, "store"))
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			if _, err := s.Count(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := mallocArenas(); n != 1 {
		t.Errorf("%d malloc arenas, want 1", n)
	}
}

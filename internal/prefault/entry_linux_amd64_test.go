//go:build !cgo

package prefault

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestEntryMapsData builds this test program as make build links pkit
// (its entry point set to entry) and checks that the copy finds every
// page of its writable initialised data mapped when its tests start; the
// same program without the entry point must not, or the test would prove
// nothing.
func TestEntryMapsData(t *testing.T) {
	needPopulate(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		name, ldflags string
		whole         bool
	}{
		{"with entry", "-E=github.com/pkit/pkit/internal/prefault.entry", true},
		{"without", "", false},
	} {
		bin := filepath.Join(dir, "prefault.test")
		cmd := exec.Command("go", "test", "-c", "-o", bin, "-ldflags="+tt.ldflags, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test -c: %v\n%s", err, out)
		}
		_, _, pages, present := report(t, bin)
		if pages == 0 || (present == pages) != tt.whole {
			t.Errorf("%s: %d of the writable data's %d pages mapped at start, want all: %v", tt.name, present, pages, tt.whole)
		}
	}
}

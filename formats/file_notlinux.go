//go:build !linux || pkit_portable

package formats

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
)

// haveSyncFS: without syncfs(2), NoSync is ignored and every file is
// synced as it is written.
const haveSyncFS = false

// maxPath is PATH_MAX: 1024 on macOS and the BSDs, 4096 on Linux (the
// portable path under the pkit_portable tag); Go writes long Windows paths
// through the \\?\ prefix, up to 32767 characters.
var maxPath = pathMax(runtime.GOOS)

func pathMax(goos string) int {
	switch goos {
	case "windows":
		return 32767
	case "linux":
		return 4096
	}
	return 1024
}

func syncFS(string) error { return nil }

func deviceOf(string) (uint64, bool) { return 0, false }

func syncFSCheap() bool { return false }

var errNoUnnamed = errors.New("no unnamed temporary files on this system")

// openUnnamed fails: only Linux has O_TMPFILE; the caller falls back to
// a hidden named temporary file.
func openUnnamed(string, fs.FileMode) (*os.File, error) { return nil, errNoUnnamed }

func linkUnnamed(*os.File, string) error { return errNoUnnamed }

//go:build !linux

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

// maxPath is PATH_MAX: 1024 on macOS and the BSDs; Go writes long
// Windows paths through the \\?\ prefix, up to 32767 characters.
var maxPath = map[bool]int{true: 32767, false: 1024}[runtime.GOOS == "windows"]

func syncFS(string) error { return nil }

var errNoUnnamed = errors.New("no unnamed temporary files on this system")

// openUnnamed fails: only Linux has O_TMPFILE; the caller falls back to
// a hidden named temporary file.
func openUnnamed(string, fs.FileMode) (*os.File, error) { return nil, errNoUnnamed }

func linkUnnamed(*os.File, string) error { return errNoUnnamed }

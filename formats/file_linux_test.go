//go:build linux && !pkit_portable

package formats

import "testing"

// meminfoUnwritten reads the Dirty and Writeback lines of /proc/meminfo,
// wherever they are, and reports a text without both (or with a bad
// number) as not found, so that the caller falls back to syncing file by
// file.
func TestMeminfoUnwritten(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want int64
		ok   bool
	}{
		{"both", "MemTotal:       24683548 kB\nMemFree:         1000000 kB\nDirty:              9116 kB\nWriteback:            12 kB\nAnonPages:        400 kB\n", (9116 + 12) << 10, true},
		{"no trailing newline", "Writeback:             0 kB\nDirty:                32 kB", 32 << 10, true},
		{"Writeback missing", "Dirty:              9116 kB\nWritebackTmp:          0 kB\n", 0, false},
		{"bad number", "Dirty:              91x6 kB\nWriteback:            12 kB\n", 0, false},
		{"empty", "", 0, false},
	} {
		got, ok := meminfoUnwritten([]byte(tc.text))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%s: %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := meminfoUnwritten(readMeminfo(t)); !ok {
		t.Error("this system's /proc/meminfo: Dirty and Writeback not found")
	}
}

func readMeminfo(t *testing.T) []byte {
	t.Helper()
	var buf [4096]byte
	n, err := readProcMeminfo(buf[:])
	if err != nil {
		t.Skipf("/proc/meminfo: %v", err)
	}
	return buf[:n]
}

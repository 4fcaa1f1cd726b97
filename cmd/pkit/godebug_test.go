package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestRuntimeDefaults checks that the runtime settings go.mod's godebug
// block chooses are built in: they apply to this test binary as to pkit.
func TestRuntimeDefaults(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	var godebug string
	for _, s := range info.Settings {
		if s.Key == "DefaultGODEBUG" {
			godebug = s.Value
		}
	}
	for _, want := range []string{"containermaxprocs=0", "updatemaxprocs=0", "decoratemappings=0"} {
		if !strings.Contains(","+godebug+",", ","+want+",") {
			t.Errorf("DefaultGODEBUG %q lacks %s", godebug, want)
		}
	}
}

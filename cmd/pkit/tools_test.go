package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// inCI reports whether the tests run under CI, where every interop tool
// must be installed (by .ci/run) and a missing one is a failure.
func inCI() bool { return os.Getenv("CI") == "true" }

// needTool skips t when tool is not on PATH, or fails it under CI=true.
func needTool(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if inCI() {
				t.Fatalf("%s is required under CI=true; install it in .ci/run", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

// scriptCondition adds the condition [have:TOOL] to scripts: true when
// TOOL is on PATH; when it is missing under CI=true the script fails
// instead, so "[!have:nginx] skip" never hides a missing install in CI.
func scriptCondition(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "have:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(tool); err != nil {
		if inCI() {
			return false, fmt.Errorf("%s is required under CI=true; install it in .ci/run", tool)
		}
		return false, nil
	}
	return true, nil
}

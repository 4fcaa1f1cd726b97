//go:build !linux

package pgtest

import "os/exec"

func dieWithParent(*exec.Cmd) {}

// children is not known here: [Server.Crash] kills the postmaster alone.
func children(int) []int { return nil }

// attached is not known here: [Server.Kill] waits for the port alone.
func attached(string) bool { return false }

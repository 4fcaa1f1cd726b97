//go:build !unix

package pgtest

import (
	"os"
	"os/exec"
)

func asServerUser(*exec.Cmd)   {}
func handOver(...string) error { return nil }

var syscall0 = os.Kill

func freeze(int) {}

func killPID(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

package pgtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// dieWithParent has the kernel kill the server when the test process
// dies, so that a crashed or interrupted test run leaves no server behind.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// children returns the processes whose parent is pid (the postmaster's
// backends and helpers), read from /proc.
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

// attached reports whether a process is still attached to the shared
// memory of the server whose data folder is data: the interlock a new
// server checks before it starts ("pre-existing shared memory block is
// still in use"). It reads the segment from postmaster.pid.
func attached(data string) bool {
	pidFile, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(pidFile), "\n")
	if len(lines) < 7 {
		return false
	}
	f := strings.Fields(lines[6]) // key and ID of the shared memory segment
	if len(f) < 2 {
		return false
	}
	id, err := strconv.Atoi(f[1])
	if err != nil {
		return false
	}
	var desc unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &desc); err != nil {
		return false
	}
	return desc.Nattch > 0
}

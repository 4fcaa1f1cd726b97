//go:build unix

package pgtest

import (
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// serverUser is who runs the server: the tests' own user, or when that is
// root (which PostgreSQL refuses), "postgres" or "nobody".
func serverUser() *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return nil
}

func asServerUser(cmd *exec.Cmd) {
	if c := serverUser(); c != nil {
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Credential = c
	}
}

// handOver gives the server's folders to the user that runs it.
func handOver(paths ...string) error {
	c := serverUser()
	if c == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, int(c.Uid), int(c.Gid)); err != nil {
			return err
		}
	}
	return nil
}

// syscall0 is signal 0: sending it tells whether a process is there.
var syscall0 = syscall.Signal(0)

// freeze stops process pid (SIGSTOP): it runs no further.
func freeze(pid int) { syscall.Kill(pid, syscall.SIGSTOP) }

// killPID kills process pid (SIGKILL).
func killPID(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

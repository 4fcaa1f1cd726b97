// Command runstat runs one command and prints what it cost: wall time and
// CPU time (user + system, the kernel's accounting of the child) in
// seconds with microseconds, and its peak resident set size in KiB (the
// kernel's maximum RSS of the child, what GNU time -v calls "Maximum
// resident set size"; 0 where the system does not report it):
//
//	runstat CMD ARGS...   ->   WALL_S CPU_S MAXRSS_KIB
//
// The command's stdout is discarded; when it fails, its stderr is shown
// and runstat exits 1, so nothing is timed that did not work.
// bench/store.sh uses it: GNU time's CPU figures have 10 ms steps, too
// coarse for commands of a few tens of milliseconds.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: runstat CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		os.Stderr.Write(stderr.Bytes())
		fmt.Fprintf(os.Stderr, "runstat: %v: %v\n", os.Args[1:], err)
		os.Exit(1)
	}
	ps := cmd.ProcessState
	fmt.Printf("%.6f %.6f %d\n", wall.Seconds(), (ps.UserTime() + ps.SystemTime()).Seconds(), maxRSS(ps))
}

// maxRSS is the child's peak RSS in KiB: syscall.Rusage's Maxrss (KiB on
// Linux, bytes on macOS), read by name so that this builds everywhere.
func maxRSS(ps *os.ProcessState) int64 {
	v := reflect.ValueOf(ps.SysUsage())
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0
	}
	f := v.Elem().FieldByName("Maxrss")
	if !f.IsValid() || !f.CanInt() {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return f.Int() / 1024
	}
	return f.Int()
}

package startcpu

import (
	"os"
	"runtime"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

var (
	startMask unix.CPUSet // the CPUs the process started with (entry writes it)
	pinned    uint32      // 1 while entry's pin holds (entry sets it)
)

// maxPasses bounds Release's passes over the process's threads: a thread
// the runtime starts from one not yet released inherits the pin, so
// Release reads the thread list again until a pass finds no new thread.
// At the start of a command the runtime starts none, or one.
const maxPasses = 4

// Release lets every thread of the process run on every CPU the process
// started with, and with all also sets GOMAXPROCS to the runtime's default
// for those CPUs (runtime.SetDefaultGOMAXPROCS). It does nothing in a
// process entry did not pin, or after the first call. It is best-effort:
// a thread it cannot release keeps one CPU. Call it before work that runs
// goroutines in parallel.
func Release(all bool) {
	if !atomic.CompareAndSwapUint32(&pinned, 1, 0) {
		return
	}
	released := map[int]bool{}
	for range maxPasses {
		tids, err := threads()
		if err != nil {
			// Without the list only this thread can be released; the
			// threads it starts from now on inherit its CPUs.
			_ = unix.SchedSetaffinity(0, &startMask)
			break
		}
		fresh := false
		for _, tid := range tids {
			if !released[tid] {
				released[tid], fresh = true, true
				_ = unix.SchedSetaffinity(tid, &startMask)
			}
		}
		if !fresh {
			break
		}
	}
	if all {
		runtime.SetDefaultGOMAXPROCS()
	}
}

// threads lists the thread ids of the process.
func threads() ([]int, error) {
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	tids := make([]int, 0, len(names))
	for _, n := range names {
		if tid, err := strconv.Atoi(n); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

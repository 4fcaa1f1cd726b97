package startcpu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// childEnv makes the test program a child of TestEntryPins: it reports
// what it sees instead of testing.
const childEnv = "STARTCPU_TEST_CHILD"

// state is what a child reports at one point of its run.
type state struct {
	Procs   int     // GOMAXPROCS
	Threads [][]int // each thread's CPUs
	Slack   []int64 // each thread's timer slack
}

// TestEntryPins builds this test program as make build links pkit (its
// entry point entry) and without, runs each, and checks what it reports
// (TestChild): with the entry, every thread on the one CPU the process
// started on, with timerSlack, and GOMAXPROCS 1 when its tests start;
// after Release(false)
// every thread, and a thread started after it, on every CPU the process
// started with, GOMAXPROCS still 1; after Release(true) the runtime's
// default GOMAXPROCS, the one this process has. Without the entry nothing
// is pinned and Release changes nothing.
func TestEntryPins(t *testing.T) {
	all := cpusOf(t, 0)
	if len(all) < 2 {
		t.Skipf("this process may use %d CPU: nothing to pin", len(all))
	}
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set")
	}
	procs := runtime.GOMAXPROCS(0)
	slack := slackOf(t, 0)
	if slack >= timerSlack {
		t.Skipf("this process's timer slack is %d ns: entry keeps it", slack)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name, ldflags string
		pinned        bool
	}{
		{"with entry", EntryFlag, true},
		{"without", "", false},
	} {
		bin := filepath.Join(dir, "startcpu.test")
		build := exec.Command("go", "test", "-c", "-o", bin, "-ldflags="+tt.ldflags, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go test -c: %v\n%s", err, out)
		}
		run := exec.Command(bin, "-test.run=^TestChild$")
		run.Env = append(os.Environ(), childEnv+"=1")
		out, err := run.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.name, err, out)
		}
		var got []state
		if err := json.NewDecoder(bytes.NewReader(out)).Decode(&got); err != nil || len(got) != 3 {
			t.Fatalf("%s: the child reported %q (%v)", tt.name, out, err)
		}
		start, released, releasedAll := got[0], got[1], got[2]
		wantSlack := slack
		if tt.pinned {
			wantSlack = timerSlack
		}
		for _, sl := range start.Slack {
			if sl != wantSlack {
				t.Errorf("%s: threads' timer slack %v at start, want %d each", tt.name, start.Slack, wantSlack)
				break
			}
		}
		if tt.pinned {
			if start.Procs != 1 || !onOneCPU(start.Threads, all) {
				t.Errorf("%s: at start GOMAXPROCS %d, threads on %v; want 1, each on the same one CPU of %v", tt.name, start.Procs, start.Threads, all)
			}
			if released.Procs != 1 {
				t.Errorf("%s: after Release(false) GOMAXPROCS %d, want 1", tt.name, released.Procs)
			}
		} else if start.Procs != procs || !onCPUs(start.Threads, all) {
			t.Errorf("%s: at start GOMAXPROCS %d, threads on %v; want %d, on %v", tt.name, start.Procs, start.Threads, procs, all)
		}
		if !onCPUs(released.Threads, all) || len(released.Threads) <= len(start.Threads) {
			t.Errorf("%s: after Release(false) threads on %v, want all (and one more) on %v", tt.name, released.Threads, all)
		}
		if releasedAll.Procs != procs {
			t.Errorf("%s: after Release(true) GOMAXPROCS %d, want %d", tt.name, releasedAll.Procs, procs)
		}
	}
}

// TestChild is the child of TestEntryPins; it reports a JSON array of
// three states: at start, after Release(false) and a new thread, after
// Release(true).
func TestChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestEntryPins")
	}
	wasPinned := atomic.LoadUint32(&pinned) == 1
	report := []state{now(t)}
	Release(false)
	started, stop := make(chan struct{}), make(chan struct{})
	go func() {
		runtime.LockOSThread() // a thread of its own, started after Release
		close(started)
		<-stop
	}()
	<-started
	report = append(report, now(t))
	close(stop)
	if wasPinned {
		atomic.StoreUint32(&pinned, 1) // as entry left it, for Release(true)'s own part
	}
	Release(true)
	report = append(report, state{Procs: runtime.GOMAXPROCS(0)})
	if err := json.NewEncoder(os.Stdout).Encode(report); err != nil {
		t.Fatal(err)
	}
}

// now reads GOMAXPROCS and every thread's CPUs.
func now(t *testing.T) state {
	tids, err := threads()
	if err != nil {
		t.Fatal(err)
	}
	s := state{Procs: runtime.GOMAXPROCS(0)}
	for _, tid := range tids {
		s.Threads = append(s.Threads, cpusOf(t, tid))
		s.Slack = append(s.Slack, slackOf(t, tid))
	}
	return s
}

// slackOf reads thread tid's timer slack in nanoseconds (0: the calling
// thread).
func slackOf(t *testing.T, tid int) int64 {
	if tid == 0 {
		tid = unix.Gettid()
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/timerslack_ns", tid)) // a thread's own
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// cpusOf lists the CPUs thread tid may run on (0: the calling thread).
func cpusOf(t *testing.T, tid int) []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(tid, &set); err != nil {
		t.Fatal(fmt.Errorf("thread %d: %w", tid, err))
	}
	var cpus []int
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// onOneCPU reports whether every thread is on the same one CPU of all.
func onOneCPU(threads [][]int, all []int) bool {
	for _, c := range threads {
		if len(c) != 1 || c[0] != threads[0][0] || !slices.Contains(all, c[0]) {
			return false
		}
	}
	return len(threads) > 0
}

// onCPUs reports whether every thread is on exactly all.
func onCPUs(threads [][]int, all []int) bool {
	for _, c := range threads {
		if !slices.Equal(c, all) {
			return false
		}
	}
	return len(threads) > 0
}

package startcpu

// entry is the program's entry point in make build's Linux/amd64 program
// (the linker's -E names it). While the process has one thread, before
// Go's runtime starts, it raises the thread's timer slack to timerSlack
// (prctl PR_SET_TIMERSLACK; a larger one stays), writes the CPUs the
// process may use to startMask, restricts the thread to the CPU it runs
// on and sets pinned; then it jumps to the runtime's entry,
// _rt0_amd64_linux, with the stack as the kernel left it. Every thread
// the runtime starts inherits the slack and the CPU. A call that fails
// changes nothing, and the runtime starts all the same.
func entry()

// timerSlack is how late, in nanoseconds, the kernel may end a timed
// wait of pkit's threads (Linux's default is 50 µs; entry keeps a larger
// one). It is for the runtime's monitor thread (sysmon), which sleeps
// 20 µs at a time while the process starts: on the process's one CPU
// each wake-up was a timer interrupt and two context switches, 33 a run
// of pkit --version (perf stat), 7 with 200 µs. Against the pinned build
// without it (bench/cputime, 41 runs interleaved, both orders): the
// one-shot commands 0.81-0.92x the CPU and 0.84-0.93x the wall time,
// issue client --p12 0.91-0.93x the CPU. 1 ms cut the same, but the
// monitor thread also hands the P of a thread blocked in a system call to
// another, and with 1 ms pkit serve, while pkit revoke ran in a loop beside
// it on the same 2 cores, answered 0.9-1.1x openssl ocsp's requests per
// second against 1.1-1.3x without the slack (bench/ocsp.sh, medians of 3
// runs, twice); with 200 µs, 1.4x. pkit's own timed waits are 5 ms or
// longer, SQLite's busy waits 1 ms or longer; a wait for input, a
// connection or a lock is not a timer and ends at once.
const timerSlack = 200_000

var (
	startCPU uint32     // the CPU entry ran on (getcpu)
	pinMask  [16]uint64 // the one-CPU mask entry sets
)

// Package startcpu starts pkit on one CPU, with a coarser timer slack,
// and gives the process its other CPUs back once the command line is read
// (Release).
//
// On Linux/amd64, "make build" makes entry (entry_linux_amd64.s, named by
// the linker's -E) the program's entry point. Before Go's runtime starts,
// while the process has one thread, it raises the thread's timer slack to
// 200 µs and restricts the thread to the CPU it runs on
// (sched_setaffinity); every thread the runtime starts inherits both. So
// the runtime starts with one P (its default GOMAXPROCS is the number of
// CPUs the process may use), and the runtime's and the packages' start-up
// runs on one CPU. A short command costs less three ways (perf over 300
// runs of pkit --version on a 2-core VM, 3 December 2026):
//
//   - The first write to a page of the program's data, or to a heap page
//     first read as zeros, copies a page the kernel had mapped read-only.
//     While a thread of the process runs on another CPU the kernel must
//     flush that CPU's TLB too: an interprocessor interrupt it waits for,
//     which the hypervisor traps. That was 12% of the CPU of pkit
//     --version, a third of it in the SQLite driver's initialisers, which
//     write their function tables into the program's data.
//   - With one P the runtime does not wake a second thread to look for
//     work each time a goroutine is made ready (its own goroutines and the
//     packages' at start-up); a thread woken for nothing costs two context
//     switches.
//   - The runtime's monitor thread (sysmon) sleeps 20 µs at a time while
//     the process starts; each wake-up is a timer interrupt and, on one
//     CPU, two context switches: 33 a run of pkit --version with Linux's
//     default slack of 50 µs, 7 with 200 µs (timerSlack has the figures).
//
// cmd/pkit's main calls Release before it runs the command. Release lets
// every thread of the process run on every CPU the process started with
// again; with all set, for the commands that run goroutines in parallel
// (issuance's .p12 key derivations, a batch's rows, list --json's reader,
// the server), it also gives the runtime its default GOMAXPROCS back. The
// one-shot commands (main.go's oneShot: --version, help, inspect,
// convert, chain, crl check) keep one CPU and one P to the end, unless
// they meet a .p12 or an encrypted key. The timer slack stays for the
// life of the process (only a privileged process may change another
// thread's), and child processes inherit it.
//
// Measured against the same build without the entry point (bench/cputime,
// 41 runs interleaved, both orders, read back from disk): pkit --version
// 0.71-0.75x the CPU, chain verify 0.67-0.78x, inspect 0.71-0.84x,
// convert 0.74-0.88x, crl check 0.78-0.80x, with wall times 0.86-0.97x;
// issue client --p12 0.90-0.93x the CPU, a batch of 500 the same. The
// pin alone gave the one-shot commands 0.85-0.99x. The alternatives
// measured worse: giving the CPUs back right after start-up (1.0x: the
// release itself, and the interrupts after it); runtime.GOMAXPROCS(1)
// called from main (1.0x: the runtime has started by then, and the call
// stops the world); the runtime's cgroup settings off
// (containermaxprocs=0, updatemaxprocs=0: 0.97-1.0x, noise: the runtime
// reads the cgroup at start either way); leaving the monitor thread off
// the pin (the same CPU, 0.96x the wall time).
//
// runtime.NumCPU reports the CPUs of the start, 1 in a pinned process;
// pkit sizes its work by GOMAXPROCS. Everywhere else (other systems and
// architectures, the C build, go run, the tests) nothing is pinned, the
// slack is the system's, and Release does nothing.
package startcpu

// EntryFlag is the linker flag that makes entry a program's entry point,
// as make build passes it on Linux/amd64 (go build -ldflags=EntryFlag);
// the program must link this package.
const EntryFlag = "-E=github.com/pkit/pkit/internal/startcpu.entry"

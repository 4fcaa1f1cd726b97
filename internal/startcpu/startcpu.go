// Package startcpu starts pkit on one CPU and gives the process its other
// CPUs back once the command line is read (Release).
//
// On Linux/amd64, "make build" makes entry (entry_linux_amd64.s, named by
// the linker's -E) the program's entry point. Before Go's runtime starts,
// while the process has one thread, it restricts that thread to the CPU it
// runs on (sched_setaffinity); every thread the runtime starts inherits
// that. So the runtime starts with one P (its default GOMAXPROCS is the
// number of CPUs the process may use), and the runtime's and the
// packages' start-up runs on one CPU. A short command costs less CPU two
// ways (perf over 300 runs of pkit --version on a 2-core VM, 3 December
// 2026):
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
//
// cmd/pkit's main calls Release before it runs the command. Release lets
// every thread of the process run on every CPU the process started with
// again; with all set, for the commands that run goroutines in parallel
// (issuance's .p12 key derivations, a batch's rows, list --json's reader,
// the server), it also gives the runtime its default GOMAXPROCS back. The
// one-shot commands keep one P. Measured (bench/cputime, 41 runs
// interleaved, against the same build without the entry point): pkit
// --version 0.86x the CPU, chain verify 0.92x, inspect 0.94x, convert
// 0.91-0.98x, crl check 0.90x, with median wall times within 0.98-1.05x.
// The alternatives measured worse: keeping the one-shot commands on one
// CPU to the end (0.85-0.99x the CPU, but up to 1.17x the wall time of a
// .p12 conversion, whose key derivations then share a core);
// runtime.GOMAXPROCS(1) called from main (1.0x: the runtime has started
// by then, and the call stops the world); the runtime's cgroup settings
// off (containermaxprocs=0, updatemaxprocs=0: 0.97-1.0x, noise).
//
// runtime.NumCPU reports the CPUs of the start, 1 in a pinned process;
// pkit sizes its work by GOMAXPROCS. Everywhere else (other systems and
// architectures, the C build, go run, the tests) nothing is pinned and
// Release does nothing.
package startcpu

//go:build !cgo

package prefault

// entry is the entry point of make build's Linux/amd64 program (the
// linker's -E names it): before Go's runtime starts, while the process
// has one thread, it asks the kernel with madvise(MADV_POPULATE_WRITE)
// (Linux 5.14; before that the call fails and changes nothing) to map the
// program's writable initialised data written, as the C build's
// constructor does (prefault_linux.go), and the first zeroedBytes of the
// zeroed data after it, then jumps to the runtime's own entry,
// _rt0_amd64_linux, with the stack as the kernel left it. Without it the
// runtime and the packages' initialisers fault those pages in one by one,
// many first mapped read-only (the file's page by the kernel's
// fault-around, the zero page for zeroed data) and then copied at their
// first write, which, once the runtime has started its other threads,
// flushes the other CPU's TLB too. Measured on a 2-core
// VM, pkit --version against the same build without it (bench/cputime,
// 4 x 301 runs interleaved, both orders, at two times of the day): 0.89x
// and 0.94-0.99x the CPU, page faults 451-494 against 507-637; chain
// verify 0.90x; issue client --p12 0.92x. TestEntryMapsData checks it.
func entry()

// zeroedBytes is how much of the zeroed data (.bss) entry maps: the part
// the runtime writes as it starts (its heap's and scheduler's state, the
// buffer it reads the cgroup files into), about 300 KB in pkit. Past it
// lies crypto's 32 MB DRBG buffer, which no pkit command uses. Against
// the data alone, pkit --version 0.91-0.95x the CPU with 256 KB, the same
// with 320 KB, 1.09x with 1 MB (bench/cputime, 301 runs each order).
const zeroedBytes = 256 << 10

//go:build !cgo

package prefault

// entry is the entry point of make build's Linux/amd64 program (the
// linker's -E names it): before Go's runtime starts, while the process
// has one thread, it maps the program in as the C build's constructor does
// (prefault_linux.go): its read-only segments with
// madvise(MADV_POPULATE_READ), its writable initialised data and the first
// zeroedBytes of the zeroed data after it with MADV_POPULATE_WRITE (Linux
// 5.14; before that the calls fail and change nothing). Then it jumps to
// the runtime's own entry, _rt0_amd64_linux, with the stack as the kernel
// left it. Without it the runtime and the packages' initialisers fault
// those pages in one by one, and many writable ones twice: first mapped
// read-only (the file's page by the kernel's fault-around, the zero page
// for zeroed data), then copied at their first write, which, once the
// runtime has started its other threads, flushes the other CPU's TLB too.
// Measured on a 2-core VM, each step against the build before it
// (bench/cputime, 301 runs each order, pkit --version unless said):
//   - the writable data: 0.89x and 0.94-0.99x the CPU at two times of the
//     day, page faults 451-494 against 507-637; chain verify 0.90x; issue
//     client --p12 0.92x;
//   - the first 256 KB of the zeroed data: 0.91-0.95x;
//   - the read-only segments: 0.94-0.96x, chain verify 0.94-0.96x, issue
//     client --p12 0.95x (earlier that day, with the VM faster, mapping
//     them cost the C build 1.06x).
//
// TestEntryMapsData checks it.
func entry()

// zeroedBytes is how much of the zeroed data (.bss) entry maps: the part
// the runtime writes as it starts (its heap's and scheduler's state, the
// buffer it reads the cgroup files into), about 300 KB in pkit. Past it
// lies crypto's 32 MB DRBG buffer, which no pkit command uses. Against
// the initialised data alone, pkit --version 0.91-0.95x the CPU with
// 256 KB, the same with 320 KB, 1.09x with 1 MB (bench/cputime, 301 runs
// each order).
const zeroedBytes = 256 << 10

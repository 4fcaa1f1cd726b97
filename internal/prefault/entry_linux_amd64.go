//go:build !cgo

package prefault

// entry is the entry point of make build's Linux/amd64 program (the
// linker's -E names it): before Go's runtime starts, while the process
// has one thread, it asks the kernel with madvise(MADV_POPULATE_WRITE)
// (Linux 5.14; before that the call fails and changes nothing) to map the
// program's writable initialised data written, as the C build's
// constructor does (prefault_linux.go), then jumps to the runtime's own
// entry, _rt0_amd64_linux, with the stack as the kernel left it. Without
// it the runtime and the packages' initialisers fault those pages in one
// by one, each first read-mapped by the kernel's fault-around and then
// copied at its first write, which, once the runtime has started its
// other threads, flushes the other CPU's TLB too. Measured on a 2-core
// VM, pkit --version against the same build without it (bench/cputime,
// 4 x 301 runs interleaved, both orders, at two times of the day): 0.89x
// and 0.94-0.99x the CPU, page faults 451-494 against 507-637; chain
// verify 0.90x; issue client --p12 0.92x. TestEntryMapsData checks it.
func entry()

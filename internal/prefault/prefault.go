// Package prefault maps pkit's own program file into the process as it
// starts, in one system call per segment, instead of one page fault at a
// time as the code runs. cmd/pkit imports it for that side effect alone.
//
// A short pkit command touches a few hundred pages of its 19 MB program
// while the Go runtime and the packages' initialisers start. Each first
// touch is a page fault, and a page fault costs about 14 µs in the
// virtual machines pkit was measured on (bench/faults.sh): more than the
// code it faults in. On Linux with cgo (what `make build` makes), a C
// constructor, which runs before the Go runtime, asks the kernel with
// madvise(MADV_POPULATE_READ) (Linux 5.14; elsewhere it does nothing) to
// map every read-only segment of the program at once, and with
// MADV_POPULATE_WRITE its writable initialised data (about 150 pages,
// which the runtime and the initialisers write as they start: each page
// is copied once, as its first write would copy it). Measured on a quiet
// 2-core machine, this build against the same build without it, 41 runs
// each interleaved (bench/cputime): pkit --version 0.76x the CPU (14.5
// against 19.0 ms; wall 12.5 against 14.9 ms), chain verify 0.79x,
// inspect 0.78x, issue client --p12 0.83x, crl 0.82x; page faults per
// process about 310 against 470. Mapping the writable data too, against
// the read-only segments alone (4 x 101 runs interleaved, load 2):
// --version 0.88-0.92x the CPU, page faults about 313 against 336; mapping
// also the first 128-512 KB of the zeroed data after it measured 1.03x.
//
// Only the C build ("make build-cgo") has it. "make build" is pure Go,
// where no code runs before the Go runtime: the same madvise of the
// writable data from a Go initialiser (run after the runtime and half the
// packages have started, and itself about 0.3 ms) measured 0.99-1.00x the
// CPU of pkit --version without it (bench/cputime, 3 x 201 runs), and on
// the machine where the pure-Go build was chosen (page faults about 1.5 us,
// bench/faults.sh) mapping the read-only segments cost the C build
// 1.06x its CPU. An assembly entry point that mapped the pure-Go program
// in before the runtime started (the linker's -E) measured, with both
// programs read back from disk (bench/cputime), 1.05-1.08x with the
// read-only segments and 0.99-1.01x with the writable data alone; so the
// pure-Go build maps nothing ahead.
//
// Costs: the process's resident set counts the program's mapped pages
// (peak RSS of pkit --version 19.3 MB against 11.0 MB: pages of the page
// cache shared with every other pkit process, not new memory); and the
// first run after the program file left the page cache reads all of it
// from disk, not only the pages it uses.
package prefault

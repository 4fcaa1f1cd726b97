package startcpu

// entry is the program's entry point in make build's Linux/amd64 program
// (the linker's -E names it): it writes the CPUs the process may use to
// startMask, restricts its one thread to the CPU it runs on, sets pinned,
// and jumps to the runtime's entry, _rt0_amd64_linux, with the stack as
// the kernel left it. If a call fails it changes nothing and starts the
// runtime all the same.
func entry()

var (
	startCPU uint32     // the CPU entry ran on (getcpu)
	pinMask  [16]uint64 // the one-CPU mask entry sets
)

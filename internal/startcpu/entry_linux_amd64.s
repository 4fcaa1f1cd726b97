#include "go_asm.h"
#include "textflag.h"

// entry: see entry_linux_amd64.go. Masks are 128 bytes (1024 CPUs), the
// size of unix.CPUSet.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$30, DI			// PR_GET_TIMERSLACK
	XORQ	SI, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$157, AX		// SYS_prctl
	SYSCALL
	CMPQ	AX, $const_timerSlack	// a larger one (or an error) stays
	JAE	pin
	MOVQ	$29, DI			// PR_SET_TIMERSLACK
	MOVQ	$const_timerSlack, SI
	MOVQ	$157, AX
	SYSCALL
pin:
	XORQ	DI, DI			// this thread: the process's only one yet
	MOVQ	$128, SI
	LEAQ	·startMask(SB), DX
	MOVQ	$204, AX		// SYS_sched_getaffinity
	SYSCALL
	CMPQ	AX, $0			// the bytes written, or -errno
	JLE	start
	LEAQ	·startCPU(SB), DI
	XORQ	SI, SI
	XORQ	DX, DX
	MOVQ	$309, AX		// SYS_getcpu
	SYSCALL
	TESTQ	AX, AX
	JNE	start
	MOVL	·startCPU(SB), CX
	CMPL	CX, $1024
	JAE	start
	MOVL	CX, BX
	SHRL	$6, BX			// the CPU's word in the mask
	ANDL	$63, CX			// and its bit
	MOVQ	$1, R8
	SHLQ	CX, R8
	LEAQ	·pinMask(SB), R9
	MOVQ	R8, 0(R9)(BX*8)
	XORQ	DI, DI
	MOVQ	$128, SI
	LEAQ	·pinMask(SB), DX
	MOVQ	$203, AX		// SYS_sched_setaffinity
	SYSCALL
	TESTQ	AX, AX
	JNE	start
	MOVL	$1, ·pinned(SB)
start:
	JMP	_rt0_amd64_linux(SB)

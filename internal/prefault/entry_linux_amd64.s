//go:build !cgo

#include "textflag.h"

// entry: see entry_linux_amd64.go.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	0(SP), AX		// argc
	LEAQ	16(SP)(AX*8), BX	// envp: past argc, argv and argv's NULL
env:
	MOVQ	0(BX), CX
	ADDQ	$8, BX
	TESTQ	CX, CX
	JNE	env
	XORQ	R8, R8			// AT_PHDR: the program headers
	XORQ	R9, R9			// AT_PHNUM: how many
aux:
	MOVQ	0(BX), CX
	TESTQ	CX, CX
	JEQ	headers
	CMPQ	CX, $3
	JNE	notphdr
	MOVQ	8(BX), R8
notphdr:
	CMPQ	CX, $5
	JNE	nextaux
	MOVQ	8(BX), R9
nextaux:
	ADDQ	$16, BX
	JMP	aux
headers:
	TESTQ	R8, R8
	JEQ	start
	XORQ	R10, R10		// load bias: AT_PHDR - PT_PHDR's p_vaddr
	MOVQ	R8, R12
	MOVQ	R9, R13
findphdr:
	TESTQ	R13, R13
	JEQ	segments
	MOVL	0(R12), CX
	CMPL	CX, $6			// PT_PHDR
	JNE	nextphdr
	MOVQ	R8, R10
	SUBQ	16(R12), R10
nextphdr:
	ADDQ	$56, R12
	DECQ	R13
	JMP	findphdr
segments:
	MOVQ	R8, R12
	MOVQ	R9, R13
segment:
	TESTQ	R13, R13
	JEQ	start
	MOVL	0(R12), CX
	CMPL	CX, $1			// PT_LOAD
	JNE	nextsegment
	MOVL	4(R12), CX
	TESTL	$2, CX			// PF_W
	JEQ	nextsegment
	MOVQ	16(R12), DI
	ADDQ	R10, DI			// start: p_vaddr + bias
	MOVQ	DI, SI
	ADDQ	32(R12), SI		// end: + p_filesz
	ANDQ	$-4096, DI
	SUBQ	DI, SI			// length
	JLE	nextsegment
	MOVQ	$23, DX			// MADV_POPULATE_WRITE
	MOVQ	$28, AX			// SYS_madvise
	SYSCALL
nextsegment:
	ADDQ	$56, R12
	DECQ	R13
	JMP	segment
start:
	JMP	_rt0_amd64_linux(SB)

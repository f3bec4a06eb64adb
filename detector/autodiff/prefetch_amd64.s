//go:build amd64 && !purego

#include "textflag.h"

// func prefetch(p unsafe.Pointer, n int)
//
// PREFETCHT0 on every 64-byte line that holds one of the n bytes at p
// (n > 0): a hint, it neither faults nor writes.
TEXT ·prefetch(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	LEAQ -1(AX)(CX*1), CX // the last byte
	ANDQ $-64, AX
	ANDQ $-64, CX

loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	CMPQ AX, CX
	JLS  loop
	RET

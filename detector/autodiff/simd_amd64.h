// Shared by simd_amd64.s and simd512_amd64.s.

// Offsets into vecConsts (32 bytes per constant: four copies, of which the AVX-512
// kernels read the first with embedded broadcasts).
#define C_INVLN2N 0
#define C_SHIFTER 32
#define C_LN2HI 64
#define C_LN2LO 96
#define C_ONE 128
#define C_HALF 160
#define C_I6 192
#define C_I24 224
#define C_I120 256
#define C_I720 288
#define C_I5040 320
#define C_700 352
#define C_N700 384
#define C_HIMASK 416
#define C_IDX 448
#define C_SIGN 480
#define C_ABS 512
#define C_TANHSMALL 544
#define C_NEG2 576
#define C_TWO 608
#define C_TTHIRD 640
#define C_T215 672
#define C_T17 704
#define C_ELUSMALL 736
#define C_MINUS1 768

// MATMULACC is the body of matMulAccAVX2 and matMulAccAVX512 (args y []float64,
// ys int, x []float64, xs int, w []float64, n, in, out int): y[r][j] +=
// Σₖ x[r][k]·w[k][j] for n rows, summed as matMulAcc does — for each block
// of four k, t = x₀w₀ + x₁w₁ + x₂w₂ + x₃w₃ (left to right), then y += t;
// the remaining k one at a time. Rows go two at a time. b0–b7 receive the
// broadcast x values, wl the loaded weights, tp a product, a0 and a1 the
// two rows' sums: Y registers and step 32 (four columns) for AVX2, Z
// registers and step 64 (eight columns) for AVX-512; out must be a
// positive multiple of step/8.
//
// Registers: DI y row, SI x row, DX w, CX rows left, R8 ys·8, R9 xs·8,
// R11 out·8, R12 3·out·8; per k block BX → x[r][k], AX → w[k], R13 k left;
// per column block R10 → w[k][j], R14 → y[r][j], R15 bytes left.
#define MATMULACC(b0, b1, b2, b3, b4, b5, b6, b7, wl, tp, a0, a1, step) \
	MOVQ y_base+0(FP), DI; \
	MOVQ ys+24(FP), R8; \
	SHLQ $3, R8; \
	MOVQ x_base+32(FP), SI; \
	MOVQ xs+56(FP), R9; \
	SHLQ $3, R9; \
	MOVQ w_base+64(FP), DX; \
	MOVQ n+88(FP), CX; \
	MOVQ out+104(FP), R11; \
	SHLQ $3, R11; \
	LEAQ (R11)(R11*2), R12; \
pairs: \
	CMPQ CX, $2; \
	JLT  single; \
	MOVQ SI, BX; \
	MOVQ DX, AX; \
	MOVQ in+96(FP), R13; \
pk4: \
	CMPQ         R13, $4; \
	JLT          pk1; \
	VBROADCASTSD 0(BX), b0; \
	VBROADCASTSD 8(BX), b1; \
	VBROADCASTSD 16(BX), b2; \
	VBROADCASTSD 24(BX), b3; \
	VBROADCASTSD 0(BX)(R9*1), b4; \
	VBROADCASTSD 8(BX)(R9*1), b5; \
	VBROADCASTSD 16(BX)(R9*1), b6; \
	VBROADCASTSD 24(BX)(R9*1), b7; \
	MOVQ         AX, R10; \
	MOVQ         DI, R14; \
	MOVQ         R11, R15; \
pj4: \
	VMOVUPD (R10), wl; \
	VMULPD  wl, b0, a0; \
	VMULPD  wl, b4, a1; \
	VMOVUPD (R10)(R11*1), wl; \
	VMULPD  wl, b1, tp; \
	VADDPD  tp, a0, a0; \
	VMULPD  wl, b5, tp; \
	VADDPD  tp, a1, a1; \
	VMOVUPD (R10)(R11*2), wl; \
	VMULPD  wl, b2, tp; \
	VADDPD  tp, a0, a0; \
	VMULPD  wl, b6, tp; \
	VADDPD  tp, a1, a1; \
	VMOVUPD (R10)(R12*1), wl; \
	VMULPD  wl, b3, tp; \
	VADDPD  tp, a0, a0; \
	VMULPD  wl, b7, tp; \
	VADDPD  tp, a1, a1; \
	VADDPD  (R14), a0, a0; \
	VMOVUPD a0, (R14); \
	VADDPD  (R14)(R8*1), a1, a1; \
	VMOVUPD a1, (R14)(R8*1); \
	ADDQ    $step, R10; \
	ADDQ    $step, R14; \
	SUBQ    $step, R15; \
	JNZ     pj4; \
	ADDQ    $32, BX; \
	LEAQ    (AX)(R11*4), AX; \
	SUBQ    $4, R13; \
	JMP     pk4; \
pk1: \
	TESTQ        R13, R13; \
	JZ           pnext; \
	VBROADCASTSD (BX), b0; \
	VBROADCASTSD (BX)(R9*1), b4; \
	MOVQ         AX, R10; \
	MOVQ         DI, R14; \
	MOVQ         R11, R15; \
pj1: \
	VMOVUPD (R10), wl; \
	VMULPD  wl, b0, a0; \
	VADDPD  (R14), a0, a0; \
	VMOVUPD a0, (R14); \
	VMULPD  wl, b4, a1; \
	VADDPD  (R14)(R8*1), a1, a1; \
	VMOVUPD a1, (R14)(R8*1); \
	ADDQ    $step, R10; \
	ADDQ    $step, R14; \
	SUBQ    $step, R15; \
	JNZ     pj1; \
	ADDQ    $8, BX; \
	ADDQ    R11, AX; \
	DECQ    R13; \
	JMP     pk1; \
pnext: \
	LEAQ (DI)(R8*2), DI; \
	LEAQ (SI)(R9*2), SI; \
	SUBQ $2, CX; \
	JMP  pairs; \
single: \
	TESTQ CX, CX; \
	JZ    done; \
	MOVQ  SI, BX; \
	MOVQ  DX, AX; \
	MOVQ  in+96(FP), R13; \
sk4: \
	CMPQ         R13, $4; \
	JLT          sk1; \
	VBROADCASTSD 0(BX), b0; \
	VBROADCASTSD 8(BX), b1; \
	VBROADCASTSD 16(BX), b2; \
	VBROADCASTSD 24(BX), b3; \
	MOVQ         AX, R10; \
	MOVQ         DI, R14; \
	MOVQ         R11, R15; \
sj4: \
	VMOVUPD (R10), wl; \
	VMULPD  wl, b0, a0; \
	VMOVUPD (R10)(R11*1), wl; \
	VMULPD  wl, b1, tp; \
	VADDPD  tp, a0, a0; \
	VMOVUPD (R10)(R11*2), wl; \
	VMULPD  wl, b2, tp; \
	VADDPD  tp, a0, a0; \
	VMOVUPD (R10)(R12*1), wl; \
	VMULPD  wl, b3, tp; \
	VADDPD  tp, a0, a0; \
	VADDPD  (R14), a0, a0; \
	VMOVUPD a0, (R14); \
	ADDQ    $step, R10; \
	ADDQ    $step, R14; \
	SUBQ    $step, R15; \
	JNZ     sj4; \
	ADDQ    $32, BX; \
	LEAQ    (AX)(R11*4), AX; \
	SUBQ    $4, R13; \
	JMP     sk4; \
sk1: \
	TESTQ        R13, R13; \
	JZ           done; \
	VBROADCASTSD (BX), b0; \
	MOVQ         AX, R10; \
	MOVQ         DI, R14; \
	MOVQ         R11, R15; \
sj1: \
	VMOVUPD (R10), wl; \
	VMULPD  wl, b0, a0; \
	VADDPD  (R14), a0, a0; \
	VMOVUPD a0, (R14); \
	ADDQ    $step, R10; \
	ADDQ    $step, R14; \
	SUBQ    $step, R15; \
	JNZ     sj1; \
	ADDQ    $8, BX; \
	ADDQ    R11, AX; \
	DECQ    R13; \
	JMP     sk1; \
done: \
	VZEROUPPER; \
	RET

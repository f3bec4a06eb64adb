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

// MATTMULACC is the body of matTMulAccAVX2 and matTMulAccAVX512 (args dw,
// x []float64, xs int, dy []float64, ys int, n, in, out, cols int): dw[k][j]
// += Σᵣ x[r][k]·dy[r][j] for the columns 0 ≤ j < cols, summed as
// matTMulAccGo does — rows k, k+1 of dw together, x and dy rows four at a
// time, d + (((a₀h₀ + a₁h₁) + a₂h₂) + a₃h₃), then one at a time; the last
// row of dw when in is odd takes every row one at a time. b0–b3 and b4–b7
// receive the broadcast x[r..r+3][k] and x[r..r+3][k+1], l0–l3 the loaded
// dy rows, s a sum, p a product: Y registers, step 32 and lanes 4 for
// AVX2, Z registers, step 64 and lanes 8 for AVX-512; cols must be a
// positive multiple of lanes, n and in positive.
//
// Registers: DI → dw[k], SI → x[0][k], R8 ys·8, R9 xs·8, R11 out·8, R13 k
// left; per pass BX → x[r][k], AX → dy[r], CX rows left; per column block
// R10 → dy[r][j], R12 → dy[r+3][j], R14 → dw[k][j], R15 columns left.
#define MATTMULACC(b0, b1, b2, b3, b4, b5, b6, b7, l0, l1, l2, l3, s, p, step, lanes) \
	MOVQ dw_base+0(FP), DI; \
	MOVQ x_base+24(FP), SI; \
	MOVQ xs+48(FP), R9; \
	SHLQ $3, R9; \
	MOVQ ys+80(FP), R8; \
	SHLQ $3, R8; \
	MOVQ out+104(FP), R11; \
	SHLQ $3, R11; \
	MOVQ in+96(FP), R13; \
tk2: \
	CMPQ R13, $2; \
	JLT  tk1; \
	MOVQ SI, BX; \
	MOVQ dy_base+56(FP), AX; \
	MOVQ n+88(FP), CX; \
tr4: \
	CMPQ         CX, $4; \
	JLT          tr1; \
	VBROADCASTSD 0(BX), b0; \
	VBROADCASTSD 8(BX), b4; \
	VBROADCASTSD 0(BX)(R9*1), b1; \
	VBROADCASTSD 8(BX)(R9*1), b5; \
	LEAQ         (BX)(R9*2), R10; \
	VBROADCASTSD 0(R10), b2; \
	VBROADCASTSD 8(R10), b6; \
	VBROADCASTSD 0(R10)(R9*1), b3; \
	VBROADCASTSD 8(R10)(R9*1), b7; \
	MOVQ         AX, R10; \
	LEAQ         (AX)(R8*2), R12; \
	ADDQ         R8, R12; \
	MOVQ         DI, R14; \
	MOVQ         cols+112(FP), R15; \
tj4: \
	VMOVUPD (R10), l0; \
	VMOVUPD (R10)(R8*1), l1; \
	VMOVUPD (R10)(R8*2), l2; \
	VMOVUPD (R12), l3; \
	VMULPD  l0, b0, s; \
	VMULPD  l1, b1, p; \
	VADDPD  p, s, s; \
	VMULPD  l2, b2, p; \
	VADDPD  p, s, s; \
	VMULPD  l3, b3, p; \
	VADDPD  p, s, s; \
	VADDPD  (R14), s, s; \
	VMOVUPD s, (R14); \
	VMULPD  l0, b4, s; \
	VMULPD  l1, b5, p; \
	VADDPD  p, s, s; \
	VMULPD  l2, b6, p; \
	VADDPD  p, s, s; \
	VMULPD  l3, b7, p; \
	VADDPD  p, s, s; \
	VADDPD  (R14)(R11*1), s, s; \
	VMOVUPD s, (R14)(R11*1); \
	ADDQ    $step, R10; \
	ADDQ    $step, R12; \
	ADDQ    $step, R14; \
	SUBQ    $lanes, R15; \
	JNZ     tj4; \
	LEAQ    (BX)(R9*4), BX; \
	LEAQ    (AX)(R8*4), AX; \
	SUBQ    $4, CX; \
	JMP     tr4; \
tr1: \
	TESTQ        CX, CX; \
	JZ           tknext; \
	VBROADCASTSD 0(BX), b0; \
	VBROADCASTSD 8(BX), b4; \
	MOVQ         AX, R10; \
	MOVQ         DI, R14; \
	MOVQ         cols+112(FP), R15; \
tj1: \
	VMOVUPD (R10), l0; \
	VMULPD  l0, b0, s; \
	VADDPD  (R14), s, s; \
	VMOVUPD s, (R14); \
	VMULPD  l0, b4, s; \
	VADDPD  (R14)(R11*1), s, s; \
	VMOVUPD s, (R14)(R11*1); \
	ADDQ    $step, R10; \
	ADDQ    $step, R14; \
	SUBQ    $lanes, R15; \
	JNZ     tj1; \
	ADDQ    R9, BX; \
	ADDQ    R8, AX; \
	DECQ    CX; \
	JMP     tr1; \
tknext: \
	ADDQ $16, SI; \
	LEAQ (DI)(R11*2), DI; \
	SUBQ $2, R13; \
	JMP  tk2; \
tk1: \
	TESTQ R13, R13; \
	JZ    tdone2; \
	MOVQ  SI, BX; \
	MOVQ  dy_base+56(FP), AX; \
	MOVQ  n+88(FP), CX; \
tl: \
	VBROADCASTSD 0(BX), b0; \
	MOVQ         AX, R10; \
	MOVQ         DI, R14; \
	MOVQ         cols+112(FP), R15; \
tlj: \
	VMOVUPD (R10), l0; \
	VMULPD  l0, b0, s; \
	VADDPD  (R14), s, s; \
	VMOVUPD s, (R14); \
	ADDQ    $step, R10; \
	ADDQ    $step, R14; \
	SUBQ    $lanes, R15; \
	JNZ     tlj; \
	ADDQ    R9, BX; \
	ADDQ    R8, AX; \
	DECQ    CX; \
	JNZ     tl; \
tdone2: \
	VZEROUPPER; \
	RET

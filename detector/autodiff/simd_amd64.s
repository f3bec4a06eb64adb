//go:build amd64 && !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX2 versions of the hot kernels of kernels.go and exp.go. Each computes
// exactly what its Go loop computes, operation for operation (VMULPD and
// VADDPD, never a fused multiply-add), four float64 columns at a time, so
// the results are bit-identical; the Go wrappers check bounds and handle
// what is not a multiple of four.

// func matMulAccAVX2(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int)
//
// MATMULACC (simd_amd64.h) four columns at a time. out must be a positive
// multiple of 4.
TEXT ·matMulAccAVX2(SB), NOSPLIT, $0-112
	MATMULACC(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y12, Y13, 32)

// EXP4 is expScale(expParts(t)) for the four (already clamped) exponents
// in Y0, left in Y9: kf = t·64/ln2 + shifter, ki = bits(kf) − bits(shifter),
// k = kf − shifter, r = (t − k·hi) − k·lo, p = r(1 + r(1/2 + r(1/6 +
// r(1/24 + r/120)))), s = table[ki & 63] with (ki >> 6) added to its
// exponent (as ki << 46 with the low 52 bits cleared), e = s + s·p.
// AX → vecConsts, DX → expTable. Clobbers Y1–Y8.
#define EXP4 \
	VMULPD     C_INVLN2N(AX), Y0, Y1; \
	VADDPD     C_SHIFTER(AX), Y1, Y1; \
	VPSUBQ     C_SHIFTER(AX), Y1, Y2; \
	VSUBPD     C_SHIFTER(AX), Y1, Y3; \
	VMULPD     C_LN2HI(AX), Y3, Y4; \
	VSUBPD     Y4, Y0, Y4; \
	VMULPD     C_LN2LO(AX), Y3, Y5; \
	VSUBPD     Y5, Y4, Y4; \
	VMULPD     C_I120(AX), Y4, Y5; \
	VADDPD     C_I24(AX), Y5, Y5; \
	VMULPD     Y4, Y5, Y5; \
	VADDPD     C_I6(AX), Y5, Y5; \
	VMULPD     Y4, Y5, Y5; \
	VADDPD     C_HALF(AX), Y5, Y5; \
	VMULPD     Y4, Y5, Y5; \
	VADDPD     C_ONE(AX), Y5, Y5; \
	VMULPD     Y4, Y5, Y5; \
	VPAND      C_IDX(AX), Y2, Y6; \
	VPCMPEQQ   Y8, Y8, Y8; \
	VGATHERQPD Y8, (DX)(Y6*8), Y7; \
	VPSLLQ     $46, Y2, Y2; \
	VPAND      C_HIMASK(AX), Y2, Y2; \
	VPADDQ     Y2, Y7, Y7; \
	VMULPD     Y5, Y7, Y9; \
	VADDPD     Y7, Y9, Y9

// func sigmoidAVX2(y, x []float64)
//
// y[i] = 1/(1 + e^t), t = −x[i] clamped to ±700, for the first len(x)&^3
// elements (SigmoidSlice). MINPD/MAXPD with t second keep a NaN t, as the
// Go comparisons do.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-48
	MOVQ    y_base+0(FP), DI
	MOVQ    x_base+24(FP), SI
	MOVQ    x_len+32(FP), CX
	SHRQ    $2, CX
	JZ      sdone
	LEAQ    ·vecConsts(SB), AX
	LEAQ    ·expTable(SB), DX
	VMOVUPD C_ONE(AX), Y10
	VMOVUPD C_700(AX), Y11
	VMOVUPD C_N700(AX), Y12

sloop:
	VMOVUPD (SI), Y0
	VXORPD  C_SIGN(AX), Y0, Y0
	VMINPD  Y0, Y11, Y0
	VMAXPD  Y0, Y12, Y0
	EXP4
	VADDPD  Y10, Y9, Y9
	VDIVPD  Y9, Y10, Y9
	VMOVUPD Y9, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     sloop

sdone:
	VZEROUPPER
	RET

// func tanhAVX2(y, x []float64)
//
// y[i] = tanh(x[i]) as TanhSlice computes it, for the first len(x)&^3
// elements: both the Taylor series (|x| < 0.0054) and 2/(1 + e^−2x) − 1
// are computed and the lanes blended.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-48
	MOVQ    y_base+0(FP), DI
	MOVQ    x_base+24(FP), SI
	MOVQ    x_len+32(FP), CX
	SHRQ    $2, CX
	JZ      tdone
	LEAQ    ·vecConsts(SB), AX
	LEAQ    ·expTable(SB), DX
	VMOVUPD C_ONE(AX), Y10
	VMOVUPD C_700(AX), Y11
	VMOVUPD C_N700(AX), Y12
	VMOVUPD C_TWO(AX), Y14

tloop:
	VMOVUPD   (SI), Y13
	VMULPD    C_NEG2(AX), Y13, Y0
	VMINPD    Y0, Y11, Y0
	VMAXPD    Y0, Y12, Y0
	EXP4
	VADDPD    Y10, Y9, Y9
	VDIVPD    Y9, Y14, Y9
	VSUBPD    Y10, Y9, Y9
	VMULPD    Y13, Y13, Y1
	VMULPD    C_T17(AX), Y1, Y2
	VADDPD    C_T215(AX), Y2, Y2
	VMULPD    Y1, Y2, Y2
	VADDPD    C_TTHIRD(AX), Y2, Y2
	VMULPD    Y1, Y2, Y2
	VADDPD    Y10, Y2, Y2
	VMULPD    Y13, Y2, Y2
	VANDPD    C_ABS(AX), Y13, Y3
	VCMPPD    $1, C_TANHSMALL(AX), Y3, Y3
	VBLENDVPD Y3, Y2, Y9, Y9
	VMOVUPD   Y9, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       tloop

tdone:
	VZEROUPPER
	RET

// func eluAVX2(y, x []float64)
//
// y[i] = ELU(x[i]) as ELUForward computes it, for the first len(x)&^3
// elements: t = max(x if its sign bit is set else −1, −700), e^t − 1 by
// the Taylor series when t > −0.0108 and by EXP4 otherwise, and x itself
// where its sign bit is clear.
TEXT ·eluAVX2(SB), NOSPLIT, $0-48
	MOVQ    y_base+0(FP), DI
	MOVQ    x_base+24(FP), SI
	MOVQ    x_len+32(FP), CX
	SHRQ    $2, CX
	JZ      edone
	LEAQ    ·vecConsts(SB), AX
	LEAQ    ·expTable(SB), DX
	VMOVUPD C_ONE(AX), Y10
	VMOVUPD C_N700(AX), Y12
	VMOVUPD C_MINUS1(AX), Y14

eloop:
	VMOVUPD   (SI), Y13
	VBLENDVPD Y13, Y13, Y14, Y0
	VMAXPD    Y0, Y12, Y0
	EXP4
	VSUBPD    Y10, Y9, Y9
	VMULPD    C_I5040(AX), Y0, Y1
	VADDPD    C_I720(AX), Y1, Y1
	VMULPD    Y0, Y1, Y1
	VADDPD    C_I120(AX), Y1, Y1
	VMULPD    Y0, Y1, Y1
	VADDPD    C_I24(AX), Y1, Y1
	VMULPD    Y0, Y1, Y1
	VADDPD    C_I6(AX), Y1, Y1
	VMULPD    Y0, Y1, Y1
	VADDPD    C_HALF(AX), Y1, Y1
	VMULPD    Y0, Y1, Y1
	VADDPD    Y10, Y1, Y1
	VMULPD    Y0, Y1, Y1
	VCMPPD    $14, C_ELUSMALL(AX), Y0, Y2
	VBLENDVPD Y2, Y1, Y9, Y9
	VBLENDVPD Y13, Y9, Y13, Y9
	VMOVUPD   Y9, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       eloop

edone:
	VZEROUPPER
	RET

// func matTMulAccAVX2(dw, x []float64, xs int, dy []float64, ys int, n, in, out, cols int)
//
// MATTMULACC (simd_amd64.h) four columns at a time: matTMulAccGo for the
// columns 0 ≤ j < cols of dw, cols a positive multiple of 4, n and in
// positive.
TEXT ·matTMulAccAVX2(SB), NOSPLIT, $0-120
	MATTMULACC(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, 32, 4)

// func matMulTAccAVX2(dx []float64, xs int, dy []float64, ys int, wt []float64, n, in, out, cols int)
//
// matMulTAccGo for the columns 0 ≤ k < cols of dx (cols a positive
// multiple of 4, n and out positive), from wt = Wᵀ [out × in]: for each
// row, sixteen, then eight, then four k at a time, s = 0, s += dy[r][j]·
// wt[j][k..] for j in order, then dx[r][k..] += s. Each lane sums exactly
// as the scalar dot product does.
//
// Registers: DI → dx[r], SI → dy[r], DX → wt, R8 xs·8, R9 ys·8, R10 in·8,
// CX rows left; BX k·8, R13 bytes of k left; per block AX → wt[j][k], R14
// → dy[r][j], R15 j left. Y0–Y3 the sums, Y12 the broadcast dy[r][j].
TEXT ·matMulTAccAVX2(SB), NOSPLIT, $0-120
	MOVQ dx_base+0(FP), DI
	MOVQ xs+24(FP), R8
	SHLQ $3, R8
	MOVQ dy_base+32(FP), SI
	MOVQ ys+56(FP), R9
	SHLQ $3, R9
	MOVQ wt_base+64(FP), DX
	MOVQ in+96(FP), R10
	SHLQ $3, R10
	MOVQ n+88(FP), CX

mrow:
	MOVQ cols+112(FP), R13
	SHLQ $3, R13
	XORQ BX, BX

m16:
	CMPQ   R13, $128
	JLT    m8
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

m16j:
	VBROADCASTSD (R14), Y12
	VMULPD       0(AX), Y12, Y13
	VADDPD       Y13, Y0, Y0
	VMULPD       32(AX), Y12, Y13
	VADDPD       Y13, Y1, Y1
	VMULPD       64(AX), Y12, Y13
	VADDPD       Y13, Y2, Y2
	VMULPD       96(AX), Y12, Y13
	VADDPD       Y13, Y3, Y3
	ADDQ         $8, R14
	ADDQ         R10, AX
	DECQ         R15
	JNZ          m16j
	VADDPD       0(DI)(BX*1), Y0, Y0
	VMOVUPD      Y0, 0(DI)(BX*1)
	VADDPD       32(DI)(BX*1), Y1, Y1
	VMOVUPD      Y1, 32(DI)(BX*1)
	VADDPD       64(DI)(BX*1), Y2, Y2
	VMOVUPD      Y2, 64(DI)(BX*1)
	VADDPD       96(DI)(BX*1), Y3, Y3
	VMOVUPD      Y3, 96(DI)(BX*1)
	ADDQ         $128, BX
	SUBQ         $128, R13
	JMP          m16

m8:
	CMPQ   R13, $64
	JLT    m4
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

m8j:
	VBROADCASTSD (R14), Y12
	VMULPD       0(AX), Y12, Y13
	VADDPD       Y13, Y0, Y0
	VMULPD       32(AX), Y12, Y13
	VADDPD       Y13, Y1, Y1
	ADDQ         $8, R14
	ADDQ         R10, AX
	DECQ         R15
	JNZ          m8j
	VADDPD       0(DI)(BX*1), Y0, Y0
	VMOVUPD      Y0, 0(DI)(BX*1)
	VADDPD       32(DI)(BX*1), Y1, Y1
	VMOVUPD      Y1, 32(DI)(BX*1)
	ADDQ         $64, BX
	SUBQ         $64, R13

m4:
	CMPQ   R13, $32
	JLT    mnext
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VXORPD Y0, Y0, Y0

m4j:
	VBROADCASTSD (R14), Y12
	VMULPD       0(AX), Y12, Y13
	VADDPD       Y13, Y0, Y0
	ADDQ         $8, R14
	ADDQ         R10, AX
	DECQ         R15
	JNZ          m4j
	VADDPD       0(DI)(BX*1), Y0, Y0
	VMOVUPD      Y0, 0(DI)(BX*1)
	ADDQ         $32, BX
	SUBQ         $32, R13

mnext:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ CX
	JNZ  mrow
	VZEROUPPER
	RET

// func addAVX2(y, x []float64)
//
// y[i] += x[i] for the first len(x)&^3 elements (addTo).
TEXT ·addAVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	SHRQ $2, CX
	JZ   adone

aloop:
	VMOVUPD (DI), Y0
	VADDPD  (SI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     aloop

adone:
	VZEROUPPER
	RET

// func gluBackwardAVX2(da, db, g, a, s []float64)
//
// da[j] += g[j]·s[j] and db[j] += ((g[j]·a[j])·s[j])·(1 − s[j]) for the
// first len(g)&^3 elements (one row of GLUBackward with σ(b) saved).
TEXT ·gluBackwardAVX2(SB), NOSPLIT, $0-120
	MOVQ    da_base+0(FP), DI
	MOVQ    db_base+24(FP), DX
	MOVQ    g_base+48(FP), SI
	MOVQ    g_len+56(FP), CX
	MOVQ    a_base+72(FP), BX
	MOVQ    s_base+96(FP), R8
	SHRQ    $2, CX
	JZ      gbdone
	LEAQ    ·vecConsts(SB), AX
	VMOVUPD C_ONE(AX), Y10

gbloop:
	VMOVUPD (SI), Y0
	VMOVUPD (R8), Y1
	VMULPD  Y1, Y0, Y3
	VADDPD  (DI), Y3, Y3
	VMOVUPD Y3, (DI)
	VMULPD  (BX), Y0, Y4
	VMULPD  Y1, Y4, Y4
	VSUBPD  Y1, Y10, Y5
	VMULPD  Y5, Y4, Y4
	VADDPD  (DX), Y4, Y4
	VMOVUPD Y4, (DX)
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, BX
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     gbloop

gbdone:
	VZEROUPPER
	RET

// func eluBackwardAVX2(dx, dy, x, y []float64)
//
// dx[i] += dy[i] where x[i] > 0 and dx[i] += dy[i]·(y[i] + 1) elsewhere
// (NaN included, as the Go comparison), for the first len(x)&^3 elements
// (ELUBackward): both are computed and the lanes blended before the add.
TEXT ·eluBackwardAVX2(SB), NOSPLIT, $0-96
	MOVQ    dx_base+0(FP), DI
	MOVQ    dy_base+24(FP), SI
	MOVQ    x_base+48(FP), BX
	MOVQ    x_len+56(FP), CX
	MOVQ    y_base+72(FP), DX
	SHRQ    $2, CX
	JZ      ebdone
	LEAQ    ·vecConsts(SB), AX
	VMOVUPD C_ONE(AX), Y10
	VXORPD  Y11, Y11, Y11

ebloop:
	VMOVUPD   (SI), Y0
	VADDPD    (DX), Y10, Y1
	VMULPD    Y1, Y0, Y1
	VMOVUPD   (BX), Y3
	VCMPPD    $0x1e, Y11, Y3, Y2
	VBLENDVPD Y2, Y0, Y1, Y1
	VADDPD    (DI), Y1, Y1
	VMOVUPD   Y1, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DX
	ADDQ      $32, BX
	ADDQ      $32, DI
	DECQ      CX
	JNZ       ebloop

ebdone:
	VZEROUPPER
	RET

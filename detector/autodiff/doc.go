// Package autodiff is a small reverse-mode automatic differentiation tape
// over flat []float64 buffers, with the fused ops a Temporal Fusion
// Transformer needs: grouped linear layers, ELU, GLU, sigmoid, tanh, add
// (plain and broadcast over time), LayerNorm, a whole-sequence LSTM with
// fused gates, masked softmax, variable-selection weighted sums, input
// embeddings (prescalers and categorical tables), the interpretable
// multi-head attention core and the quantile (pinball) loss. Every op has a
// hand-derived backward pass checked against central differences in the
// tests. Adam and global-norm gradient clipping complete the training kit.
//
// # Using the tape
//
// A Tape is define-by-run: each op computes its output immediately and
// records itself; Backward replays the record in reverse, accumulating
// gradients. Tensors are handles (buffer, offset, rows, columns) into the
// tape's arena, which is reused after Reset, so a training step allocates
// nothing once the arena has grown to its working size. Parameters are not
// copied: Bind points the tape at the caller's flat parameter vector and
// gradient vector, and Param returns views of them.
//
//	tp := autodiff.NewTape()
//	tp.Bind(params, grads)
//	x := tp.Input(n, in)                  // data: fill tp.Value(x)
//	y := tp.Linear(x, tp.Param(0, in, out), tp.Param(in*out, 1, out), 1)
//	loss := tp.QuantileLoss(y, target, autodiff.None, qs, norm)
//	tp.Backward(loss)                     // grads += ∂loss/∂params
//	tp.Reset()
//
// Sequences are stored time-major: the row of step p of sequence b in a
// batch of B is p·B + b, so a step is a contiguous block of rows and a
// per-sequence vector broadcasts with AddBroadcast.
//
// The forward computations are also exported as plain kernels
// (LinearForward, LSTMStep, AttentionForward, …) for tape-free inference;
// the tape uses the same kernels, so both paths agree.
//
// # AVX2 and AVX-512
//
// On amd64 processors with AVX2 the hottest kernels — MatMulAcc and
// MatVecAcc (every linear layer and LSTM gate product), SigmoidSlice,
// TanhSlice and ELUForward, and in the backward pass the weight and input
// gradients of the linear layers, gradient accumulation and the GLU and
// ELU derivatives — run in assembly (simd_amd64.s), four columns at a
// time; with AVX-512 (simd512_amd64.s) eight at a time, and LSTMStep,
// GLUForward, LayerNorm's normalisation, the LSTM's gate gradients and
// the bias gradients' sum over rows get fused kernels of their own. With
// AVX2 alone, LSTMStep, GLUForward, LayerNorm's normalisation and
// ExpSlice have fused kernels too (simd2_amd64.s), which run two blocks
// of four exponentials interleaved for processors with 128-bit vector
// units (AMD Zen). They
// perform the same IEEE operations in the same order as the Go loops
// (separate multiplies and adds, never fused; the Go loops round each
// product explicitly so that GOAMD64=v3 cannot fuse them either), so
// results are bit-identical on every machine and a trained model does not
// depend on the processor it was trained on. The tests compare every
// level with the Go loops bit for bit, edge cases included. The build tag
// purego, or any other architecture, keeps the Go loops.
package autodiff

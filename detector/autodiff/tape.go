package autodiff

import "fmt"

// Buffers a Tensor can live in.
const (
	arenaBuf = 0 // the tape's arena, reset between passes
	paramBuf = 1 // the bound parameter vector and its gradient
)

// Tensor is a handle to a row-major matrix on a Tape: its values and
// gradient live in one of the tape's flat buffers. Handles stay valid until
// the tape is Reset; the slices returned by Value and Grad only until the
// next op (the arena may grow).
type Tensor struct {
	buf    uint8
	noGrad bool // data: ops do not propagate gradients into it
	off    int
	R, C   int // rows, columns
}

// Size is R·C.
func (t Tensor) Size() int { return t.R * t.C }

// None is the absent optional tensor (e.g. a Linear without bias).
var None = Tensor{}

func (t Tensor) present() bool { return t.R*t.C > 0 }

// Present reports whether t is a tensor rather than None.
func (t Tensor) Present() bool { return t.present() }

// Tape records ops as they run (define by run) and replays them backwards.
// The zero value is not usable; call NewTape. A Tape is used by one
// goroutine.
type Tape struct {
	val   [2][]float64
	grad  [2][]float64
	used  int
	clean int     // arena gradients below clean were zeroed when last needed
	dirty []int   // [lo, hi) pairs: arena gradients allocated since, to zero
	order []opRef // the recorded ops, in the order they ran
	ops   opLists
}

// NewTape returns an empty tape.
func NewTape() *Tape { return &Tape{} }

// Bind makes params (and its gradient grads, of equal length) the parameter
// buffer that Param tensors refer to. Backward accumulates into grads; the
// caller zeroes it between minibatches.
func (tp *Tape) Bind(params, grads []float64) {
	if len(params) != len(grads) {
		panic("autodiff: Bind: params and grads differ in length")
	}
	tp.val[paramBuf], tp.grad[paramBuf] = params, grads
}

// Reset forgets all ops and arena tensors, keeping the capacity.
func (tp *Tape) Reset() {
	tp.order = tp.order[:0]
	tp.ops.reset()
	tp.used = 0
	tp.clean = 0
	tp.dirty = tp.dirty[:0]
}

// ArenaLen is the number of float64s of arena in use (values; gradients use
// as many again).
func (tp *Tape) ArenaLen() int { return tp.used }

// alloc reserves an r×c tensor in the arena. Its gradient is zeroed only
// when a gradient is first needed (zeroGrads, from Grad, Backward and
// BackwardFrom), so passes that never go backward (validation losses,
// scoring) do not clear gradients they do not use.
func (tp *Tape) alloc(r, c int) Tensor {
	t := tp.reserve(r, c)
	if k := len(tp.dirty); k > 0 && tp.dirty[k-1] == t.off {
		tp.dirty[k-1] = tp.used
	} else {
		tp.dirty = append(tp.dirty, t.off, tp.used)
	}
	return t
}

// allocData reserves an r×c data tensor (no gradient flows into it, so its
// gradient is never zeroed: saved values and inputs are a good part of
// the arena).
func (tp *Tape) allocData(r, c int) Tensor {
	t := tp.reserve(r, c)
	t.noGrad = true
	return t
}

// reserve takes r×c values (and gradients) of arena, growing it if needed.
func (tp *Tape) reserve(r, c int) Tensor {
	n := r * c
	if tp.used+n > len(tp.val[arenaBuf]) {
		size := 2 * len(tp.val[arenaBuf])
		if size < tp.used+n {
			size = tp.used + n
		}
		if size < 1024 {
			size = 1024
		}
		v := make([]float64, size)
		g := make([]float64, size)
		copy(v, tp.val[arenaBuf][:tp.used])
		copy(g, tp.grad[arenaBuf][:tp.clean])
		tp.val[arenaBuf], tp.grad[arenaBuf] = v, g
	}
	t := Tensor{buf: arenaBuf, off: tp.used, R: r, C: c}
	tp.used += n
	return t
}

// zeroGrads zeroes the gradients of the arena tensors allocated since the
// last call (those that take a gradient), so every arena gradient that
// ops accumulate into starts at zero.
func (tp *Tape) zeroGrads() {
	g := tp.grad[arenaBuf]
	for i := 0; i < len(tp.dirty); i += 2 {
		clear(g[tp.dirty[i]:tp.dirty[i+1]])
	}
	tp.dirty = tp.dirty[:0]
	tp.clean = tp.used
}

// Value returns t's values (valid until the next op).
func (tp *Tape) Value(t Tensor) []float64 { return tp.val[t.buf][t.off : t.off+t.R*t.C] }

// Grad returns t's gradient (valid until the next op); a data tensor's
// is all zeros.
func (tp *Tape) Grad(t Tensor) []float64 {
	tp.zeroGrads()
	g := tp.grad[t.buf][t.off : t.off+t.R*t.C]
	if t.noGrad {
		clear(g)
	}
	return g
}

// v and g are the short internal forms; g is nil for no-grad tensors.
func (tp *Tape) v(t Tensor) []float64 {
	if !t.present() {
		return nil
	}
	return tp.val[t.buf][t.off : t.off+t.R*t.C]
}

func (tp *Tape) g(t Tensor) []float64 {
	if !t.present() || t.noGrad {
		return nil
	}
	return tp.grad[t.buf][t.off : t.off+t.R*t.C]
}

// Param returns the r×c parameter block at offset off of the bound
// parameter vector.
func (tp *Tape) Param(off, r, c int) Tensor {
	if off < 0 || off+r*c > len(tp.val[paramBuf]) {
		panic(fmt.Sprintf("autodiff: Param [%d, %d) outside %d bound parameters", off, off+r*c, len(tp.val[paramBuf])))
	}
	return Tensor{buf: paramBuf, off: off, R: r, C: c}
}

// Input returns a new r×c data tensor (no gradient flows into it); fill it
// through Value before the next op.
func (tp *Tape) Input(r, c int) Tensor { return tp.allocData(r, c) }

// Variable returns a new r×c tensor that receives a gradient, for tests
// and leaf values other than parameters; fill it through Value.
func (tp *Tape) Variable(r, c int) Tensor { return tp.alloc(r, c) }

// Zeros returns a new r×c data tensor of zeros.
func (tp *Tape) Zeros(r, c int) Tensor {
	t := tp.Input(r, c)
	clear(tp.Value(t))
	return t
}

// Rows returns the view of rows [start, start+n) of t, sharing its values
// and gradient.
func (tp *Tape) Rows(t Tensor, start, n int) Tensor {
	if start < 0 || n < 0 || start+n > t.R {
		panic(fmt.Sprintf("autodiff: Rows [%d, %d) of %d rows", start, start+n, t.R))
	}
	t.off += start * t.C
	t.R = n
	return t
}

// Reshape returns t viewed as r×c (same size, same memory).
func (tp *Tape) Reshape(t Tensor, r, c int) Tensor {
	if r*c != t.R*t.C {
		panic(fmt.Sprintf("autodiff: Reshape %d×%d to %d×%d", t.R, t.C, r, c))
	}
	t.R, t.C = r, c
	return t
}

// Backward runs the recorded ops backwards from the scalar loss, adding
// ∂loss/∂x to the gradient of every tensor x that loss depends on.
func (tp *Tape) Backward(loss Tensor) {
	if loss.Size() != 1 {
		panic("autodiff: Backward from a non-scalar")
	}
	tp.zeroGrads()
	tp.grad[loss.buf][loss.off] += 1
	tp.backward()
}

// BackwardFrom runs the ops backwards after adding seed to t's gradient
// (for vector-Jacobian products: the gradients become seedᵀ·∂t/∂x).
func (tp *Tape) BackwardFrom(t Tensor, seed []float64) {
	g := tp.Grad(t)
	if len(seed) != len(g) {
		panic("autodiff: BackwardFrom: seed length differs from tensor size")
	}
	for i, s := range seed {
		g[i] += s
	}
	tp.backward()
}

func sameShape(name string, a, b Tensor) {
	if a.R != b.R || a.C != b.C {
		panic(fmt.Sprintf("autodiff: %s: shapes %d×%d and %d×%d differ", name, a.R, a.C, b.R, b.C))
	}
}

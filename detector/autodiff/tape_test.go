package autodiff

import (
	"math/rand/v2"
	"testing"
)

// TestReusedTapeGradients checks that arena gradients start at zero on a
// tape reused after Backward (whose arena still holds the old gradients,
// now cleared only when a gradient is first needed), including tensors
// allocated after Grad was called and passes that never went backward.
func TestReusedTapeGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	params := make([]float64, 4*3+3)
	for i := range params {
		params[i] = rng.NormFloat64()
	}
	input := make([]float64, 5*4)
	for i := range input {
		input[i] = rng.NormFloat64()
	}
	// pass builds loss = Σ QuantileLoss(Tanh(x·W + b)) and returns the
	// hidden layer and the loss.
	pass := func(tp *Tape) (h, loss Tensor) {
		x := tp.Variable(5, 4)
		copy(tp.Value(x), input)
		h = tp.Tanh(tp.Linear(x, tp.Param(0, 4, 3), tp.Param(12, 1, 3), 1))
		y := tp.Input(5, 3)
		clear(tp.Value(y))
		return h, tp.QuantileLoss(h, y, None, []float64{0.5}, 1)
	}
	fresh := func() (hg, pg []float64) {
		tp := NewTape()
		pg = make([]float64, len(params))
		tp.Bind(params, pg)
		h, loss := pass(tp)
		tp.Backward(loss)
		return append([]float64(nil), tp.Grad(h)...), pg
	}
	wantH, wantP := fresh()

	tp := NewTape()
	pg := make([]float64, len(params))
	tp.Bind(params, pg)
	for i := range 3 {
		tp.Reset()
		clear(pg)
		h, loss := pass(tp)
		if i == 1 {
			// Gradients read before Backward are zero, also for a tensor
			// allocated after the read.
			for j, v := range tp.Grad(h) {
				if v != 0 {
					t.Fatalf("pass %d: gradient %d of an unused tensor is %v, want 0", i, j, v)
				}
			}
			v := tp.Variable(2, 2)
			for j, g := range tp.Grad(v) {
				if g != 0 {
					t.Fatalf("pass %d: gradient %d of a new variable is %v, want 0", i, j, g)
				}
			}
		}
		if i == 2 {
			continue // a pass that never goes backward
		}
		tp.Backward(loss)
		sameBits(t, "hidden gradient", tp.Grad(h), wantH)
		sameBits(t, "parameter gradient", pg, wantP)
	}
	// After a pass without Backward, the next pass still starts from zero.
	tp.Reset()
	clear(pg)
	h, loss := pass(tp)
	tp.Backward(loss)
	sameBits(t, "hidden gradient after a forward-only pass", tp.Grad(h), wantH)
	sameBits(t, "parameter gradient after a forward-only pass", pg, wantP)
}

package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gradCheck compares the tape's gradients of f = Σ seed ⊙ build(tp) with
// respect to every parameter against central differences. build must
// create the same graph every call; its parameters are nParams random
// values bound to the tape.
func gradCheck(t *testing.T, nParams int, build func(tp *Tape, rng *rand.Rand) Tensor) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	params := make([]float64, nParams)
	for i := range params {
		params[i] = rng.NormFloat64()
	}
	grads := make([]float64, nParams)
	tp := NewTape()
	tp.Bind(params, grads)
	const dataSeed = 7
	fAbs := 0.0 // Σ|seed·out|: the scale of the round-off in f
	run := func() (Tensor, float64, []float64) {
		tp.Reset()
		out := build(tp, rand.New(rand.NewPCG(dataSeed, 3)))
		seed := make([]float64, out.Size())
		sr := rand.New(rand.NewPCG(5, 6))
		f := 0.0
		fAbs = 0
		for i, v := range tp.Value(out) {
			seed[i] = sr.NormFloat64()
			f += seed[i] * v
			fAbs += math.Abs(seed[i] * v)
		}
		return out, f, seed
	}
	out, _, seed := run()
	tp.BackwardFrom(out, seed)
	analytic := append([]float64(nil), grads...)
	const h = 1e-6
	worst, worstAbs := 0.0, 0.0
	for i := range params {
		p := params[i]
		params[i] = p + h
		_, fp, _ := run()
		params[i] = p - h
		_, fm, _ := run()
		params[i] = p
		num := (fp - fm) / (2 * h)
		a := analytic[i]
		diff := math.Abs(a - num)
		scale := math.Max(math.Abs(a), math.Abs(num))
		// The central difference carries round-off of about
		// 1e-16·Σ|seed·out|/h on top of its O(h²) truncation error.
		if diff > 1e-6*scale+1e-8+1e-16*fAbs/h {
			t.Errorf("param %d: analytic %.10g, numeric %.10g", i, a, num)
		}
		if scale > 1e-4 {
			worst = math.Max(worst, diff/scale)
		}
		worstAbs = math.Max(worstAbs, diff)
	}
	t.Logf("%d params: max relative error %.2e, max absolute error %.2e", nParams, worst, worstAbs)
}

func fill(tp *Tape, x Tensor, rng *rand.Rand) Tensor {
	for i := range tp.Value(x) {
		tp.Value(x)[i] = rng.NormFloat64()
	}
	return x
}

func TestGradLinear(t *testing.T) {
	// x (learned, so dx is checked too) 5×(2·3), grouped W 2·3×4, b 2×4.
	gradCheck(t, 5*6+6*4+2*4, func(tp *Tape, _ *rand.Rand) Tensor {
		x := tp.Param(0, 5, 6)
		w := tp.Param(30, 6, 4)
		b := tp.Param(54, 2, 4)
		return tp.Linear(x, w, b, 2)
	})
	gradCheck(t, 3*5+5*7, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.Linear(tp.Param(0, 3, 5), tp.Param(15, 5, 7), None, 1)
	})
}

func TestGradLinearDataInput(t *testing.T) {
	gradCheck(t, 4*3+3, func(tp *Tape, rng *rand.Rand) Tensor {
		x := fill(tp, tp.Input(6, 4), rng)
		return tp.Linear(x, tp.Param(0, 4, 3), tp.Param(12, 1, 3), 1)
	})
}

func TestGradElementwise(t *testing.T) {
	gradCheck(t, 24, func(tp *Tape, _ *rand.Rand) Tensor { return tp.ELU(tp.Param(0, 4, 6)) })
	gradCheck(t, 24, func(tp *Tape, _ *rand.Rand) Tensor { return tp.GLU(tp.Param(0, 4, 6)) })
	gradCheck(t, 24, func(tp *Tape, _ *rand.Rand) Tensor { return tp.Sigmoid(tp.Param(0, 4, 6)) })
	gradCheck(t, 24, func(tp *Tape, _ *rand.Rand) Tensor { return tp.Tanh(tp.Param(0, 4, 6)) })
	gradCheck(t, 24, func(tp *Tape, _ *rand.Rand) Tensor { return tp.Add(tp.Param(0, 3, 4), tp.Param(12, 3, 4)) })
	gradCheck(t, 24+8, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.AddBroadcast(tp.Param(0, 6, 4), tp.Param(24, 2, 4))
	})
	gradCheck(t, 12+8, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.ConcatRows(tp.Param(0, 3, 4), tp.Param(12, 2, 4))
	})
}

func TestGradLayerNorm(t *testing.T) {
	// 6 rows of width 5 with 3 groups of γ, β.
	gradCheck(t, 30+15+15, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.LayerNorm(tp.Param(0, 6, 5), tp.Param(30, 3, 5), tp.Param(45, 3, 5))
	})
}

func TestGradSoftmax(t *testing.T) {
	gradCheck(t, 20, func(tp *Tape, _ *rand.Rand) Tensor { return tp.Softmax(tp.Param(0, 4, 5), None) })
	gradCheck(t, 20, func(tp *Tape, _ *rand.Rand) Tensor {
		m := tp.Input(4, 5)
		mv := tp.Value(m)
		for i := range mv {
			mv[i] = 1
		}
		mv[1], mv[7], mv[8] = 0, 0, 0
		for j := range 5 { // a fully masked row gives zeros
			mv[15+j] = 0
		}
		return tp.Softmax(tp.Param(0, 4, 5), m)
	})
}

func TestGradWeightedSum(t *testing.T) {
	gradCheck(t, 4*3+4*3*5, func(tp *Tape, _ *rand.Rand) Tensor {
		w := tp.Softmax(tp.Param(0, 4, 3), None)
		return tp.WeightedSum(w, tp.Param(12, 4, 15))
	})
}

func TestGradEmbed(t *testing.T) {
	vars := []EmbedVar{{Row: 0}, {Row: 2, Cats: 3}, {Row: 5}}
	gradCheck(t, 7*4, func(tp *Tape, rng *rand.Rand) Tensor {
		x := tp.Input(5, 3)
		xv := tp.Value(x)
		for r := range 5 {
			xv[r*3] = rng.NormFloat64()
			xv[r*3+1] = float64(rng.IntN(3))
			xv[r*3+2] = rng.NormFloat64()
		}
		return tp.Embed(x, tp.Param(0, 7, 4), vars)
	})
}

func TestGradLSTM(t *testing.T) {
	const T, B, H = 4, 2, 3
	n := T*B*4*H + 2*B*H + H*4*H
	gradCheck(t, n, func(tp *Tape, _ *rand.Rand) Tensor {
		gx := tp.Param(0, T*B, 4*H)
		h0 := tp.Param(T*B*4*H, B, H)
		c0 := tp.Param(T*B*4*H+B*H, B, H)
		whh := tp.Param(T*B*4*H+2*B*H, H, 4*H)
		hs, cs := tp.LSTM(gx, h0, c0, whh)
		// Use both outputs, as the model does (the decoder starts from the
		// encoder's last cell state).
		return tp.Add(hs, tp.Tanh(cs))
	})
}

func TestGradAttention(t *testing.T) {
	s := AttentionShape{B: 2, Te: 3, Td: 2, Heads: 2, Dk: 2, Dv: 3}
	T := s.T()
	nq, nk, nv := s.Td*s.B*s.Heads*s.Dk, T*s.B*s.Heads*s.Dk, T*s.B*s.Dv
	gradCheck(t, nq+nk+nv, func(tp *Tape, _ *rand.Rand) Tensor {
		q := tp.Param(0, s.Td*s.B, s.Heads*s.Dk)
		k := tp.Param(nq, T*s.B, s.Heads*s.Dk)
		v := tp.Param(nq+nk, T*s.B, s.Dv)
		out, _ := tp.Attention(q, k, v, s)
		return out
	})
}

func TestGradQuantileLoss(t *testing.T) {
	qs := []float64{0.1, 0.5, 0.9}
	gradCheck(t, 4*2*3, func(tp *Tape, rng *rand.Rand) Tensor {
		pred := tp.Param(0, 4, 6)
		y := fill(tp, tp.Input(4, 2), rng)
		m := tp.Input(4, 2)
		mv := tp.Value(m)
		for i := range mv {
			mv[i] = 1
		}
		mv[3] = 0
		tp.Value(y)[3] = math.NaN() // masked: must not poison the loss
		return tp.QuantileLoss(pred, y, m, qs, 7*3)
	})
}

func TestGradComposite(t *testing.T) {
	// A small GRN-like chain through views and reshapes.
	gradCheck(t, 6*4+4*8+8+4+4, func(tp *Tape, _ *rand.Rand) Tensor {
		x := tp.Param(0, 6, 4)
		h := tp.ELU(tp.Linear(x, tp.Param(24, 4, 8), tp.Param(56, 1, 8), 1))
		g := tp.GLU(h)
		top := tp.Rows(g, 2, 3)
		y := tp.Add(top, tp.Rows(x, 0, 3))
		return tp.LayerNorm(tp.Reshape(y, 3, 4), tp.Param(64, 1, 4), tp.Param(68, 1, 4))
	})
}

func TestGradBlockLinear(t *testing.T) {
	// 7 rows of width 3 in blocks of 2, 4 and 1 rows, each with its own
	// 3×5 weights.
	blocks := []RowBlock{{0, 2}, {2, 4}, {6, 1}}
	gradCheck(t, 7*3+3*3*5, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.BlockLinear(tp.Param(0, 7, 3), tp.Param(21, 9, 5), blocks)
	})
}

func TestGradEmbedSum(t *testing.T) {
	vars := []EmbedVar{{Row: 0}, {Row: 2, Cats: 3}, {Row: 5}}
	gradCheck(t, 7*4, func(tp *Tape, rng *rand.Rand) Tensor {
		x := tp.Input(5, 3)
		xv := tp.Value(x)
		for r := range 5 {
			xv[r*3] = rng.NormFloat64()
			xv[r*3+1] = float64(rng.IntN(3))
			xv[r*3+2] = rng.NormFloat64()
		}
		return tp.EmbedSum(x, tp.Param(0, 7, 4), vars)
	})
}

func TestGradLinearWide(t *testing.T) {
	// Wide layers with many rows exercise the kernels' row and column
	// blocking (pairs of rows, four inputs at a time) and their remainders.
	const n, in, out = 70, 3, 66
	gradCheck(t, n*in+in*out+out, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.Linear(tp.Param(0, n, in), tp.Param(n*in, in, out), tp.Param(n*in+in*out, 1, out), 1)
	})
	// Grouped: 2 groups of 2 → 33.
	gradCheck(t, 5*4+4*33+2*33, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.Linear(tp.Param(0, 5, 4), tp.Param(20, 4, 33), tp.Param(20+4*33, 2, 33), 2)
	})
	blocks := []RowBlock{{0, 3}, {3, 2}}
	gradCheck(t, 5*2+2*2*40, func(tp *Tape, _ *rand.Rand) Tensor {
		return tp.BlockLinear(tp.Param(0, 5, 2), tp.Param(10, 4, 40), blocks)
	})
}

package autodiff

import (
	"math"
	"testing"
)

func TestAdamMinimisesQuadratic(t *testing.T) {
	// f(θ) = Σ (θᵢ − i)², gradient 2(θᵢ − i).
	p := make([]float64, 5)
	g := make([]float64, 5)
	a := NewAdam(5, 0.1, 0.9, 0.999, 1e-8)
	for range 2000 {
		for i := range p {
			g[i] = 2 * (p[i] - float64(i))
		}
		a.Step(p, g)
	}
	for i, v := range p {
		if math.Abs(v-float64(i)) > 1e-3 {
			t.Errorf("θ[%d] = %v, want %d", i, v, i)
		}
	}
	if a.Steps() != 2000 {
		t.Errorf("Steps = %d", a.Steps())
	}
}

func TestAdamFirstStep(t *testing.T) {
	// With bias correction the first step moves every parameter by lr in
	// the direction against its gradient's sign (for |g| ≫ ε).
	p := []float64{1, 1, 1}
	a := NewAdam(3, 0.01, 0.9, 0.999, 1e-8)
	a.Step(p, []float64{3, -0.5, 100})
	want := []float64{0.99, 1.01, 0.99}
	for i := range p {
		if math.Abs(p[i]-want[i]) > 1e-8 {
			t.Errorf("p[%d] = %.10f, want %.10f", i, p[i], want[i])
		}
	}
}

func TestClipGlobalNorm(t *testing.T) {
	g := []float64{3, 4}
	if n := ClipGlobalNorm(g, 1); n != 5 {
		t.Errorf("norm before clipping = %v, want 5", n)
	}
	if math.Abs(g[0]-0.6) > 1e-15 || math.Abs(g[1]-0.8) > 1e-15 {
		t.Errorf("clipped = %v, want [0.6 0.8]", g)
	}
	g = []float64{0.3, 0.4}
	ClipGlobalNorm(g, 1)
	if g[0] != 0.3 || g[1] != 0.4 {
		t.Errorf("small gradient changed: %v", g)
	}
	g = []float64{30, 40}
	ClipGlobalNorm(g, 0)
	if g[0] != 30 {
		t.Errorf("clipping with maxNorm 0 changed g: %v", g)
	}
}

func TestTapeReuseDoesNotAllocate(t *testing.T) {
	params := make([]float64, 4*3+3)
	for i := range params {
		params[i] = float64(i%5) / 5
	}
	grads := make([]float64, len(params))
	tp := NewTape()
	tp.Bind(params, grads)
	qs := []float64{0.5}
	step := func() {
		tp.Reset()
		x := tp.Input(8, 4)
		for i := range tp.Value(x) {
			tp.Value(x)[i] = float64(i % 3)
		}
		h := tp.ELU(tp.Linear(x, tp.Param(0, 4, 3), tp.Param(12, 1, 3), 1))
		y := tp.Zeros(8, 3)
		l := tp.QuantileLoss(h, y, None, qs, 24)
		tp.Backward(l)
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("a reused tape allocates %v times per pass", n)
	}
}

func TestTapeGradsAccumulateThroughViews(t *testing.T) {
	params := []float64{1, 2, 3, 4}
	grads := make([]float64, 4)
	tp := NewTape()
	tp.Bind(params, grads)
	p := tp.Param(0, 2, 2)
	s := tp.Add(tp.Rows(p, 0, 1), tp.Rows(p, 1, 1))
	tp.BackwardFrom(s, []float64{1, 10})
	want := []float64{1, 10, 1, 10}
	for i := range want {
		if grads[i] != want[i] {
			t.Fatalf("grads = %v, want %v", grads, want)
		}
	}
}

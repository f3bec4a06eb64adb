package autodiff

import "math"

// Adam is the Adam optimiser (Kingma & Ba 2015) over a flat parameter
// vector:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
//	θ ← θ − lr·m̂/(√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	m, v                  []float64
	t                     int
}

// NewAdam returns an Adam optimiser for n parameters.
func NewAdam(n int, lr, beta1, beta2, eps float64) *Adam {
	return &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps, m: make([]float64, n), v: make([]float64, n)}
}

// Steps is the number of steps taken.
func (a *Adam) Steps() int { return a.t }

// Step updates params from grads (both of the length given to NewAdam).
func (a *Adam) Step(params, grads []float64) {
	if len(params) != len(a.m) || len(grads) != len(a.m) {
		panic("autodiff: Adam.Step: length mismatch")
	}
	a.t++
	b1, b2 := a.Beta1, a.Beta2
	c1 := 1 - math.Pow(b1, float64(a.t))
	c2 := 1 - math.Pow(b2, float64(a.t))
	lr := a.LR / c1
	sc2 := 1 / math.Sqrt(c2)
	for i, g := range grads {
		m := b1*a.m[i] + (1-b1)*g
		v := b2*a.v[i] + (1-b2)*g*g
		a.m[i], a.v[i] = m, v
		params[i] -= lr * m / (math.Sqrt(v)*sc2 + a.Eps)
	}
}

// Norm returns the Euclidean norm of g.
func Norm(g []float64) float64 {
	s := 0.0
	for _, v := range g {
		s += v * v
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm scales g in place so that its Euclidean norm is at most
// maxNorm and returns the norm before clipping. A non-positive maxNorm
// leaves g alone.
func ClipGlobalNorm(g []float64, maxNorm float64) float64 {
	n := Norm(g)
	if maxNorm > 0 && n > maxNorm {
		s := maxNorm / n
		for i := range g {
			g[i] *= s
		}
	}
	return n
}

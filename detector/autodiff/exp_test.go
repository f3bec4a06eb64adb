package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	worst := 0.0
	for i := range 200000 {
		var x float64
		switch i % 3 {
		case 0:
			x = (rng.Float64()*2 - 1) * 20
		case 1:
			x = (rng.Float64()*2 - 1) * 700
		default:
			x = (rng.Float64()*2 - 1) * 1e-3
		}
		got, want := Exp(x), math.Exp(x)
		rel := math.Abs(got-want) / want
		worst = math.Max(worst, rel)
	}
	if worst > 5e-16 {
		t.Errorf("Exp: max relative error %.3g, want < 5e-16", worst)
	}
	t.Logf("Exp max relative error vs math.Exp: %.3g", worst)
	for _, x := range []float64{0, 1, -1, 700, -700, 710, -746, math.Inf(1), math.Inf(-1)} {
		if got, want := Exp(x), math.Exp(x); got != want && math.Abs(got-want)/want > 5e-16 {
			t.Errorf("Exp(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(Exp(math.NaN())) {
		t.Error("Exp(NaN) is not NaN")
	}
}

func TestExpm1Accuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	worstAbs, worstRel := 0.0, 0.0
	for i := range 200000 {
		x := -rng.Float64() * 30
		if i%2 == 0 {
			x = -rng.Float64() * 0.05
		}
		got, want := Expm1(x), math.Expm1(x)
		worstAbs = math.Max(worstAbs, math.Abs(got-want))
		if x < -0.0108 || x > -1e-300 {
			worstRel = math.Max(worstRel, math.Abs(got-want)/math.Abs(want))
		}
	}
	if worstAbs > 3e-16 {
		t.Errorf("Expm1: max absolute error %.3g", worstAbs)
	}
	t.Logf("Expm1 max absolute error %.3g, relative %.3g", worstAbs, worstRel)
}

var sinkF float64

func expInputs() []float64 {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = -8 + 16*float64(i)/1024
	}
	return xs
}

func BenchmarkExp(b *testing.B) {
	xs := expInputs()
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += Exp(x)
		}
		sinkF = s
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/exp")
}

func BenchmarkMathExp(b *testing.B) {
	xs := expInputs()
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += math.Exp(x)
		}
		sinkF = s
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/exp")
}

func TestTanhSigmoidAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	xs := make([]float64, 0, 100000)
	for i := range 100000 {
		switch i % 4 {
		case 0:
			xs = append(xs, (rng.Float64()*2-1)*0.02)
		case 1:
			xs = append(xs, (rng.Float64()*2-1)*5)
		case 2:
			xs = append(xs, (rng.Float64()*2-1)*40)
		default:
			xs = append(xs, (rng.Float64()*2-1)*2000)
		}
	}
	th := make([]float64, len(xs))
	sg := make([]float64, len(xs))
	TanhSlice(th, xs)
	SigmoidSlice(sg, xs)
	worstT, worstTAbs, worstS := 0.0, 0.0, 0.0
	for i, x := range xs {
		want := math.Tanh(x)
		d := math.Abs(th[i] - want)
		worstTAbs = math.Max(worstTAbs, d)
		if want != 0 {
			worstT = math.Max(worstT, d/math.Abs(want))
		}
		ws := 1 / (1 + math.Exp(-x))
		if ws > 1e-300 {
			worstS = math.Max(worstS, math.Abs(sg[i]-ws)/ws)
		}
		if Sigmoid(x) != sg[i] {
			t.Fatalf("Sigmoid(%v) = %v, SigmoidSlice gives %v", x, Sigmoid(x), sg[i])
		}
	}
	t.Logf("tanh: max relative error %.3g, absolute %.3g; sigmoid: max relative error %.3g", worstT, worstTAbs, worstS)
	if worstT > 5e-14 || worstTAbs > 5e-16 {
		t.Errorf("tanh: relative error %.3g, absolute %.3g", worstT, worstTAbs)
	}
	if worstS > 1e-15 {
		t.Errorf("sigmoid: relative error %.3g", worstS)
	}
}

package tft

import (
	"math"
	"math/rand/v2"
)

// tinyConfig is a small model with every kind of input: static real and
// categorical, encoder reals and a categorical, decoder real and
// categorical, two targets.
func tinyConfig() Config {
	c := DefaultConfig()
	c.Hidden, c.Heads, c.InputSize = 4, 2, 3
	c.EncoderLen, c.DecoderLen = 5, 2
	c.Static = []Variable{Real("s0"), Categorical("s1", 3)}
	c.Encoder = []Variable{Real("y0"), Real("y1"), Categorical("phase", 4)}
	c.Decoder = []Variable{Real("known"), Categorical("phase", 4)}
	c.Targets = []string{"y0", "y1"}
	c.Quantiles = []float64{0.1, 0.5, 0.9}
	return c
}

// randomExample draws an example for c.
func randomExample(c *Config, rng *rand.Rand) Example {
	val := func(v Variable) float64 {
		if v.Categories > 0 {
			return float64(rng.IntN(v.Categories))
		}
		return rng.NormFloat64()
	}
	var ex Example
	for _, v := range c.Static {
		ex.Static = append(ex.Static, val(v))
	}
	for range c.EncoderLen {
		for _, v := range c.Encoder {
			ex.Encoder = append(ex.Encoder, val(v))
		}
	}
	for range c.DecoderLen {
		for _, v := range c.Decoder {
			ex.Decoder = append(ex.Decoder, val(v))
		}
	}
	for range c.DecoderLen * len(c.Targets) {
		ex.Target = append(ex.Target, rng.NormFloat64())
		ex.TargetMask = append(ex.TargetMask, 1)
	}
	return ex
}

func randomExamples(c *Config, n int, seed uint64) Examples {
	rng := rand.New(rand.NewPCG(seed, 99))
	out := make(Examples, n)
	for i := range out {
		out[i] = randomExample(c, rng)
	}
	return out
}

func nan() float64 { return math.NaN() }

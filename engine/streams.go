package engine

import (
	"math"
	"math/rand/v2"
)

// Purposes of the random streams derived from Config.Seed. Each purpose has
// its own stream so that, for example, changing the anomaly mix leaves the
// phase schedule and the physiological noise untouched.
const (
	streamProfiles   uint64 = iota + 1 // static covariates
	streamIndividual                   // hidden per-soldier factors and initial state
	streamSchedule                     // phase schedule, one stream per squad
	streamEffort                       // squad effort fluctuation
	streamNoise                        // sensor and beat-to-beat noise
	streamAnomaly                      // anomaly windows and their parameters
	streamArtefact                     // motion artefacts
	// The sensor world's streams (World): the clean world draws nothing
	// from them, so its frames stay what they were before they existed.
	streamArtefactShape // artefact durations, amplitudes, cadence, exertion thinning
	streamStudentT      // Student-t sensor noise
	streamDevice        // per-device bias and drift
	streamLoss          // lost-reading bursts and partial dropouts
	streamActual        // actual phase changes: jitter and unplanned contact, one per squad
	streamStartAnomaly  // soldiers already in an anomaly at tick 0
	streamProfileError  // errors of the profiles a scorer is given
)

// splitmix64 is the SplitMix64 finaliser: a bijective scramble of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newPCG returns the PCG source for (seed, purpose, index).
func newPCG(seed, purpose, index uint64) *rand.PCG {
	a := splitmix64(seed ^ splitmix64(purpose<<32|index>>32))
	b := splitmix64(a ^ splitmix64(index+purpose*0x632be59bd9b4e019))
	return rand.NewPCG(a, b)
}

// newStream returns the random stream for (seed, purpose, index).
func newStream(seed, purpose, index uint64) *rand.Rand {
	return rand.New(newPCG(seed, purpose, index))
}

// noiseSource draws the per-tick noise of the hot loop straight from a PCG
// (no interface call per draw).
type noiseSource struct{ pcg *rand.PCG }

// irwinHallScale turns the sum of four 16-bit uniforms into unit variance:
// the sum of four U(0, 1) has variance 4/12.
const irwinHallScale = 1 / (65536 * 0.5773502691896258)

// norm returns an approximately standard normal draw: the Irwin–Hall sum of
// four uniforms (one PCG output split into four 16-bit parts), centred and
// scaled to unit variance. Its tails stop at ±3.46 sd, so sensor noise never
// throws a lone outlier that would pass for a motion artefact.
func (n noiseSource) norm() float64 {
	u := n.pcg.Uint64()
	sum := u&0xffff + u>>16&0xffff + u>>32&0xffff + u>>48
	return (float64(sum) - 2*65535.0) * irwinHallScale
}

// studentT draws Student-t noise with df degrees of freedom (df > 2)
// scaled to unit variance: Z·√(df/χ²) with Z standard normal and χ² = 2G,
// G ~ Gamma(df/2) drawn by Marsaglia and Tsang's method (ACM TOMS 2000),
// whose squeeze needs no logarithm for almost every draw.
type studentT struct {
	r             *rand.Rand
	d, c, df, std float64 // Marsaglia–Tsang d = df/2 − 1/3 and c = 1/√(9d); df; √((df − 2)/df)
}

func newStudentT(r *rand.Rand, df float64) studentT {
	d := df/2 - 1.0/3
	return studentT{r: r, d: d, c: 1 / math.Sqrt(9*d), df: df, std: math.Sqrt((df - 2) / df)}
}

// gamma returns a draw from Gamma(df/2, 1).
func (s studentT) gamma() float64 {
	for {
		x := s.r.NormFloat64()
		v := 1 + s.c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := s.r.Float64()
		x2 := x * x
		if u < 1-0.0331*x2*x2 || math.Log(u) < 0.5*x2+s.d*(1-v+math.Log(v)) {
			return s.d * v
		}
	}
}

// draw returns one unit-variance draw.
func (s studentT) draw() float64 {
	z := s.r.NormFloat64()
	return s.std * z * math.Sqrt(s.df/(2*s.gamma()))
}

// boundedPareto returns a draw from the Pareto distribution of shape alpha
// truncated to [lo, hi] (inverse CDF): most draws near lo, a heavy tail up
// to hi.
func boundedPareto(r *rand.Rand, lo, hi, alpha float64) float64 {
	if hi <= lo {
		return lo
	}
	x := lo / math.Pow(1-r.Float64()*(1-math.Pow(lo/hi, alpha)), 1/alpha)
	return min(max(x, lo), hi)
}

// uniform returns a draw from U(lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

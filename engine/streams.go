package engine

import "math/rand/v2"

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

// uniform returns a draw from U(lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

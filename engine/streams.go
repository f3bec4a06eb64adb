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

// newStream returns the PCG stream for (seed, purpose, index).
func newStream(seed, purpose, index uint64) *rand.Rand {
	a := splitmix64(seed ^ splitmix64(purpose<<32|index>>32))
	b := splitmix64(a ^ splitmix64(index+purpose*0x632be59bd9b4e019))
	return rand.New(rand.NewPCG(a, b))
}

// uniform returns a draw from U(lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

package engine

import (
	"math"
	"math/rand/v2"
)

// GenerateProfiles draws the static covariates of n soldiers in squads of
// squadSize from seed (the same draws NewSim makes for Config{Soldiers: n,
// SquadSize: squadSize, Seed: seed}). Ids run from 1 to n; soldier i (from
// 0) is in squad i/squadSize.
//
//   - Age: 19–45 years, skewed young (median ≈ 27).
//   - Fitness: a quarter low, half average, a quarter high.
//   - Resting HR by fitness: low ≈ 74, average ≈ 64, high ≈ 55 bpm (sd 3–4).
//   - HRmax: 208 − 0.7·age (Tanaka 2001) plus an individual deviation
//     (sd 3 bpm, at most ±8).
//   - Mass ≈ 78 kg (sd 9, 55–110); acclimatisation uniform 0–1;
//     resting core temperature Tc0 uniform 36.8–37.2 °C.
//
// It panics if squadSize < 1 (a programmer error; Config.Validate reports it).
func GenerateProfiles(n, squadSize int, seed uint64) []Profile {
	if squadSize < 1 {
		panic("engine: GenerateProfiles: squad size < 1")
	}
	r := newStream(seed, streamProfiles, 0)
	ps := make([]Profile, n)
	for i := range ps {
		ps[i] = drawProfile(r, SoldierID(i+1), i/squadSize)
	}
	return ps
}

// restingHRByFitness is the mean and sd of resting HR per fitness class, bpm.
var restingHRByFitness = [NumFitness][2]float64{{74, 4}, {64, 4}, {55, 3}}

func drawProfile(r *rand.Rand, id SoldierID, squad int) Profile {
	age := math.Round(19 + 26*math.Pow(r.Float64(), 1.6))
	var fit FitnessClass
	switch u := r.Float64(); {
	case u < 0.25:
		fit = FitnessLow
	case u < 0.75:
		fit = FitnessAverage
	default:
		fit = FitnessHigh
	}
	m := restingHRByFitness[fit]
	rest := math.Round(clamp(m[0]+m[1]*r.NormFloat64(), 45, 90))
	hrmax := math.Round(HRMaxForAge(age) + clamp(3*r.NormFloat64(), -8, 8))
	mass := round1(clamp(78+9*r.NormFloat64(), 55, 110))
	accl := round2(r.Float64())
	tc0 := round2(uniform(r, 36.8, 37.2))
	return Profile{ID: id, Squad: squad, Age: age, Fitness: fit, RestingHR: rest, HRMax: hrmax,
		Mass: mass, Acclimatised: accl, BaseCoreTemp: tc0}
}

func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }

// round1 and round2 round to 0.1 and 0.01: the result is the double nearest
// the decimal, so it formats back as that decimal.
func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round2(x float64) float64 { return math.Round(x*100) / 100 }

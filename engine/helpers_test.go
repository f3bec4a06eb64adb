package engine

import (
	"errors"
	"io"
	"math"
	"testing"
	"time"
)

// testConfig returns a small battlefield for tests.
func testConfig(soldiers int, d time.Duration, seed uint64) Config {
	cfg := DefaultConfig()
	cfg.Soldiers, cfg.Duration, cfg.Seed = soldiers, d, seed
	return cfg
}

// runAll steps a simulation of cfg to its end and returns every frame.
func runAll(t testing.TB, cfg Config) ([]Frame, *Sim) {
	t.Helper()
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []Frame
	var f Frame
	for {
		err := s.Step(&f)
		if errors.Is(err, io.EOF) {
			return out, s
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f.Clone())
	}
}

// sameValue compares readings, NaN equal to NaN.
func sameValue(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// sameFrame reports the first difference between two frames, or "".
func sameFrame(a, b *Frame) string {
	switch {
	case a.T != b.T:
		return "tick"
	case !a.Time.Equal(b.Time):
		return "time"
	case len(a.Obs) != len(b.Obs):
		return "observation count"
	case len(a.Truth) != len(b.Truth):
		return "truth count"
	}
	for i := range a.Obs {
		x, y := a.Obs[i], b.Obs[i]
		if x.Soldier != y.Soldier || x.T != y.T || x.Missing != y.Missing || x.Phase != y.Phase ||
			x.NextPhase != y.NextPhase || !sameValue(x.Ambient, y.Ambient) {
			return "observation fields"
		}
		for v := range x.Values {
			if !sameValue(x.Values[v], y.Values[v]) {
				return "reading " + Vital(v).String()
			}
		}
	}
	for i := range a.Truth {
		if a.Truth[i] != b.Truth[i] {
			return "truth"
		}
	}
	return ""
}

package session

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// testConfig is a small battlefield with plenty of anomalies.
func testConfig(soldiers int, d time.Duration, seed uint64) engine.Config {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Duration, cfg.Seed = soldiers, 5, d, seed
	cfg.PoisonRate = 0.2
	return cfg
}

// live runs a simulation of cfg through a monitor with a scorer from
// newScorer and returns every tick as it was seen live.
func live(t testing.TB, cfg engine.Config, newScorer func() (detector.Scorer, error)) ([]Tick, []engine.Profile) {
	t.Helper()
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := newScorer()
	if err != nil {
		t.Fatal(err)
	}
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	ctx := context.Background()
	if err := mon.SetProfiles(ctx, sim.Profiles()); err != nil {
		t.Fatal(err)
	}
	var out []Tick
	for {
		f, err := sim.Next(ctx)
		if err != nil {
			break
		}
		vs, err := mon.Ingest(ctx, f.Obs, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Tick{Frame: f, Verdicts: vs})
	}
	return out, sim.Profiles()
}

// record writes ticks as a session into memory.
func record(t testing.TB, cfg engine.Config, profiles []engine.Profile, ticks []Tick, opts ...Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, "test", engine.NewHeader(profiles, &cfg), Meta{Detector: "threshold", Source: "test"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ticks {
		if err := rec.Write(&ticks[i].Frame, ticks[i].Verdicts); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func threshold() (detector.Scorer, error) { return detector.NewThreshold() }
func zscore() (detector.Scorer, error)    { return detector.NewZScore() }

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// frameDiff reports the first difference between two frames, or "".
func frameDiff(a, b *engine.Frame) string {
	if a.T != b.T || !a.Time.Equal(b.Time) || len(a.Obs) != len(b.Obs) || !reflect.DeepEqual(a.Truth, b.Truth) {
		return fmt.Sprintf("tick %d/%d: header or truth differ", a.T, b.T)
	}
	for i := range a.Obs {
		x, y := a.Obs[i], b.Obs[i]
		if x.Soldier != y.Soldier || x.T != y.T || x.Missing != y.Missing || x.Phase != y.Phase ||
			x.NextPhase != y.NextPhase || !same(x.Ambient, y.Ambient) {
			return fmt.Sprintf("tick %d obs %d: fields differ", a.T, i)
		}
		for v := range x.Values {
			if !same(x.Values[v], y.Values[v]) {
				return fmt.Sprintf("tick %d obs %d: %s %v vs %v", a.T, i, engine.Vital(v), x.Values[v], y.Values[v])
			}
		}
	}
	return ""
}

// verdictDiff reports the first difference between two verdicts (NaN equal
// to NaN), or "".
func verdictDiff(a, b *detector.Verdict) string {
	fa, fb := floats(a), floats(b)
	for i := range fa {
		if !same(fa[i], fb[i]) {
			return fmt.Sprintf("soldier %d tick %d: float %d: %v vs %v", a.Soldier, a.T, i, fa[i], fb[i])
		}
	}
	x, y := *a, *b
	zero(&x)
	zero(&y)
	if !reflect.DeepEqual(x, y) {
		return fmt.Sprintf("soldier %d tick %d: %+v\nvs %+v", a.Soldier, a.T, x, y)
	}
	return ""
}

// floats lists every float of a verdict.
func floats(v *detector.Verdict) []float64 {
	out := []float64{v.Score}
	for _, vv := range v.Vitals {
		out = append(out, vv.Observed, vv.Out, vv.Drift)
		out = append(out, vv.Forecast[:]...)
	}
	out = append(out, v.Explanation.VarWeights[:]...)
	ev := &v.Alert.Evidence
	out = append(out, ev.Value, ev.Expected, ev.Lo, ev.Hi, ev.Out, ev.Unit)
	if at := v.Alert.Attribution; at != nil {
		out = append(out, at.Bound, at.Now)
		out = append(out, at.Vars...)
		out = append(out, at.Steps...)
	}
	return append(out, v.Explanation.Attention[:]...)
}

// zero clears the floats of a verdict (compared by floats).
func zero(v *detector.Verdict) {
	v.Score = 0
	for i := range v.Vitals {
		v.Vitals[i].Observed, v.Vitals[i].Out, v.Vitals[i].Drift, v.Vitals[i].Forecast = 0, 0, 0, detector.Quantiles{}
	}
	v.Explanation.VarWeights = [detector.MaxVars]float64{}
	v.Explanation.Attention = [detector.MaxEncoder]float64{}
	ev := &v.Alert.Evidence
	ev.Value, ev.Expected, ev.Lo, ev.Hi, ev.Out, ev.Unit = 0, 0, 0, 0, 0, 0
	if at := v.Alert.Attribution; at != nil {
		c := *at
		c.Bound, c.Now, c.Vars, c.Steps = 0, 0, make([]float64, len(at.Vars)), make([]float64, len(at.Steps))
		v.Alert.Attribution = &c
	}
}

package detector

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// normalRun simulates a normal run in the clean world (no anomalies, no
// artefacts, no sensor-world noise or lost readings) and returns its
// profiles and observations per soldier.
func normalRun(t testing.TB, seed uint64, soldiers int, d time.Duration) ([]engine.Profile, [][]engine.Observation) {
	t.Helper()
	ec := engine.DefaultConfig()
	ec.Seed, ec.Soldiers, ec.Duration, ec.PoisonRate, ec.ArtefactRate = seed, soldiers, d, 0, 0
	ec.World = engine.CleanWorld()
	sim, err := engine.NewSim(ec)
	if err != nil {
		t.Fatal(err)
	}
	ps := sim.Profiles()
	obs := make([][]engine.Observation, len(ps))
	var f engine.Frame
	for {
		if err := sim.Step(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return ps, obs
			}
			t.Fatal(err)
		}
		for i := range f.Obs {
			obs[i] = append(obs[i], f.Obs[i])
		}
	}
}

// fitPhaseZ fits a table on normal runs of seed.
func fitPhaseZ(t testing.TB, seed uint64) *PhaseZModel {
	t.Helper()
	ps, obs := normalRun(t, seed, 40, 2*time.Hour)
	var f PhaseZFitter
	for i := range ps {
		tr := f.Track(ps[i])
		for j := range obs[i] {
			tr.Add(&obs[i][j])
		}
	}
	m, err := f.Fit()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sharedPhaseZ returns one table fitted on seed 71 for the tests of this
// package.
func sharedPhaseZ(t testing.TB) *PhaseZModel {
	t.Helper()
	phaseZMu.Lock()
	defer phaseZMu.Unlock()
	if phaseZModel == nil {
		phaseZModel = fitPhaseZ(t, 71)
	}
	return phaseZModel
}

var (
	phaseZMu    sync.Mutex
	phaseZModel *PhaseZModel
)

// scoreSoldier scores one soldier's observations tick by tick.
func scoreSoldier(t testing.TB, sc Scorer, p engine.Profile, obs []engine.Observation) []Verdict {
	t.Helper()
	var out []Verdict
	for i := range obs {
		lo := max(0, i+1-32)
		var err error
		out, err = sc.Score([]featurestore.Window{{Profile: p, Rows: obs[lo : i+1]}}, out)
		if err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
	}
	return out
}

func TestPhaseZDeterministic(t *testing.T) {
	a, b := fitPhaseZ(t, 72), fitPhaseZ(t, 72)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two fits of the same runs differ")
	}
	ps, obs := normalRun(t, 73, 2, 30*time.Minute)
	var runs [2][]Verdict
	for i := range runs {
		sc, err := NewPhaseZ(a)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = scoreSoldier(t, sc, ps[1], obs[1])
	}
	// %v, not reflect.DeepEqual: verdicts hold NaNs (Drift, missing readings).
	if fmt.Sprintf("%v", runs[0]) != fmt.Sprintf("%v", runs[1]) {
		t.Fatal("two scorers on the same table and readings gave different verdicts")
	}
}

// TestPhaseZMarchAndTachycardia: on a normal run no soldier's march raises
// a physiological alert, and +40 bpm at rest opens a tachycardia alert
// within seconds.
func TestPhaseZMarchAndTachycardia(t *testing.T) {
	m := sharedPhaseZ(t)
	ps, obs := normalRun(t, 74, 20, time.Hour)
	marchTicks, restSoldier, restFrom := 0, -1, 0
	for i := range ps {
		sc, err := NewPhaseZ(m)
		if err != nil {
			t.Fatal(err)
		}
		vs := scoreSoldier(t, sc, ps[i], obs[i])
		for j := range vs {
			if obs[i][j].Phase != engine.PhaseMarch {
				continue
			}
			marchTicks++
			for c := ChannelHeartRate; c <= ChannelSpO2; c++ {
				if vs[j].Channels[c].Opened {
					t.Errorf("soldier %d: %v alert at tick %d of a normal march", ps[i].ID, c, vs[j].T)
				}
			}
		}
		// A rest stretch of at least 300 ticks, past the warm-up.
		run := 0
		for j := 60; j < len(obs[i]) && restSoldier < 0; j++ {
			if obs[i][j].Phase == engine.PhaseRest {
				run++
			} else {
				run = 0
			}
			if run == 300 {
				restSoldier, restFrom = i, j-300+120
			}
		}
	}
	if marchTicks < 3600 {
		t.Fatalf("only %d march ticks in the run: pick another seed", marchTicks)
	}
	if restSoldier < 0 {
		t.Fatal("no rest stretch of 300 ticks in the run: pick another seed")
	}
	o := append([]engine.Observation(nil), obs[restSoldier]...)
	// A body's rise, not a sensor's step (a one-tick jump of 40 bpm is a
	// suspected glitch): +4 bpm a tick up to +40, held.
	for j := restFrom; j < restFrom+120; j++ {
		o[j].Values[engine.HeartRate] += min(40, 4*float64(j-restFrom+1))
	}
	sc, err := NewPhaseZ(m)
	if err != nil {
		t.Fatal(err)
	}
	vs := scoreSoldier(t, sc, ps[restSoldier], o)
	got := opened(vs, ChannelHeartRate)
	var first int64 = -1
	for _, at := range got {
		if at >= int64(restFrom) {
			first = at
			break
		}
	}
	if first < 0 || first > int64(restFrom)+15 {
		t.Fatalf("HR alerts at %v, want one within 15 s of the rise to +40 bpm from %d", got, restFrom)
	}
	if k := vs[first].Channels[ChannelHeartRate].Kind; k != engine.KindTachycardia {
		t.Errorf("alert kind %v, want tachycardia", k)
	}
}

func TestPhaseZRefusesNoTable(t *testing.T) {
	if _, err := NewPhaseZ(nil); !errors.Is(err, ErrConfig) {
		t.Errorf("NewPhaseZ(nil): %v, want ErrConfig", err)
	}
	if _, err := NewPhaseZ(&PhaseZModel{Cells: make([]PhaseZCell, 3)}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewPhaseZ(3 cells): %v, want ErrConfig", err)
	}
}

func benchPhaseZ(b *testing.B, n int) {
	sc, err := NewPhaseZ(sharedPhaseZ(b))
	if err != nil {
		b.Fatal(err)
	}
	benchScore(b, sc, n)
}

func BenchmarkScorePhaseZTick100(b *testing.B) { benchPhaseZ(b, 100) }

package engine

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// signatureRuns runs a simulation with only kind in the mix and its clean
// twin (same seed, no anomalies, no artefacts): the physiology underneath is
// identical, so the difference between the two is exactly the anomaly.
func signatureRuns(t *testing.T, kind AnomalyKind) (bad, clean []Frame, labels, all []Label) {
	t.Helper()
	cfg := worldConfig(40, 90*time.Minute, uint64(100+kind), CleanWorld()) // the signatures, not the sensors
	cfg.ArtefactRate = 0
	cfg.PoisonRate = 0
	clean, _ = runAll(t, cfg)
	cfg.PoisonRate = 0.25
	cfg.Mix = Mix{}
	cfg.Mix[kind] = 1
	bad, s := runAll(t, cfg)
	all = s.Labels()
	for _, l := range all {
		// Whole windows only: one that straddles tick 0 starts cut short.
		if l.Start > 0 && l.End < int64(len(bad)) {
			labels = append(labels, l)
		}
	}
	if len(labels) < 15 {
		t.Fatalf("%v: only %d windows", kind, len(labels))
	}
	return bad, clean, labels, all
}

// series returns soldier id's readings of v over ticks [from, to].
func series(frames []Frame, id SoldierID, v Vital, from, to int64) []float64 {
	var out []float64
	for tk := max(from, 0); tk <= to && tk < int64(len(frames)); tk++ {
		out = append(out, frames[tk].Obs[id-1].Values[v])
	}
	return out
}

func diff(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s[len(s)/2]
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func TestAnomalySignatures(t *testing.T) {
	checks := map[AnomalyKind]func(bad, clean []Frame, l Label) error{
		KindTachycardia: func(bad, clean []Frame, l Label) error {
			d := diff(series(bad, l.Soldier, HeartRate, l.Start+15, l.End), series(clean, l.Soldier, HeartRate, l.Start+15, l.End))
			if m := median(d); m < tachyMin-5 || m > tachyMax+5 {
				return fmt.Errorf("HR %.0f bpm above the clean run, want %v–%v", m, tachyMin, tachyMax)
			}
			early := diff(series(bad, l.Soldier, HeartRate, l.Start+5, l.Start+10), series(clean, l.Soldier, HeartRate, l.Start+5, l.Start+10))
			if m := mean(early); m < 20 {
				return fmt.Errorf("HR only %.0f bpm up 5–10 s into the episode", m)
			}
			return nil
		},
		KindBradycardia: func(bad, clean []Frame, l Label) error {
			hr := series(bad, l.Soldier, HeartRate, l.Start+20, l.End)
			if m := median(hr); m < bradyLevelMin-5 || m > bradyLevelMax+5 {
				return fmt.Errorf("HR %.0f bpm during collapse, want %v–%v", m, bradyLevelMin, bradyLevelMax)
			}
			st := diff(series(bad, l.Soldier, Stamina, l.End, l.End), series(clean, l.Soldier, Stamina, l.End, l.End))
			cs := series(clean, l.Soldier, Stamina, l.End, l.End)[0]
			if st[0] > -15 && cs > 16 {
				return fmt.Errorf("stamina moved %.1f, want a drop of at least 15", st[0])
			}
			sp := diff(series(bad, l.Soldier, SpO2, l.Start+60, l.End), series(clean, l.Soldier, SpO2, l.Start+60, l.End))
			if m := median(sp); m > -2 {
				return fmt.Errorf("SpO2 moved %.1f, want a fall", m)
			}
			return nil
		},
		KindDropout: func(bad, clean []Frame, l Label) error {
			for tk := l.Start; tk <= l.End; tk++ {
				if o := bad[tk].Obs[l.Soldier-1]; o.Missing != 0b1111 {
					return fmt.Errorf("tick %d: missing %04b, want every vital", tk, o.Missing)
				}
			}
			for _, tk := range []int64{l.Start - 1, l.End + 1} {
				if tk >= 0 && tk < int64(len(bad)) && bad[tk].Obs[l.Soldier-1].Missing != 0 {
					return fmt.Errorf("tick %d, outside the window, has missing readings", tk)
				}
			}
			return nil
		},
		KindStuck: func(bad, clean []Frame, l Label) error {
			for v := range Vital(NumVitals) {
				s := series(bad, l.Soldier, v, l.Start, l.End)
				if slices.Min(s) == slices.Max(s) {
					c := series(clean, l.Soldier, v, l.Start, l.End)
					if slices.Min(c) == slices.Max(c) {
						return fmt.Errorf("%s is constant in the clean run too", v)
					}
					return nil
				}
			}
			return fmt.Errorf("no vital is frozen")
		},
		KindHeatStrain: func(bad, clean []Frame, l Label) error {
			at := func(tk int64) float64 {
				return bad[tk].Obs[l.Soldier-1].Values[CoreTemp] - clean[tk].Obs[l.Soldier-1].Values[CoreTemp]
			}
			if d := at(l.Start + 60); d < 0.08 {
				return fmt.Errorf("core temperature only %.2f °C up after 60 s", d)
			}
			if d := at(l.End); d < heatRiseMin-0.05 || d > heatRiseMax+0.05 {
				return fmt.Errorf("core temperature %.2f °C up at the end, want %v–%v", d, heatRiseMin, heatRiseMax)
			}
			hr := bad[l.End].Obs[l.Soldier-1].Values[HeartRate] - clean[l.End].Obs[l.Soldier-1].Values[HeartRate]
			if hr < 4 {
				return fmt.Errorf("HR only %.0f bpm up at the end", hr)
			}
			return nil
		},
		KindStaminaCrash: func(bad, clean []Frame, l Label) error {
			b := series(bad, l.Soldier, Stamina, l.Start+10, l.End)
			c := series(clean, l.Soldier, Stamina, l.Start+10, l.End)
			for i := range b {
				if b[i] > max(c[i]-crashMin+3, 0.5) {
					return fmt.Errorf("stamina %.1f against %.1f clean %d s in", b[i], c[i], 10+i)
				}
			}
			hr := diff(series(bad, l.Soldier, HeartRate, l.Start+5, l.Start+15), series(clean, l.Soldier, HeartRate, l.Start+5, l.Start+15))
			if m := mean(hr); m < 10 {
				return fmt.Errorf("HR only %.0f bpm up at the injury", m)
			}
			return nil
		},
	}
	for kind, check := range checks {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			bad, clean, labels, all := signatureRuns(t, kind)
			failed := 0
			for _, l := range labels {
				if l.Kind != kind {
					t.Fatalf("label %+v in a %v-only run", l, kind)
				}
				if err := check(bad, clean, l); err != nil {
					failed++
					t.Errorf("soldier %d window %d–%d: %v", l.Soldier, l.Start, l.End, err)
				}
				// Afterwards the readings return to the clean run.
				if back := l.End + Settle; back < int64(len(bad)) && !labelledBetween(all, l.Soldier, l.End+1, back) {
					if b, c := bad[back].Obs[l.Soldier-1].Values, clean[back].Obs[l.Soldier-1].Values; b != c {
						t.Errorf("soldier %d: %d s after the window readings are %v, clean %v", l.Soldier, Settle, b, c)
					}
				}
				if failed > 3 {
					t.FailNow()
				}
			}
		})
	}
}

func labelledBetween(labels []Label, id SoldierID, from, to int64) bool {
	for _, l := range labels {
		if l.Soldier == id && l.Start <= to && l.End >= from {
			return true
		}
	}
	return false
}

func TestArtefactsAreSingleSpikes(t *testing.T) {
	cfg := worldConfig(30, time.Hour, 21, CleanWorld()) // the clean world's artefacts (the field's: TestFieldArtefactDurations)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	clean, _ := runAll(t, cfg)
	cfg.ArtefactRate = 20
	bad, s := runAll(t, cfg)
	spikes := map[[2]int64]bool{}
	for _, l := range s.Labels() {
		if l.Kind != KindArtefact || l.Start != l.End {
			t.Fatalf("label %+v: want one-tick artefacts only", l)
		}
		spikes[[2]int64{int64(l.Soldier), l.Start}] = true
	}
	if len(spikes) < 300 {
		t.Fatalf("%d artefacts in 30 soldier-hours at 20 per hour", len(spikes))
	}
	for i := range bad {
		for j, o := range bad[i].Obs {
			d := o.Values[HeartRate] - clean[i].Obs[j].Values[HeartRate]
			if spikes[[2]int64{int64(o.Soldier), bad[i].T}] {
				if math.Abs(d) < artefactDownMin-1 {
					t.Fatalf("artefact at tick %d soldier %d moves HR by only %.0f", bad[i].T, o.Soldier, d)
				}
			} else if o.Values != clean[i].Obs[j].Values {
				t.Fatalf("tick %d soldier %d: readings differ away from any artefact", bad[i].T, o.Soldier)
			}
		}
	}
}

// advanceEvents runs s's event queue up to tick end without computing
// frames: the anomaly process alone, cheap enough for very long runs.
// (TestSimTruthMatchesLabels checks that full runs report these labels.)
func advanceEvents(s *Sim, end int64) {
	for s.q.peek().t < end {
		ev := s.q.pop()
		switch ev.kind {
		case evPhase:
			s.phaseChange(ev)
		case evAnomalyStart:
			s.anomalyStart(ev)
		case evAnomalyEnd:
			s.anomalyEnd(ev)
		case evArtefact:
			s.artefact(ev)
		case evTick:
			s.q.push(event{t: end, kind: evTick})
		}
	}
}

// TestPoisonRate checks the achieved fraction of soldier-ticks inside event
// windows against the flag: within ±5 % of the target over ≥ 10 000 windows
// (the renewal process gives a relative sd of about 1 % there), for 2 h as
// well as long runs, since the process starts in its steady state.
func TestPoisonRate(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		soldiers int
		hours    int64
		mix      string
	}{
		{0.05, 2000, 24, ""},
		{0.05, 20000, 2, ""},
		{0.01, 5000, 24, ""},
		{0.25, 500, 24, "dropout=1,heat_strain=2"},
		{0.45, 500, 24, "stuck"},
	} {
		t.Run(fmt.Sprintf("%v_%dh", tc.rate, tc.hours), func(t *testing.T) {
			cfg := testConfig(tc.soldiers, 0, 1234)
			cfg.PoisonRate = tc.rate
			cfg.Mix, _ = ParseMix(tc.mix)
			s, err := NewSim(cfg)
			if err != nil {
				t.Fatal(err)
			}
			end := tc.hours * 3600
			advanceEvents(s, end)
			var inside int64
			var windows, artefacts int
			for _, l := range s.Labels() {
				if !l.Kind.IsEvent() {
					artefacts++
					continue
				}
				if cfg.Mix[l.Kind] == 0 {
					t.Fatalf("a %v window, which the mix excludes", l.Kind)
				}
				windows++
				inside += min(l.End, end-1) - l.Start + 1
			}
			got := float64(inside) / float64(int64(tc.soldiers)*end)
			t.Logf("target %.3f achieved %.4f over %d windows", tc.rate, got, windows)
			if windows < 10_000 || math.Abs(got-tc.rate) > 0.05*tc.rate {
				t.Errorf("achieved poison rate %.4f over %d windows, want %.3f ± 5 %%", got, windows, tc.rate)
			}
			if artefacts == 0 {
				t.Error("no artefacts")
			}
		})
	}
}

// TestVitalRanges checks the normal physiology per phase against the ranges
// documented in docs/engine.md (22 °C day, default battlefield).
func TestVitalRanges(t *testing.T) {
	type band struct{ lo, hi float64 }
	hrMedian := [NumPhases]band{{75, 92}, {95, 115}, {112, 135}, {150, 172}, {98, 120}}
	tcMedian := [NumPhases]band{{37.4, 37.9}, {37.6, 38.0}, {37.7, 38.1}, {37.8, 38.3}, {37.8, 38.3}}
	psiMedian := [NumPhases]band{{1.5, 3}, {2.8, 4.2}, {3.8, 5.2}, {5.0, 7.5}, {3.2, 4.8}}
	for _, seed := range []uint64{1, 2} {
		cfg := testConfig(60, 4*time.Hour, seed)
		s, err := NewSim(cfg)
		if err != nil {
			t.Fatal(err)
		}
		st := NewStats(s.Profiles())
		var f Frame
		for s.Step(&f) == nil {
			st.Add(&f)
		}
		in := func(what string, p Phase, x float64, b band) {
			if x < b.lo || x > b.hi {
				t.Errorf("seed %d %s %s = %.2f, documented %.2f–%.2f", seed, p, what, x, b.lo, b.hi)
			}
		}
		for p := range Phase(NumPhases) {
			hr, tc, sp, psi := st.Vital(p, HeartRate), st.Vital(p, CoreTemp), st.Vital(p, SpO2), st.PSI(p)
			if hr.N < 3000 {
				t.Fatalf("seed %d: only %d normal soldier-ticks in %s", seed, hr.N, p)
			}
			in("HR median", p, hr.P50, hrMedian[p])
			in("HR 1st percentile", p, hr.P01, band{55, 200})
			in("HR 99th percentile", p, hr.P99, band{55, 200})
			in("core temperature median", p, tc.P50, tcMedian[p])
			in("core temperature 1st percentile", p, tc.P01, band{37.0, 38.7})
			in("core temperature 99th percentile", p, tc.P99, band{37.0, 38.7})
			in("SpO2 median", p, sp.P50, band{96, 99})
			in("SpO2 1st percentile", p, sp.P01, band{94, 100})
			in("PSI median", p, psi.P50, psiMedian[p])
		}
		if st.Vital(PhaseContact, Stamina).P50 >= st.Vital(PhaseRest, Stamina).P50 {
			t.Errorf("seed %d: stamina in contact is not below stamina at rest", seed)
		}
	}
}

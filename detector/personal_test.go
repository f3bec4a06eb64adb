package detector

import (
	"math"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// guessed marks every observation of s as having no reported phase, as the
// HTTP API does (the phase the API guesses: patrol).
func (s *series) guessed() *series {
	for i := range s.obs {
		s.obs[i].Phase, s.obs[i].NextPhase, s.obs[i].PhaseGuessed = engine.PhasePatrol, engine.PhasePatrol, true
	}
	return s
}

// firstJudged is the first tick (from 0, at 1 s) the personal check
// judges: its baseline holds PersonalWarmup readings once PersonalLevel
// more have passed through the level window.
const firstJudged = PersonalWarmup + PersonalLevel - 1

func newTFT(t *testing.T, opts ...Option) Scorer {
	t.Helper()
	sc, err := Default(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestPersonalFlagsRiseAtRest: a soldier at rest (70 ± 2 bpm) whose phase
// nobody reports and whose heart rate rises by 30 bpm and stays there is
// flagged by the personal check within two minutes (the rise must last
// PersonalHold) — a tachycardia alert on the heart-rate channel with basis
// personal and evidence naming the rise, σ and K — while
// the patrol band the phase guess gives the TFT would hold 100 bpm; the
// verdicts before the baseline is warm are judged as before.
func TestPersonalFlagsRiseAtRest(t *testing.T) {
	s := steadySeries(900, 3).guessed()
	s.ramp(engine.HeartRate, 600, 900, 30, 20)
	vs := feed(t, newTFT(t), s, 64)
	var first *Verdict
	for i := range vs {
		v := &vs[i]
		if v.Vitals[engine.HeartRate].Personal != (v.T >= firstJudged) {
			t.Fatalf("t %d: personal %v (want judged from %d s on)", v.T, v.Vitals[engine.HeartRate].Personal, firstJudged)
		}
		if v.Alert.Opened && first == nil {
			first = v
		}
	}
	if first == nil {
		t.Fatal("no alert on a sustained 30 bpm rise at rest")
	}
	ev := &first.Alert.Evidence
	if first.T < 600+PersonalHold || first.T > 600+2*PersonalHold || ev.Check != CheckPersonal || first.Alert.Kind != engine.KindTachycardia || ev.Vital != engine.HeartRate {
		t.Fatalf("first alert at t %d: %s on %s, evidence %+v", first.T, first.Alert.Kind, ev.Vital, ev)
	}
	if !ev.Outside() || ev.Value-ev.Expected < 20 || ev.Unit < 1 || ev.Ticks != PersonalBaseline {
		t.Errorf("evidence %+v", ev)
	}
	if k := (ev.Hi - ev.Expected) / ev.Unit; math.Abs(k-DefaultPersonalK) > 1e-9 && ev.Hi-ev.Expected != PersonalMinRise {
		t.Errorf("evidence threshold %.2f σ, want K %g", k, DefaultPersonalK)
	}
	sent := Explain(first)
	xs, los, his, ok := ev.Printed()
	if !ok || !strings.Contains(sent, xs) || !strings.Contains(sent, "personal check") || !strings.Contains(sent, "own baseline") ||
		!strings.Contains(sent, "phase not reported") || strings.Contains(sent, "patrol") {
		t.Errorf("sentence %q (printed %s outside %s–%s)", sent, xs, los, his)
	}
	t.Logf("%d: %s", first.T, sent)
	if first.Alert.Attribution != nil {
		t.Errorf("a personal alert has no forecast to attribute")
	}
}

// TestPersonalSteadyQuiet: the same soldier, steady for three simulated
// hours with its phase never reported, raises no alert; and with the
// phase reported it never allocates a personal baseline.
func TestPersonalSteadyQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("three simulated hours")
	}
	sc := newTFT(t)
	vs := feed(t, sc, steadySeries(3*3600, 5).guessed(), 64)
	for _, v := range vs {
		if v.Alert.Opened {
			t.Fatalf("t %d: %s", v.T, Explain(&v))
		}
	}
	if !vs[len(vs)-1].Vitals[engine.HeartRate].Personal {
		t.Errorf("the steady soldier's heart rate is not judged personally")
	}
	known := newTFT(t)
	for _, v := range feed(t, known, steadySeries(600, 5), 64) {
		if v.Vitals[engine.HeartRate].Personal {
			t.Fatalf("t %d: personal basis with the phase reported", v.T)
		}
	}
	if s := known.(*core).soldiers[1]; s.personal != nil {
		t.Errorf("a soldier whose phase is reported holds a personal baseline")
	}
}

// TestPersonalPhaseKnownUnchanged: with the phase reported, verdicts do not
// depend on the personal check's K (it is never consulted), and the
// phase-guessed flag changes nothing before the baseline is warm.
func TestPersonalPhaseKnownUnchanged(t *testing.T) {
	s := steadySeries(700, 9)
	s.ramp(engine.HeartRate, 400, 700, 40, 10)
	a := feed(t, newTFT(t), s, 64)
	b := feed(t, newTFT(t, WithPersonalK(1)), s, 64)
	g := feed(t, newTFT(t), steadySeries(700, 9).guessed(), 64)
	p := feed(t, newTFT(t), func() *series {
		x := steadySeries(700, 9)
		for i := range x.obs {
			x.obs[i].Phase, x.obs[i].NextPhase = engine.PhasePatrol, engine.PhasePatrol
		}
		return x
	}(), 64)
	for i := range a {
		if !sameVerdict(&a[i], &b[i]) {
			t.Fatalf("t %d: phase known, K changed the verdict", a[i].T)
		}
		if a[i].Vitals[engine.HeartRate].Personal {
			t.Fatalf("t %d: personal with the phase known", a[i].T)
		}
		if i < firstJudged && !sameVerdict(&g[i], &p[i]) {
			t.Fatalf("t %d: guessed phase changed the verdict before the baseline is warm", g[i].T)
		}
	}
}

// sameVerdict compares what a verdict says (state, kind, score, readings'
// judgements, alert), NaN equal to NaN.
func sameVerdict(a, b *Verdict) bool {
	eq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	if a.State != b.State || a.Kind != b.Kind || !eq(a.Score, b.Score) || a.Alert.Open != b.Alert.Open || a.Alert.Evidence.Check != b.Alert.Evidence.Check {
		return false
	}
	for v := range a.Vitals {
		x, y := &a.Vitals[v], &b.Vitals[v]
		if !eq(x.Out, y.Out) || x.Prior != y.Prior || x.Personal != y.Personal || x.Imputed != y.Imputed {
			return false
		}
		for q := range x.Forecast {
			if !eq(x.Forecast[q], y.Forecast[q]) {
				return false
			}
		}
	}
	return true
}

// TestPersonalUnionPrior: a heart rate that climbs slowly to 15 bpm above
// the highest any phase explains and stays there is judged by the union
// prior once the personal baseline has learnt the new level (after its
// longest freeze): the alert stays open, as it would with the phase known.
func TestPersonalUnionPrior(t *testing.T) {
	s := steadySeries(2400, 4).guessed()
	_, hi := unionBand(&s.p, 22)
	s.ramp(engine.HeartRate, 300, 2400, hi+15-70, 60)
	vs := feed(t, newTFT(t), s, 64)
	last := &vs[len(vs)-1]
	hr := &last.Vitals[engine.HeartRate]
	if !hr.Prior || hr.Out <= 0 || last.State != StateAlert || !last.Channels[ChannelHeartRate].Open {
		t.Fatalf("t %d: heart rate %.0f (union prior up to %.0f): %s, prior %v, out %.2f", last.T, hr.Observed, hi, Explain(last), hr.Prior, hr.Out)
	}
}

// TestPersonalOpeningsMatchesCore: the replay calibration uses counts the
// alerts the scorer opens on the same readings (the threshold scorer,
// whose rules never fire on them, so only the personal check does), at a
// 1-s and a 5-s step.
func TestPersonalOpeningsMatchesCore(t *testing.T) {
	for _, step := range []int64{1, 5} {
		s := steadySeries(2400, 11).guessed()
		for i := range s.obs {
			s.obs[i].T = int64(i) * step
		}
		n := len(s.obs)
		s.ramp(engine.HeartRate, n/2, n/2+n/8, 25, 10)
		s.ramp(engine.HeartRate, 3*n/4, n, 18, 30)
		for _, k := range []float64{3, 6} {
			sc, err := NewThreshold(WithPersonalK(k))
			if err != nil {
				t.Fatal(err)
			}
			got := len(opened(feed(t, sc, s, 64), ChannelHeartRate))
			ts := make([]int64, n)
			hr := make([]float64, n)
			st := make([]float64, n)
			for i, o := range s.obs {
				ts[i], hr[i], st[i] = o.T, o.Values[engine.HeartRate], o.Values[engine.Stamina]
			}
			cfg := sc.(*core).cfg
			want, judged := PersonalOpenings(&cfg, k, ts, hr, st)
			if got != want || want == 0 {
				t.Errorf("step %d s, K %g: the scorer opened %d alerts, the replay %d", step, k, got, want)
			}
			if w := n - personalReadings(PersonalWarmup+PersonalLevel, step) + 1; judged < w-2 || judged > w+2 {
				t.Errorf("step %d s: %d readings judged of %d, want about %d", step, judged, n, w)
			}
		}
	}
}

// TestPersonalStateSize: a soldier's personal baseline, full, stays far
// inside the 20 KB per soldier that a 50 000-soldier monitor allows
// (docs/scale.md).
func TestPersonalStateSize(t *testing.T) {
	var p personalHR
	for i := range 2000 {
		p.observe(int64(i), 70+float64(i%7), 100)
	}
	if b := p.base.Bytes() + 4*len(p.stamina.ring); b > 8<<10 {
		t.Errorf("personal baseline holds %d bytes", b)
	} else {
		t.Logf("personal baseline: %d bytes", b)
	}
}

// TestPersonalActivityGate: a soldier whose phase nobody reports starts to
// march — heart rate up 40 bpm, stamina draining 0.35 points a minute — and
// the personal check holds (the effort explains the rise); the same rise
// with stamina steady opens an alert.
func TestPersonalActivityGate(t *testing.T) {
	for _, drain := range []bool{true, false} {
		s := steadySeries(1200, 8).guessed()
		s.ramp(engine.HeartRate, 600, 1200, 40, 18)
		if drain {
			for i := 600; i < 1200; i++ {
				s.obs[i].Values[engine.Stamina] = 100 - 0.35*float64(i-600)/60
			}
		}
		sc, err := NewThreshold()
		if err != nil {
			t.Fatal(err)
		}
		n := len(opened(feed(t, sc, s, 64), ChannelHeartRate))
		if drain && n != 0 || !drain && n == 0 {
			t.Errorf("stamina draining %v: %d alerts", drain, n)
		}
	}
}

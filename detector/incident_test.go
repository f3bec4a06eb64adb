package detector

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// printedOutside reports whether the printed reading xs lies outside the
// printed range [los, his].
func printedOutside(t *testing.T, xs, los, his string) bool {
	t.Helper()
	x, err1 := strconv.ParseFloat(xs, 64)
	lo, err2 := strconv.ParseFloat(los, 64)
	hi, err3 := strconv.ParseFloat(his, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	return x > hi || x < lo
}

// TestSentenceNeverInsideRange: over many seeds of evidence whose reading
// lies a hair outside its range (the case rounding gets wrong), the
// sentence prints the reading outside the range it prints.
func TestSentenceNeverInsideRange(t *testing.T) {
	for seed := range uint64(2000) {
		r := rand.New(rand.NewPCG(seed, 19))
		v := engine.Vital(r.IntN(engine.NumVitals))
		lo := 30 + 100*r.Float64()
		w := math.Pow(10, -3*r.Float64()) * 10
		hi := lo + w
		eps := math.Pow(10, -1-6*r.Float64())
		x := hi + eps
		if r.IntN(2) == 0 {
			x = lo - eps
		}
		check := []Check{CheckBand, CheckPrior, CheckDrift}[r.IntN(3)]
		ev := Evidence{Check: check, Vital: v, Value: x, Lo: lo, Hi: hi, Expected: (lo + hi) / 2, Unit: w, Out: outside(x, lo, hi, w), Ticks: 60}
		if check == CheckDrift {
			ev.Lo, ev.Hi, ev.Value = -w, w, w+eps
			ev.Out = outside(ev.Value, ev.Lo, ev.Hi, 2*w)
		}
		s := Sentence(engine.KindTachycardia, &ev, engine.PhaseRest, engine.PhaseRest)
		lo2, hi2 := ev.Lo, ev.Hi
		if check == CheckDrift {
			lo2 = -ev.Hi
		}
		xs, los, his := fmtOutside(v, math.Abs(ev.Value), lo2, hi2)
		if check != CheckDrift {
			xs, los, his = fmtOutside(v, ev.Value, ev.Lo, ev.Hi)
			if !strings.Contains(s, xs+" ") || !strings.Contains(s, los+"–"+his) {
				t.Fatalf("seed %d: %q does not print %s against %s–%s", seed, s, xs, los, his)
			}
		} else if !strings.Contains(s, " "+xs+" ") || !strings.Contains(s, "±"+his) {
			t.Fatalf("seed %d: %q does not print %s against ±%s", seed, s, xs, his)
		}
		if eps > 1e-6 && !printedOutside(t, xs, los, his) {
			t.Fatalf("seed %d: %q prints %s inside %s–%s", seed, s, xs, los, his)
		}
	}
}

// TestIncidentExtends: a second channel opening while the first is open
// extends the incident; the incident closes only when every channel has,
// and a dropout names every missing vital.
func TestIncidentExtends(t *testing.T) {
	cfg := DefaultAlertConfig()
	cfg.ClearTicks = 2
	var a alertState
	var dst [NumChannels]ChannelAlert
	var inc Alert
	step := func(tick int64, hr, st float64) {
		in := stepInput{t: tick}
		in.out = [engine.NumVitals]float64{hr, st, 0, 0}
		for v := range engine.NumVitals {
			in.ev[v] = Evidence{Check: CheckBand, Vital: engine.Vital(v), Value: 100 + in.out[v], Lo: 90, Hi: 100, Out: in.out[v], Unit: 1}
		}
		a.step(&cfg, &in, &dst, &inc)
	}
	step(0, 3, 0)
	step(1, 3, 0) // heart rate opens
	if !inc.Opened || inc.Kind != engine.KindTachycardia || inc.Evidence.Vital != engine.HeartRate {
		t.Fatalf("tick 1: %+v", inc)
	}
	step(2, 3, 3)
	step(3, 3, 3) // stamina opens inside the incident
	if !dst[ChannelStamina].Opened || inc.Opened || !inc.Extended || inc.Since != 1 || inc.Kind != engine.KindTachycardia {
		t.Fatalf("tick 3: channels %+v, incident %+v", dst, inc)
	}
	for tick := int64(4); tick < 8; tick++ {
		step(tick, 0, 3)
		if !inc.Open || inc.Opened {
			t.Fatalf("tick %d: incident %+v while stamina is open", tick, inc)
		}
	}
	for tick := int64(8); tick < 12; tick++ {
		step(tick, 0, 0)
	}
	if inc.Open {
		t.Fatalf("incident %+v open with every channel closed", inc)
	}
	// A dropout names every missing vital.
	for tick := int64(12); tick < 12+DefaultDropoutTicks; tick++ {
		in := stepInput{t: tick, silent: true, missing: engine.Mask(0).With(engine.HeartRate).With(engine.Stamina).With(engine.SpO2)}
		in.out = nanVitals
		a.step(&cfg, &in, &dst, &inc)
	}
	if !inc.Opened || inc.Kind != engine.KindDropout || inc.Evidence.Check != CheckDropout {
		t.Fatalf("dropout: %+v", inc)
	}
	s := Sentence(inc.Kind, &inc.Evidence, engine.PhaseRest, engine.PhaseRest)
	if !strings.Contains(s, "no heart_rate, stamina, spo2 for 10 s") {
		t.Errorf("dropout sentence %q", s)
	}
}

// TestBradycardiaNamesHeartRate: an alert that opens on the stamina
// channel while the heart rate is below its band is a bradycardia and its
// evidence is the heart rate's.
func TestBradycardiaNamesHeartRate(t *testing.T) {
	cfg := DefaultAlertConfig()
	var a alertState
	var dst [NumChannels]ChannelAlert
	var inc Alert
	for tick := range int64(2) {
		in := stepInput{t: tick, out: [engine.NumVitals]float64{-0.2, -3, 0, 0}}
		in.ev[engine.HeartRate] = Evidence{Check: CheckBand, Vital: engine.HeartRate, Value: 40, Lo: 41, Hi: 60, Out: -0.2, Unit: 19}
		in.ev[engine.Stamina] = Evidence{Check: CheckBand, Vital: engine.Stamina, Value: 70, Lo: 80, Hi: 90, Out: -3, Unit: 10}
		a.step(&cfg, &in, &dst, &inc)
	}
	if !inc.Opened || inc.Kind != engine.KindBradycardia || inc.Evidence.Vital != engine.HeartRate || inc.Evidence.Channel != ChannelStamina {
		t.Fatalf("incident %+v", inc)
	}
}

// simAlerts runs the embedded TFT over a field-world simulation of seed
// and calls fn with every verdict that opens an incident.
func simAlerts(t testing.TB, seed uint64, soldiers int, d time.Duration, fn func(v *Verdict, f *engine.Frame)) {
	t.Helper()
	ec := engine.DefaultConfig()
	ec.Seed, ec.Soldiers, ec.Duration = seed, soldiers, d
	sim, err := engine.NewSim(ec)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ps := sim.Profiles()
	bufs := make([][]engine.Observation, len(ps))
	ws := make([]featurestore.Window, len(ps))
	var f engine.Frame
	var vs []Verdict
	for {
		if err := sim.Step(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			t.Fatal(err)
		}
		for i := range f.Obs {
			b := append(bufs[i], f.Obs[i])
			if len(b) > 64 {
				b = append(b[:0], b[len(b)-32:]...)
			}
			bufs[i] = b
			ws[i] = featurestore.Window{Profile: ps[i], Rows: b[max(0, len(b)-32):]}
		}
		if vs, err = sc.Score(ws, vs[:0]); err != nil {
			t.Fatal(err)
		}
		for i := range vs {
			if vs[i].Alert.Opened {
				fn(&vs[i], &f)
			}
		}
	}
}

// TestAlertEvidenceOnSimulation: on field-world simulations, every alert's
// evidence is the check that opened it with its reading outside the range
// it names, the sentence prints it so, the kind follows the evidence's
// vital, and a forecast check carries an attribution.
func TestAlertEvidenceOnSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	n := 0
	for _, seed := range []uint64{9101, 9102, 9103} {
		simAlerts(t, seed, 100, 8*time.Minute, func(v *Verdict, _ *engine.Frame) {
			n++
			a := &v.Alert
			ev := &a.Evidence
			s := Explain(v)
			switch ev.Check {
			case CheckBand, CheckPrior, CheckDrift, CheckTrend, CheckCusum:
				if !ev.Outside() {
					t.Errorf("soldier %d t %d: evidence %+v inside its range", v.Soldier, v.T, ev)
				}
				xs, los, his, ok := ev.Printed()
				if !ok || !printedOutside(t, xs, los, his) || !strings.Contains(s, xs) {
					t.Errorf("soldier %d t %d: %q prints the reading inside its range", v.Soldier, v.T, s)
				}
				if ev.Check != CheckPrior && ev.Check != CheckTrend && (a.Attribution == nil || len(a.Attribution.Steps) == 0) {
					t.Errorf("soldier %d t %d: %s alert without attribution", v.Soldier, v.T, ev.Check)
				}
			case CheckDropout:
				if a.Kind != engine.KindDropout || ev.Missing == 0 {
					t.Errorf("soldier %d t %d: dropout %+v", v.Soldier, v.T, a)
				}
				return
			case CheckStuck:
				return
			default:
				t.Errorf("soldier %d t %d: alert without a check: %+v", v.Soldier, v.T, a)
			}
			want := map[engine.AnomalyKind][]engine.Vital{
				engine.KindTachycardia:  {engine.HeartRate},
				engine.KindBradycardia:  {engine.HeartRate, engine.SpO2},
				engine.KindHeatStrain:   {engine.CoreTemp},
				engine.KindStaminaCrash: {engine.Stamina},
				engine.KindStuck:        {engine.HeartRate, engine.Stamina, engine.CoreTemp, engine.SpO2},
			}[a.Kind]
			ok := false
			for _, w := range want {
				ok = ok || w == ev.Vital
			}
			if !ok {
				t.Errorf("soldier %d t %d: %s alert names %s: %q", v.Soldier, v.T, a.Kind, ev.Vital, s)
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d alerts on three seeds", n)
	}
	t.Logf("%d alerts", n)
}

// TestIncidentRefines: a stamina channel opens an incident as a stamina
// crash; the heart rate falling below its band and its channel opening a
// few ticks later refine it, once, to a bradycardia with the heart rate's
// evidence; past RefineTicks an opening only extends.
func TestIncidentRefines(t *testing.T) {
	for _, late := range []bool{false, true} {
		cfg := DefaultAlertConfig()
		var a alertState
		var dst [NumChannels]ChannelAlert
		var inc Alert
		refined := 0
		hrFrom := int64(4)
		if late {
			hrFrom = 4 + RefineTicks
		}
		for tick := range hrFrom + 4 {
			in := stepInput{t: tick, out: [engine.NumVitals]float64{0, -3, 0, 0}}
			if tick >= hrFrom {
				in.out[engine.HeartRate] = -2
			}
			in.ev[engine.HeartRate] = Evidence{Check: CheckBand, Vital: engine.HeartRate, Value: 40, Lo: 50, Hi: 70, Out: in.out[engine.HeartRate], Unit: 20}
			in.ev[engine.Stamina] = Evidence{Check: CheckBand, Vital: engine.Stamina, Value: 60, Lo: 80, Hi: 90, Out: -3, Unit: 10}
			a.step(&cfg, &in, &dst, &inc)
			if tick == 1 && (!inc.Opened || inc.Kind != engine.KindStaminaCrash) {
				t.Fatalf("tick 1: %+v", inc)
			}
			if inc.Refined {
				refined++
			}
		}
		want, vital := engine.KindBradycardia, engine.HeartRate
		if late {
			want, vital = engine.KindStaminaCrash, engine.Stamina
		}
		if inc.Kind != want || inc.Evidence.Vital != vital || inc.Since != 1 || refined != map[bool]int{false: 1, true: 0}[late] {
			t.Errorf("late %v: incident %+v refined %d times", late, inc, refined)
		}
	}
}

// TestSentenceTrendAndCusum: the start trend's and the heat CUSUM's
// sentences print their statistic and the limit it passed, the statistic
// outside, however close to the limit it lies.
func TestSentenceTrendAndCusum(t *testing.T) {
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 23))
		check := []Check{CheckTrend, CheckCusum}[r.IntN(2)]
		lim := 0.05 + 60*r.Float64()
		eps := math.Pow(10, -1-6*r.Float64())
		ev := Evidence{Check: check, Vital: engine.CoreTemp, Value: lim + eps, Lo: -lim, Hi: lim, Unit: 1, Out: eps, Ticks: 60}
		s := Sentence(engine.KindHeatStrain, &ev, engine.PhaseRest, engine.PhaseRest)
		xs, los, his, ok := ev.Printed()
		if !ok {
			t.Fatalf("seed %d: %s evidence has no printed form", seed, check)
		}
		if !strings.Contains(s, " "+xs+" ") || !strings.Contains(s, " "+his+" ") || !strings.Contains(s, check.String()+" check") {
			t.Fatalf("seed %d: %q does not print %s against %s (%s check)", seed, s, xs, his, check)
		}
		if eps > 1e-6 && !printedOutside(t, xs, los, his) {
			t.Fatalf("seed %d: %q prints %s inside ±%s", seed, s, xs, his)
		}
	}
}

package detector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// runChannel steps a fresh state machine with heart-rate scores outs (NaN:
// no reading) and returns the per-tick state of the heart-rate channel.
func runChannel(t *testing.T, cfg AlertConfig, outs []float64) []ChannelAlert {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var a alertState
	res := make([]ChannelAlert, len(outs))
	for i, o := range outs {
		in := stepInput{t: int64(i)}
		for v := range in.out {
			in.out[v] = 0
		}
		in.out[engine.HeartRate] = o
		if math.IsNaN(o) {
			in.missing = in.missing.With(engine.HeartRate)
		}
		var dst [NumChannels]ChannelAlert
		a.step(&cfg, &in, &dst, new(Alert))
		res[i] = dst[ChannelHeartRate]
	}
	return res
}

func openTicks(cs []ChannelAlert) []int {
	var ts []int
	for i, c := range cs {
		if c.Opened {
			ts = append(ts, i)
		}
	}
	return ts
}

func TestAlertPersistence(t *testing.T) {
	cfg := DefaultAlertConfig()
	cfg.K, cfg.M = 3, 5
	cfg.Open[engine.HeartRate] = 1
	// Isolated spikes (1 of every 3 ticks) never reach 3 of 5.
	spikes := []float64{0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0}
	if got := openTicks(runChannel(t, cfg, spikes)); len(got) != 0 {
		t.Errorf("spikes opened alerts at %v", got)
	}
	// 3 out of band within 5 ticks open on the third.
	seq := []float64{0, 2, 0, 2, 0.5, 2, 0}
	got := runChannel(t, cfg, seq)
	if ts := openTicks(got); len(ts) != 1 || ts[0] != 5 {
		t.Fatalf("opened at %v, want [5]", ts)
	}
	if got[5].Kind != engine.KindTachycardia || got[5].Since != 5 {
		t.Errorf("opened %+v, want tachycardia since 5", got[5])
	}
	// Exactly at the level is not out of band.
	if ts := openTicks(runChannel(t, cfg, []float64{1, 1, 1, 1, 1})); len(ts) != 0 {
		t.Errorf("|Out| == level opened at %v", ts)
	}
	// Low heart rate is bradycardia.
	low := runChannel(t, cfg, []float64{-3, -3, -3})
	if !low[2].Opened || low[2].Kind != engine.KindBradycardia {
		t.Errorf("low HR: %+v, want bradycardia opening", low[2])
	}
}

func TestAlertHysteresis(t *testing.T) {
	cfg := DefaultAlertConfig()
	cfg.K, cfg.M, cfg.ClearFrac, cfg.ClearTicks = 2, 2, 0.5, 3
	cfg.Open[engine.HeartRate] = 1
	// Open, then hover between the calm level (0.5) and the open level:
	// stays open; then three calm ticks close it; the fourth tick is closed.
	seq := []float64{2, 2, 0.8, 0.9, 0.7, 0.8, 0.4, 0.5, 0.1, 0}
	got := runChannel(t, cfg, seq)
	for i := 1; i <= 7; i++ {
		if !got[i].Open {
			t.Fatalf("tick %d: closed, want open (hysteresis)", i)
		}
	}
	if got[8].Open || got[9].Open {
		t.Errorf("ticks 8, 9 open after three calm ticks: %+v %+v", got[8], got[9])
	}
	if got[8].Kind != engine.KindNone {
		t.Errorf("closed channel kind %v, want none", got[8].Kind)
	}
	// A tick back above calm restarts the count.
	seq = []float64{2, 2, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1}
	got = runChannel(t, cfg, seq)
	if !got[6].Open || got[7].Open {
		t.Errorf("calm count not restarted: open at 6 = %v, at 7 = %v", got[6].Open, got[7].Open)
	}
	// Missing readings neither count as calm nor reset.
	nan := math.NaN()
	seq = []float64{2, 2, 0.1, nan, nan, nan, 0.1, 0.1}
	got = runChannel(t, cfg, seq)
	if !got[6].Open || got[7].Open {
		t.Errorf("missing readings: open at 6 = %v, at 7 = %v; want true, false", got[6].Open, got[7].Open)
	}
}

func TestAlertDataQuality(t *testing.T) {
	cfg := DefaultAlertConfig()
	cfg.DropoutTicks, cfg.ClearTicks = 4, 2
	var a alertState
	var dst [NumChannels]ChannelAlert
	all := engine.Mask(0)
	for v := range engine.NumVitals {
		all = all.With(engine.Vital(v))
	}
	step := func(ti int64, missing, stuck engine.Mask) ChannelAlert {
		in := stepInput{t: ti, missing: missing, stuck: stuck, silent: missing == all}
		for v := range engine.NumVitals {
			in.out[v] = math.NaN()
			if !missing.Has(engine.Vital(v)) {
				in.out[v] = 0
			}
		}
		a.step(&cfg, &in, &dst, new(Alert))
		return dst[ChannelDropout]
	}
	spo2 := engine.Mask(0).With(engine.SpO2)
	// One vital missing for a long time (a partial dropout) is not a dropout.
	for ti := range int64(30) {
		if c := step(ti, spo2, 0); c.Open {
			t.Fatalf("tick %d: a partial dropout opened a dropout alert", ti)
		}
	}
	// Bursts of silence shorter than DropoutTicks open nothing.
	for ti := int64(30); ti <= 60; ti++ {
		m := engine.Mask(0)
		if ti%4 != 0 {
			m = all
		}
		if c := step(ti, m, 0); c.Open {
			t.Fatalf("tick %d: a 3-tick burst of lost readings opened a dropout alert", ti)
		}
	}
	// Four silent ticks in a row open it on the fourth, with kind dropout.
	var c ChannelAlert
	for ti := int64(61); ti < 65; ti++ {
		c = step(ti, all, 0)
	}
	if !c.Opened || c.Kind != engine.KindDropout || c.Since != 64 {
		t.Fatalf("dropout channel %+v, want opened at 64", c)
	}
	if step(65, spo2, 0); !dst[ChannelDropout].Open {
		t.Fatal("dropout closed after one tick with readings, want ClearTicks = 2")
	}
	if c := step(66, spo2, 0); c.Open {
		t.Fatal("dropout still open after two ticks with readings")
	}
	// A stuck vital opens the stuck channel at once.
	step(20, 0, engine.Mask(0).With(engine.CoreTemp))
	if s := dst[ChannelStuck]; !s.Opened || s.Kind != engine.KindStuck {
		t.Fatalf("stuck channel %+v, want opened with kind stuck", s)
	}
}

func TestAlertConfigValidate(t *testing.T) {
	for name, mod := range map[string]func(*AlertConfig){
		"K>M":       func(c *AlertConfig) { c.K, c.M = 4, 3 },
		"M>64":      func(c *AlertConfig) { c.M = 65 },
		"clearfrac": func(c *AlertConfig) { c.ClearFrac = 0 },
		"clear":     func(c *AlertConfig) { c.ClearTicks = 0 },
		"level":     func(c *AlertConfig) { c.Open[1] = math.NaN() },
		"stuck":     func(c *AlertConfig) { c.Stuck.Alpha = 2 },
		"dropout":   func(c *AlertConfig) { c.DropoutTicks = 65 },
	} {
		c := DefaultAlertConfig()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c := DefaultAlertConfig()
	c.Open[0] = math.Inf(1)
	if err := c.Validate(); err != nil {
		t.Errorf("+Inf level (channel off): %v", err)
	}
}

func TestStuckRelativeToVariability(t *testing.T) {
	cfg := DefaultStuckConfig()
	// A vital that changes every tick: a short frozen run is stuck.
	var s stuckVital
	s.reset()
	r := rand.New(rand.NewPCG(1, 2))
	x := 0.0
	for range 600 {
		x = math.Round(80 + 3*r.NormFloat64())
		s.update(&cfg, engine.HeartRate, x, false)
	}
	n := 0
	for {
		n++
		st, frozen := s.update(&cfg, engine.HeartRate, x, false)
		if frozen != (n >= cfg.MinRun) {
			t.Fatalf("repeat %d: frozen = %v", n, frozen)
		}
		if st {
			break
		}
		if n > 100 {
			t.Fatal("frozen heart rate never judged stuck")
		}
	}
	if n > 12 {
		t.Errorf("changing vital judged stuck after %d repeats, want ≤ 12", n)
	}
	// A vital that often repeats (core temperature at 0.01 °C): the same
	// run is plausible and not stuck.
	var tc stuckVital
	tc.reset()
	v := 37.0
	for i := range 600 {
		if i%6 == 0 {
			v += 0.01
		}
		if st, _ := tc.update(&cfg, engine.CoreTemp, v, false); st {
			t.Fatalf("tick %d: slowly varying core temperature judged stuck", i)
		}
	}
	for i := range n {
		if st, _ := tc.update(&cfg, engine.CoreTemp, v, false); st {
			t.Fatalf("core temperature stuck after %d repeats; it often repeats 5 times", i+1)
		}
	}
	// Stamina pinned at 100 is saturation, never stuck.
	var st stuckVital
	st.reset()
	for i := range 600 {
		y := 100.0
		if i < 300 {
			y = 50 + float64(i%7)
		}
		if stk, _ := st.update(&cfg, engine.Stamina, y, false); stk {
			t.Fatalf("tick %d: stamina at 100 judged stuck", i)
		}
	}
	// Missing readings neither break nor extend a run.
	var m stuckVital
	m.reset()
	m.update(&cfg, engine.HeartRate, 70, false)
	m.update(&cfg, engine.HeartRate, 70, false)
	m.update(&cfg, engine.HeartRate, math.NaN(), true)
	if m.run != 1 || m.last != 70 {
		t.Errorf("after a missing reading run = %d, last = %v; want 1, 70", m.run, m.last)
	}
}

// Openings replays exactly what the live state machine opens: on random
// scores (bursts, gaps, NaNs) each soldier's count matches runChannel's.
func TestOpeningsMatchesLiveChannel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	cfg := DefaultAlertConfig()
	cfg.K, cfg.M, cfg.ClearTicks = 3, 5, 4
	const level = 1.5
	cfg.Open[engine.HeartRate] = level
	var seqs [][]float32
	want := 0
	for range 20 {
		outs := make([]float64, 400)
		seq := make([]float32, len(outs))
		for i := range outs {
			switch x := r.Float64(); {
			case x < 0.05:
				outs[i] = math.NaN()
			case x < 0.25:
				outs[i] = 1 + 2*r.Float64() // around the level
			default:
				outs[i] = 0.5 * r.NormFloat64()
			}
			outs[i] = float64(float32(outs[i])) // Openings reads float32
			seq[i] = float32(outs[i])
		}
		want += len(openTicks(runChannel(t, cfg, outs)))
		seqs = append(seqs, seq)
	}
	if want == 0 {
		t.Fatal("the random scores opened nothing: the test checks nothing")
	}
	if got := cfg.Openings(seqs, level); got != want {
		t.Errorf("Openings = %d, the live channel opened %d", got, want)
	}
}

package tft

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fleet32 returns n ready compact streams of m on random series (their
// own), with each one's decoder row of tick t.
func fleet32(t *testing.T, m *Model, n, ticks int, seed uint64) ([]*Stream, []series) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 32))
	ss := make([]*Stream, n)
	ser := make([]series, n)
	for i := range ss {
		ser[i] = randomSeries(&m.cfg, ticks, rng)
		s, err := m.NewCompactStream(ser[i].static)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ser[i].rows[:m.cfg.EncoderLen] {
			if err := s.Push(r); err != nil {
				t.Fatal(err)
			}
		}
		ss[i] = s
	}
	return ss, ser
}

// relDiff is the largest |a−b| / max(|b|, 1) over two equal-length slices.
func relDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i])/math.Max(math.Abs(b[i]), 1))
	}
	return d
}

// TestCompact32NearFloat64: a compact stream's float32 forward agrees with
// the float64 forward of the same stream (the same rounded ring) to float32
// rounding, on random models of every test config, and is not the float64
// forward itself.
func TestCompact32NearFloat64(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 5)
			if err != nil {
				t.Fatal(err)
			}
			const n, ticks = 20, 12
			ss, ser := fleet32(t, m, n, c.EncoderLen+ticks, 7)
			ws := m.NewWorkspace()
			got, want := m.NewForecasts(n), m.NewForecasts(n)
			decs := make([][]float64, n)
			worst, worstAttn := 0.0, 0.0
			for tick := range ticks {
				for i, s := range ss {
					decs[i] = ser[i].dec[c.EncoderLen+tick]
					if tick > 0 {
						if err := s.Push(ser[i].rows[c.EncoderLen+tick]); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := m.ForecastStreams(ws, ss, decs, got); err != nil {
					t.Fatal(err)
				}
				m.streamChunks(ws, ss, decs, want, false)
				for i := range n {
					compareForecasts(t, "float32", &got[i], &want[i], 1e-4)
					worst = max(worst, relDiff(got[i].Quantiles, want[i].Quantiles))
					worstAttn = max(worstAttn, maxDiff(got[i].Attention, want[i].Attention))
				}
			}
			if worst == 0 {
				t.Error("the float32 forecasts equal the float64 ones to the last bit: is the float32 forward in use?")
			}
			t.Logf("largest relative difference of a quantile %.2g, of an attention weight %.2g", worst, worstAttn)
		})
	}
}

// TestCompact32SameBits: a compact stream's float32 forecast is the same
// on every call and whatever streams it runs with: alone, in a batch of
// many chunks, and in a call mixed with full streams (where each kind runs
// as a call of its own).
func TestCompact32SameBits(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 6)
			if err != nil {
				t.Fatal(err)
			}
			const n = 37 // three chunks, the last one short
			ss, ser := fleet32(t, m, n, c.EncoderLen, 8)
			decs := make([][]float64, n)
			for i := range decs {
				decs[i] = ser[i].dec[c.EncoderLen-1]
			}
			ws := m.NewWorkspace()
			batch, again := m.NewForecasts(n), m.NewForecasts(n)
			if err := m.ForecastStreams(ws, ss, decs, batch); err != nil {
				t.Fatal(err)
			}
			if err := m.ForecastStreams(ws, ss, decs, again); err != nil {
				t.Fatal(err)
			}
			alone := m.NewForecast()
			for i, s := range ss {
				compareForecasts(t, "again", &again[i], &batch[i], 0)
				if err := s.Forecast(m.NewWorkspace(), decs[i], alone); err != nil {
					t.Fatal(err)
				}
				compareForecasts(t, "alone", alone, &batch[i], 0)
			}
			// Full streams on the same series, interleaved with the compact
			// ones: each forecast as in a call of its own kind.
			full := make([]*Stream, n)
			for i := range full {
				if full[i], err = m.NewLeanStream(ser[i].static); err != nil {
					t.Fatal(err)
				}
				for _, r := range ser[i].rows[:c.EncoderLen] {
					if err := full[i].Push(r); err != nil {
						t.Fatal(err)
					}
				}
			}
			fullOut := m.NewForecasts(n)
			if err := m.ForecastStreams(ws, full, decs, fullOut); err != nil {
				t.Fatal(err)
			}
			var mixed []*Stream
			var mdecs [][]float64
			for i := range n {
				mixed = append(mixed, full[i], ss[i])
				mdecs = append(mdecs, decs[i], decs[i])
			}
			mout := m.NewForecasts(2 * n)
			if err := m.ForecastStreams(ws, mixed, mdecs, mout); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				compareForecasts(t, "mixed, full", &mout[2*i], &fullOut[i], 0)
				compareForecasts(t, "mixed, compact", &mout[2*i+1], &batch[i], 0)
			}
			if len(ws.mss) != 0 && ws.mss[0] != nil {
				t.Error("the mixed call's gathered streams are still held by the workspace")
			}
		})
	}
}

// TestWeights32Lazy: the float32 weights are made only once a compact
// stream forecasts, and made again after the parameters change.
func TestWeights32Lazy(t *testing.T) {
	m, err := New(tinyConfig(), 7)
	if err != nil {
		t.Fatal(err)
	}
	ser := randomSeries(&m.cfg, m.cfg.EncoderLen, rand.New(rand.NewPCG(1, 2)))
	ws := m.NewWorkspace()
	out := m.NewForecast()
	forecast := func(newStream func([]float64) (*Stream, error)) {
		t.Helper()
		s, err := newStream(ser.static)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ser.rows {
			if err := s.Push(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Forecast(ws, ser.dec[0], out); err != nil {
			t.Fatal(err)
		}
	}
	forecast(m.NewLeanStream)
	if m.fold.w32.w != nil || ws.w32 != nil {
		t.Fatal("float32 weights or buffers made for a full stream")
	}
	forecast(m.NewCompactStream)
	w := m.fold.w32.w
	if w == nil || ws.w32 == nil {
		t.Fatal("no float32 weights or buffers after a compact stream's forecast")
	}
	if w.whhE[0] != float32(m.params[m.lay.lstmEnc.whh]) {
		t.Errorf("whhE[0] = %v, want the parameter %v rounded", w.whhE[0], m.params[m.lay.lstmEnc.whh])
	}
	m.params[m.lay.lstmEnc.whh] += 1
	m.Refresh()
	if m.fold.w32.w != nil {
		t.Fatal("float32 weights kept across a refresh")
	}
	forecast(m.NewCompactStream)
	if got := m.fold.w32.w.whhE[0]; got != float32(m.params[m.lay.lstmEnc.whh]) {
		t.Errorf("after the refresh whhE[0] = %v, want %v", got, float32(m.params[m.lay.lstmEnc.whh]))
	}
}

package tft

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// series is a long random series for one stream: its static values, one
// encoder row per tick and one decoder block per tick.
type series struct {
	static []float64
	rows   [][]float64
	dec    [][]float64
}

func randomSeries(c *Config, ticks int, rng *rand.Rand) series {
	ex := randomExample(c, rng)
	s := series{static: ex.Static}
	for range ticks {
		e := randomExample(c, rng)
		s.rows = append(s.rows, e.Encoder[:len(c.Encoder)])
		s.dec = append(s.dec, e.Decoder)
	}
	return s
}

// window returns the batch-path input for the window ending at tick t.
func (s series) window(c *Config, t int) Input {
	in := Input{Static: s.static, Decoder: s.dec[t]}
	for p := t - c.EncoderLen + 1; p <= t; p++ {
		in.Encoder = append(in.Encoder, s.rows[p]...)
	}
	return in
}

func TestStreamMatchesBatch(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 9)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(4, 4))
			const nStreams, ticks = 3, 40
			ser := make([]series, nStreams)
			streams := make([]*Stream, nStreams)
			for i := range ser {
				ser[i] = randomSeries(&m.cfg, ticks, rng)
				if streams[i], err = m.NewStream(ser[i].static); err != nil {
					t.Fatal(err)
				}
			}
			ws, wsBatch := m.NewWorkspace(), m.NewWorkspace()
			got, want := m.NewForecasts(nStreams), m.NewForecasts(nStreams)
			decs := make([][]float64, nStreams)
			ins := make([]Input, nStreams)
			for tick := range ticks {
				for i, s := range streams {
					if err := s.Push(ser[i].rows[tick]); err != nil {
						t.Fatal(err)
					}
				}
				if tick < m.cfg.EncoderLen-1 {
					if streams[0].Ready() {
						t.Fatalf("ready after %d rows", tick+1)
					}
					if err := streams[0].Forecast(ws, ser[0].dec[tick], &got[0]); !errors.Is(err, ErrNotReady) {
						t.Fatalf("forecast before ready: %v", err)
					}
					continue
				}
				if tick%3 == 1 { // skip a tick now and then: several pending rows
					continue
				}
				for i := range streams {
					decs[i] = ser[i].dec[tick]
					ins[i] = ser[i].window(&m.cfg, tick)
				}
				if tick%2 == 0 {
					if err := m.ForecastStreams(ws, streams, decs, got); err != nil {
						t.Fatal(err)
					}
				} else {
					for i, s := range streams {
						if err := s.Forecast(ws, decs[i], &got[i]); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := m.ForecastBatch(wsBatch, ins, want); err != nil {
					t.Fatal(err)
				}
				for i := range streams {
					compareForecasts(t, "stream", &got[i], &want[i], 0)
				}
			}
		})
	}
}

func TestStreamSeesNewParameters(t *testing.T) {
	m, _ := New(tinyConfig(), 1)
	rng := rand.New(rand.NewPCG(1, 2))
	ser := randomSeries(&m.cfg, m.cfg.EncoderLen, rng)
	s, err := m.NewStream(ser.static)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ser.rows {
		if err := s.Push(r); err != nil {
			t.Fatal(err)
		}
	}
	ws := m.NewWorkspace()
	got, want := m.NewForecast(), m.NewForecast()
	if err := s.Forecast(ws, ser.dec[len(ser.dec)-1], got); err != nil {
		t.Fatal(err)
	}
	for i := range m.Params() {
		m.Params()[i] *= 1.01
	}
	m.Refresh()
	if err := s.Forecast(ws, ser.dec[len(ser.dec)-1], got); err != nil {
		t.Fatal(err)
	}
	in := ser.window(&m.cfg, len(ser.rows)-1)
	if err := m.Forecast(ws, &in, want); err != nil {
		t.Fatal(err)
	}
	compareForecasts(t, "after refresh", got, want, 0)
}

func TestStreamRejectsBadInput(t *testing.T) {
	m, _ := New(tinyConfig(), 1)
	if _, err := m.NewStream([]float64{1}); !errors.Is(err, ErrBadInput) {
		t.Errorf("short static: %v", err)
	}
	if _, err := m.NewStream([]float64{1, 3}); !errors.Is(err, ErrBadInput) {
		t.Errorf("category out of range: %v", err)
	}
	s, err := m.NewStream([]float64{0.5, 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]float64{{1, 2}, {1, 2, 4}, {1, 2, 1.5}, {nan(), 1, 1}} {
		if err := s.Push(row); !errors.Is(err, ErrBadInput) {
			t.Errorf("Push(%v) = %v, want ErrBadInput", row, err)
		}
	}
	if s.Len() != 0 {
		t.Errorf("rejected rows were kept: Len = %d", s.Len())
	}
}

func TestForecastRejectsBadInput(t *testing.T) {
	m, _ := New(tinyConfig(), 1)
	ws := m.NewWorkspace()
	ex := randomExamples(&m.cfg, 1, 3)[0]
	out := m.NewForecast()
	if err := m.Forecast(ws, &ex.Input, out); err != nil {
		t.Fatal(err)
	}
	bad := ex.Input
	bad.Encoder = bad.Encoder[:len(bad.Encoder)-1]
	if err := m.Forecast(ws, &bad, out); !errors.Is(err, ErrBadInput) {
		t.Errorf("short encoder: %v", err)
	}
	bad = ex.Input
	bad.Decoder = append([]float64(nil), bad.Decoder...)
	bad.Decoder[1] = 9 // phase has 4 categories
	if err := m.Forecast(ws, &bad, out); !errors.Is(err, ErrBadInput) {
		t.Errorf("bad category: %v", err)
	}
	other, _ := New(testConfigs()["default"], 1)
	if err := m.Forecast(ws, &ex.Input, other.NewForecast()); !errors.Is(err, ErrBadInput) {
		t.Errorf("forecast of another shape: %v", err)
	}
}

func TestForecastDoesNotAllocate(t *testing.T) {
	m, _ := New(benchConfig(), 1)
	rng := rand.New(rand.NewPCG(7, 7))
	ds := randomExamples(&m.cfg, 20, 3)
	ins := make([]Input, len(ds))
	for i := range ds {
		ins[i] = ds[i].Input
	}
	ws := m.NewWorkspace()
	out := m.NewForecasts(len(ins))
	if err := m.ForecastBatch(ws, ins, out); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(5, func() { _ = m.ForecastBatch(ws, ins, out) }); n != 0 {
		t.Errorf("ForecastBatch allocates %v times", n)
	}
	if n := testing.AllocsPerRun(5, func() { _ = m.Forecast(ws, &ins[0], &out[0]) }); n != 0 {
		t.Errorf("Forecast allocates %v times", n)
	}
	ser := randomSeries(&m.cfg, 40, rng)
	s, _ := m.NewStream(ser.static)
	for _, r := range ser.rows[:m.cfg.EncoderLen] {
		_ = s.Push(r)
	}
	if err := s.Forecast(ws, ser.dec[0], &out[0]); err != nil {
		t.Fatal(err)
	}
	i := 0
	if n := testing.AllocsPerRun(5, func() {
		_ = s.Push(ser.rows[i%40])
		_ = s.Forecast(ws, ser.dec[i%40], &out[0])
		i++
	}); n != 0 {
		t.Errorf("Stream Push+Forecast allocates %v times", n)
	}
}

func TestStreamReplaceLast(t *testing.T) {
	m, _ := New(tinyConfig(), 2)
	rng := rand.New(rand.NewPCG(5, 5))
	ser := randomSeries(&m.cfg, m.cfg.EncoderLen+2, rng)
	s, _ := m.NewStream(ser.static)
	if err := s.ReplaceLast(ser.rows[0]); !errors.Is(err, ErrBadInput) {
		t.Errorf("ReplaceLast on an empty stream: %v", err)
	}
	ws := m.NewWorkspace()
	got, want := m.NewForecast(), m.NewForecast()
	last := len(ser.rows) - 1
	for i, r := range ser.rows {
		if i == last {
			// Push a wild reading, forecast (its row is computed), then
			// replace it with the real one.
			wild := append([]float64(nil), r...)
			wild[0] += 50
			_ = s.Push(wild)
			if err := s.Forecast(ws, ser.dec[last], got); err != nil {
				t.Fatal(err)
			}
			if err := s.ReplaceLast(r); err != nil {
				t.Fatal(err)
			}
			continue
		}
		_ = s.Push(r)
	}
	if err := s.Forecast(ws, ser.dec[last], got); err != nil {
		t.Fatal(err)
	}
	in := ser.window(&m.cfg, last)
	if err := m.Forecast(ws, &in, want); err != nil {
		t.Fatal(err)
	}
	compareForecasts(t, "after ReplaceLast", got, want, 0)
}

// A lean stream forecasts what a full one does, to the last bit, except
// that its encoder weights are zero before the newest row; both skip
// ticks (several pending rows) and replace a row now and then.
func TestLeanStreamMatchesFull(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 3)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(8, 8))
			ser := randomSeries(&m.cfg, 50, rng)
			full, err := m.NewStream(ser.static)
			if err != nil {
				t.Fatal(err)
			}
			lean, err := m.NewLeanStream(ser.static)
			if err != nil {
				t.Fatal(err)
			}
			if len(lean.st.w) >= len(full.st.w) && m.cfg.EncoderLen > 1 {
				t.Fatalf("the lean stream keeps %d weights, the full one %d", len(lean.st.w), len(full.st.w))
			}
			ws := m.NewWorkspace()
			ne := len(m.cfg.Encoder)
			one, pair := m.NewForecasts(2), m.NewForecasts(2)
			for tick := range 50 {
				for _, s := range []*Stream{full, lean} {
					if err := s.Push(ser.rows[tick]); err != nil {
						t.Fatal(err)
					}
					if tick%7 == 3 {
						if err := s.ReplaceLast(ser.rows[(tick+1)%50]); err != nil {
							t.Fatal(err)
						}
					}
				}
				if !full.Ready() || tick%3 == 1 {
					continue
				}
				// One at a time (one[0] full, one[1] lean) and together
				// (the batched path copies rows).
				for i, s := range []*Stream{full, lean} {
					if err := s.Forecast(ws, ser.dec[tick], &one[i]); err != nil {
						t.Fatal(err)
					}
				}
				if err := m.ForecastStreams(ws, []*Stream{full, lean}, [][]float64{ser.dec[tick], ser.dec[tick]}, pair); err != nil {
					t.Fatal(err)
				}
				for _, lf := range []*Forecast{&one[1], &pair[1]} {
					last := len(lf.EncoderWeights) - ne
					for k, x := range lf.EncoderWeights[:last] {
						if x != 0 {
							t.Fatalf("tick %d: lean weight %d of an older row is %v, want 0", tick, k, x)
						}
					}
					copy(lf.EncoderWeights[:last], one[0].EncoderWeights[:last])
					compareForecasts(t, "lean", lf, &one[0], 0)
				}
				compareForecasts(t, "batched full", &pair[0], &one[0], 0)
			}
		})
	}
}

// TestStreamWindow: Window gives the rows the stream holds, oldest first,
// as the batch path's window of the same tick, before and after the ring
// wraps, for full and lean streams.
func TestStreamWindow(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 9)
			if err != nil {
				t.Fatal(err)
			}
			ser := randomSeries(&m.cfg, 2*c.EncoderLen+3, rand.New(rand.NewPCG(5, 5)))
			full, err := m.NewStream(ser.static)
			if err != nil {
				t.Fatal(err)
			}
			lean, err := m.NewLeanStream(ser.static)
			if err != nil {
				t.Fatal(err)
			}
			var buf []float64
			for tick, row := range ser.rows {
				for _, s := range []*Stream{full, lean} {
					if err := s.Push(row); err != nil {
						t.Fatal(err)
					}
					buf = s.Window(buf)
					from := max(0, tick-c.EncoderLen+1)
					var want []float64
					for p := from; p <= tick; p++ {
						want = append(want, ser.rows[p]...)
					}
					if len(buf) != len(want) {
						t.Fatalf("tick %d: window of %d values, want %d", tick, len(buf), len(want))
					}
					for i := range want {
						if buf[i] != want[i] {
							t.Fatalf("tick %d: window value %d is %v, want %v", tick, i, buf[i], want[i])
						}
					}
				}
			}
		})
	}
}

// TestCompactStreamNearLean: a compact stream keeps its ring in float32,
// so its forecasts are a lean stream's up to float32 rounding of the rows
// and embeddings it stores, and its window is the rows rounded to float32.
func TestCompactStreamNearLean(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 3)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(8, 9))
			ser := randomSeries(&m.cfg, 50, rng)
			lean, err := m.NewLeanStream(ser.static)
			if err != nil {
				t.Fatal(err)
			}
			compact, err := m.NewCompactStream(ser.static)
			if err != nil {
				t.Fatal(err)
			}
			if compact.st.raw != nil || compact.st.emb != nil || len(compact.st.raw32) != len(lean.st.raw) || len(compact.st.emb32) != len(lean.st.emb) {
				t.Fatalf("compact ring: %d and %d float64s, %d and %d float32s", len(compact.st.raw), len(compact.st.emb), len(compact.st.raw32), len(compact.st.emb32))
			}
			ws := m.NewWorkspace()
			out := m.NewForecasts(2)
			differ := false
			for tick := range 50 {
				for _, s := range []*Stream{lean, compact} {
					if err := s.Push(ser.rows[tick]); err != nil {
						t.Fatal(err)
					}
					if tick%7 == 3 {
						if err := s.ReplaceLast(ser.rows[(tick+1)%50]); err != nil {
							t.Fatal(err)
						}
					}
				}
				win := compact.Window(nil)
				for i, x := range lean.Window(nil) {
					if want := float64(float32(x)); win[i] != want {
						t.Fatalf("tick %d: compact window value %d is %v, want %v (float32 of %v)", tick, i, win[i], want, x)
					}
				}
				if !lean.Ready() || tick%3 == 1 {
					continue
				}
				if err := m.ForecastStreams(ws, []*Stream{lean, compact}, [][]float64{ser.dec[tick], ser.dec[tick]}, out); err != nil {
					t.Fatal(err)
				}
				compareForecasts(t, "compact", &out[1], &out[0], 1e-5)
				differ = differ || maxDiff(out[1].Quantiles, out[0].Quantiles) > 0
			}
			if !differ {
				t.Error("the compact stream's quantiles equal the lean one's to the last bit on every tick: is its ring float32?")
			}
		})
	}
}

// TestSettleStreamsSameBits: a stream settled after every push (and
// before a ReplaceLast, which must select the row again) forecasts the
// same bits as one that selects its rows only when it forecasts (the
// first forecast then selects a whole window in blocks), for full, lean
// and compact streams.
func TestSettleStreamsSameBits(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 4)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(8, 10))
			ser := randomSeries(&m.cfg, 50, rng)
			ws := m.NewWorkspace()
			for kind, newStream := range map[string]func([]float64) (*Stream, error){
				"full": m.NewStream, "lean": m.NewLeanStream, "compact": m.NewCompactStream,
			} {
				plain, err := newStream(ser.static)
				if err != nil {
					t.Fatal(err)
				}
				settled, err := newStream(ser.static)
				if err != nil {
					t.Fatal(err)
				}
				out := m.NewForecasts(2)
				forecasts := 0
				for tick := range 50 {
					for _, s := range []*Stream{plain, settled} {
						if err := s.Push(ser.rows[tick]); err != nil {
							t.Fatal(err)
						}
						if s == settled && tick%2 == 0 {
							m.SettleStreams(ws, []*Stream{s})
						}
						if tick%7 == 3 {
							if err := s.ReplaceLast(ser.rows[(tick+1)%50]); err != nil {
								t.Fatal(err)
							}
						}
						if s == settled && tick%5 != 4 {
							m.SettleStreams(ws, []*Stream{s})
							if !s.st.ready || s.st.pending != 0 {
								t.Fatalf("%s, tick %d: settled, the stream has %d rows pending (static context ready: %v)", kind, tick, s.st.pending, s.st.ready)
							}
						}
					}
					if !plain.Ready() || tick%3 == 1 {
						continue
					}
					if err := m.ForecastStreams(ws, []*Stream{plain, settled}, [][]float64{ser.dec[tick], ser.dec[tick]}, out); err != nil {
						t.Fatal(err)
					}
					compareForecasts(t, kind+" settled", &out[1], &out[0], 0)
					forecasts++
				}
				if forecasts == 0 {
					t.Fatalf("%s: no forecast compared", kind)
				}
			}
		})
	}
}

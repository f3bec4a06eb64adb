package tft

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
	"github.com/chakra-tui/chakra-tui/detector/internal/cputime"
)

// benchConfig is the detector's vitals model (as detector.NetConfig
// builds it): the default size (H = 16, 4 heads, input size 8, encoder 30,
// decoder 1) with 7 static, 11 encoder and 3 decoder variables and 4
// targets.
func benchConfig() Config {
	c := DefaultConfig()
	c.Static = []Variable{Real("age"), Categorical("fitness", 3), Real("resting_hr"), Real("hr_max"),
		Real("mass"), Real("acclimatised"), Real("base_core_temp")}
	c.Encoder = []Variable{Real("heart_rate"), Real("stamina"), Real("core_temp"), Real("spo2"),
		Real("d_heart_rate"), Real("d_stamina"), Real("d_core_temp"), Real("d_spo2"),
		Categorical("phase", 5), Categorical("imputed", 2), Real("ambient")}
	c.Decoder = []Variable{Categorical("phase", 5), Categorical("next_phase", 5), Real("ambient")}
	c.Targets = []string{"heart_rate", "stamina", "core_temp", "spo2"}
	return c
}

var (
	sinkForecast *Forecast
	sinkErr      error
	sinkLoss     float64
)

func benchForecastBatch(b *testing.B, n int) {
	m, err := New(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	ds := randomExamples(&m.cfg, n, 2)
	ins := make([]Input, n)
	for i := range ds {
		ins[i] = ds[i].Input
	}
	ws := m.NewWorkspace()
	out := m.NewForecasts(n)
	if err := m.ForecastBatch(ws, ins, out); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sinkErr = m.ForecastBatch(ws, ins, out)
	}
	b.StopTimer()
	perWindow := float64(b.Elapsed().Nanoseconds()) / float64(b.N*n)
	b.ReportMetric(perWindow, "ns/window")
	b.ReportMetric(1e9/perWindow, "windows/s")
	b.ReportMetric(float64(m.NumParams()), "params")
	b.ReportMetric(float64(m.Cost().Window), "MACs/window")
	sinkForecast = &out[0]
}

func BenchmarkForecastBatch1(b *testing.B)   { benchForecastBatch(b, 1) }
func BenchmarkForecastBatch100(b *testing.B) { benchForecastBatch(b, 100) }

// benchStreams pushes one row into each of n ready streams and forecasts
// them all as one batch, as a scorer does every tick.
func benchStreams(b *testing.B, n int) {
	m, err := New(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	const ticks = 64
	ser := make([]series, n)
	ss := make([]*Stream, n)
	decs := make([][]float64, n)
	for i := range ss {
		ser[i] = randomSeries(&m.cfg, ticks, rng)
		ss[i], _ = m.NewStream(ser[i].static)
		for _, r := range ser[i].rows[:m.cfg.EncoderLen] {
			_ = ss[i].Push(r)
		}
		decs[i] = ser[i].dec[0]
	}
	ws := m.NewWorkspace()
	out := m.NewForecasts(n)
	if err := m.ForecastStreams(ws, ss, decs, out); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	tick := 0
	for b.Loop() {
		for i, s := range ss {
			_ = s.Push(ser[i].rows[tick%ticks])
			decs[i] = ser[i].dec[tick%ticks]
		}
		sinkErr = m.ForecastStreams(ws, ss, decs, out)
		tick++
	}
	b.StopTimer()
	perWindow := float64(b.Elapsed().Nanoseconds()) / float64(b.N*n)
	b.ReportMetric(perWindow, "ns/window")
	b.ReportMetric(1e9/perWindow, "windows/s")
	b.ReportMetric(float64(m.Cost().StreamStep), "MACs/window")
	sinkForecast = &out[0]
}

func BenchmarkStreamStep(b *testing.B)    { benchStreams(b, 1) }
func BenchmarkStreamTick100(b *testing.B) { benchStreams(b, 100) }

// benchFleet forecasts one tick of n compact streams per iteration as the
// detector does at scale: in groups of 4 096 (the monitor's chunk), each
// group's streams forecast in calls of 256 (the detector's forecastChunk),
// then one row pushed into each (after scoring). With 50 000 streams
// (≈ 250 MB of state) every stream's state comes from memory, as in the
// 50 000-soldier server; with 100 it stays in the cache. The streams share
// 64 random series, so the inputs themselves stay in the cache.
func benchFleet(b *testing.B, n int) {
	m, err := New(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	const ticks, kinds, group, call = 64, 64, 4096, 256
	ser := make([]series, kinds)
	for i := range ser {
		ser[i] = randomSeries(&m.cfg, ticks, rng)
	}
	ss := make([]*Stream, n)
	decs := make([][]float64, n)
	for i := range ss {
		ss[i], _ = m.NewCompactStream(ser[i%kinds].static)
	}
	ws := m.NewWorkspace()
	out := m.NewForecasts(call)
	tick := 0
	step := func() {
		for g := 0; g < n; g += group {
			gs := ss[g:min(g+group, n)]
			for c := 0; c < len(gs); c += call {
				cs := gs[c:min(c+call, len(gs))]
				for i := range cs {
					decs[g+c+i] = ser[(g+c+i)%kinds].dec[tick%ticks]
				}
				sinkErr = m.ForecastStreams(ws, cs, decs[g+c:g+c+len(cs)], out)
			}
			for i, s := range gs {
				_ = s.Push(ser[(g+i)%kinds].rows[tick%ticks])
			}
		}
		tick++
	}
	for tick < m.cfg.EncoderLen { // fill the windows
		for i, s := range ss {
			_ = s.Push(ser[i%kinds].rows[tick%ticks])
		}
		tick++
	}
	m.SettleStreams(ws, ss)
	step()
	if sinkErr != nil {
		b.Fatal(sinkErr)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cputime.Thread()
	for b.Loop() {
		step()
	}
	b.StopTimer()
	b.ReportMetric(float64(cputime.Thread()-c0)/float64(b.N*n), "cpu-ns/window")
	perWindow := float64(b.Elapsed().Nanoseconds()) / float64(b.N*n)
	b.ReportMetric(perWindow, "ns/window")
	sinkForecast = &out[0]
}

func BenchmarkFleetTick100(b *testing.B) { benchFleet(b, 100) }
func BenchmarkFleetTick50k(b *testing.B) { benchFleet(b, 50000) }

// BenchmarkFleetTick200k is a fleet whose streams (≈ 1 GB) do not fit in
// the last-level cache of any machine this runs on (260 MB here), so that
// every stream's state is read from memory, as in a server whose heap
// holds everything else besides.
func BenchmarkFleetTick200k(b *testing.B) { benchFleet(b, 200000) }

// benchTrainStep runs one minibatch of 64 (forward, backward, gradient sum,
// clipping, Adam) on the given number of workers.
func benchTrainStep(b *testing.B, workers int) {
	m, err := New(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	const bs = 64
	ds := randomExamples(&m.cfg, bs, 5)
	idx := make([]int, bs)
	for i := range idx {
		idx[i] = i
	}
	pl := newPool(m, workers, workers)
	adam := autodiff.NewAdam(len(m.params), 1e-3, 0.9, 0.999, 1e-8)
	grad := make([]float64, len(m.params))
	step := func() {
		loss, obs, err := pl.run(ds, idx, true)
		if err != nil {
			b.Fatal(err)
		}
		pl.sumGrads(grad)
		for i := range grad {
			grad[i] /= float64(obs * len(m.cfg.Quantiles))
		}
		autodiff.ClipGlobalNorm(grad, 1)
		adam.Step(m.params, grad)
		sinkLoss = loss
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*bs), "ns/example")
}

func BenchmarkTrainStep1Worker(b *testing.B)  { benchTrainStep(b, 1) }
func BenchmarkTrainStep2Workers(b *testing.B) { benchTrainStep(b, 2) }

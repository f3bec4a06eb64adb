package tft

import (
	"testing"
)

// benchConfig is a vitals-sized model: the default size (H = 16, 4 heads,
// input size 8, encoder 30, decoder 1) with 6 static, 10 encoder and 3
// decoder variables and 4 targets.
func benchConfig() Config {
	c := DefaultConfig()
	c.Static = []Variable{Real("age"), Categorical("fitness", 3), Real("rest_hr"), Real("hr_max"), Real("mass"), Real("acclimatisation")}
	c.Encoder = []Variable{Real("hr"), Real("stamina"), Real("core_temp"), Real("spo2"),
		Real("hr_missing"), Real("stamina_missing"), Real("core_temp_missing"), Real("spo2_missing"),
		Categorical("phase", 5), Real("ambient")}
	c.Decoder = []Variable{Categorical("phase", 5), Categorical("next_phase", 5), Real("ambient")}
	c.Targets = []string{"hr", "stamina", "core_temp", "spo2"}
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
	sinkForecast = &out[0]
}

func BenchmarkForecastBatch1(b *testing.B)   { benchForecastBatch(b, 1) }
func BenchmarkForecastBatch100(b *testing.B) { benchForecastBatch(b, 100) }

package detector

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/internal/cputime"
	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

var sinkVerdicts []Verdict

// windowKeep is the number of rows the bench feed keeps per soldier window,
// as the simulation driver of training and evaluation does.
const windowKeep = 32

// benchFeed produces consecutive ticks of synthetic readings for n soldiers
// and keeps their windows, as the feature store would.
type benchFeed struct {
	t    int64
	r    *rand.Rand
	bufs [][]engine.Observation
	ws   []featurestore.Window
}

func newBenchFeed(n int) *benchFeed {
	f := &benchFeed{r: rand.New(rand.NewPCG(7, 7)), bufs: make([][]engine.Observation, n), ws: make([]featurestore.Window, n)}
	for i := range f.bufs {
		f.bufs[i] = make([]engine.Observation, 0, 2*windowKeep)
		f.ws[i].Profile = engine.DefaultProfile(engine.SoldierID(i + 1))
	}
	return f
}

// next appends one tick to every soldier's window.
func (f *benchFeed) next() []featurestore.Window {
	for i := range f.bufs {
		o := engine.Observation{Soldier: engine.SoldierID(i + 1), T: f.t, Phase: engine.PhasePatrol, NextPhase: engine.PhasePatrol, Ambient: 22}
		o.Values = [engine.NumVitals]float64{math.Round(100 + 3*f.r.NormFloat64()), 90 + math.Round(f.r.NormFloat64()), 37.5 + 0.01*math.Round(f.r.NormFloat64()), math.Round(97 + 0.5*f.r.NormFloat64())}
		b := f.bufs[i]
		if len(b) == cap(b) {
			b = b[:copy(b, b[len(b)-windowKeep+1:])]
		}
		b = append(b, o)
		f.bufs[i] = b
		f.ws[i].Rows = b[max(0, len(b)-windowKeep):]
	}
	f.t++
	return f.ws
}

// benchScore scores batches of n soldiers' windows, one tick per iteration.
func benchScore(b *testing.B, sc Scorer, n int) {
	f := newBenchFeed(n)
	dst := make([]Verdict, 0, n)
	var err error
	for range 64 { // warm up every stream and the workspaces
		if dst, err = sc.Score(f.next(), dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		dst, err = sc.Score(f.next(), dst[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	sinkVerdicts = dst
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "windows/s")
}

func benchTFT(b *testing.B, n int) {
	m, err := EmbeddedModel()
	if err != nil {
		m = untrainedModel(b) // same cost; before the first `make model`
	}
	sc, err := NewTFT(WithModel(m))
	if err != nil {
		b.Fatal(err)
	}
	benchScore(b, sc, n)
}

func benchZScore(b *testing.B, n int) {
	sc, err := NewZScore()
	if err != nil {
		b.Fatal(err)
	}
	benchScore(b, sc, n)
}

func benchThreshold(b *testing.B, n int) {
	sc, err := NewThreshold()
	if err != nil {
		b.Fatal(err)
	}
	benchScore(b, sc, n)
}

// benchFleet scores n soldiers a tick with compact state and no alert
// (as BenchmarkScoreTFTTick100Quiet), in groups of 4 096 windows as the
// monitor calls the scorer at scale: with 50 000
// soldiers every soldier's state (stream, history, core) comes from memory,
// as in the 50 000-soldier server. The warm-up is the windows' 30 rows and
// two forecasts.
func benchFleet(b *testing.B, n int) {
	m, err := EmbeddedModel()
	if err != nil {
		m = untrainedModel(b)
	}
	inf := math.Inf(1) // no alert opens, as for most soldiers of a fleet
	sc, err := NewTFT(WithModel(m), WithCompactState(true),
		WithOpenLevels([engine.NumVitals]float64{inf, inf, inf, inf}), WithPopulationPrior(false))
	if err != nil {
		b.Fatal(err)
	}
	const group = 4096
	f := newBenchFeed(n)
	dst := make([]Verdict, 0, group)
	tick := func() {
		ws := f.next()
		for g := 0; g < n; g += group {
			dst, err = sc.Score(ws[g:min(g+group, n)], dst[:0])
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	for range 32 {
		tick()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cputime.Thread()
	for b.Loop() {
		tick()
	}
	b.StopTimer()
	b.ReportMetric(float64(cputime.Thread()-c0)/float64(b.N*n), "cpu-ns/window")
	sinkVerdicts = dst
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/window")
}

func BenchmarkScoreTFTFleet100(b *testing.B) { benchFleet(b, 100) }
func BenchmarkScoreTFTFleet50k(b *testing.B) { benchFleet(b, 50000) }

func BenchmarkScoreTFTWindow(b *testing.B)        { benchTFT(b, 1) }
func BenchmarkScoreTFTTick100(b *testing.B)       { benchTFT(b, 100) }
func BenchmarkScoreZScoreTick100(b *testing.B)    { benchZScore(b, 100) }
func BenchmarkScoreThresholdTick100(b *testing.B) { benchThreshold(b, 100) }

// BenchmarkAttribution is the cost of one alert's attribution (1 + 11 + 10
// occluded forecasts of one window, ForecastShared) on the embedded model.
// Each iteration also forecasts the same window once (Model.Forecast,
// nothing cached), timed apart, so the attribution is reported as a ratio
// to a forecast measured alongside it on a shared machine: attr-ns,
// window-ns and attr/window in wall time, attr-cpu-ns and cpu-attr/window
// in the thread's CPU time (the goroutine locked to its thread; time other
// processes took the core is not counted); ns/op is both together.
func BenchmarkAttribution(b *testing.B) {
	sc, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	c := sc.(*core)
	f := newBenchFeed(1)
	for range 40 {
		if sinkVerdicts, err = c.Score(f.next(), sinkVerdicts[:0]); err != nil {
			b.Fatal(err)
		}
	}
	ws := f.next()
	s := c.soldiers[ws[0].Rows[0].Soldier]
	j := &job{s: s, obs: &ws[0].Rows[len(ws[0].Rows)-1]}
	ev := Evidence{Check: CheckBand, Vital: engine.HeartRate, Value: 200, Lo: 90, Hi: 110}
	at := c.f.(attributor)
	tf := c.f.(*tftForecaster)
	ts := s.series.(*tftSeries)
	in := tft.Input{Static: ts.static[:], Encoder: ts.st.Window(nil), Decoder: make([]float64, numDecoder)}
	decoderRow(j.obs, in.Decoder)
	out := tf.net.NewForecasts(1)
	wsp := tf.net.NewWorkspace()
	var attr, win, attrCPU, winCPU time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c0, t0 := cputime.Thread(), time.Now()
		if at.attribute(j, &ev) == nil {
			b.Fatal("no attribution")
		}
		c1, t1 := cputime.Thread(), time.Now()
		if err := tf.net.Forecast(wsp, &in, &out[0]); err != nil {
			b.Fatal(err)
		}
		c2, t2 := cputime.Thread(), time.Now()
		attr, win = attr+t1.Sub(t0), win+t2.Sub(t1)
		attrCPU, winCPU = attrCPU+c1-c0, winCPU+c2-c1
	}
	b.ReportMetric(float64(attr.Nanoseconds())/float64(b.N), "attr-ns")
	b.ReportMetric(float64(win.Nanoseconds())/float64(b.N), "window-ns")
	b.ReportMetric(float64(attr)/float64(win), "attr/window")
	b.ReportMetric(float64(attrCPU.Nanoseconds())/float64(b.N), "attr-cpu-ns")
	b.ReportMetric(float64(attrCPU)/float64(winCPU), "cpu-attr/window")
}

// BenchmarkScoreTFTTick100Quiet scores 100 soldiers a tick with every
// channel's open level infinite, so no alert opens: what every verdict
// without an alert costs (attribution runs only at an opening).
func BenchmarkScoreTFTTick100Quiet(b *testing.B) {
	m, err := EmbeddedModel()
	if err != nil {
		m = untrainedModel(b)
	}
	inf := math.Inf(1)
	sc, err := NewTFT(WithModel(m), WithOpenLevels([engine.NumVitals]float64{inf, inf, inf, inf}), WithPopulationPrior(false))
	if err != nil {
		b.Fatal(err)
	}
	benchScore(b, sc, 100)
}

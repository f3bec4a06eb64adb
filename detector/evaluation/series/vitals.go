package series

import (
	"fmt"
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// vitalsWindow is how many recent rows are handed to a monitor scorer
// (enough for the embedded model's encoder and its catch-up logic).
const vitalsWindow = 64

// scorerRaw adapts one of the monitor's scorers (detector.Scorer: the
// embedded vitals TFT, or the threshold and z-score baselines) to a
// RawScorer for heart-rate-like CSV data. Each row becomes one heart-rate
// observation of one soldier with the default profile at rest (the other
// vitals missing), at tick = whole seconds since the first row (one more
// than the previous tick when timestamps repeat or step back); the raw
// score is |Out| of the heart-rate verdict, the distance outside the
// model's calibrated band in band widths.
type scorerRaw struct {
	sc    detector.Scorer
	win   featurestore.Window
	start time.Time
	tick  int64
	dst   []detector.Verdict
}

func newScorerRaw(sc detector.Scorer) *scorerRaw {
	return &scorerRaw{sc: sc, win: featurestore.Window{Profile: engine.DefaultProfile(1)}, tick: -1}
}

// ObserveRaw implements RawScorer.
func (r *scorerRaw) ObserveRaw(t time.Time, x float64, ok bool) (float64, bool) {
	if r.start.IsZero() {
		r.start = t
	}
	tick := int64(t.Sub(r.start) / time.Second)
	if tick <= r.tick {
		tick = r.tick + 1
	}
	r.tick = tick
	o := engine.Observation{Soldier: 1, T: tick, Phase: engine.PhaseRest, NextPhase: engine.PhaseRest, Ambient: 20}
	for v := range engine.Vital(engine.NumVitals) {
		if v != engine.HeartRate || !ok {
			o.SetMissing(v)
		}
	}
	if ok {
		o.Values[engine.HeartRate] = x
	}
	if len(r.win.Rows) == vitalsWindow {
		r.win.Rows = append(r.win.Rows[:0], r.win.Rows[1:]...)
	}
	r.win.Rows = append(r.win.Rows, o)
	var err error
	r.dst, err = r.sc.Score([]featurestore.Window{r.win}, r.dst[:0])
	if err != nil || len(r.dst) != 1 || !ok {
		return 0, false
	}
	v := r.dst[0]
	if v.State == detector.StateWarmingUp || v.State == detector.StateNoData {
		return 0, false
	}
	out := v.Vitals[engine.HeartRate].Out
	if math.IsNaN(out) {
		return 0, false
	}
	return math.Abs(out), true
}

// VitalsFactory scores heart-rate-like series with one of the monitor's
// scorers (newScorer is called once per stream, e.g. detector.Default for
// the embedded vitals model) wrapped in the Likelihood post-processor.
func VitalsFactory(newScorer func() (detector.Scorer, error), opts ...Option) Factory {
	return Factory{Name: "vitals", New: func(info Info) (Detector, error) {
		sc, err := newScorer()
		if err != nil {
			return nil, fmt.Errorf("vitals scorer: %w", err)
		}
		return NewLikelihood(newScorerRaw(sc), info, opts...), nil
	}}
}

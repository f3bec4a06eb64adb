package detector

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/detector/tft"
)

// Attribution by occlusion (see Attribution). When an incident opens on a
// forecast check (band or drift), the TFT forecasts the scored tick again
// 1 + V + T/attrBlock times as one batch: the window as fed (which
// reproduces the stream's forecast), then each of the V encoder variables
// held neutral over the window, then each block of attrBlock past ticks
// replaced by the row before the block (nothing new happened in it). The
// attribution of an occlusion is the change of the bound the reading fell
// outside (q98 above the band, q02 below, the median for
// a drift), in the vital's unit, signed so that + moved the bound towards
// the reading. Nothing of this runs for verdicts without an opening.
//
// Cost: 1 + 11 + 10 forecasts of a 30-tick window as one batch, each
// distinct encoder row's variable selection computed once (ForecastShared;
// BenchmarkAttribution against BenchmarkAttributionWindow, one forecast).

// attrBlock is how many past ticks one time occlusion covers: the time
// strip's resolution, traded against cost (each block is one forecast).
const attrBlock = 3

// attrForecast runs an attribution's batch: ForecastShared, which runs
// each distinct encoder row's variable selection once (the occlusions
// repeat most rows) and gives ForecastBatch's results bit for bit (a test
// swaps in ForecastBatch and compares).
var attrForecast = (*tft.Model).ForecastShared

// attrWork is the reusable workspace of one attribution.
type attrWork struct {
	ws     *tft.Workspace
	in     []tft.Input
	enc    []float64 // the window's encoder rows, [T × V]
	occl   []float64 // every occluded window, [(V+T) × T × V]
	out    []tft.Forecast
	static []float64
	dec    []float64
}

// neutral is what an occluded variable is held at over the window: its
// value in the window's oldest row (as if it had not moved since).
func neutral(i int, oldest []float64) float64 { return oldest[i] }

func (f *tftForecaster) attribute(j *job, ev *Evidence) *Attribution {
	if !f.explain || (ev.Check != CheckBand && ev.Check != CheckDrift && ev.Check != CheckCusum) {
		return nil
	}
	s := j.s.series.(*tftSeries)
	if !s.st.Ready() {
		return nil
	}
	w, _ := f.attr.Get().(*attrWork)
	if w == nil {
		w = &attrWork{ws: f.net.NewWorkspace()}
	}
	defer f.attr.Put(w)
	T, V := f.te, numEncoder
	nb := (T + attrBlock - 1) / attrBlock
	n := 1 + V + nb
	if len(w.out) < n {
		w.out = f.net.NewForecasts(n)
		w.in = make([]tft.Input, n)
		w.enc = make([]float64, T*V)
		w.occl = make([]float64, (V+nb)*T*V)
		w.static = make([]float64, numStatic)
		w.dec = make([]float64, numDecoder)
	}
	copy(w.static, s.static[:])
	decoderRow(j.obs, w.dec)
	// The window as the stream holds it, oldest row first.
	if w.enc = s.st.Window(w.enc[:0]); len(w.enc) != T*V {
		return nil
	}
	w.in[0] = tft.Input{Static: w.static, Encoder: w.enc, Decoder: w.dec}
	oldest := w.enc[:V]
	for vi := range V {
		e := w.occl[vi*T*V : (vi+1)*T*V]
		copy(e, w.enc)
		x := neutral(vi, oldest)
		for k := range T {
			e[k*V+vi] = x
		}
		w.in[1+vi] = tft.Input{Static: w.static, Encoder: e, Decoder: w.dec}
	}
	for bk := range nb {
		e := w.occl[(V+bk)*T*V : (V+bk+1)*T*V]
		copy(e, w.enc)
		k0 := bk * attrBlock
		src := w.enc[max(k0-1, 0)*V : (max(k0-1, 0)+1)*V]
		for k := k0; k < min(k0+attrBlock, T); k++ {
			copy(e[k*V:(k+1)*V], src)
		}
		w.in[1+V+bk] = tft.Input{Static: w.static, Encoder: e, Decoder: w.dec}
	}
	if err := attrForecast(f.net, w.ws, w.in[:n], w.out[:n]); err != nil {
		// The inputs are built here to fit the model.
		panic(fmt.Sprintf("detector: TFT attribution: %v", err))
	}
	v := int(ev.Vital)
	q, target, dir := NumQuantiles-1, "q98", 1.0
	switch {
	case ev.Check == CheckDrift || ev.Check == CheckCusum:
		q, target = 2, "median"
		if ev.Value < 0 {
			dir = -1
		}
	case ev.Value < ev.Lo:
		q, target, dir = 0, "q02", -1
	}
	// The forecast of the bound is the newest row's level plus the
	// network's change: an occlusion moves both.
	scale := s.n.scale[v]
	bound := func(k int) float64 {
		e := w.in[k].Encoder[(T-1)*V:]
		return s.n.level(v, e) + w.out[k].Band(0, v)[q]/scale
	}
	base := bound(0)
	a := &Attribution{Vital: ev.Vital, Target: target, VarNames: f.varNames, Bound: base,
		Vars: make([]float64, V), Steps: make([]float64, nb), Block: attrBlock}
	for i := range V {
		a.Vars[i] = dir * (bound(1+i) - base)
	}
	for bk := range nb {
		a.Steps[bk] = dir * (bound(1+V+bk) - base)
	}
	// The scored reading against the forecast median: what the excursion
	// would lose if the reading were what the forecast expected.
	med := s.n.level(v, w.in[0].Encoder[(T-1)*V:]) + w.out[0].Band(0, v)[2]/scale
	a.Now = dir * (j.obs.Values[v] - med)
	for i := range a.Vars {
		if math.IsNaN(a.Vars[i]) {
			a.Vars[i] = 0
		}
	}
	return a
}

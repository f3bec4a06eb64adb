package detector

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// normalZ are the standard-normal quantiles of QuantileLevels.
var normalZ = [NumQuantiles]float64{-2.053748910631823, -1.2815515655446004, 0, 1.2815515655446004, 2.053748910631823}

// zscore is the rolling z-score forecaster: each vital's next reading is
// forecast as normal with the mean and standard deviation of the soldier's
// last n readings that were not imputed.
type zscore struct {
	n     int
	floor [engine.NumVitals]float64
}

// DefaultZWindow is the rolling z-score's default window, in rows.
const DefaultZWindow = 60

// NewZScore returns the rolling z-score baseline ("zscore"): per soldier and
// vital, the band is mean ± z·sd of the last WithWindow rows (default
// DefaultZWindow) with z at the 2 % and 98 % normal quantiles, the band
// width floored at the sensor noise (WithNoiseFloor). Its open levels
// default to 1 band-width; calibrate them with training.Calibrate.
func NewZScore(opts ...Option) (Scorer, error) {
	o := buildOptions(opts)
	z := &zscore{n: DefaultZWindow, floor: DefaultNoiseFloor()}
	if o.window != 0 {
		z.n = o.window
	}
	if z.n < 2 || z.n > histCap {
		return nil, fmt.Errorf("%w: z-score window %d (want 2 to %d)", ErrConfig, z.n, histCap)
	}
	if o.floor != nil {
		z.floor = *o.floor
	}
	return newBaselineCore("zscore", z, z.floor, &o)
}

// newBaselineCore builds the core of a statistical baseline whose forecast
// is f: the alert configuration from o (WithAlertConfig, then WithOpen),
// imputation unless WithImpute(false), and o's glitch check and population
// prior, as every scorer gets them.
func newBaselineCore(name string, f forecaster, floor [engine.NumVitals]float64, o *options) (*core, error) {
	cfg := DefaultAlertConfig()
	if o.alerts != nil {
		cfg = *o.alerts
	}
	if o.open != nil {
		cfg.Open = *o.open
	}
	if o.impute != nil && !*o.impute {
		f = noImpute{f}
	}
	return newCore(name, f, cfg, floor, o.glitch, o)
}

func (z *zscore) warmup() int                            { return z.n }
func (z *zscore) newSeries(*engine.Profile) any          { return nil }
func (z *zscore) resetSeries(any)                        {}
func (z *zscore) push(*soldier, *row)                    {}
func (z *zscore) imputes() bool                          { return true }
func (z *zscore) historyRows() int                       { return histCap }
func (z *zscore) drift(engine.Phase, int) (int, float64) { return 0, 0 }

func (z *zscore) forecast(jobs []*job) {
	for _, j := range jobs {
		h := &j.s.hist
		for v := range engine.NumVitals {
			// Welford over the last n readings that were not imputed
			// (looking back at most the whole history), so an open alert's
			// imputed rows neither shift the mean nor shrink the spread.
			var mean, m2 float64
			k := 0
			for i := 0; i < h.n && k < z.n; i++ {
				if h.imputed(i).Has(engine.Vital(v)) {
					continue
				}
				x := h.value(i, v)
				k++
				d := x - mean
				mean += d / float64(k)
				m2 += d * (x - mean)
			}
			if k < 2 {
				j.fc[v] = vitalForecast{}
				continue
			}
			sd := math.Sqrt(m2 / float64(k-1))
			fc := vitalForecast{ok: true}
			for q := range fc.q {
				fc.q[q] = mean + normalZ[q]*sd
			}
			fc.setBand(z.floor[v])
			j.fc[v] = fc
		}
	}
}

// noImpute wraps a forecaster so that open alerts do not impute.
type noImpute struct{ forecaster }

func (noImpute) imputes() bool { return false }

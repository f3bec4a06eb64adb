package detector

import (
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Rule is one row of the fixed-threshold baseline's table: a vital is out
// of band below Low or above High, and Out counts how far in units of Scale.
type Rule struct {
	Vital     engine.Vital
	Low, High float64 // the band, in the vital's unit
	Scale     float64 // one "band-width" of Out, in the vital's unit
}

// ThresholdRules returns the prototype's fixed rule table, the limits a
// medic would set on a monitor:
//
//	vital        low     high    scale  reason
//	heart_rate   40 bpm  180 bpm 10 bpm  the prototype's HR > 180; bradycardia below 40
//	stamina      15      —       10      exhausted
//	core_temp    35 °C   39 °C   0.5 °C  heat strain from 39 °C; hypothermia below 35
//	spo2         90 %    —       2 %     hypoxaemia below 90 %
//
// A vital without a limit on one side uses the end of its range (stamina
// and SpO2 cannot exceed 100).
func ThresholdRules() [engine.NumVitals]Rule {
	return [engine.NumVitals]Rule{
		{Vital: engine.HeartRate, Low: 40, High: 180, Scale: 10},
		{Vital: engine.Stamina, Low: 15, High: 100, Scale: 10},
		{Vital: engine.CoreTemp, Low: 35, High: 39, Scale: 0.5},
		{Vital: engine.SpO2, Low: 90, High: 100, Scale: 2},
	}
}

// threshold is the fixed-threshold forecaster: the same band for every
// soldier at every tick.
type threshold struct {
	rules [engine.NumVitals]Rule
}

// NewThreshold returns the fixed-threshold baseline ("threshold"): a vital
// is out of band outside the rule table of ThresholdRules, and any
// excursion counts (open levels 0) unless WithOpenLevels says otherwise.
// Unlike the other scorers it judges no reading a sensor glitch (see
// GlitchConfig) unless WithGlitchConfig asks it to.
// Its verdicts carry the band in Forecast[0] (low) and Forecast[4] (high);
// the middle quantiles are NaN.
func NewThreshold(opts ...Option) (Scorer, error) {
	o := buildOptions(opts)
	cfg := DefaultAlertConfig()
	cfg.Open = [engine.NumVitals]float64{}
	if o.alerts != nil {
		cfg = *o.alerts
	}
	if o.open != nil {
		cfg.Open = *o.open
	}
	g := o.glitch
	if g == nil {
		// The prototype's rules know nothing of the sensor: no glitch
		// check unless asked for.
		off := DefaultGlitchConfig()
		for v := range off.MaxStep {
			off.MaxStep[v] = math.Inf(1)
		}
		g = &off
	}
	return newCore("threshold", &threshold{rules: ThresholdRules()}, cfg, [engine.NumVitals]float64{}, g, &o)
}

func (t *threshold) warmup() int                            { return 0 }
func (t *threshold) newSeries(*engine.Profile) any          { return nil }
func (t *threshold) resetSeries(any)                        {}
func (t *threshold) push(*soldier, *row)                    {}
func (t *threshold) imputes() bool                          { return false }
func (t *threshold) historyRows() int                       { return histCap }
func (t *threshold) drift(engine.Phase, int) (int, float64) { return 0, 0 }

func (t *threshold) forecast(jobs []*job) {
	nan := math.NaN()
	for _, j := range jobs {
		for v, r := range t.rules {
			j.fc[v] = vitalForecast{ok: true, q: Quantiles{r.Low, nan, nan, nan, r.High},
				lo: r.Low, hi: r.High, width: r.Scale}
		}
	}
}

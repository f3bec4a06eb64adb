package detector

import (
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Per-soldier band scale. The TFT's bands are learned on simulated soldiers;
// a real wearer can be noisier (seated adolescents in the ACTES recordings
// show a beat-to-beat spread four times the simulated one), and a band that
// is right for the simulation then raises an alert every few minutes on
// such a wearer. Each soldier therefore keeps, per vital, a running mean of
// its squared standardised residual z = (reading − median) / (band width /
// 4.107) — the 2–98 % band spans 4.107 standard deviations of a normal — and
// the forecast quantiles are stretched about the median by
// k = clamp(√mean, 1, dispMaxScale). The band only ever widens: on data like
// the training data the mean stays near or below 1 and nothing changes.
//
// Readings that could be the anomaly itself do not teach the scale: not
// while the vital's channel is open, not when the reading is missing, stuck
// or held; and each z² is clipped at dispClip² so the one or two ticks
// before an alert opens cannot inflate it. The mean starts from dispPrior
// pseudo-readings at z² = 1 — or, when the soldier's readings already
// scattered more than a simulated soldier's before the first forecast,
// at the ratio of its mean square one-tick change to a simulated soldier's
// (dispRefStep², see seed), so a noisy wearer does not raise alerts in
// the minutes the mean needs to learn — and then forgets with a time constant of
// dispTicks ticks, so it adapts within minutes but a sudden event is far
// faster than it.
const (
	dispPrior    = 30
	dispTicks    = 300
	dispClip     = 4.0
	dispMaxScale = 3.0
	dispSpan     = 4.107 // 2 × z(0.98)
)

// dispRefStep is the root-mean-square one-tick change of a simulated
// soldier's reading per vital (heart rate at rest to march, bpm; stamina;
// core temperature, °C; SpO2 rounded to whole %), against which seed
// measures a wearer's scatter; 0: not seeded.
var dispRefStep = [engine.NumVitals]float64{2.7, 0, 0.022, 0.85}

// seed returns the starting mean of vital v's z² for a wearer whose
// readings' mean square one-tick change is d2 (0: unknown).
func seed(v int, d2 float64) float64 {
	ref := dispRefStep[v]
	if ref == 0 || !(d2 > 0) {
		return 1
	}
	return min(max(d2/(ref*ref), 1), dispClip*dispClip)
}

// dispersion is one soldier's band-scale state.
type dispersion struct {
	mean [engine.NumVitals]float64 // running mean of clipped z² per vital
	n    [engine.NumVitals]int     // readings learned per vital
}

func (d *dispersion) reset() { *d = dispersion{} }

// scale returns the band stretch for vital v.
func (d *dispersion) scale(v int) float64 {
	if d.n[v] == 0 {
		return 1
	}
	return min(max(math.Sqrt(d.mean[v]), 1), dispMaxScale)
}

// learn folds in one reading x against the unstretched forecast's median
// and band width; start is the mean's starting value (see seed) when this
// is the vital's first reading.
func (d *dispersion) learn(v int, x, median, width, start float64) {
	if width <= 0 || math.IsNaN(x) || math.IsNaN(median) || math.IsNaN(width) {
		return
	}
	z := (x - median) / (width / dispSpan)
	z2 := min(z*z, dispClip*dispClip)
	if d.n[v] == 0 {
		d.mean[v] = start
	}
	d.n[v]++
	a := 1 / float64(min(d.n[v]+dispPrior, dispTicks))
	d.mean[v] += a * (z2 - d.mean[v])
}

package detector

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// GlitchConfig says what a sensor glitch looks like: a reading that jumps
// further in one tick than a body can move it. A wrist sensor's motion
// artefact (a jump or dip of tens of bpm, or an optical sensor locking onto
// the step cadence) starts and ends with such a step and stays flat in
// between; real physiology ramps: a tachycardia's onset (time constant
// 3 s) adds about a quarter of its 30–60 bpm in the first second and keeps
// climbing, a collapse falls the same way. So a step of at least MaxStep,
// or StepSD times the soldier's own typical one-tick change if that is
// larger (a noisy wearer's readings scatter by more than a body moves),
// opens a suspect stretch, and the readings in it are treated as missing
// (imputed from the forecast, not scored, not learnt) until one of:
//
//   - the body keeps moving the same way: within RampTicks after the step
//     the reading moves on by at least RampFrac of the step (a ramp, not a
//     plateau) — the stretch is withdrawn and the readings are scored;
//   - the reading comes back to within half the step of what the forecast
//     expects (the artefact ended);
//   - MaxTicks suspect ticks in a row: a step that lasts is taken as real,
//     and the next reAnchor readings are fed to the forecaster but not
//     scored, so the forecast, held on its own values all that time,
//     re-anchors on the new level instead of raising an alert against the
//     old one.
//
// After a gap of gapTicks or more missing readings (a partial dropout, a
// dropout) no step is judged across it and the first reAnchor readings
// re-anchor the forecast unscored as well.
//
// Single wild readings in the other vitals (Student-t noise) are handled
// the same way with their own steps. A level of +Inf turns a vital's check
// off (stamina: a crash is a genuine step).
type GlitchConfig struct {
	MaxStep   [engine.NumVitals]float64 // one-tick change that no body makes, in the vital's unit
	StepSD    float64                   // … or this many root-mean-square one-tick changes of the soldier
	Memory    float64                   // readings the mean square change remembers
	RampTicks int                       // ticks after the step in which a ramp withdraws the suspicion
	RampFrac  float64                   // a further move of this share of the step is a ramp
	MaxTicks  int                       // suspect ticks in a row after which the reading is believed
}

// DefaultGlitchConfig returns the glitch rules of every scorer: steps of
// 12 bpm, 0.1 °C or 4 % SpO2 in one second, or 5 root-mean-square changes
// over the last ≈ 120 readings; a ramp of 60 % of the step within 3 ticks is
// physiology; believed after 120 ticks.
func DefaultGlitchConfig() GlitchConfig {
	return GlitchConfig{
		MaxStep:   [engine.NumVitals]float64{12, math.Inf(1), 0.1, 4},
		StepSD:    5,
		Memory:    120,
		RampTicks: 3,
		RampFrac:  0.6,
		MaxTicks:  120,
	}
}

// Validate reports a configuration the glitch check cannot run.
func (c *GlitchConfig) Validate() error {
	for v, x := range c.MaxStep {
		if !(x > 0) {
			return fmt.Errorf("%w: glitch step %g for %s (want > 0; +Inf turns the check off)", ErrConfig, x, engine.Vital(v))
		}
	}
	switch {
	case !(c.StepSD >= 0):
		return fmt.Errorf("%w: glitch step sd %g (want ≥ 0)", ErrConfig, c.StepSD)
	case !(c.Memory >= 1):
		return fmt.Errorf("%w: glitch memory %g (want ≥ 1)", ErrConfig, c.Memory)
	case c.RampTicks < 0:
		return fmt.Errorf("%w: glitch ramp ticks %d (want ≥ 0)", ErrConfig, c.RampTicks)
	case !(c.RampFrac > 0):
		return fmt.Errorf("%w: glitch ramp fraction %g (want > 0)", ErrConfig, c.RampFrac)
	case c.MaxTicks < 1:
		return fmt.Errorf("%w: glitch max ticks %d (want ≥ 1)", ErrConfig, c.MaxTicks)
	}
	return nil
}

// glitchVital is one vital's glitch tracker of one soldier.
type glitchVital struct {
	prev    float64 // the previous reading (NaN: none)
	suspect bool
	step    float64 // the step that opened the stretch (signed)
	before  float64 // the reading before the step
	ticks   int     // ticks since the step
	d2      float64 // mean square one-tick change of trusted readings (0: none yet)
	anchor  int     // readings left to re-anchor on after a believed step or a gap
	gap     int     // consecutive missing readings
	// sinceAnchor counts the readings since the last one fed unscored
	// to re-anchor the forecast (0: that one). The drift check sums
	// one-step errors, and a re-anchoring jump is none of the soldier's:
	// a drift's horizon must not reach back over it (driftOf).
	sinceAnchor int
	// raw2 is the mean square one-tick change of every reading (each
	// change clipped at three steps), the wearer's scatter as the band
	// scale's seed sees it (dispersion.go).
	raw2 float64
	nraw int
}

// reAnchor is how many readings after a believed step, or after a gap of
// at least gapTicks missing readings, are fed but not scored: the forecast
// ran on its own values through the gap, and the body moved on meanwhile.
const (
	reAnchor = 2
	gapTicks = 5
)

// anchoring reports whether the reading just judged is fed to the
// forecaster without being scored (see reAnchor).
func (g *glitchVital) anchoring() bool { return g.anchor > 0 }

func (g *glitchVital) reset() { *g = glitchVital{prev: math.NaN()} }

// settle counts the reading just judged in sinceAnchor.
func (g *glitchVital) settle() {
	if g.anchor > 0 {
		g.sinceAnchor = 0
	} else {
		g.sinceAnchor++
	}
}

// limit returns the step that opens a suspect stretch.
func (g *glitchVital) limit(c *GlitchConfig, v engine.Vital) float64 {
	lim := c.MaxStep[v]
	if g.d2 > 0 {
		lim = max(lim, c.StepSD*math.Sqrt(g.d2))
	}
	return lim
}

// update judges reading x (miss: none) of vital v given the forecast
// median med (NaN: none) and reports whether it is a suspected glitch.
func (g *glitchVital) update(c *GlitchConfig, v engine.Vital, x, med float64, miss bool) bool {
	lim := c.MaxStep[v]
	if miss {
		if g.gap++; g.gap >= gapTicks {
			g.prev, g.suspect = math.NaN(), false // no step is judged across a gap
		}
		return g.suspect
	}
	if g.anchor > 0 {
		g.anchor--
	}
	if g.gap >= gapTicks {
		g.anchor = reAnchor
	}
	g.gap = 0
	defer g.settle()
	if math.IsInf(lim, 1) || math.IsNaN(lim) {
		g.prev = x
		return false
	}
	prev := g.prev
	g.prev = x
	if !math.IsNaN(prev) {
		d := min(math.Abs(x-prev), 3*c.MaxStep[v])
		g.nraw++
		g.raw2 += (d*d - g.raw2) / float64(min(g.nraw, int(c.Memory)))
	}
	if !g.suspect {
		d := x - prev
		if math.IsNaN(prev) {
			return false
		}
		if lim = g.limit(c, v); math.Abs(d) >= lim {
			g.suspect, g.step, g.before, g.ticks = true, d, prev, 1
			return true
		}
		// The mean square change learns from trusted changes only; the
		// first readings start it at once.
		a := 1 / c.Memory
		if g.d2 == 0 {
			a = 1
		}
		g.d2 += a * (d*d - g.d2)
		return false
	}
	g.ticks++
	dir := math.Copysign(1, g.step)
	moved := (x - g.before - g.step) * dir // further along the step's direction
	ref := g.before
	if !math.IsNaN(med) {
		ref = med
	}
	switch {
	case g.ticks <= c.RampTicks+1 && moved >= c.RampFrac*math.Abs(g.step):
		g.suspect = false // a ramp: the body is moving
	case math.Abs(x-ref) < math.Abs(g.step)/2:
		g.suspect = false // back where the soldier is expected
	case g.ticks > c.MaxTicks:
		g.suspect = false // a lasting step is believed
		g.anchor = reAnchor
	}
	return g.suspect
}

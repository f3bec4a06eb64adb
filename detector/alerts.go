package detector

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/chakra-tui/chakra-tui/engine"
)

// AlertConfig configures the alert state machine that every scorer shares:
// one mechanism, so the baselines and the TFT differ only in their bands.
//
// A physiological channel (one per vital) counts a tick as out of band when
// |Out| > Open[v]. It opens an alert when at least K of the last M ticks
// were out of band (persistence), and closes it only after |Out| stayed
// at or below ClearFrac·Open[v] for ClearTicks consecutive ticks with a
// reading (hysteresis). An infinite level disables the channel. Ticks without a reading neither count as out of band nor
// as calm.
//
// The dropout channel opens when every vital the soldier's kit measures
// has been missing for DropoutTicks consecutive ticks (the sensor, or its
// radio, silent), and closes after ClearTicks ticks with any reading. One
// vital missing while the others report (a partial dropout), or a short
// burst of lost readings, opens nothing: the verdict shows it as watch and
// the readings are imputed. The stuck channel opens as soon as a
// vital is judged stuck (see StuckConfig: that judgement already needs a
// run of repeats) and closes after ClearTicks ticks with none stuck.
type AlertConfig struct {
	Open       [engine.NumVitals]float64 // |Out| above which a tick is out of band, per vital
	K, M       int                       // persistence: K of the last M ticks out of band open an alert (1 ≤ K ≤ M ≤ 64)
	ClearFrac  float64                   // hysteresis: the calm level is ClearFrac·Open (0 < ClearFrac ≤ 1)
	ClearTicks int                       // consecutive calm ticks that close an alert
	// DropoutTicks is how many consecutive ticks with every measured vital
	// missing open a dropout alert (1 to 64; 0 means DefaultDropoutTicks,
	// as in model files written before the rule).
	DropoutTicks int
	// ImputeLevel: a reading further than ImputeLevel band-widths outside
	// the band is replaced by the forecast median in what the model is fed
	// for up to M consecutive ticks without an open alert (and for as long
	// as MaxImpute allows inside one), so single wild readings (motion
	// artefacts) and the first ticks of an anomaly do not drag the forecast
	// along, while a forecast that missed a legitimate change re-anchors
	// after M ticks instead of running away. It is fixed rather than tied
	// to the calibrated Open levels so that calibration records the scores
	// with the same imputation the scorer runs with.
	ImputeLevel float64
	// WildTicks bounds how many consecutive out-of-band readings outside
	// an alert are imputed (see ImputeLevel); 0 means M.
	WildTicks int
	// MaxImpute bounds how long an open alert keeps feeding the model its
	// own forecast instead of the readings: after MaxImpute ticks the
	// readings are fed again, so a lasting legitimate change re-anchors the
	// forecast and the alert can clear. 0 means no bound.
	MaxImpute int
	Stuck     StuckConfig
}

// DefaultDropoutTicks is the length of silence that is a dropout: every
// measured vital missing for 10 s. That is what the simulation's dropout
// label means; its bursts of lost readings (radio losses) last at most 9
// ticks and its partial dropouts leave some vital reporting.
const DefaultDropoutTicks = 10

// dropoutTicks returns DropoutTicks, or its default when 0.
func (c *AlertConfig) dropoutTicks() int {
	if c.DropoutTicks == 0 {
		return DefaultDropoutTicks
	}
	return c.DropoutTicks
}

// DefaultAlertConfig returns the persistence and hysteresis every scorer
// starts from; its Open levels are 1 band-width and are meant to be
// calibrated (see training.Calibrate).
func DefaultAlertConfig() AlertConfig {
	return AlertConfig{
		Open:         [engine.NumVitals]float64{1, 1, 1, 1},
		K:            2,
		M:            3,
		ClearFrac:    0.5,
		ClearTicks:   10,
		DropoutTicks: DefaultDropoutTicks,
		ImputeLevel:  0.25,
		MaxImpute:    300,
		Stuck:        DefaultStuckConfig(),
	}
}

// Validate reports a configuration the state machine cannot run.
func (c *AlertConfig) Validate() error {
	switch {
	case c.K < 1 || c.M < c.K || c.M > 64:
		return fmt.Errorf("%w: persistence %d of %d (want 1 ≤ K ≤ M ≤ 64)", ErrConfig, c.K, c.M)
	case c.DropoutTicks < 0 || c.DropoutTicks > 64:
		return fmt.Errorf("%w: dropout ticks %d (want 0 to 64)", ErrConfig, c.DropoutTicks)
	case !(c.ClearFrac > 0 && c.ClearFrac <= 1):
		return fmt.Errorf("%w: clear fraction %g (want 0 < f ≤ 1)", ErrConfig, c.ClearFrac)
	case c.ClearTicks < 1:
		return fmt.Errorf("%w: clear ticks %d (want ≥ 1)", ErrConfig, c.ClearTicks)
	case !(c.ImputeLevel >= 0):
		return fmt.Errorf("%w: impute level %g (want ≥ 0)", ErrConfig, c.ImputeLevel)
	case c.WildTicks < 0:
		return fmt.Errorf("%w: wild ticks %d (want ≥ 0)", ErrConfig, c.WildTicks)
	case c.MaxImpute < 0:
		return fmt.Errorf("%w: max impute %d (want ≥ 0)", ErrConfig, c.MaxImpute)
	}
	for v, o := range c.Open {
		if !(o >= 0) {
			return fmt.Errorf("%w: open level %g for %s (want ≥ 0; +Inf disables the channel)", ErrConfig, o, engine.Vital(v))
		}
	}
	return c.Stuck.Validate()
}

// channelState is the state machine of one channel of one soldier.
type channelState struct {
	hist  uint64 // out-of-band ticks, newest in bit 0
	open  bool
	kind  engine.AnomalyKind
	since int64 // tick the alert opened at
	calm  int   // consecutive calm ticks while open
}

// alertState is the state machine of all channels of one soldier.
type alertState struct {
	ch  [NumChannels]channelState
	inc Alert // the soldier's incident (see Alert)
}

func (a *alertState) reset() { *a = alertState{} }

// stepInput is what the state machine sees of one soldier at one tick.
type stepInput struct {
	t       int64
	out     [engine.NumVitals]float64 // signed band-widths out; NaN where there is no reading or no forecast
	missing engine.Mask               // measured vitals without a reading
	silent  bool                      // every measured vital missing
	suspect engine.Mask               // readings judged sensor glitches (see GlitchConfig): not scored
	prior   bool                      // some vital was judged against the population prior
	squad   engine.Mask               // vitals whose excursion the soldier's squad shares (see squadWide): in band
	stuck   engine.Mask               // vitals judged stuck
	frozen  engine.Mask               // vitals repeating their previous value (a hint for the kind)
	// ev is, per vital, the evidence of the check that produced out (band,
	// drift or prior); run is, per vital, how many times its reading has
	// repeated (the stuck check's evidence).
	ev  [engine.NumVitals]Evidence
	run [engine.NumVitals]int
	val [engine.NumVitals]float64 // the readings (NaN: missing)
}

// step advances every channel by one tick, writes the channels' state
// into dst and the incident's into inc.
func (a *alertState) step(c *AlertConfig, in *stepInput, dst *[NumChannels]ChannelAlert, inc *Alert) {
	mask := histMask(c.M)
	for v := range engine.NumVitals {
		s := &a.ch[v]
		o := in.out[v]
		opened := s.stepVital(c, mask, c.Open[v], in.t, o)
		if opened {
			s.kind, _ = classify(engine.Vital(v), &in.out, in.frozen.Has(engine.Vital(v)))
		}
		dst[v] = ChannelAlert{Open: s.open, Opened: opened, Kind: s.kind, Since: s.since}
	}
	n := c.dropoutTicks()
	a.dataQuality(ChannelDropout, in.t, in.silent, n, histMask(n), c.ClearTicks, engine.KindDropout, dst)
	a.dataQuality(ChannelStuck, in.t, in.stuck != 0, 1, 1, c.ClearTicks, engine.KindStuck, dst)
	a.incident(c, in, dst)
	*inc = a.inc
}

// incident opens, extends and closes the soldier's incident from the
// channels' state in dst: the first channel to open opens it with its
// kind and the evidence of the check behind it; another channel opening
// while it is open extends it; it closes when every channel has closed.
func (a *alertState) incident(c *AlertConfig, in *stepInput, dst *[NumChannels]ChannelAlert) {
	a.inc.Opened, a.inc.Extended, a.inc.Refined = false, false, false
	open, opened := false, -1
	for ch := range dst {
		if dst[ch].Open {
			open = true
		}
		if dst[ch].Opened && (opened < 0 || openPriority(Channel(ch), dst) > openPriority(Channel(opened), dst)) {
			opened = ch
		}
	}
	switch {
	case !a.inc.Open && opened >= 0:
		kind, ev := openingEvidence(c, Channel(opened), in)
		a.inc = Alert{Open: true, Opened: true, Since: in.t, Kind: kind, Evidence: ev}
	case a.inc.Open && !open:
		a.inc = Alert{}
	case a.inc.Open && opened >= 0:
		a.inc.Extended = true
		if in.t-a.inc.Since <= RefineTicks {
			if kind, ev := openingEvidence(c, Channel(opened), in); kindPriority[kind] > kindPriority[a.inc.Kind] && definesKind(kind, ev.Vital) {
				a.inc.Kind, a.inc.Evidence, a.inc.Attribution, a.inc.Refined = kind, ev, nil, true
			}
		}
	}
}

// definesKind reports whether vital v is the one that defines kind k (heart
// rate for tachycardia and bradycardia, core temperature for heat strain,
// stamina for a crash): only such evidence refines an incident, not, say,
// SpO2 drifting above its band.
func definesKind(k engine.AnomalyKind, v engine.Vital) bool {
	switch k {
	case engine.KindTachycardia, engine.KindBradycardia:
		return v == engine.HeartRate
	case engine.KindHeatStrain:
		return v == engine.CoreTemp
	case engine.KindStaminaCrash:
		return v == engine.Stamina
	}
	return false
}

// RefineTicks is how long after an incident opens a more urgent kind may
// still take it over: a channel opening within it whose kind is more urgent
// (a bradycardia's heart-rate channel opening a few seconds after its
// stamina channel, which opened the incident as a stamina crash) gives the
// incident its kind and evidence, once (Alert.Refined), instead of raising
// an alert of its own.
const RefineTicks = 10

// openPriority orders channels that open at the same tick: the incident
// takes the most urgent kind; a physiological channel before the data
// -quality ones.
func openPriority(ch Channel, dst *[NumChannels]ChannelAlert) int {
	p := kindPriority[dst[ch].Kind] * 2
	if ch < ChannelDropout {
		p++
	}
	return p
}

// openingEvidence returns the kind and the evidence of an incident opened
// by channel ch with the state machine's input in.
func openingEvidence(c *AlertConfig, ch Channel, in *stepInput) (engine.AnomalyKind, Evidence) {
	switch ch {
	case ChannelDropout:
		ev := Evidence{Check: CheckDropout, Missing: in.missing, Ticks: c.dropoutTicks(), Channel: ch,
			Value: math.NaN(), Expected: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Out: math.NaN(), Unit: math.NaN()}
		if ev.Missing == 0 {
			// Silent from its first tick: nothing was ever measured, and
			// every vital is missing.
			for v := range engine.Vital(engine.NumVitals) {
				ev.Missing = ev.Missing.With(v)
			}
		}
		for v := range engine.Vital(engine.NumVitals) {
			if ev.Missing.Has(v) {
				ev.Vital = v
				break
			}
		}
		return engine.KindDropout, ev
	case ChannelStuck:
		ev := Evidence{Check: CheckStuck, Missing: in.stuck, Channel: ch,
			Expected: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Out: math.NaN(), Unit: math.NaN()}
		for v := range engine.Vital(engine.NumVitals) {
			if in.stuck.Has(v) {
				ev.Vital, ev.Value, ev.Ticks = v, in.val[v], in.run[v]
				break
			}
		}
		return engine.KindStuck, ev
	}
	kind, v := classify(engine.Vital(ch), &in.out, in.frozen.Has(engine.Vital(ch)))
	ev := in.ev[v]
	ev.Channel = ch
	return kind, ev
}

// stepVital steps a physiological channel with score o (NaN: no reading)
// against level, mask holding the last M ticks, and reports whether the
// channel opened. The caller sets the kind of an opened alert.
func (s *channelState) stepVital(c *AlertConfig, mask uint64, level float64, t int64, o float64) bool {
	valid := !math.IsNaN(o)
	s.hist = (s.hist << 1) & mask
	if valid && math.Abs(o) > level {
		s.hist |= 1
	}
	if !s.open {
		if bits.OnesCount64(s.hist) >= c.K {
			s.open, s.since, s.calm = true, t, 0
			return true
		}
		return false
	}
	if valid {
		if math.Abs(o) <= c.ClearFrac*level {
			s.calm++
		} else {
			s.calm = 0
		}
		if s.calm >= c.ClearTicks {
			s.open, s.hist, s.kind = false, 0, engine.KindNone
		}
	}
	return false
}

// Openings replays a physiological channel of c at level over each
// soldier's recorded scores (seqs[soldier][tick] is Out, NaN for no
// reading) and counts the alerts it opens: how calibration measures an
// open level without running the scorer again.
func (c *AlertConfig) Openings(seqs [][]float32, level float64) int {
	mask := histMask(c.M)
	n := 0
	for _, seq := range seqs {
		var s channelState
		for t, o := range seq {
			if s.stepVital(c, mask, level, int64(t), float64(o)) {
				n++
			}
		}
	}
	return n
}

// histMask returns the mask of the last m ticks of a channel history.
func histMask(m int) uint64 {
	if m >= 64 {
		return ^uint64(0)
	}
	return uint64(1)<<uint(m) - 1
}

// dataQuality steps a data-quality channel: bad ticks open it with k of the
// ticks in mask, clearTicks good ticks in a row close it.
func (a *alertState) dataQuality(ch Channel, t int64, bad bool, k int, mask uint64, clearTicks int, kind engine.AnomalyKind, dst *[NumChannels]ChannelAlert) {
	s := &a.ch[ch]
	s.hist = (s.hist << 1) & mask
	if bad {
		s.hist |= 1
	}
	opened := false
	if !s.open {
		if bits.OnesCount64(s.hist) >= k {
			s.open, s.since, s.calm, s.kind = true, t, 0, kind
			opened = true
		}
	} else {
		if bad {
			s.calm = 0
		} else {
			s.calm++
		}
		if s.calm >= clearTicks {
			s.open, s.hist, s.kind = false, 0, engine.KindNone
		}
	}
	dst[ch] = ChannelAlert{Open: s.open, Opened: opened, Kind: s.kind, Since: s.since}
}

// classify names the anomaly an alert opening on vital v looks like, from
// the direction of every vital's excursion at that tick (out, NaN where
// unknown):
//
//   - a reading frozen at its previous value (≥ MinRun repeats): stuck;
//   - heart rate below its band, whichever vital opened: bradycardia or
//     collapse (a collapse drags stamina and SpO2 down with it);
//   - stamina below its band: stamina crash (an injury, whose heart-rate
//     spike would otherwise read as tachycardia);
//   - heart rate above: tachycardia; core temperature either way: heat
//     strain (rising, or cooling after it); SpO2: bradycardia or collapse;
//     stamina above its band: stamina crash (its own anomaly).
//
// It also returns the vital whose excursion names the kind (heart rate for
// a bradycardia, stamina for a crash, else v): that vital is outside its
// range at this tick, and its evidence is the alert's.
func classify(v engine.Vital, out *[engine.NumVitals]float64, frozen bool) (engine.AnomalyKind, engine.Vital) {
	switch {
	case frozen:
		return engine.KindStuck, v
	case out[engine.HeartRate] < 0:
		return engine.KindBradycardia, engine.HeartRate
	case out[engine.Stamina] < 0:
		return engine.KindStaminaCrash, engine.Stamina
	}
	switch v {
	case engine.HeartRate:
		return engine.KindTachycardia, v
	case engine.Stamina:
		return engine.KindStaminaCrash, v
	case engine.CoreTemp:
		return engine.KindHeatStrain, v
	default: // SpO2
		return engine.KindBradycardia, v
	}
}

// kindPriority orders kinds by how urgently a medic needs to see them: the
// verdict's Kind is the most urgent open one.
var kindPriority = [engine.NumKinds]int{
	engine.KindBradycardia:  7,
	engine.KindHeatStrain:   6,
	engine.KindTachycardia:  5,
	engine.KindStaminaCrash: 4,
	engine.KindStuck:        3,
	engine.KindDropout:      2,
	engine.KindArtefact:     1,
}

// summarise sets the verdict's Kind from its incident (or, without one,
// its open channels) and returns whether any channel is open.
func summarise(v *Verdict) bool {
	any := false
	best := engine.KindNone
	for i := range v.Channels {
		c := &v.Channels[i]
		if !c.Open {
			continue
		}
		any = true
		if kindPriority[c.Kind] > kindPriority[best] {
			best = c.Kind
		}
	}
	v.Kind = best
	if v.Alert.Open {
		v.Kind = v.Alert.Kind
	}
	return any
}

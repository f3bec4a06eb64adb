package training

import (
	"context"
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// DefaultTargetFA is the default target of calibration: false alerts per
// soldier-hour on normal runs (one per 100 soldier-hours).
const DefaultTargetFA = 0.01

// CalibrateConfig configures Calibrate.
type CalibrateConfig struct {
	Runs RunConfig // normal runs: PoisonRate must be 0
	// TargetFA is the target false alerts per soldier-hour (default
	// DefaultTargetFA).
	TargetFA float64
	// MinLevel is the lowest open level calibration may choose, in
	// band-widths (default 0.1).
	MinLevel float64
}

// Calibrate chooses the open level of each physiological channel so that,
// on normal simulated runs (no anomaly windows; motion artefacts as
// configured), the scorer raises at most TargetFA false alerts per
// soldier-hour.
//
// It runs the scorer once with every physiological channel disabled and
// records each vital's Out per tick; the data-quality channels run as
// configured and their false alerts are counted. The physiological budget
// is TargetFA minus the data-quality rate (at least a tenth of TargetFA),
// split equally over the four vitals. For each vital the level is the
// smallest one at which replaying the channel's state machine (persistence
// and hysteresis of base) over the recorded scores opens no more alerts
// than its budget allows. The replay leaves out one feedback: at a finite
// level, out-of-band readings are imputed, which changes later forecasts a
// little; at the rare exceedances of a calibrated level this is a
// second-order effect.
//
// newScorer must return a fresh scorer with the given alert configuration.
func Calibrate(ctx context.Context, cc CalibrateConfig, base detector.AlertConfig, newScorer func(detector.AlertConfig) (detector.Scorer, error)) (detector.Calibration, error) {
	if err := cc.check(&base); err != nil {
		return detector.Calibration{}, err
	}
	rec := base
	for v := range rec.Open {
		rec.Open[v] = math.Inf(1)
	}
	sc, err := recordScores(ctx, cc.Runs, rec, newScorer)
	if err != nil {
		return detector.Calibration{}, err
	}

	cal := detector.Calibration{Alerts: base, TargetFA: cc.TargetFA, Seeds: append([]uint64(nil), cc.Runs.Seeds...)}
	hours := float64(sc.ticks) / 3600 // one tick is one soldier-second
	cal.SoldierHours = hours
	dqRate := 0.0
	for c := detector.ChannelDropout; c < detector.NumChannels; c++ {
		cal.Measured[c] = float64(sc.dq[c]) / hours
		dqRate += cal.Measured[c]
	}
	budget := max(cc.TargetFA-dqRate, cc.TargetFA/10) / engine.NumVitals
	for v := range engine.NumVitals {
		lvl := chooseLevel(sc.outs[v], &base, budget*hours, cc.MinLevel)
		cal.Alerts.Open[v] = lvl
		cal.Measured[v] = float64(base.Openings(sc.outs[v], lvl)) / hours
	}
	return cal, nil
}

// check fills in cc's defaults and checks it and base.
func (cc *CalibrateConfig) check(base *detector.AlertConfig) error {
	if err := cc.Runs.Validate("calibrate"); err != nil {
		return err
	}
	if cc.Runs.PoisonRate != 0 {
		return fmt.Errorf("%w: calibrate on normal runs (poison rate %g, want 0)", detector.ErrConfig, cc.Runs.PoisonRate)
	}
	if cc.TargetFA == 0 {
		cc.TargetFA = DefaultTargetFA
	}
	if cc.MinLevel == 0 {
		cc.MinLevel = 0.1
	}
	if !(cc.TargetFA > 0) || !(cc.MinLevel > 0) {
		return fmt.Errorf("%w: target %g false alerts per soldier-hour, min level %g (want > 0)", detector.ErrConfig, cc.TargetFA, cc.MinLevel)
	}
	return base.Validate()
}

// scores are what a scorer did on normal runs: outs[vital][soldier] holds
// the vital's Out per tick (NaN: no reading), soldiers of every run in
// seed order; dq counts the openings per data-quality channel and ticks
// the soldier-ticks scored.
type scores struct {
	outs  [engine.NumVitals][][]float32
	dq    [detector.NumChannels]int
	ticks int64
}

// recordScores runs a fresh scorer with alert configuration rec on each of
// runs and records its scores.
func recordScores(ctx context.Context, runs RunConfig, rec detector.AlertConfig, newScorer func(detector.AlertConfig) (detector.Scorer, error)) (*scores, error) {
	per := make([]scores, len(runs.Seeds)) // one run each; outs[vital][soldier]
	err := runs.ForEachRun(ctx, func(ctx context.Context, i int, seed uint64) error {
		sc, err := newScorer(rec)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		r := &per[i]
		// Soldiers in the order they first appear (a simulation's: its
		// profiles'), each with its own sequence of scores.
		index := map[engine.SoldierID]int{}
		return runs.drive(ctx, i, seed, []detector.Scorer{sc}, func(f *engine.Frame, vs [][]detector.Verdict) error {
			for j := range vs[0] {
				v := &vs[0][j]
				s, ok := index[v.Soldier]
				if !ok {
					s = len(index)
					index[v.Soldier] = s
					for k := range r.outs {
						r.outs[k] = append(r.outs[k], nil)
					}
				}
				for k := range engine.NumVitals {
					o := float32(math.NaN())
					if !v.Vitals[k].Missing && !math.IsNaN(v.Vitals[k].Forecast[detector.NumQuantiles-1]) {
						o = float32(v.Vitals[k].Out)
					}
					r.outs[k][s] = append(r.outs[k][s], o)
				}
				for c := detector.ChannelDropout; c < detector.NumChannels; c++ {
					if v.Channels[c].Opened {
						r.dq[c]++
					}
				}
			}
			r.ticks += int64(len(vs[0]))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	all := &scores{}
	for i := range per {
		all.ticks += per[i].ticks
		for c := range all.dq {
			all.dq[c] += per[i].dq[c]
		}
		for v := range all.outs {
			all.outs[v] = append(all.outs[v], per[i].outs[v]...)
		}
	}
	return all, nil
}

// chooseLevel returns the open level at which the channel is expected to
// open at most budget alerts over seqs (budget may be below 1).
//
// The empirical level is the smallest (to 0.1 %, at least minLevel) at
// which replaying seqs opens at most ⌊budget⌋ alerts. When the budget is
// small the data cannot show where the rarer alerts would begin (with no
// alert allowed, the empirical level sits just above the largest excursion
// seen, which a fresh run exceeds about as often as not), so the tail is
// extrapolated: the number of openings N(L) falls roughly exponentially in
// the level, ln N(L) is fitted linearly over the levels where 20 down to 1
// alerts open, and the level where the fit reaches budget is taken if it
// is higher than the empirical one.
func chooseLevel(seqs [][]float32, c *detector.AlertConfig, budget float64, minLevel float64) float64 {
	allowed := int(math.Floor(budget))
	emp := levelFor(seqs, c, allowed, minLevel)
	if budget >= 20 || emp <= minLevel {
		return emp
	}
	l20 := levelFor(seqs, c, 20, minLevel)
	if !(l20 < emp) {
		return emp
	}
	// Fit ln N = a − b·L on 12 levels from l20 to the last with N ≥ 1.
	var sx, sy, sxx, sxy, n float64
	for i := range 12 {
		l := l20 + (emp-l20)*float64(i)/12
		k := c.Openings(seqs, l)
		if k < 1 {
			break
		}
		y := math.Log(float64(k))
		sx, sy, sxx, sxy, n = sx+l, sy+y, sxx+l*l, sxy+l*y, n+1
	}
	if n < 3 {
		return emp
	}
	den := n*sxx - sx*sx
	if den <= 0 {
		return emp
	}
	slope := (n*sxy - sx*sy) / den
	if slope >= 0 {
		return emp
	}
	a := (sy - slope*sx) / n
	ext := (math.Log(max(budget, 0.01)) - a) / slope
	return min(max(emp, ext), 1e6)
}

// levelFor returns the smallest level (to 0.1 %, at least minLevel) at
// which the channel opens at most allowed alerts over seqs.
func levelFor(seqs [][]float32, c *detector.AlertConfig, allowed int, minLevel float64) float64 {
	if c.Openings(seqs, minLevel) <= allowed {
		return minLevel
	}
	hi := minLevel
	for c.Openings(seqs, hi) > allowed {
		if hi >= 1e6 {
			return hi // effectively off; finite so it survives JSON
		}
		hi *= 2
	}
	lo := hi / 2
	if lo < minLevel {
		lo = minLevel
	}
	for hi-lo > 1e-3*hi {
		mid := (lo + hi) / 2
		if c.Openings(seqs, mid) <= allowed {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

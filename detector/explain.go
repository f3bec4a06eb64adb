package detector

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/chakra-tui/chakra-tui/engine"
)

// TopVar is one input variable and its selection weight.
type TopVar struct {
	Name   string
	Weight float64
}

// TopVars returns up to n variables of the explanation with the largest
// selection weights, largest first.
func (e *Explanation) TopVars(n int) []TopVar {
	vs := make([]TopVar, 0, e.NumVars)
	for i := 0; i < e.NumVars && i < len(e.VarNames); i++ {
		vs = append(vs, TopVar{Name: e.VarNames[i], Weight: e.VarWeights[i]})
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Weight > vs[j].Weight })
	if len(vs) > n {
		vs = vs[:n]
	}
	return vs
}

// AttentionPeak returns how many ticks before the scored tick the attention
// weighed most (0: the scored tick itself) and that weight; ok is false
// without attention.
func (e *Explanation) AttentionPeak() (ticksAgo int, weight float64, ok bool) {
	if e.AttentionLen == 0 {
		return 0, 0, false
	}
	best := 0
	for i := 1; i < e.AttentionLen; i++ {
		if e.Attention[i] > e.Attention[best] {
			best = i
		}
	}
	return e.AttentionLen - 1 - best, e.Attention[best], true
}

// Explain returns a one-line, human-readable reason for the verdict. With
// an alert open it is the alert's Sentence (the evidence of the check that
// opened it); otherwise the state, the vital furthest out with its reading
// against the band it is scored against, and the phase.
func Explain(v *Verdict) string {
	if v.Alert.Open {
		return Sentence(v.Alert.Kind, &v.Alert.Evidence, v.Phase, v.NextPhase)
	}
	var b strings.Builder
	b.WriteString(v.State.String())
	vital := v.Explanation.Vital
	vv := &v.Vitals[vital]
	switch {
	case vv.Missing:
		fmt.Fprintf(&b, ": %s missing", vital)
	default:
		fmt.Fprintf(&b, ": %s %s %s", vital, fmtVital(vital, vv.Observed), vital.Unit())
	}
	if v.PhaseSeen != ActivityNone {
		fmt.Fprintf(&b, "; reported phase %s does not match the activity seen (%s)", v.Phase, v.PhaseSeen)
		return b.String()
	}
	if v.Vitals[engine.HeartRate].Personal {
		fmt.Fprintf(&b, "; phase not reported (guessed %s)", v.Phase)
		return b.String()
	}
	fmt.Fprintf(&b, "; phase %s", v.Phase)
	if v.NextPhase != v.Phase {
		fmt.Fprintf(&b, "→%s", v.NextPhase)
	}
	return b.String()
}

// Sentence is the explanation of an alert of kind opened on evidence ev in
// phase ph (next: the known next phase), built from the evidence alone,
// for example:
//
//	tachycardia: heart_rate 171 bpm above expected 118–131 bpm (median 124) by 3.1 band-widths · band check · contact
//	heat_strain: core_temp rose 0.42 °C over 60 s beyond what the forecast expected (±0.15 °C) by 0.9 half-bands · drift check · march
//	dropout: no heart_rate, stamina, core_temp, spo2 for 10 s · dropout check · patrol
//	tachycardia: heart_rate 112 bpm over the last 20 s, 31 bpm above this soldier's own baseline of 81 bpm; their usual variation (σ 1.5 bpm over the 300 s before) explains up to 99 bpm (K 12.0 σ), phase not reported · personal check
//
// A reading is printed with as many decimals as it takes to lie outside
// the printed range, so the sentence never shows a reading inside the
// range it names as the reason.
func Sentence(kind engine.AnomalyKind, ev *Evidence, ph, next engine.Phase) string {
	var b strings.Builder
	b.WriteString(kind.String())
	b.WriteString(": ")
	v := ev.Vital
	switch ev.Check {
	case CheckBand, CheckPrior:
		x, lo, hi := fmtOutside(v, ev.Value, ev.Lo, ev.Hi)
		dir, by := "above", ev.Out
		if ev.Value < ev.Lo {
			dir, by = "below", -ev.Out
		}
		what := "expected"
		if ev.Check == CheckPrior {
			what = "what is plausible for its profile in this phase,"
		}
		fmt.Fprintf(&b, "%s %s %s %s %s %s–%s %s", v, x, v.Unit(), dir, what, lo, hi, v.Unit())
		if ev.Check == CheckBand && !math.IsNaN(ev.Expected) {
			fmt.Fprintf(&b, " (median %s)", fmtVital(v, ev.Expected))
		}
		if ev.Check == CheckPrior {
			fmt.Fprintf(&b, " by %s %s", fmtVital(v, by*ev.Unit), v.Unit())
		} else {
			fmt.Fprintf(&b, " by %.1f band-widths", by)
		}
	case CheckDrift:
		dir := "rose"
		if ev.Value < 0 {
			dir = "fell"
		}
		x, _, hi := fmtOutside(v, math.Abs(ev.Value), -ev.Hi, ev.Hi)
		fmt.Fprintf(&b, "%s %s %s %s over %d s beyond what the forecast expected (±%s %s) by %.1f× the drift band",
			v, dir, x, v.Unit(), ev.Ticks, hi, v.Unit(), ev.Out)
	case CheckTrend:
		x, _, hi := fmtOutside(v, ev.Value, -ev.Hi, ev.Hi)
		fmt.Fprintf(&b, "%s rising %s %s/min over its first %d readings, faster than the %s %s/min plausible in this phase, by %.1f× %s %s/min",
			v, x, v.Unit(), ev.Ticks, hi, v.Unit(), ev.Out, fmtVital(v, ev.Unit), v.Unit())
	case CheckCusum:
		x, _, hi := fmtOutside(v, ev.Value, -ev.Hi, ev.Hi)
		fmt.Fprintf(&b, "%s kept drifting up faster than forecast: its drift beyond the half-band (over %d s) summed to %s half-bands, past the %s at which a passing excursion stops",
			v, ev.Ticks, x, hi)
	case CheckPersonal:
		// The phase was not reported (the verdict's phase is a guess, so
		// the sentence names none), or it was and the phase check judged
		// it wrong.
		x, _, hi := fmtOutside(v, ev.Value, ev.Lo, ev.Hi)
		fmt.Fprintf(&b, "%s %s %s over the last %d s, %s %s above this soldier's own baseline of %s %s; their usual variation (σ %.1f %s over the %d s before) explains up to %s %s (K %.1f σ), ",
			v, x, v.Unit(), PersonalLevel, fmtVital(v, ev.Value-ev.Expected), v.Unit(), fmtVital(v, ev.Expected), v.Unit(),
			ev.Unit, v.Unit(), ev.Ticks, hi, v.Unit(), (ev.Hi-ev.Expected)/ev.Unit)
		if ev.Seen != ActivityNone {
			writeMismatch(&b, ev, ph)
		} else {
			b.WriteString("phase not reported")
		}
		fmt.Fprintf(&b, " · %s check", ev.Check)
		return b.String()
	case CheckDropout:
		b.WriteString("no ")
		for i, m := range ev.Vitals() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.String())
		}
		fmt.Fprintf(&b, " for %d s", ev.Ticks)
	case CheckStuck:
		fmt.Fprintf(&b, "%s frozen at %s %s for %d repeats", v, fmtVital(v, ev.Value), v.Unit(), ev.Ticks)
	default:
		fmt.Fprintf(&b, "%s", v)
	}
	if ev.Seen != ActivityNone {
		b.WriteString("; ")
		writeMismatch(&b, ev, ph)
	}
	fmt.Fprintf(&b, " · %s check · %s", ev.Check, ph)
	if next != ph {
		fmt.Fprintf(&b, "→%s", next)
	}
	return b.String()
}

// Printed returns the reading (for a drift, its size; for a trend, the
// slope) and the range as the sentence prints them, for the band, drift,
// trend, prior and personal checks; ok is false for the others.
func (e *Evidence) Printed() (value, lo, hi string, ok bool) {
	switch e.Check {
	case CheckBand, CheckPrior, CheckPersonal:
		value, lo, hi = fmtOutside(e.Vital, e.Value, e.Lo, e.Hi)
		return value, lo, hi, true
	case CheckDrift:
		value, lo, hi = fmtOutside(e.Vital, math.Abs(e.Value), -e.Hi, e.Hi)
		return value, lo, hi, true
	case CheckTrend, CheckCusum:
		value, lo, hi = fmtOutside(e.Vital, e.Value, -e.Hi, e.Hi)
		return value, lo, hi, true
	}
	return "", "", "", false
}

// fmtOutside formats x, lo and hi with the precision of vital v, adding
// decimals (up to 6) until the printed x lies outside the printed range.
func fmtOutside(v engine.Vital, x, lo, hi float64) (xs, los, his string) {
	d := vitalDecimals(v)
	for ; ; d++ {
		xs = strconv.FormatFloat(x, 'f', d, 64)
		los = strconv.FormatFloat(lo, 'f', d, 64)
		his = strconv.FormatFloat(hi, 'f', d, 64)
		px, _ := strconv.ParseFloat(xs, 64)
		pl, _ := strconv.ParseFloat(los, 64)
		ph, _ := strconv.ParseFloat(his, 64)
		if px > ph || px < pl || d >= 6 {
			return xs, los, his
		}
	}
}

// vitalDecimals is the number of decimals v's sensor reports.
func vitalDecimals(v engine.Vital) int {
	switch v {
	case engine.CoreTemp:
		return 2
	case engine.Stamina:
		return 1
	}
	return 0
}

// fmtVital formats a reading of v with its sensor's precision.
func fmtVital(v engine.Vital, x float64) string {
	switch v {
	case engine.CoreTemp:
		return fmt.Sprintf("%.2f", x)
	case engine.Stamina:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// writeMismatch writes why the phase check judged reported phase ph wrong
// for evidence ev, e.g. "reported phase rest does not match the activity
// seen: stamina falling 1.6 points a minute (working hard)".
func writeMismatch(b *strings.Builder, ev *Evidence, ph engine.Phase) {
	r := float64(ev.SeenRate)
	if r == 0 { // no trend read at this row (a stamina reading missing)
		fmt.Fprintf(b, "reported phase %s does not match the activity seen (%s)", ph, ev.Seen)
		return
	}
	dir := "steady at"
	switch {
	case r <= -0.05:
		dir = "falling"
	case r >= 0.05:
		dir = "rising"
	}
	fmt.Fprintf(b, "reported phase %s does not match the activity seen: stamina %s %.1f points a minute (%s)", ph, dir, math.Abs(r), ev.Seen)
}

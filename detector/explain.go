package detector

import (
	"fmt"
	"math"
	"sort"
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

// Explain returns a one-line, human-readable reason for the verdict: the
// kind, the vital furthest out with its reading against the expected band,
// the phase, and, for the TFT, the inputs it weighed most and where its
// attention looked. For example:
//
//	tachycardia: heart_rate 171 bpm, expected 118–131 (3.1 band-widths above); phase contact; inputs heart_rate 0.31, phase 0.18, d_heart_rate 0.12; attention peak 2 s ago
func Explain(v *Verdict) string {
	var b strings.Builder
	kind := v.Kind
	if kind == engine.KindNone {
		b.WriteString(v.State.String())
	} else {
		b.WriteString(kind.String())
	}
	vital := v.Explanation.Vital
	vv := &v.Vitals[vital]
	switch {
	case vv.Missing:
		fmt.Fprintf(&b, ": %s missing", vital)
	case !math.IsNaN(vv.Forecast[0]) && !math.IsNaN(vv.Forecast[NumQuantiles-1]):
		fmt.Fprintf(&b, ": %s %s %s, expected %s–%s", vital, fmtVital(vital, vv.Observed), vital.Unit(),
			fmtVital(vital, vv.Forecast[0]), fmtVital(vital, vv.Forecast[NumQuantiles-1]))
		switch {
		case vv.Out > 0:
			fmt.Fprintf(&b, " (%.1f band-widths above)", vv.Out)
		case vv.Out < 0:
			fmt.Fprintf(&b, " (%.1f band-widths below)", -vv.Out)
		}
	default:
		fmt.Fprintf(&b, ": %s %s %s", vital, fmtVital(vital, vv.Observed), vital.Unit())
	}
	for i := range v.Vitals {
		if v.Vitals[i].Stuck {
			fmt.Fprintf(&b, "; %s frozen", engine.Vital(i))
		}
	}
	fmt.Fprintf(&b, "; phase %s", v.Phase)
	if v.NextPhase != v.Phase {
		fmt.Fprintf(&b, "→%s", v.NextPhase)
	}
	if top := v.Explanation.TopVars(3); len(top) > 0 {
		b.WriteString("; inputs")
		for i, t := range top {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %s %.2f", t.Name, t.Weight)
		}
	}
	if ago, _, ok := v.Explanation.AttentionPeak(); ok {
		fmt.Fprintf(&b, "; attention peak %d s ago", ago)
	}
	return b.String()
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

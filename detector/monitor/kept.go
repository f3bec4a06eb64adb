package monitor

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// kept is a soldier's latest verdict as the monitor keeps it: every field
// of the verdict but its explanation's two fixed arrays (VarWeights and
// Attention, 640 of a verdict's 1 240 bytes), of which it keeps, exactly,
// the part up to the last value that is not +0 (NumVars and AttentionLen
// values on a TFT verdict, none on a baseline's). A tick's verdicts are
// still whole in the tick's buffer; the latest per soldier is the second
// copy of each, and 50 000 soldiers keep 14 MB less of it this way.
type kept struct {
	soldier   engine.SoldierID
	t         int64
	phase     engine.Phase
	nextPhase engine.Phase
	state     detector.State
	kind      engine.AnomalyKind
	phaseSeen detector.Activity
	exVital   engine.Vital
	score     float64
	vitals    [engine.NumVitals]detector.VitalVerdict
	channels  [detector.NumChannels]detector.ChannelAlert
	alert     detector.Alert
	numVars   int
	attnLen   int
	varNames  []string
	// weights holds VarWeights[:nw] and then Attention[:len(weights)-nw].
	weights []float64
	nw      int
}

// keep overwrites k with v, reusing k's weights when they have room.
func (k *kept) keep(v *detector.Verdict) {
	ex := &v.Explanation
	nw, na := used(ex.VarWeights[:]), used(ex.Attention[:])
	w := k.weights[:0]
	if cap(w) < nw+na {
		w = make([]float64, 0, nw+na)
	}
	w = append(append(w, ex.VarWeights[:nw]...), ex.Attention[:na]...)
	*k = kept{soldier: v.Soldier, t: v.T, phase: v.Phase, nextPhase: v.NextPhase, state: v.State, kind: v.Kind,
		phaseSeen: v.PhaseSeen, exVital: ex.Vital, score: v.Score, vitals: v.Vitals, channels: v.Channels, alert: v.Alert,
		numVars: ex.NumVars, attnLen: ex.AttentionLen, varNames: ex.VarNames, weights: w, nw: nw}
}

// verdict returns the verdict k keeps, the same bits as the one kept.
func (k *kept) verdict() detector.Verdict {
	v := detector.Verdict{Soldier: k.soldier, T: k.t, Phase: k.phase, NextPhase: k.nextPhase, State: k.state,
		Kind: k.kind, PhaseSeen: k.phaseSeen, Score: k.score, Vitals: k.vitals, Channels: k.channels, Alert: k.alert}
	ex := &v.Explanation
	ex.Vital, ex.NumVars, ex.AttentionLen, ex.VarNames = k.exVital, k.numVars, k.attnLen, k.varNames
	copy(ex.VarWeights[:], k.weights[:k.nw])
	copy(ex.Attention[:], k.weights[k.nw:])
	return v
}

// used returns the length of xs up to its last value whose bits are not
// zero (-0 and NaN count as values).
func used(xs []float64) int {
	n := len(xs)
	for n > 0 && math.Float64bits(xs[n-1]) == 0 {
		n--
	}
	return n
}

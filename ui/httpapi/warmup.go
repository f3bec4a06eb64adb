package httpapi

import (
	"fmt"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// MeasureWarmup returns how many observations of a new soldier sc answers
// with a warming-up verdict before its first forecast, by feeding it a
// synthetic resting soldier at one-second ticks (at most limit of them).
// It changes sc's state: pass a scorer built for the purpose, not the one
// that serves.
func MeasureWarmup(sc detector.Scorer, limit int) (int, error) {
	const id = engine.SoldierID(1)
	p := engine.DefaultProfile(id)
	rows := make([]engine.Observation, 0, limit)
	var vs []detector.Verdict
	for t := range int64(limit) {
		o := engine.Observation{Soldier: id, T: t, Phase: engine.PhaseRest, NextPhase: engine.PhaseRest, Ambient: DefaultAmbient}
		// Small deterministic wobble, so rolling baselines see variance.
		w := float64(t%7) - 3
		o.Values = [engine.NumVitals]float64{70 + w, 95 + 0.1*w, 37 + 0.01*w, 98 + 0.1*w}
		rows = append(rows, o)
		win := rows[max(0, len(rows)-monitor.DefaultWindowRows):]
		var err error
		vs, err = sc.Score([]featurestore.Window{{Profile: p, Rows: win}}, vs[:0])
		if err != nil {
			return 0, fmt.Errorf("measure warm-up of %s: %w", sc.Name(), err)
		}
		if vs[0].State != detector.StateWarmingUp && !vs[0].Vitals[engine.HeartRate].Prior {
			return int(t), nil
		}
	}
	return 0, fmt.Errorf("measure warm-up of %s: still warming up after %d observations", sc.Name(), limit)
}

package detector

import (
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// WithholdPhase returns a Scorer that scores through sc as if nobody had
// reported any soldier's phase: every row of every window gets Phase and
// NextPhase guess and PhaseGuessed set, which is what the HTTP API sends
// the scorer for observations without "phase" (the monitor's own forecast
// of the next phase, which then stays at the server's default phase, guess).
// It is how evaluation measures the monitor with the phase withheld
// (`chakra-tui eval --withhold-phase`). The windows passed in are not
// modified (their rows are copied); the verdicts carry the reported phase
// back (Phase, NextPhase), for evaluation's split by phase, though sc
// never saw it. Its name is sc's with "-nophase".
func WithholdPhase(sc Scorer, guess engine.Phase) Scorer {
	return &withheld{sc: sc, guess: guess}
}

type withheld struct {
	sc    Scorer
	guess engine.Phase
	ws    []featurestore.Window
	rows  []engine.Observation
}

func (w *withheld) Name() string { return w.sc.Name() + "-nophase" }

// Score implements Scorer.
func (w *withheld) Score(ws []featurestore.Window, dst []Verdict) ([]Verdict, error) {
	n := 0
	for i := range ws {
		n += len(ws[i].Rows)
	}
	if cap(w.rows) < n {
		w.rows = make([]engine.Observation, n)
	}
	rows := w.rows[:n]
	w.ws = w.ws[:0]
	k := 0
	for i := range ws {
		win := ws[i]
		part := rows[k : k+len(win.Rows)]
		copy(part, win.Rows)
		for r := range part {
			part[r].Phase, part[r].NextPhase, part[r].PhaseGuessed = w.guess, w.guess, true
		}
		win.Rows = part
		w.ws = append(w.ws, win)
		k += len(part)
	}
	base := len(dst)
	dst, err := w.sc.Score(w.ws, dst)
	// Give the verdicts the reported phases back, so that evaluation
	// splits alerts by the phase the soldier was really in.
	for i := base; i < len(dst) && i-base < len(ws); i++ {
		if rs := ws[i-base].Rows; len(rs) > 0 {
			dst[i].Phase, dst[i].NextPhase = rs[len(rs)-1].Phase, rs[len(rs)-1].NextPhase
		}
	}
	return dst, err
}

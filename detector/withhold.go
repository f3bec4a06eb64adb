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
// (`chakra-tui eval --withhold-phase`). See RewriteRows for the windows
// and verdicts. Its name is sc's with "-nophase".
func WithholdPhase(sc Scorer, guess engine.Phase) Scorer {
	return RewriteRows(sc, "-nophase", func(rows []engine.Observation) {
		for r := range rows {
			rows[r].Phase, rows[r].NextPhase, rows[r].PhaseGuessed = guess, guess, true
		}
	})
}

// RewriteRows returns a Scorer that scores through sc after rewrite has
// changed a copy of each window's rows (one soldier's, oldest first): how
// evaluation measures a scorer on inputs a client reports differently
// (WithholdPhase; evaluation.MisreportPhase). The windows passed in are
// not modified; the verdicts carry the reported phase back (Phase and
// NextPhase of each window's newest row), for evaluation's split by
// phase, though sc never saw it. Its name is sc's followed by suffix.
func RewriteRows(sc Scorer, suffix string, rewrite func(rows []engine.Observation)) Scorer {
	return &rewritten{sc: sc, suffix: suffix, rewrite: rewrite}
}

type rewritten struct {
	sc      Scorer
	suffix  string
	rewrite func([]engine.Observation)
	ws      []featurestore.Window
	rows    []engine.Observation
}

func (w *rewritten) Name() string { return w.sc.Name() + w.suffix }

// Score implements Scorer.
func (w *rewritten) Score(ws []featurestore.Window, dst []Verdict) ([]Verdict, error) {
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
		w.rewrite(part)
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

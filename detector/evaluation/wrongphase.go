package evaluation

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// PhaseFault is a reported phase that is wrong, the way a misconfigured
// client or a stale phase makes it: for a share of the soldiers (chosen
// by Seed), every row reports either a constant phase (a client that
// always sends "rest") or the phase the soldier was in Stale ticks
// earlier (a phase that reaches the monitor late, so each change is
// reported wrong for Stale ticks). The truth labels are not touched: an
// alert is judged against what happened, whatever phase was reported.
type PhaseFault struct {
	Const engine.Phase // the phase every affected row reports (when Stale is 0)
	Stale int64        // ticks the reported phase lags the true one (0: Const)
	Share float64      // fraction of soldiers affected, in (0, 1]
	Seed  uint64       // which soldiers: the same seed picks the same IDs
}

// ParsePhaseFault reads a fault spec: a phase name ("rest", "contact", …:
// that phase always), or "stale:D" with D a duration of whole seconds
// (the phase as it was D earlier). Share defaults to 1.
func ParsePhaseFault(s string) (PhaseFault, error) {
	f := PhaseFault{Share: 1}
	if d, ok := strings.CutPrefix(s, "stale:"); ok {
		dur, err := time.ParseDuration(d)
		if err != nil || dur < time.Second || dur%time.Second != 0 {
			return f, fmt.Errorf("%w: wrong phase %q: want stale:DURATION of whole seconds, e.g. stale:5m", detector.ErrConfig, s)
		}
		f.Stale = int64(dur / time.Second)
		return f, nil
	}
	p, err := engine.ParsePhase(s)
	if err != nil {
		return f, fmt.Errorf("%w: wrong phase %q: want a phase name (rest, patrol, march, contact, recovery) or stale:DURATION", detector.ErrConfig, s)
	}
	f.Const = p
	return f, nil
}

// String returns the spec ParsePhaseFault reads, with the share when it
// is not 1.
func (f PhaseFault) String() string {
	s := f.Const.String()
	if f.Stale > 0 {
		s = "stale:" + (time.Duration(f.Stale) * time.Second).String()
	}
	if f.Share != 1 {
		s += "@" + strconv.FormatFloat(f.Share, 'g', -1, 64)
	}
	return s
}

// Validate reports a share outside (0, 1].
func (f PhaseFault) Validate() error {
	if !(f.Share > 0 && f.Share <= 1) {
		return fmt.Errorf("%w: wrong-phase share %g (want 0 < share ≤ 1)", detector.ErrConfig, f.Share)
	}
	return nil
}

// affects reports whether soldier id is one of the share whose phase is
// misreported: a fixed hash (splitmix64) of the seed and the ID, so the
// choice does not depend on the order soldiers arrive in.
func (f PhaseFault) affects(id engine.SoldierID) bool {
	if f.Share >= 1 {
		return true
	}
	z := f.Seed + uint64(id)*0x9e3779b97f4a7c15 + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11)/(1<<53) < f.Share
}

// MisreportPhase returns a Scorer that scores through sc with the phases
// of f: each affected soldier's rows get the phase (and next phase) f
// reports instead of their own, PhaseGuessed stays false (the client
// named a phase). The windows passed in are not modified; the verdicts
// carry the true phase back, for evaluation's split by phase
// (detector.RewriteRows). Its name is sc's with "-wrong:" and the fault.
func MisreportPhase(sc detector.Scorer, f PhaseFault) detector.Scorer {
	m := &misreported{f: f, seen: map[engine.SoldierID]*phaseLog{}}
	return detector.RewriteRows(sc, "-wrong:"+f.String(), func(rows []engine.Observation) {
		if len(rows) > 0 && f.affects(rows[len(rows)-1].Soldier) {
			m.rewrite(rows)
		}
	})
}

// misreported holds what MisreportPhase's rewrite remembers: each
// soldier's true phases, for a stale fault.
type misreported struct {
	f    PhaseFault
	seen map[engine.SoldierID]*phaseLog
}

// phaseLog is one soldier's true phases as seen so far: the ticks where
// the phase changed (a stale phase reads back through it).
type phaseLog struct {
	t     []int64
	phase []engine.Phase
	last  int64 // the newest tick logged
}

func (l *phaseLog) add(t int64, p engine.Phase) {
	if len(l.t) > 0 && t <= l.last {
		return
	}
	if len(l.phase) == 0 || l.phase[len(l.phase)-1] != p {
		l.t, l.phase = append(l.t, t), append(l.phase, p)
	}
	l.last = t
}

// at returns the phase at tick t (the first phase logged before it).
func (l *phaseLog) at(t int64) engine.Phase {
	i := len(l.t) - 1
	for i > 0 && l.t[i] > t {
		i--
	}
	return l.phase[i]
}

// rewrite gives one soldier's rows the reported phases.
func (m *misreported) rewrite(rows []engine.Observation) {
	if m.f.Stale == 0 {
		for r := range rows {
			rows[r].Phase, rows[r].NextPhase = m.f.Const, m.f.Const
		}
		return
	}
	id := rows[len(rows)-1].Soldier
	l := m.seen[id]
	if l == nil {
		l = &phaseLog{}
		m.seen[id] = l
	}
	for r := range rows {
		l.add(rows[r].T, rows[r].Phase)
	}
	for r := range rows {
		t := rows[r].T
		rows[r].Phase, rows[r].NextPhase = l.at(t-m.f.Stale), l.at(t+1-m.f.Stale)
	}
}

package detector

import (
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Squad-wide excursions. The phase a scorer is told is the plan; in the
// field a squad meets an unplanned contact, or starts its march a minute
// early, and every soldier of it leaves the band the same way at once.
// One soldier's anomaly is one soldier's; a squad's heart rates rising
// together is the squad's activity. So when, in one Score call, at least
// SquadShare of a squad's soldiers with a forecast (and at least
// SquadMin of them) lie outside a vital's band in the same direction, that
// excursion of that vital counts as in band for each of them: it opens no
// alert and is not imputed, so the forecast follows the readings back. It
// needs the squad's soldiers in one call (the dashboard, the server and
// evaluation score whole frames); a soldier scored alone is judged alone.
const (
	SquadShare = 0.5
	SquadMin   = 4
)

// squadCount counts, per vital, a squad's soldiers with a forecast and
// those above and below the band.
type squadCount struct {
	n, up, down [engine.NumVitals]int
}

// squadWide clears the squad-wide excursions of the jobs of b and of their
// verdicts vds (see above).
func (c *core) squadWide(b *batch, vds []Verdict) {
	if len(b.jobs) < SquadMin {
		return
	}
	b.squad = append(b.squad[:0], make([]squadCount, b.slots)...)
	wide := false
	for i := range b.jobs {
		j := &b.jobs[i]
		sc := &b.squad[j.slot]
		for v, o := range j.in.out {
			if v == int(engine.CoreTemp) && j.hotter {
				o = j.reportedOut // counted as the reported phase judges it (heatHalf)
			}
			if math.IsNaN(o) {
				continue
			}
			sc.n[v]++
			switch {
			case o > 0:
				sc.up[v]++
			case o < 0:
				sc.down[v]++
			}
		}
	}
	for k := range b.squad {
		sc := &b.squad[k]
		for v := range sc.n {
			if sc.n[v] >= SquadMin && (sc.up[v] >= SquadMin || sc.down[v] >= SquadMin) {
				wide = true
			}
		}
	}
	if !wide {
		return
	}
	for i := range b.jobs {
		j := &b.jobs[i]
		sc := &b.squad[j.slot]
		for v, o := range j.in.out {
			if math.IsNaN(o) || sc.n[v] < SquadMin {
				continue
			}
			need := max(SquadMin, int(math.Ceil(SquadShare*float64(sc.n[v]))))
			wide := (o > 0 && sc.up[v] >= need) || (o < 0 && sc.down[v] >= need)
			if r := j.reportedOut; v == int(engine.CoreTemp) && j.hotter {
				wide = wide || (r > 0 && sc.up[v] >= need) || (r < 0 && sc.down[v] >= need)
			}
			if wide {
				j.in.out[v] = 0
				j.in.squad = j.in.squad.With(engine.Vital(v))
				vds[i].Vitals[v].Out = 0
			}
		}
		if j.in.squad != 0 {
			best := 0.0
			for v := range vds[i].Vitals {
				if o := math.Abs(vds[i].Vitals[v].Out); o > best { // NaN compares false
					best = o
				}
			}
			vds[i].Score = best
		}
	}
}

package detector

import (
	"fmt"
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// The phase check. A client that names the phase may name the wrong one:
// a misconfigured kit that always sends "rest", or a phase that reaches
// the monitor minutes late. Told "contact" while the soldier rests, the
// forecast expects a racing heart and a tachycardia at rest looks like
// work (on dev seeds 9101–9104 the tachycardia recall fell from 0.92 to
// 0.73); told "rest" while the soldier is in contact, the heart rate's
// forecast follows the readings (one false heart-rate alert in 400
// soldier-hours), but core temperature's drift check, whose half-band is
// the phase's, raised 20 false heat alerts (docs/realhr.md). So,
// when the phase was reported (not PhaseGuessed), the core also asks
// whether the soldier's own signals agree with it. What it reads is
// stamina, the one signal whose direction the phase sets: by the
// simulated physiology it drains with effort (0.1–0.15 points a minute on
// patrol, 0.3–0.45 on a march, 1.3–2 in contact, by fitness) and recovers
// at rest (0.5–1.4 a minute, until it is full).
//
// Over the last PhaseWindow cleaned rows of the soldier's history the
// stamina readings are split into four blocks; the trend is the change of
// the newest block's mean over the oldest's, in points a minute, and it is
// steady when the three block-to-block changes all go its way (a stamina
// crash's step lies in one block and is not steady). The reported phase
// disagrees when
//
//   - rest or recovery: stamina falls steadily by at least PhaseWorkDrain
//     a minute (the soldier works);
//   - patrol: stamina falls steadily by at least PhaseHardDrain (the
//     soldier is in contact);
//   - march: the same, or stamina rises steadily by at least PhaseRecover
//     (the soldier rests);
//   - contact: stamina falls more slowly than PhaseContactDrain while it
//     is above PhaseEmpty (the soldier is not in contact);
//
// and the heart rate agrees with the stamina: above the middle of the
// reported phase's population band for work, below it and not climbing
// by PhaseHRClimb for rest (a stamina still recovering from an event
// while the squad starts to march comes with a climbing heart rate). It
// agrees when the trend plainly fits the phase (half the thresholds
// above).
//
// A disagreement that lasts PhaseMismatchHold seconds without an agreeing
// row between marks the reported phase wrong. When at least SquadShare
// of the soldiers the check could judge in the soldier's squad (and
// SquadMin) disagree at once, the disagreement is the squad's: the field
// world's unplanned contacts (60–300 s, then 300 s of recovery while the
// plan shows its phase) are that, and the squad-wide rule already keeps
// them quiet, so it must last PhaseSquadHold. A wrong phase is believed
// again after PhaseMatchHold seconds of agreement, and a newly reported
// phase is judged afresh. (Holds chosen on dev seeds 9101–9112 with
// every phase right: 3 and 6 minutes flag none of their 4.3 million
// soldier-ticks; 2 minutes flagged 359, after stamina crashes.)
//
// While the phase is wrong:
//   - the forecaster is given, instead of the reported phase, the phase
//     the activity shows (resting: recovery, or rest once the stamina has
//     recovered at rest's rate for PhaseRestHold, below; not in contact:
//     patrol; working: march; working hard: contact), and so are the
//     soldier's cleaned rows; the verdict keeps the reported phase;
//   - heart rate is judged as for an unknown phase: against the soldier's
//     own baseline (personal.go) and the union of every phase's band,
//     beside the forecaster's band and drift check (given the activity's
//     phase); the more severe judgement counts. The baseline is allocated
//     when the disagreement starts to count, not when the phase is judged
//     wrong, and learns from then on, so it is warm (PersonalWarmup) 40 s
//     after a 3-minute hold ends and before a squad's 6-minute one; it is
//     dropped when the disagreement ends or the phase is right again;
//   - Verdict.PhaseSeen and the heart-rate evidence (Seen, SeenRate) say
//     what was seen, and the explanation names the reported phase.
//
// Rest or recovery: both recover stamina, by the simulated physiology at
// 2.4 and 1.2 points a minute times the share still to recover
// (1 − stamina/100) and the soldier's recovery rate (0.8–1.2, ± 10 %), so
// the recovery rate over that share is 1.73–3.17 at rest and 0.86–1.58 in
// recovery; PhaseRestRate lies between. A soldier seen resting whose
// stamina has recovered at least that fast for PhaseRestHold seconds (a
// stamina at PhaseFull, which can no longer rise, keeps the count) is
// given rest: recovery's band takes a resting heart rate 40 bpm up as
// ordinary (a tachycardia at rest at 118 bpm was missed so).
//
// Core temperature before the phase is judged wrong (the third pass,
// docs/realhr.md): the heat CUSUM sums the drift in half-bands of the
// phase the forecaster is given, and a phase reported with less work than
// the soldier does (rest told during a march) makes the drift the whole
// rise of the work, which the CUSUM takes for heat strain within the
// holds above (20 false heat alerts on dev seeds 9101–9104 with everyone
// told rest). So once a disagreement that shows more work than reported
// (working or working hard) has lasted PhaseHeatHold seconds, and until it
// ends, core temperature's drift check and CUSUM use the larger of the
// reported phase's half-band and that of the phase the activity shows
// (heatHalf); the forecaster still gets the reported phase. The squad-wide
// rule (squad.go) counts the soldier by the judgement against the
// reported phase (heatReported), so a squad whose soldiers all work
// harder than reported is seen as the squad it is whichever band each of
// them is judged against; judging some of a squad against a wider band
// left one soldier out of band alone (the field world's unplanned
// contacts), an alert the count by the reported phase does not open.
//
// Rows whose stamina was imputed (missing, stuck, inside a stamina alert)
// leave the check where it was. A kit without stamina gets no check. The
// counters live in the soldier's padding: a soldier whose phase is right
// costs no byte more (TestPhaseCheckNoGrowth).
const (
	PhaseWindow       = 60   // rows of stamina the trend reads (a minute at 1 s)
	PhaseWorkDrain    = 0.2  // points a minute: falling at least this, the soldier works
	PhaseHardDrain    = 0.8  // points a minute: falling at least this, as in contact
	PhaseRecover      = 0.25 // points a minute: rising at least this, the soldier rests
	PhaseContactDrain = 0.6  // points a minute: contact drains at least this
	PhaseEmpty        = 5.0  // points: an empty stamina cannot fall
	PhaseHRClimb      = 5.0  // bpm over the window: a heart rate climbing more is not at rest
	PhaseMismatchHold = 180  // seconds of disagreement before a phase is wrong
	PhaseMatchHold    = 30   // seconds of agreement before a wrong phase is right again
	PhaseSquadHold    = 360  // seconds of disagreement the squad shares before a phase is wrong
	PhaseRestRate     = 1.65 // points a minute per share still to recover: recovering faster, as at rest
	PhaseRestHold     = 60   // seconds of recovery at rest's rate before resting means rest, not recovery
	PhaseFull         = 99.0 // points: a stamina this full cannot rise
	PhaseHeatHold     = 60   // seconds a disagreement showing more work lasts before core temperature is judged against its phase
)

// WithPhaseCheck sets how long a reported phase must disagree with the
// soldier's stamina before the phase check judges it wrong (default
// PhaseMismatchHold seconds; whole seconds, at most an hour); 0 turns the
// check off, as the monitor was before it.
func WithPhaseCheck(hold time.Duration) Option {
	return func(o *options) { o.phaseHold = &hold }
}

// phaseHoldOf returns the phase check's hold in seconds (0: off).
func phaseHoldOf(o *options) (int16, error) {
	if o.phaseHold == nil {
		return PhaseMismatchHold, nil
	}
	h := *o.phaseHold
	if h < 0 || h > time.Hour || h%time.Second != 0 {
		return 0, fmt.Errorf("%w: phase check hold %v (want whole seconds from 0 to 1h)", ErrConfig, h)
	}
	return int16(h / time.Second), nil
}

// Activity is what a soldier's stamina trend shows, for the explanation
// of a heart-rate judgement made while the reported phase was wrong.
type Activity uint8

// Activities.
const (
	ActivityNone    Activity = iota // no mismatch
	ActivityResting                 // stamina recovering
	ActivitySteady                  // stamina neither falling as in contact nor recovering
	ActivityWorking                 // stamina falling
	ActivityHard                    // stamina falling as in contact
)

var activityNames = [...]string{"", "resting", "not in contact", "working", "working hard"}

// String returns a short description ("resting", "working hard", …).
func (a Activity) String() string {
	if int(a) < len(activityNames) {
		return activityNames[a]
	}
	return "activity(?)"
}

// staminaSlope returns the stamina trend of the last w rows of h (points
// per row), the heart rate's rise over them (newest quarter's mean over
// the oldest's, bpm) and whether stamina is steadily falling or rising; ok is false when
// h holds fewer than w rows or one of them had its stamina imputed.
func staminaSlope(h *history, w int) (perRow, hrRise float64, falling, rising, ok bool) {
	if h.n < w || w < 8 {
		return 0, 0, false, false, false
	}
	const v, hr = int(engine.Stamina), int(engine.HeartRate)
	q := w / 4
	var m [4]float64 // block means, m[0] the newest
	var hm [2]float64
	size := h.size()
	k := h.slot(0) // walked down without a division per row
	for b := range 4 {
		s := 0.0
		for range q {
			var st, x float64
			var imp engine.Mask
			if h.small == nil {
				r := &h.rows[k]
				st, x, imp = r.values[v], r.values[hr], r.imputed
			} else {
				r := &h.small[k]
				st, x, imp = float64(r.values[v]), float64(r.values[hr]), r.imputed
			}
			if imp.Has(engine.Stamina) {
				return 0, 0, false, false, false
			}
			s += st
			if b == 0 || b == 3 {
				hm[b/3] += x
			}
			if k--; k < 0 {
				k = size - 1
			}
		}
		m[b] = s / float64(q)
	}
	falling = m[0] < m[1] && m[1] < m[2] && m[2] < m[3]
	rising = m[0] > m[1] && m[1] > m[2] && m[2] > m[3]
	return (m[0] - m[3]) / float64(3*q), (hm[0] - hm[1]) / float64(q), falling, rising, true
}

// phaseSeen is the phase check's judgement of one row: the trend in
// points a minute, the activity it shows when it disagrees with the
// reported phase, and whether it plainly agrees.
type phaseSeen struct {
	rate  float64
	act   Activity
	agree bool
	// rest: the stamina recovers at rest's rate (PhaseRestRate), or it is
	// full (PhaseFull) and not falling.
	rest bool
}

// judgePhase compares the stamina trend (rate in points a minute, steadily
// falling or rising), the stamina level st and heart rate hr with
// reported phase p for a soldier of profile prof at ambient amb.
func judgePhase(p engine.Phase, prof *engine.Profile, amb, rate float64, falling, rising bool, st, hr, hrRise float64) phaseSeen {
	j := phaseSeen{rate: rate}
	j.rest = rising && rate >= PhaseRestRate*(100-st)/100 || st >= PhaseFull && rate > -PhaseWorkDrain/2
	lo, hi := populationBand(prof, p, amb, engine.HeartRate)
	mid := (lo + hi) / 2
	// Resting shows a heart rate below the phase's middle and not
	// climbing (a stamina still recovering from an event while the squad
	// starts to march comes with a heart rate that climbs).
	calm := hr < mid && hrRise < PhaseHRClimb
	switch p {
	case engine.PhaseRest, engine.PhaseRecovery:
		if falling && rate <= -PhaseWorkDrain && hr > mid {
			j.act = ActivityWorking
			if rate <= -PhaseHardDrain {
				j.act = ActivityHard
			}
		}
		j.agree = rate > -PhaseWorkDrain/2
	case engine.PhasePatrol:
		if falling && rate <= -PhaseHardDrain && hr > mid {
			j.act = ActivityHard
		}
		j.agree = rate > -PhaseHardDrain/2
	case engine.PhaseMarch:
		switch {
		case rising && rate >= PhaseRecover && calm:
			j.act = ActivityResting
		case falling && rate <= -PhaseHardDrain && hr > mid:
			j.act = ActivityHard
		}
		j.agree = rate < PhaseRecover/2 && rate > -PhaseHardDrain/2
	case engine.PhaseContact:
		if rate > -PhaseContactDrain && st > PhaseEmpty && calm {
			j.act = ActivitySteady
			if rising && rate >= PhaseRecover {
				j.act = ActivityResting
			}
		}
		j.agree = rate <= -PhaseHardDrain || st <= PhaseEmpty
	}
	return j
}

// lookPhase sets j.raw to what the stamina trend of job j's soldier
// says about its reported phase at this row (j.rawOK false: nothing).
func (c *core) lookPhase(j *job) {
	s, o := j.s, j.obs
	j.looked, j.rawOK, j.raw = true, false, phaseSeen{}
	st, hr := o.Values[engine.Stamina], o.Values[engine.HeartRate]
	if o.PhaseGuessed || o.Missing.Has(engine.Stamina) || st != st || hr != hr || o.Missing.Has(engine.HeartRate) {
		return
	}
	perRow, hrRise, falling, rising, ok := staminaSlope(&s.hist, min(PhaseWindow, s.hist.size()))
	if !ok {
		return
	}
	step := max(o.T-s.lastT, 1)
	j.raw, j.rawOK = judgePhase(o.Phase, &s.profile, o.Ambient, perRow*60/float64(step), falling, rising, st, hr, hrRise), true
}

// seePhases looks at every job's phase and marks the jobs whose squad
// disagrees with its reported phase as a whole: at least SquadShare of
// its soldiers the check could judge (and SquadMin) at this row.
func (c *core) seePhases(b *batch) {
	b.phases = append(b.phases[:0], make([][2]int, b.slots)...)
	for i := range b.jobs {
		j := &b.jobs[i]
		c.lookPhase(j)
		if !j.rawOK {
			continue
		}
		n := &b.phases[j.slot]
		n[0]++
		if j.raw.act != ActivityNone {
			n[1]++
		}
	}
	for i := range b.jobs {
		j := &b.jobs[i]
		if n := &b.phases[j.slot]; j.rawOK && j.raw.act != ActivityNone {
			j.squadDisagreement = n[1] >= SquadMin && float64(n[1]) >= SquadShare*float64(n[0])
		}
		c.checkPhase(j)
	}
}

// checkPhase runs the phase check for job j (a reported phase) before its
// vitals are scored: it updates the soldier's counters and reports in
// j.seen what the trend shows while the phase is judged wrong.
func (c *core) checkPhase(j *job) {
	s, o := j.s, j.obs
	j.seen = phaseSeen{}
	if o.PhaseGuessed {
		return
	}
	alone := !j.looked // a row scored alone (catching up): no squad to compare with
	if alone {
		c.lookPhase(j)
	}
	if !j.rawOK {
		if s.wrongPh {
			j.seen.act = s.seenAct
			c.rephase(j)
		}
		return
	}
	if o.Phase != s.lastPh {
		// A new phase reported: judged afresh.
		s.lastPh, s.phRun, s.phSquad, s.restRun = o.Phase, 0, false, 0
		s.wrongPh, s.seenAct = false, ActivityNone
		s.forgetPersonal()
	}
	step := max(o.T-s.lastT, 1)
	seen := j.raw
	hold := c.phaseHold
	if seen.rest {
		s.restRun = int16(min(int(s.restRun)+int(step), PhaseRestHold))
	} else {
		s.restRun = 0
	}
	switch {
	case s.wrongPh && seen.agree:
		s.phRun = int16(min(int(s.phRun)+int(step), PhaseMatchHold))
		if s.phRun >= PhaseMatchHold {
			// Right again: the personal baseline learnt meanwhile is
			// dropped (a later mismatch learns afresh), so a soldier
			// whose phase is right holds none.
			s.wrongPh, s.phRun, s.seenAct = false, 0, ActivityNone
			s.forgetPersonal()
		}
	case s.wrongPh:
		s.phRun = 0
		// A soldier seen resting whose stamina is full keeps resting:
		// it cannot rise any more, and "not in contact" would give the
		// forecaster patrol.
		if seen.act != ActivityNone && (seen.act != ActivitySteady || s.seenAct != ActivityResting || !seen.rest) {
			s.seenAct = seen.act
		}
	case seen.act != ActivityNone:
		// While a disagreement is counted, seenAct is what it last
		// showed (heatHalf reads it through rows without a trend).
		s.seenAct = seen.act
		s.phSquad = s.phSquad || j.squadDisagreement || alone
		if s.phSquad {
			hold = max(hold, PhaseSquadHold)
		}
		if s.personal == nil && int(s.phRun) >= int(hold)-personalLead {
			// The soldier's own heart-rate baseline starts to learn, so
			// that it is warm when the phase may be judged wrong.
			s.personal, s.phLearn = &personalHR{}, true
		}
		s.phRun = int16(min(int(s.phRun)+int(step), int(hold)))
		if s.phRun >= hold {
			s.wrongPh, s.phRun, s.seenAct, s.phSquad = true, 0, seen.act, false
		}
	case seen.agree:
		s.phRun, s.phSquad, s.seenAct = 0, false, ActivityNone
		s.forgetPersonal()
	}
	if s.wrongPh {
		j.seen = seen
		j.seen.act = s.seenAct
	}
	c.rephase(j)
}

// personalLead is how long before a disagreement's hold ends the personal
// baseline starts to learn: the time it needs to judge at a 1-s step.
const personalLead = PersonalWarmup + PersonalLevel

// activityPhase is the phase the forecaster is given for a soldier whose
// reported phase is judged wrong, by the activity seen.
var activityPhase = [...]engine.Phase{
	ActivityResting: engine.PhaseRecovery,
	ActivitySteady:  engine.PhasePatrol,
	ActivityWorking: engine.PhaseMarch,
	ActivityHard:    engine.PhaseContact,
}

// rephase points job j at a copy of its row with the phase its activity
// shows, while the reported phase is judged wrong: rest instead of
// recovery once the stamina has recovered at rest's rate for
// PhaseRestHold.
func (c *core) rephase(j *job) {
	if j.seen.act == ActivityNone {
		return
	}
	ph := activityPhase[j.seen.act]
	if j.seen.act == ActivityResting && j.s.restRun >= PhaseRestHold {
		ph = engine.PhaseRest
	}
	j.reported = j.obs.Phase
	j.phased = *j.obs
	j.phased.Phase, j.phased.NextPhase = ph, ph
	j.obs = &j.phased
}

// forgetPersonal drops the personal heart-rate baseline the phase check
// allocated (one allocated for a guessed phase is kept).
func (s *soldier) forgetPersonal() {
	if s.phLearn {
		s.personal, s.phLearn = nil, false
	}
}

// heatHalf returns the half-band core temperature's drift check and heat
// CUSUM use for job j, whose reported phase's half-band is h: that of the
// phase the activity shows when a disagreement showing more work has
// lasted PhaseHeatHold seconds and that half-band is larger (j.hotter is
// then set), else h. A phase judged wrong is already replaced by the
// activity's (rephase), and so is its half-band.
func (c *core) heatHalf(j *job, h float64) float64 {
	s := j.s
	if s.wrongPh || int(s.phRun) < PhaseHeatHold || (s.seenAct != ActivityWorking && s.seenAct != ActivityHard) {
		return h
	}
	if _, hot := c.f.drift(activityPhase[s.seenAct], int(engine.CoreTemp)); hot > h {
		j.hotter = true
		return hot
	}
	return h
}

// reportedHeat keeps the heat CUSUM against the reported phase's
// half-band h (scaled like the one used) for a job judged against a
// hotter one, and sets j.reportedOut: core temperature's Out against h,
// from the band's Out band and drift d. Otherwise it follows heatSum.
func (c *core) reportedHeat(j *job, d, h, band float64) {
	s := j.s
	if !j.hotter {
		s.heatReported = float32(s.heatSum)
		return
	}
	out := band
	if !(h > 0) || math.IsInf(h, 0) {
		j.reportedOut = out
		return
	}
	if od := (d - h) / (2 * h); d > h && od > math.Abs(out) {
		out = od
	}
	sum := max(0, float64(s.heatReported)+d/h-heatCusumRef)
	s.heatReported = float32(sum)
	if od := sum / heatCusumScale; od > math.Abs(out) {
		out = od
	}
	j.reportedOut = out
}

package ui

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// chartSpan is how much time the detail charts aim to cover, ticks.
const chartSpan = 300

// chartLabelW is the width of the charts' value labels (with their axis).
const chartLabelW = 7

// detailPane shows one soldier: vitals over the last minutes against the
// forecast bands, the phase ribbon with the known next phase, and the
// explanation of the latest alert.
type detailPane struct {
	b     *board
	st    *Styles
	w, h  int
	sel   int
	truth bool
	// debug shows the TFT's own variable selection and attention instead
	// of the alert's attribution (they are near-constant on the embedded
	// model, so they are no reason for an alert).
	debug bool
	focus bool
	rev   uint64
	cache viewCache
	c     cells
	cols  []column
	vars  []varWeight
}

type varWeight struct {
	name string
	w    float64
}

func newDetailPane(b *board, st *Styles) *detailPane { return &detailPane{b: b, st: st} }

// SetSize sets the pane's area.
func (d *detailPane) SetSize(w, h int) { d.w, d.h = max(w, 0), max(h, 0) }

// show selects the soldier to show.
func (d *detailPane) show(i int) {
	if i != d.sel {
		d.sel = i
		d.rev++
	}
}

// View renders the pane.
func (d *detailPane) View() string {
	k := viewKey{frames: d.b.frames, w: d.w, h: d.h, styles: d.st, rev: d.rev, focus: d.focus}
	if s, ok := d.cache.lookup(k); ok {
		return s
	}
	return d.cache.store(k, d.render())
}

// lines tracks the pane's line budget while rendering.
type lines struct {
	c     *cells
	n, of int
}

// next starts a line; false when the pane is full.
func (l *lines) next() bool {
	if l.n >= l.of {
		return false
	}
	if l.n > 0 {
		l.c.newline()
	}
	l.n++
	return true
}

// render draws the selected soldier: title, state, the vitals now, the
// heart-rate chart with its ribbons, the small charts and the explanation,
// as far as the pane's height allows.
func (d *detailPane) render() string {
	c := &d.c
	c.reset(d.w)
	st := d.st
	if d.sel < 0 || d.sel >= len(d.b.soldiers) || d.h == 0 {
		c.painted(st.Muted.paint, " no soldier selected")
		return string(c.buf)
	}
	s := &d.b.soldiers[d.sel]
	ln := &lines{c: c, of: d.h}

	ln.next()
	state := s.state()
	d.titleLine(c, s, state)
	ln.next()
	d.stateLine(c, s, state)
	// vitals now with their 10–90 % bands
	ln.next()
	d.nowLine(c, s)
	if s.hist.n == 0 {
		return string(c.buf)
	}

	plotW := max(1, d.w-chartLabelW)
	step := max(1, ceilDiv(chartSpan, plotW))
	span := int64(plotW*step) * d.b.tick
	hrH, small, expl := d.chartRows(s)
	d.cols = columns(&s.hist, engine.HeartRate, plotW, step, d.cols)
	if ln.n+hrH <= ln.of {
		ln.next()
		bandChart(c, st, d.cols, engine.HeartRate, hrH, chartLabelW)
		ln.n += hrH - 1
	}
	d.ribbons(c, ln, span)
	if ln.next() {
		d.phaseLine(c, s)
	}
	if small > 0 {
		d.smallCharts(c, ln, s, plotW, step, small, expl)
	}
	d.explain(c, ln, s)
	return string(c.buf)
}

// titleLine names the soldier and their profile.
func (d *detailPane) titleLine(c *cells, s *soldier, state detector.State) {
	st := d.st
	c.painted(st.State[state].paint, stateSymbol[state])
	c.rune(' ')
	c.begin(st.Title.paint)
	c.str("soldier ")
	c.int(int64(s.prof.ID), 0)
	c.end(st.Title.paint)
	c.begin(st.Muted.paint)
	c.str(" · squad ")
	c.two(s.prof.Squad + 1)
	c.str(" · age ")
	c.float(s.prof.Age, 0, 0)
	c.str(" · ")
	c.str(s.prof.Fitness.String())
	c.str(" fitness · HR rest ")
	c.float(s.prof.RestingHR, 0, 0)
	c.str(" max ")
	c.float(s.prof.HRMax, 0, 0)
	c.str(" · ")
	c.float(s.prof.Mass, 0, 0)
	c.str(" kg · acclim. ")
	c.float(s.prof.Acclimatised, 1, 0)
	c.end(st.Muted.paint)
}

// chartRows divides the pane's height below the three text lines: the
// heart-rate chart's rows, each small chart's rows (0: none) and the rows
// kept for the explanation.
func (d *detailPane) chartRows(s *soldier) (hrH, small, expl int) {
	extra := 4 // axis, phase ribbon, alert ribbon, phase text
	if d.truth {
		extra++
	}
	expl = 5 // why (two lines), inputs, time, a blank line
	if !s.hasAlert {
		expl = 2
	}
	if d.truth {
		expl++
	}
	avail := d.h - 3 - extra - expl
	if avail >= 8+3*4 {
		small = min(5, (avail-8)/3-1)
	}
	hrH = avail - 3*(small+1)
	if small == 0 {
		hrH = avail
	}
	return max(hrH, 3), small, expl
}

// ribbons draws the time axis (span wide) and the phase, alert and (with
// the truth overlay) truth ribbons under the heart-rate chart.
func (d *detailPane) ribbons(c *cells, ln *lines, span int64) {
	st := d.st
	if ln.next() {
		axis(c, st, chartLabelW, d.cols, span)
	}
	if ln.next() {
		ribbon(c, st, "phase", chartLabelW, d.cols, func(col *column) (rune, paint) {
			if col.n == 0 {
				return ' ', paint{}
			}
			if col.phase == engine.PhaseContact {
				return phaseRune[col.phase], st.Accent.paint
			}
			return phaseRune[col.phase], st.Muted.paint
		})
	}
	if ln.next() {
		ribbon(c, st, "alert", chartLabelW, d.cols, func(col *column) (rune, paint) {
			switch col.state {
			case detector.StateWatch, detector.StateAlert, detector.StateNoData:
				return stateRune[col.state], st.State[col.state].paint
			}
			return ' ', paint{}
		})
	}
	if d.truth && ln.next() {
		ribbon(c, st, "truth", chartLabelW, d.cols, func(col *column) (rune, paint) {
			switch {
			case col.truth == engine.KindArtefact:
				return '~', st.Muted.paint
			case col.truth != engine.KindNone:
				return '█', st.Truth.paint
			}
			return ' ', paint{}
		})
	}
}

// smallCharts draws stamina, core temperature and SpO2 charts of small
// rows each while they fit above the expl rows of the explanation.
func (d *detailPane) smallCharts(c *cells, ln *lines, s *soldier, plotW, step, small, expl int) {
	st := d.st
	for _, x := range []engine.Vital{engine.Stamina, engine.CoreTemp, engine.SpO2} {
		if ln.n+small+1 > ln.of-expl {
			break
		}
		ln.next()
		c.begin(st.Bold.paint)
		c.str(x.String())
		c.end(st.Bold.paint)
		c.begin(st.Muted.paint)
		c.rune(' ')
		c.str(x.Unit())
		c.end(st.Muted.paint)
		d.cols = columns(&s.hist, x, plotW, step, d.cols)
		ln.next()
		bandChart(c, st, d.cols, x, small, chartLabelW)
		ln.n += small - 1
	}
}

// stateLine says what the detector thinks of the soldier now.
func (d *detailPane) stateLine(c *cells, s *soldier, state detector.State) {
	st := d.st
	c.begin(st.State[state].paint)
	switch {
	case s.alerting():
		c.str("ALERT ")
		c.str(s.v.Kind.String())
		for ch := range detector.Channel(detector.NumChannels) {
			if a := s.v.Channels[ch]; a.Open {
				c.str(" · ")
				c.str(ch.String())
				c.str(" channel open since ")
				d.clockAt(c, a.Since)
			}
		}
	case state == detector.StateWatch:
		c.str("WATCH ")
		c.str(s.v.Explanation.Vital.String())
		c.str(" out of band, not yet persistent")
	default:
		c.str(stateWord[state])
	}
	c.end(st.State[state].paint)
	if s.scored {
		c.begin(st.Muted.paint)
		c.str(" · score ")
		c.float(s.v.Score, 1, 0)
		c.str(" bw")
		c.end(st.Muted.paint)
	}
	if n := d.unacked(s.prof.ID); n > 0 {
		c.begin(st.Accent.paint)
		c.str(" · ")
		c.int(int64(n), 0)
		c.str(" unacknowledged (a)")
		c.end(st.Accent.paint)
	}
}

func (d *detailPane) unacked(id engine.SoldierID) int {
	n := 0
	for i := range d.b.log.entries {
		if e := &d.b.log.entries[i]; e.soldier == id && !e.acked {
			n++
		}
	}
	return n
}

// clockAt writes the simulated time of tick t.
func (d *detailPane) clockAt(c *cells, t int64) {
	tm := d.b.start.Add(secondsDur(t))
	c.clock(tm.Hour(), tm.Minute(), tm.Second())
}

// nowLine lists the latest vitals with their 10–90 % (else 2–98 %) bands.
func (d *detailPane) nowLine(c *cells, s *soldier) {
	st := d.st
	names := [engine.NumVitals]string{"HR ", "stamina ", "core ", "SpO2 "}
	for x := range engine.Vital(engine.NumVitals) {
		if x > 0 {
			c.str("  ")
		}
		c.begin(st.Muted.paint)
		c.str(names[x])
		c.end(st.Muted.paint)
		last := s.hist.last()
		if last == nil || !s.seen {
			c.rune('–')
			continue
		}
		v := float64(last.v[x])
		if math.IsNaN(v) {
			c.painted(st.State[detector.StateNoData].paint, "missing")
		} else {
			p := st.Bold.paint
			if last.out[x] != 0 {
				p = st.State[detector.StateAlert].paint
			}
			c.begin(p)
			c.float(v, precision(x), 0)
			c.end(p)
		}
		lo, hi := float64(last.q[x][1]), float64(last.q[x][3])
		if math.IsNaN(lo) || math.IsNaN(hi) {
			lo, hi = float64(last.q[x][0]), float64(last.q[x][detector.NumQuantiles-1])
		}
		if !math.IsNaN(lo) && !math.IsNaN(hi) {
			c.begin(st.Muted.paint)
			c.str(" [")
			c.float(lo, precision(x), 0)
			c.rune('–')
			c.float(hi, precision(x), 0)
			c.rune(']')
			c.end(st.Muted.paint)
		}
	}
	c.begin(st.Muted.paint)
	c.str("  PSI ")
	c.end(st.Muted.paint)
	psi := s.psi()
	p := st.Bold.paint
	if psi >= 7.5 {
		p = st.State[detector.StateAlert].paint
	}
	c.begin(p)
	c.float(psi, 1, 0)
	c.end(p)
	if psi >= 7.5 {
		c.painted(st.State[detector.StateAlert].paint, " heat risk")
	}
}

// phaseLine names the phase now, the known next phase and when it starts.
func (d *detailPane) phaseLine(c *cells, s *soldier) {
	st := d.st
	c.begin(st.Muted.paint)
	c.str("phase now ")
	c.end(st.Muted.paint)
	c.painted(st.Bold.paint, s.obs.Phase.String())
	sched := d.b.squadSchedule(s.prof.Squad)
	next, at := s.obs.NextPhase, int64(-1)
	for _, seg := range sched {
		if seg.Start > d.b.t && seg.Phase != s.obs.Phase {
			next, at = seg.Phase, seg.Start
			break
		}
	}
	c.begin(st.Muted.paint)
	c.str(" → next ")
	c.end(st.Muted.paint)
	switch {
	case at >= 0:
		c.painted(st.Bold.paint, next.String())
		c.begin(st.Muted.paint)
		c.str(" in ")
		c.seconds(at - d.b.t)
		c.str(" (known schedule)")
		c.end(st.Muted.paint)
	case next != s.obs.Phase:
		c.painted(st.Bold.paint, next.String())
		c.painted(st.Muted.paint, " at the next tick")
	default:
		c.painted(st.Muted.paint, next.String()+" at the next tick")
	}
}

// explain writes the latest alert's explanation: observed against the
// expected band, band-widths out, variable selection, attention, truth.
func (d *detailPane) explain(c *cells, ln *lines, s *soldier) {
	st := d.st
	if !ln.next() {
		return
	}
	d.label(c, "why")
	if !s.hasAlert {
		if s.scored && s.v.State == detector.StateWatch {
			c.str(vitalReason(&s.v, s.v.Explanation.Vital))
			c.painted(st.Muted.paint, " (watch, no alert yet)")
		} else {
			c.painted(st.Muted.paint, "no alert for this soldier yet")
		}
		return
	}
	d.alertWhy(c, ln, s.alert)
	if d.debug {
		e := &s.alert.Explanation
		if ln.next() {
			d.label(c, "selection")
			d.selection(c, e)
		}
		if ln.next() {
			d.label(c, "attention")
			d.attention(c, e)
		}
	} else {
		at := s.alert.Alert.Attribution
		if ln.next() {
			d.label(c, "inputs")
			d.inputs(c, s.alert, at)
		}
		if ln.next() {
			d.label(c, "time")
			d.timeStrip(c, at)
		}
	}
	if d.truth && ln.next() {
		d.label(c, "truth")
		d.truthLine(c, s)
	}
}

// label starts an explanation line with its muted label, 11 columns wide.
func (d *detailPane) label(c *cells, s string) {
	c.begin(d.st.Muted.paint)
	c.str(s)
	c.padTo(c.col + 11 - width(s))
	c.end(d.st.Muted.paint)
}

// alertWhy says when alert a opened, of what kind and why: the sentence
// built from the evidence of the check that opened it.
// The sentence wraps onto a second line where the pane is narrow.
func (d *detailPane) alertWhy(c *cells, ln *lines, a *detector.Verdict) {
	st := d.st
	c.begin(st.State[detector.StateAlert].paint)
	c.str(stateSymbol[detector.StateAlert])
	c.rune(' ')
	c.end(st.State[detector.StateAlert].paint)
	d.clockAt(c, a.Alert.Since)
	c.rune(' ')
	c.painted(st.Bold.paint, a.Alert.Kind.String())
	c.str(": ")
	text := reason(a)
	if room := c.room(); width(text) > room && room > 10 {
		cut := 0
		for i, r := range text {
			if width(text[:i]) > room {
				break
			}
			if r == ' ' {
				cut = i
			}
		}
		if cut > 0 {
			c.str(text[:cut])
			text = text[cut+1:]
			if !ln.next() {
				return
			}
			d.label(c, "")
		}
	}
	c.str(text)
}

// inputs draws the alert's attribution over the input variables, largest
// first, as many as fit: how far each moved the forecast bound the reading
// fell outside (in the vital's unit) when held neutral.
func (d *detailPane) inputs(c *cells, v *detector.Verdict, at *detector.Attribution) {
	st := d.st
	if at == nil || len(at.Vars) == 0 {
		c.painted(st.Muted.paint, "— no attribution (no forecast behind this check: "+v.Alert.Evidence.Check.String()+")")
		return
	}
	ranked := at.Ranked()
	peak := math.Abs(at.Vars[ranked[0]])
	x := at.Vital
	for i, j := range ranked {
		name := strconv.Itoa(j)
		if j < len(at.VarNames) {
			name = at.VarNames[j]
		}
		need := width(name) + 13
		if i > 0 && c.room() < need+24 {
			break
		}
		if i > 0 {
			c.str("  ")
		}
		c.str(name)
		c.rune(' ')
		n := 0
		if peak > 0 {
			n = int(math.Round(math.Abs(at.Vars[j]) / peak * 5))
		}
		c.begin(st.Accent.paint)
		c.repeat('█', n)
		c.end(st.Accent.paint)
		c.begin(st.Outer.paint)
		c.repeat('░', 5-n)
		c.end(st.Outer.paint)
		c.rune(' ')
		c.str(signed(at.Vars[j], precision(x)+1))
	}
	c.begin(st.Muted.paint)
	c.str("  (")
	c.str(x.Unit())
	c.str(" each added to how far the reading lies out, moving the ")
	c.str(map[string]string{"q98": "upper bound", "q02": "lower bound", "median": "median"}[at.Target])
	c.rune(')')
	c.end(st.Muted.paint)
}

// signed formats x with its sign and prec decimals.
func signed(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if x > 0 {
		return "+" + s
	}
	return s
}

// timeStrip draws the alert's attribution over the past ticks as shades,
// oldest first, and where it peaks.
func (d *detailPane) timeStrip(c *cells, at *detector.Attribution) {
	st := d.st
	if at == nil || len(at.Steps) == 0 {
		c.painted(st.Muted.paint, "—")
		return
	}
	peak := math.Abs(at.Now)
	for _, x := range at.Steps {
		peak = max(peak, math.Abs(x))
	}
	shades := [...]rune{'·', '░', '▒', '▓', '█'}
	shade := func(x float64) rune {
		if peak > 0 {
			return shades[int(math.Round(math.Abs(x)/peak*4))]
		}
		return shades[0]
	}
	c.begin(st.Accent.paint)
	for _, x := range at.Steps {
		c.repeat(shade(x), max(at.Block, 1))
	}
	c.rune('│')
	c.rune(shade(at.Now))
	c.end(st.Accent.paint)
	c.begin(st.Muted.paint)
	c.str(" oldest → now; ")
	if from, to := at.PastPeakAgo(); from > 0 {
		c.str("the past moved the forecast most ")
		c.int(int64(to)*d.b.tick, 0)
		c.rune('–')
		c.int(int64(from)*d.b.tick, 0)
		c.str(" s before")
	}
	if f, _ := at.PeakAgo(); f == 0 {
		c.str("; the reading now outweighs it")
	}
	c.end(st.Muted.paint)
}

// selection draws the variable-selection weights of e as bars, heaviest
// first, as many as fit.
func (d *detailPane) selection(c *cells, e *detector.Explanation) {
	st := d.st
	if e.NumVars == 0 || len(e.VarNames) == 0 {
		c.painted(st.Muted.paint, "— this detector has no variable selection (baseline)")
		return
	}
	d.vars = d.vars[:0]
	for i := range min(e.NumVars, len(e.VarNames)) {
		d.vars = append(d.vars, varWeight{e.VarNames[i], e.VarWeights[i]})
	}
	slices.SortStableFunc(d.vars, func(a, b varWeight) int { return cmp.Compare(b.w, a.w) })
	for i, v := range d.vars {
		need := width(v.name) + 9
		if i > 0 && c.room() < need {
			break
		}
		if i > 0 {
			c.str("  ")
		}
		c.str(v.name)
		c.rune(' ')
		n := int(math.Round(min(max(v.w, 0), 1) * 5))
		c.begin(st.Accent.paint)
		c.repeat('█', n)
		c.end(st.Accent.paint)
		c.begin(st.Outer.paint)
		c.repeat('░', 5-n)
		c.end(st.Outer.paint)
		c.float(v.w, 2, 5)
	}
}

// attention draws the attention of e over the encoder positions as shades,
// oldest first, and where it peaks.
func (d *detailPane) attention(c *cells, e *detector.Explanation) {
	st := d.st
	if e.AttentionLen == 0 {
		c.painted(st.Muted.paint, "— this detector has no attention (baseline)")
		return
	}
	peak, at := 0.0, 0
	for i := range e.AttentionLen {
		if e.Attention[i] > peak {
			peak, at = e.Attention[i], i
		}
	}
	shades := [...]rune{'·', '░', '▒', '▓', '█'}
	c.begin(st.Accent.paint)
	for i := range e.AttentionLen {
		k := 0
		if peak > 0 {
			k = int(math.Round(e.Attention[i] / peak * 4))
		}
		c.rune(shades[k])
	}
	c.end(st.Accent.paint)
	c.begin(st.Muted.paint)
	c.str(" oldest → newest; peak ")
	if back := int64(e.AttentionLen-1-at) * d.b.tick; back > 0 {
		c.int(back, 0)
		c.str(" s before the alert (")
	} else {
		c.str("at the alert tick (")
	}
	c.float(peak*100, 0, 0)
	c.str(" % of the attention)")
	c.end(st.Muted.paint)
}

// truthLine says how the latest alert and event compare with the truth.
func (d *detailPane) truthLine(c *cells, s *soldier) {
	st := d.st
	var ev *truthEvent
	if n := len(s.truth.events); n > 0 {
		ev = &s.truth.events[n-1]
	}
	if ev == nil {
		c.painted(st.Muted.paint, "no ground-truth event for this soldier so far")
	} else {
		c.begin(st.Truth.paint)
		c.str(ev.label.Kind.String())
		c.rune(' ')
		d.clockAt(c, ev.label.Start)
		c.rune('–')
		d.clockAt(c, ev.label.End)
		c.end(st.Truth.paint)
		switch {
		case ev.detected:
			c.str(" · hit after ")
			c.seconds(ev.delay)
		case ev.missed:
			c.painted(st.missed, " · missed")
		default:
			c.str(" · not detected yet")
		}
	}
	if s.truth.lastOpen < 0 {
		c.painted(st.missed, " · latest alert was false")
	}
}

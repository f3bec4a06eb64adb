package ui

import (
	"math"
	"strconv"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
)

// headerView is the two header lines: clock, speed, source, detector; then
// the state counts, rates, and the status line.
func (m *Model) headerView() string {
	k := viewKey{frames: m.b.frames, w: m.w, styles: m.st, rev: m.rev}
	if s, ok := m.headCache.lookup(k); ok {
		return s
	}
	return m.headCache.store(k, m.renderHeader())
}

// renderHeader draws the two header lines: the run (line 1); the state
// counts, rates, view flags, truth tally and status (line 2, terse on
// narrow terminals).
func (m *Model) renderHeader() string {
	c := &m.hc
	c.reset(m.w)
	// line 1 in full when it fits, else compact: the replay's position
	// before the detector and the source, which are cut first
	c.limit = math.MaxInt
	m.headerRun(c, false)
	if c.col > m.w {
		c.buf, c.col = c.buf[:0], 0
		c.limit = m.w
		m.headerRun(c, true)
	}
	c.limit = m.w
	c.newline()

	// the widest form that fits: words, symbols, symbols without the rates
	mark := len(c.buf)
	c.limit = math.MaxInt
	for f := statsWide; ; f++ {
		c.buf, c.col = c.buf[:mark], 0
		m.headerStats(c, f)
		if c.col <= m.w || f == statsTerser {
			break
		}
	}
	c.limit = m.w
	if c.col > m.w {
		c.buf, c.col = c.buf[:mark], 0
		m.headerStats(c, statsTerser)
	}
	return string(c.buf)
}

// statsForm is how much header line 2 spells out.
type statsForm uint8

const (
	statsWide   statsForm = iota // words
	statsTerse                   // symbols
	statsTerser                  // symbols, no rates, short flags
)

// headerStats draws line 2 in form f.
func (m *Model) headerStats(c *cells, f statsForm) {
	wide := f == statsWide
	sep := "  │ "
	if !wide {
		sep = " │ "
	}
	m.headerCounts(c, wide)
	if f != statsTerser {
		m.headerRates(c, wide)
	}
	m.headerFlags(c, sep, f == statsTerser)
	if m.truth {
		m.headerTruth(c, sep, wide)
	}
}

// headerRun draws line 1: title, run state, speed, recording, clock,
// detector, source and the replay's progress (compact: the progress, with a
// shorter bar, right after the clock).
func (m *Model) headerRun(c *cells, compact bool) {
	st, b := m.st, m.b
	c.painted(st.Title.paint, " CHAKRA ")
	switch {
	case m.ended:
		c.painted(st.Muted.paint, "■ ended")
	case m.paused:
		c.painted(st.State[detector.StateWatch].paint, "⏸ paused")
	case m.seeking:
		c.painted(st.Accent.paint, "⇄ seeking")
	default:
		c.painted(st.State[detector.StateOK].paint, "▶")
	}
	if m.feed == nil {
		c.begin(st.Bold.paint)
		c.str(" ×")
		c.float(m.speeds[m.speedIdx], speedPrec(m.speeds[m.speedIdx]), 0)
		c.end(st.Bold.paint)
	}
	if m.recName != "" {
		m.recording(c)
	}
	c.str("  ")
	if b.hasFrame {
		c.begin(st.Bold.paint)
		c.clock(b.time.Hour(), b.time.Minute(), b.time.Second())
		c.end(st.Bold.paint)
		c.begin(st.Muted.paint)
		c.str(" T+")
		c.duration(b.t)
		c.end(st.Muted.paint)
	} else {
		c.painted(st.Muted.paint, "--:--:--")
	}
	if m.replay != nil && compact {
		m.progress(c, 10)
	}
	c.painted(st.Muted.paint, "  │ ")
	c.painted(st.Bold.paint, m.detector)
	if m.note != "" {
		c.painted(st.State[detector.StateWatch].paint, " ("+m.note+")")
	}
	c.painted(st.Muted.paint, "  │ ")
	c.str(m.source)
	if m.replay != nil && !compact {
		m.progress(c, 20)
	}
}

// headerCounts draws the soldiers per state (warming up only when any).
func (m *Model) headerCounts(c *cells, wide bool) {
	st, b := m.st, m.b
	c.rune(' ')
	for _, s := range []detector.State{detector.StateOK, detector.StateWatch, detector.StateAlert, detector.StateNoData, detector.StateWarmingUp} {
		n := b.counts[s]
		if n == 0 && s == detector.StateWarmingUp {
			continue
		}
		c.begin(st.State[s].paint)
		c.str(stateSymbol[s])
		if wide {
			c.rune(' ')
		}
		c.int(int64(n), 0)
		if wide {
			c.rune(' ')
			c.str(stateWord[s])
			c.rune(' ')
		}
		c.end(st.State[s].paint)
		c.rune(' ')
	}
}

// headerRates draws frames and scores per second (0 while stopped).
func (m *Model) headerRates(c *cells, wide bool) {
	st := m.st
	fps, sps := m.rate.fps, m.rate.sps
	if m.paused || m.ended || m.seeking {
		fps, sps = 0, 0
	}
	c.begin(st.Muted.paint)
	c.str("│ ")
	c.float(fps, 1, 0)
	if wide {
		c.str(" frames/s ")
	} else {
		c.str(" f/s ")
	}
	c.float(sps, 0, 0)
	if wide {
		c.str(" scores/s")
	} else {
		c.str(" s/s")
	}
	c.end(st.Muted.paint)
	// Behind the speed by a second or more: the battlefield is more than
	// this machine scores and draws at this speed (live.Lag).
	l := m.lag.Lag()
	if m.lagOf != nil {
		l = m.lagOf()
	}
	if l.Count > 0 && l.Last >= time.Second && !m.paused && !m.ended && !m.seeking {
		c.begin(st.Accent.paint)
		c.str(" lag ")
		c.float(l.Last.Seconds(), 1, 0)
		c.str(" s")
		c.end(st.Accent.paint)
	}
}

// headerFlags draws the unacknowledged alerts and how the grid is sorted,
// filtered and paged.
func (m *Model) headerFlags(c *cells, sep string, short bool) {
	st, b := m.st, m.b
	if n := b.log.unacked(); n > 0 {
		c.begin(st.Accent.paint)
		c.str(sep)
		c.int(int64(n), 0)
		if short {
			c.str(" new")
		} else {
			c.str(" unacked")
		}
		c.end(st.Accent.paint)
	}
	switch {
	case m.grid.sorted && short:
		c.painted(st.Accent.paint, sep+"by sev")
	case m.grid.sorted:
		c.painted(st.Accent.paint, sep+"by severity")
	}
	switch {
	case m.grid.filter && short:
		c.painted(st.Accent.paint, sep+"▲ only")
	case m.grid.filter:
		c.painted(st.Accent.paint, sep+"alerting only")
	}
	if m.grid.squad >= 0 {
		c.begin(st.Accent.paint)
		c.str(sep + "squad S")
		c.two(m.grid.squad + 1)
		c.end(st.Accent.paint)
	}
	if np := len(m.grid.lay.pages); np > 1 {
		c.begin(st.Muted.paint)
		c.str(sep + "page ")
		c.int(int64(m.grid.page+1), 0)
		c.rune('/')
		c.int(int64(np), 0)
		c.end(st.Muted.paint)
	}
}

// headerTruth draws the truth overlay's tally.
func (m *Model) headerTruth(c *cells, sep string, wide bool) {
	st := m.st
	t := &m.b.tally
	c.begin(st.Truth.paint)
	c.str(sep + "truth: ")
	if wide {
		c.int(int64(t.events), 0)
		c.str(" events ")
		c.int(int64(t.detected), 0)
		c.str(" hit ")
		c.int(int64(t.missed), 0)
		c.str(" missed · ")
		c.int(int64(t.trueAlerts), 0)
		c.str(" true ")
		c.int(int64(t.falseAlerts), 0)
		c.str(" false alerts")
	} else {
		c.int(int64(t.detected), 0)
		c.rune('/')
		c.int(int64(t.events), 0)
		c.str(" hit ")
		c.int(int64(t.missed), 0)
		c.str(" miss ")
		c.int(int64(t.falseAlerts), 0)
		c.str(" false")
	}
	c.end(st.Truth.paint)
}

// recording draws "● REC name size length": the file being recorded to, its
// size and the simulated time it holds.
func (m *Model) recording(c *cells) {
	st := m.st
	c.str("  ")
	c.painted(st.Error.paint, "● REC")
	c.rune(' ')
	c.painted(st.Bold.paint, m.recName)
	c.begin(st.Muted.paint)
	c.rune(' ')
	c.str(byteSize(m.rec.Bytes))
	c.rune(' ')
	c.duration(m.rec.Frames * int64(m.tick/time.Second))
	c.end(st.Muted.paint)
}

// byteSize formats n bytes as B, kB, MB or GB (powers of 1000).
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	case n < 1000_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
}

// progress draws the replay's position and a progress bar barW wide.
func (m *Model) progress(c *cells, barW int) {
	rc := m.replay
	st := m.st
	pos := m.b.t
	if m.seeking {
		pos = m.target
	}
	total := max(rc.Last-rc.First, 1)
	frac := min(max(float64(pos-rc.First)/float64(total), 0), 1)
	c.rune(' ')
	c.begin(st.Bold.paint)
	c.duration(pos - rc.First)
	c.end(st.Bold.paint)
	c.begin(st.Muted.paint)
	c.rune('/')
	c.duration(total)
	c.end(st.Muted.paint)
	c.rune(' ')
	full := int(frac * float64(barW))
	c.begin(st.Accent.paint)
	c.repeat('━', full)
	if full < barW {
		c.rune('╸')
	}
	c.end(st.Accent.paint)
	c.begin(st.Outer.paint)
	c.repeat('─', barW-full-1)
	c.end(st.Outer.paint)
}

// speedPrec is the decimals a speed factor needs.
func speedPrec(x float64) int {
	if x == float64(int64(x)) {
		return 0
	}
	return 1
}

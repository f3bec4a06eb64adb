package ui

import "github.com/chakra-tui/chakra-tui/detector"

// logPane lists alert openings, newest first: time, soldier, kind, severity
// and a one-line reason. It acknowledges alerts and jumps to their soldier.
type logPane struct {
	b     *board
	st    *Styles
	w, h  int
	sel   int // selected entry counted from the newest (0)
	top   int // first entry shown, counted from the newest
	truth bool
	focus bool
	idW   int
	rev   uint64
	cache viewCache
	c     cells
}

func newLogPane(b *board, st *Styles) *logPane { return &logPane{b: b, st: st, idW: 3} }

// SetSize sets the pane's area.
func (p *logPane) SetSize(w, h int) {
	p.w, p.h = max(w, 0), max(h, 0)
	p.scroll()
	p.rev++
}

// entry returns the selected entry, or nil.
func (p *logPane) entry() *alertEntry {
	n := len(p.b.log.entries)
	if p.sel < 0 || p.sel >= n {
		return nil
	}
	return &p.b.log.entries[n-1-p.sel]
}

// move shifts the selection by d entries (positive: older).
func (p *logPane) move(d int) {
	n := len(p.b.log.entries)
	p.sel = min(max(p.sel+d, 0), max(n-1, 0))
	p.scroll()
	p.rev++
}

// scroll keeps the selection in view.
func (p *logPane) scroll() {
	rows := max(p.h-1, 1)
	if p.sel < p.top {
		p.top = p.sel
	}
	if p.sel >= p.top+rows {
		p.top = p.sel - rows + 1
	}
}

// added keeps the selection on the same entry when n new ones arrive on top.
func (p *logPane) added(n int) {
	if n == 0 {
		return
	}
	if p.sel > 0 || p.top > 0 {
		p.sel += n
		p.top += n
	}
	p.scroll()
}

// ack acknowledges the selected entry; it reports whether one was.
func (p *logPane) ack() bool {
	e := p.entry()
	if e == nil || e.acked {
		return false
	}
	e.acked = true
	p.b.log.rev++
	return true
}

// View renders the log.
func (p *logPane) View() string {
	k := viewKey{frames: p.b.frames, w: p.w, h: p.h, styles: p.st, focus: p.focus, rev: p.rev + p.b.log.rev<<20}
	if s, ok := p.cache.lookup(k); ok {
		return s
	}
	return p.cache.store(k, p.render())
}

// render draws the title line and the entries that fit, newest first.
func (p *logPane) render() string {
	c := &p.c
	c.reset(p.w)
	st := p.st
	entries := p.b.log.entries
	p.titleLine(c)
	if len(entries) == 0 {
		c.newline()
		c.painted(st.Muted.paint, " no alerts yet")
		return string(c.buf)
	}
	rows := max(p.h-1, 0)
	for r := 0; r < rows && p.top+r < len(entries); r++ {
		k := p.top + r
		c.newline()
		p.entryLine(c, &entries[len(entries)-1-k], k == p.sel && p.focus)
	}
	return string(c.buf)
}

// titleLine counts the alerts and names the keys.
func (p *logPane) titleLine(c *cells) {
	st := p.st
	title := st.Muted.paint
	if p.focus {
		title = st.Title.paint
	}
	c.begin(title)
	c.str("alert log · ")
	c.int(int64(len(p.b.log.entries)+p.b.log.dropped), 0)
	c.str(" alerts · ")
	c.int(int64(p.b.log.unacked()), 0)
	c.str(" unacknowledged")
	c.end(title)
	c.painted(st.Muted.paint, "   ↑↓ select · enter go to soldier · a acknowledge · L close")
}

// entryLine draws log entry e (sel: selected, reversed to the line's end).
func (p *logPane) entryLine(c *cells, e *alertEntry, sel bool) {
	st := p.st
	pt := st.State[detector.StateAlert].paint
	if e.acked {
		pt = st.Muted.paint
	}
	if sel {
		c.painted(st.Accent.paint, "▌")
		pt = st.selected[detector.StateAlert]
		if e.acked {
			pt = st.selected[detector.StateWarmingUp]
		}
	} else {
		c.rune(' ')
	}
	c.begin(pt)
	tm := e.at
	if !p.b.start.IsZero() {
		tm = p.b.start.Add(secondsDur(e.t))
	}
	c.clock(tm.Hour(), tm.Minute(), tm.Second())
	if e.acked {
		c.str(" ✓ ")
	} else {
		c.str(" ▲ ")
	}
	c.field(appendID(c.num[:0], int64(e.soldier), p.idW), 0)
	c.str(" S")
	c.two(e.squad + 1)
	c.rune(' ')
	start := c.col
	c.str(e.kind.String())
	c.padTo(start + 14)
	sev := e.severity()
	c.str(sev)
	c.padTo(start + 19)
	if sev != "data" {
		c.float(e.score, 1, 4)
	} else {
		c.str("   –")
	}
	c.rune(' ')
	if p.truth {
		if e.truth > 0 {
			c.str("true  ")
		} else {
			c.str("FALSE ")
		}
	}
	c.str(e.reason)
	if !sel {
		c.end(pt)
	} else {
		c.padTo(c.limit)
		c.end(pt)
	}
}

// idWidth is the number of digits of the largest soldier id.
func idWidth(b *board) int {
	w := 3
	if n := len(b.soldiers); n > 0 {
		for id := int64(b.soldiers[n-1].prof.ID); id >= 1000; id /= 10 {
			w++
		}
	}
	return w
}

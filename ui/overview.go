package ui

import (
	"slices"
	"strconv"

	"github.com/chakra-tui/chakra-tui/detector"
)

// overviewPane is the battlefield by squad, worst first: one line per squad
// with its soldiers per state. At 50 000 soldiers the card grid is 5 000
// squads long; this is where to look first. Enter shows the selected squad
// alone on the grid, alerting soldiers first.
type overviewPane struct {
	b     *board
	st    *Styles
	w, h  int
	sel   int // selected row (0: the worst squad)
	top   int // first row shown
	focus bool
	rev   uint64
	cache viewCache
	c     cells

	rows   []squadRow // as of frame
	frame  uint64     // board.frames the rows were counted at
	roster uint64
	num    []byte // scratch of render
}

// squadRow is one squad's soldiers per state.
type squadRow struct {
	squad int
	n     [stateCount]int
}

// worse orders squads worst first: more alerting soldiers, then more with
// no data, more on watch, more warming up; then by squad.
func worse(a, b squadRow) int {
	for _, s := range []detector.State{detector.StateAlert, detector.StateNoData, detector.StateWatch, detector.StateWarmingUp} {
		if a.n[s] != b.n[s] {
			return b.n[s] - a.n[s]
		}
	}
	return a.squad - b.squad
}

func newOverviewPane(b *board, st *Styles) *overviewPane { return &overviewPane{b: b, st: st} }

// SetSize sets the pane's area.
func (p *overviewPane) SetSize(w, h int) {
	p.w, p.h = max(w, 0), max(h, 0)
	p.scroll()
	p.rev++
}

// count counts each squad's soldiers per state for the board's latest
// frame (once per frame: one pass over the roster) and sorts the squads
// worst first: only squads that have soldiers. The selection stays on its
// squad.
func (p *overviewPane) count() {
	if p.frame == p.b.frames && p.roster == p.b.roster && p.rows != nil {
		return
	}
	selSquad := -1
	if p.sel >= 0 && p.sel < len(p.rows) {
		selSquad = p.rows[p.sel].squad
	}
	p.frame, p.roster = p.b.frames, p.b.roster
	// One row per squad that has soldiers (squad numbers may be sparse),
	// indexed by the soldier's slot until sorted.
	n := len(p.b.squadIDs)
	if cap(p.rows) < n {
		p.rows = make([]squadRow, n)
	}
	p.rows = p.rows[:n]
	for k, q := range p.b.squadIDs {
		p.rows[k] = squadRow{squad: q}
	}
	for i := range p.b.soldiers {
		if s := &p.b.soldiers[i]; s.slot >= 0 {
			p.rows[s.slot].n[s.state()]++
		}
	}
	slices.SortFunc(p.rows, worse)
	if selSquad >= 0 {
		for i := range p.rows {
			if p.rows[i].squad == selSquad {
				p.sel = i
				break
			}
		}
	}
	p.sel = min(max(p.sel, 0), max(len(p.rows)-1, 0))
	p.scroll()
}

// squad returns the selected squad, or -1.
func (p *overviewPane) squad() int {
	p.count()
	if p.sel < 0 || p.sel >= len(p.rows) {
		return -1
	}
	return p.rows[p.sel].squad
}

// move shifts the selection by d rows (positive: towards better squads).
func (p *overviewPane) move(d int) {
	p.count()
	p.sel = min(max(p.sel+d, 0), max(len(p.rows)-1, 0))
	p.scroll()
	p.rev++
}

// scroll keeps the selection in view.
func (p *overviewPane) scroll() {
	rows := max(p.h-1, 1)
	if p.sel < p.top {
		p.top = p.sel
	}
	if p.sel >= p.top+rows {
		p.top = p.sel - rows + 1
	}
	p.top = max(min(p.top, len(p.rows)-rows), 0)
}

// View renders the overview.
func (p *overviewPane) View() string {
	p.count()
	k := viewKey{frames: p.b.frames, w: p.w, h: p.h, styles: p.st, focus: p.focus, rev: p.rev}
	if s, ok := p.cache.lookup(k); ok {
		return s
	}
	return p.cache.store(k, p.render())
}

// order is the states of a squad's line, worst first.
var order = [...]detector.State{detector.StateAlert, detector.StateNoData, detector.StateWatch, detector.StateWarmingUp, detector.StateOK}

// render draws the title line and the squads that fit, worst first.
func (p *overviewPane) render() string {
	c := &p.c
	c.reset(p.w)
	st := p.st
	title := st.Muted.paint
	if p.focus {
		title = st.Title.paint
	}
	alerting := 0
	for _, r := range p.rows {
		if r.n[detector.StateAlert] > 0 {
			alerting++
		}
	}
	c.begin(title)
	c.str("squads · ")
	c.int(int64(len(p.rows)), 0)
	c.str(" · ")
	c.int(int64(alerting), 0)
	c.str(" alerting · worst first · ↑↓ pgup pgdn · enter: the squad's cards")
	c.end(title)
	if len(p.rows) == 0 {
		c.newline()
		c.painted(st.Muted.paint, " no soldiers yet")
		return string(c.buf)
	}
	digits := max(len(strconv.Itoa(p.b.squads)), 2)
	rows := max(p.h-1, 0)
	for r := 0; r < rows && p.top+r < len(p.rows); r++ {
		i := p.top + r
		row := &p.rows[i]
		c.newline()
		sel := i == p.sel && p.focus
		if sel {
			c.painted(st.Accent.paint, "▌")
		} else {
			c.rune(' ')
		}
		c.begin(st.Bold.paint)
		c.rune('S')
		p.num = strconv.AppendInt(p.num[:0], int64(row.squad+1), 10)
		for range digits - len(p.num) {
			c.rune('0')
		}
		c.strBytes(p.num)
		c.end(st.Bold.paint)
		for _, s := range order {
			c.rune(' ')
			n := row.n[s]
			if n == 0 && s != detector.StateOK {
				c.begin(st.Muted.paint)
			} else {
				c.begin(st.State[s].paint)
			}
			c.str(stateSymbol[s])
			c.int(int64(n), 3)
			c.end(st.State[s].paint)
		}
		total := 0
		for _, n := range row.n {
			total += n
		}
		c.begin(st.Muted.paint)
		c.str("  of ")
		c.int(int64(total), 0)
		c.end(st.Muted.paint)
	}
	return string(c.buf)
}

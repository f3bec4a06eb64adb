package ui

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/chakra-tui/chakra-tui/detector"
)

// cardForm is one size of soldier card. The grid picks the largest form
// that fits the terminal without paging, and pages compact cards otherwise.
type cardForm struct {
	name string
	h    int  // lines per card
	minW int  // smallest content width, columns
	maxW int  // widest content width worth having, columns
	sep  bool // a blank line between squads
}

var (
	formLarge   = cardForm{"large", 4, 16, 48, true}
	formMedium  = cardForm{"medium", 3, 10, 30, false}
	formCompact = cardForm{"compact", 1, 8, 22, false}
	cardForms   = []cardForm{formLarge, formMedium, formCompact}
)

// widen returns f for soldier ids of idW digits: the widths above hold
// ids of three, and every form's first line starts with the id.
func (f cardForm) widen(idW int) cardForm {
	extra := max(idW-3, 0)
	f.minW += extra
	f.maxW += extra
	return f
}

// gridRow is one row of cards; label names the squad on its first row.
type gridRow struct {
	label string
	cards []int // board indices
	sep   bool  // a blank line above it
}

// gridLayout is where every card goes at the current size.
type gridLayout struct {
	form   cardForm
	cw     int // card content width (each card has a marker column before it)
	cols   int
	labelW int
	idW    int
	sparkW int
	rows   []gridRow
	pages  []int // first row of each page
	pos    []int // board index → row·cols+col, −1 when not shown
}

// gridPane is the grid of soldier cards.
type gridPane struct {
	b      *board
	st     *Styles
	w, h   int
	lay    gridLayout
	sel    int // selected board index, −1 when nothing is shown
	page   int
	sorted bool // by severity instead of by squad
	filter bool // alerting soldiers only
	squad  int  // the only squad shown (engine.Profile.Squad), −1 for all
	truth  bool // the truth overlay
	rev    uint64
	cache  viewCache
	c      cells
	order  []int
}

func newGridPane(b *board, st *Styles) *gridPane {
	return &gridPane{b: b, st: st, sel: 0, squad: -1}
}

// SetSize lays the cards out for a w×h area.
func (g *gridPane) SetSize(w, h int) {
	g.w, g.h = max(w, 0), max(h, 0)
	g.relayout()
}

// severity ranks states for sorting: alerts first, then no data, watch,
// warming up, ok.
func severity(s detector.State) int {
	switch s {
	case detector.StateAlert:
		return 4
	case detector.StateNoData:
		return 3
	case detector.StateWatch:
		return 2
	case detector.StateWarmingUp:
		return 1
	}
	return 0
}

// groups returns the soldiers to show, grouped into rows' worth of cards:
// by squad, or as one list by severity (by id within a state, so the order
// holds still from tick to tick); filtered to alerting soldiers or a squad.
func (g *gridPane) groups() (groups [][]int, labels []string) {
	b := g.b
	g.order = g.order[:0]
	for i := range b.soldiers {
		if g.filter && !b.soldiers[i].alerting() || g.squad >= 0 && b.soldiers[i].prof.Squad != g.squad {
			continue
		}
		g.order = append(g.order, i)
	}
	if g.sorted {
		slices.SortStableFunc(g.order, func(x, y int) int {
			sx, sy := &b.soldiers[x], &b.soldiers[y]
			if c := cmp.Compare(severity(sy.state()), severity(sx.state())); c != 0 {
				return c
			}
			return cmp.Compare(sx.prof.ID, sy.prof.ID)
		})
		return [][]int{g.order}, []string{""}
	}
	slices.SortStableFunc(g.order, func(x, y int) int {
		return cmp.Compare(b.soldiers[x].prof.Squad, b.soldiers[y].prof.Squad)
	})
	for i := 0; i < len(g.order); {
		j := i + 1
		sq := b.soldiers[g.order[i]].prof.Squad
		for j < len(g.order) && b.soldiers[g.order[j]].prof.Squad == sq {
			j++
		}
		groups = append(groups, g.order[i:j])
		labels = append(labels, fmt.Sprintf("S%02d", sq+1))
		i = j
	}
	return groups, labels
}

// relayout recomputes the layout for the current size, order and filter.
func (g *gridPane) relayout() {
	b := g.b
	groups, labels := g.groups()
	// The new layout reuses the old one's buffers: with a filter or the
	// severity order it is laid out again every frame, and a position per
	// soldier is 400 KB a frame at 50 000 soldiers.
	lay := gridLayout{idW: 3, rows: g.lay.rows[:0], pages: g.lay.pages[:0], pos: g.lay.pos}
	if n := len(b.soldiers); n > 0 {
		lay.idW = max(3, len(fmt.Sprint(b.soldiers[n-1].prof.ID)))
	}
	if !g.sorted {
		for _, l := range labels {
			lay.labelW = max(lay.labelW, len(l))
		}
	}
	avail := g.w - lay.labelW
	lay.form, lay.cols = chooseForm(groups, avail, g.h, lay.idW)
	lay.cw = max(1, avail/max(lay.cols, 1)-1)
	lay.cw = min(lay.cw, lay.form.widen(lay.idW).maxW)
	lay.sparkW = sparkWidth(lay.form, lay.cw, lay.idW)
	lay.place(groups, labels, len(b.soldiers))
	lay.paginate(g.h)
	g.lay = lay
	for i := range b.soldiers {
		if b.soldiers[i].spark != nil { // the others get theirs on screen (prepare)
			b.soldiers[i].resizeSpark(lay.sparkW, g.st)
		}
	}
	g.fixSelection()
	g.prepare()
	g.rev++
}

// chooseForm picks the largest card form, and for it the fewest columns,
// with which every group fits in avail columns and h lines; when none fits
// it pages compact cards. idW is the digits of the widest soldier id.
func chooseForm(groups [][]int, avail, h, idW int) (cardForm, int) {
	maxG := 0
	for _, gr := range groups {
		maxG = max(maxG, len(gr))
	}
	lines := func(f cardForm, cols int) int {
		n := 0
		for i, gr := range groups {
			n += ceilDiv(len(gr), cols) * f.h
			if f.sep && i > 0 {
				n++
			}
		}
		return n
	}
	for _, form := range cardForms {
		f := form.widen(idW)
		most := min(maxG, avail/(f.minW+1))
		if most < 1 {
			continue
		}
		// the fewest columns (widest cards, most history, up to maxW) that
		// still fit
		for r := maxG; r >= ceilDiv(maxG, most); r-- {
			cols := ceilDiv(maxG, r)
			tooWide := avail/cols-1 > f.maxW && r > ceilDiv(maxG, most)
			if cols <= most && !tooWide && lines(f, cols) <= h {
				return form, cols
			}
		}
	}
	// page compact cards
	cols := max(1, min(maxG, avail/(formCompact.widen(idW).minW+1)))
	if maxG > 0 {
		cols = ceilDiv(maxG, ceilDiv(maxG, cols))
	}
	return formCompact, cols
}

// place cuts the groups (soldier indices, labelled) into rows of
// lay.cols cards and records each of the n soldiers' position.
func (lay *gridLayout) place(groups [][]int, labels []string, n int) {
	if cap(lay.pos) < n {
		lay.pos = make([]int, n)
	}
	lay.pos = lay.pos[:n]
	for i := range lay.pos {
		lay.pos[i] = -1
	}
	for gi, gr := range groups {
		for k := 0; k < len(gr); k += lay.cols {
			row := gridRow{cards: gr[k:min(k+lay.cols, len(gr))], sep: lay.form.sep && gi > 0 && k == 0}
			if k == 0 {
				row.label = labels[gi]
			}
			for c, i := range row.cards {
				lay.pos[i] = len(lay.rows)*lay.cols + c
			}
			lay.rows = append(lay.rows, row)
		}
	}
}

// paginate starts a page wherever the next row would not fit in h lines:
// as many rows as fit, at least one per page.
func (lay *gridLayout) paginate(h int) {
	y := 0
	for r, row := range lay.rows {
		hgt := lay.form.h
		if row.sep && y > 0 {
			hgt++
		}
		if r == 0 || y+hgt > h {
			lay.pages = append(lay.pages, r)
			y = lay.form.h
			continue
		}
		y += hgt
	}
}

// sparkWidth is the sparkline width of a card form at content width cw.
func sparkWidth(f cardForm, cw, idW int) int {
	switch f {
	case formLarge:
		return cw - 5 // "♥162 "
	case formMedium:
		return cw - 3 // "162"
	}
	return cw - (idW + 5) // "▲017 162"
}

// fixSelection keeps the selection on a shown card and its page on screen.
func (g *gridPane) fixSelection() {
	if len(g.lay.rows) == 0 {
		g.sel, g.page = -1, 0
		return
	}
	if g.sel < 0 || g.sel >= len(g.lay.pos) || g.lay.pos[g.sel] < 0 {
		g.sel = g.lay.rows[0].cards[0]
	}
	g.page = g.pageOf(g.lay.pos[g.sel] / g.lay.cols)
}

// pageOf returns the page holding row r.
func (g *gridPane) pageOf(r int) int {
	p := 0
	for i, start := range g.lay.pages {
		if start <= r {
			p = i
		}
	}
	return p
}

// pageRows returns the rows [from, to) of the current page.
func (g *gridPane) pageRows() (from, to int) {
	if len(g.lay.pages) == 0 {
		return 0, 0
	}
	p := min(g.page, len(g.lay.pages)-1)
	from, to = g.lay.pages[p], len(g.lay.rows)
	if p+1 < len(g.lay.pages) {
		to = g.lay.pages[p+1]
	}
	return from, to
}

// prepare draws the sparklines of the cards on screen (ntcharts draws in
// Update; View only copies runes). A card shown for the first time gets
// its sparkline here, from its history: only cards that have been on
// screen have one (a sparkline with its canvas is about 7 KB, 350 MB for
// 50 000 soldiers).
func (g *gridPane) prepare() {
	from, to := g.pageRows()
	for r := from; r < to; r++ {
		for _, i := range g.lay.rows[r].cards {
			s := &g.b.soldiers[i]
			s.resizeSpark(g.lay.sparkW, g.st)
			s.spark.draw()
		}
	}
}

// frame is called after a frame reached the board.
func (g *gridPane) frame(rosterChanged bool) {
	if rosterChanged || g.sorted || g.filter {
		g.relayout()
		return
	}
	g.prepare()
}

// move shifts the selection by rows and columns on the grid.
func (g *gridPane) move(dr, dc int) {
	if g.sel < 0 {
		return
	}
	p := g.lay.pos[g.sel]
	r, c := p/g.lay.cols, p%g.lay.cols
	switch {
	case dc != 0:
		c += dc
		if c < 0 && r > 0 {
			r--
			c = len(g.lay.rows[r].cards) - 1
		} else if c >= len(g.lay.rows[r].cards) && r+1 < len(g.lay.rows) {
			r++
			c = 0
		}
	case dr != 0:
		r = min(max(r+dr, 0), len(g.lay.rows)-1)
	}
	c = min(max(c, 0), len(g.lay.rows[r].cards)-1)
	g.selectIndex(g.lay.rows[r].cards[c])
}

// movePage moves the selection to the same place a page up or down.
func (g *gridPane) movePage(d int) {
	if g.sel < 0 {
		return
	}
	p := min(max(g.page+d, 0), len(g.lay.pages)-1)
	if p == g.page {
		return
	}
	c := g.lay.pos[g.sel] % g.lay.cols
	row := g.lay.rows[g.lay.pages[p]]
	g.selectIndex(row.cards[min(c, len(row.cards)-1)])
}

// selectEnd selects the first card (end < 0) or the last.
func (g *gridPane) selectEnd(end int) {
	if len(g.lay.rows) == 0 {
		return
	}
	if end < 0 {
		g.selectIndex(g.lay.rows[0].cards[0])
		return
	}
	last := g.lay.rows[len(g.lay.rows)-1].cards
	g.selectIndex(last[len(last)-1])
}

// selectIndex selects board index i if it is shown.
func (g *gridPane) selectIndex(i int) bool {
	if i < 0 || i >= len(g.lay.pos) || g.lay.pos[i] < 0 {
		return false
	}
	g.sel = i
	if p := g.pageOf(g.lay.pos[i] / g.lay.cols); p != g.page {
		g.page = p
		g.prepare()
	}
	g.rev++
	return true
}

// at returns the board index of the card at (x, y) in the pane, or −1.
func (g *gridPane) at(x, y int) int {
	from, to := g.pageRows()
	line := 0
	for r := from; r < to; r++ {
		row := g.lay.rows[r]
		if row.sep && r > from {
			line++
		}
		if y >= line && y < line+g.lay.form.h {
			cx := x - g.lay.labelW
			if cx < 0 {
				return -1
			}
			c := cx / (g.lay.cw + 1)
			if c < len(row.cards) {
				return row.cards[c]
			}
			return -1
		}
		line += g.lay.form.h
	}
	return -1
}

// View renders the cards of the current page.
func (g *gridPane) View() string {
	k := viewKey{frames: g.b.frames, w: g.w, h: g.h, styles: g.st, rev: g.rev}
	if s, ok := g.cache.lookup(k); ok {
		return s
	}
	return g.cache.store(k, g.render())
}

func (g *gridPane) render() string {
	c := &g.c
	c.reset(g.w)
	if len(g.lay.rows) == 0 {
		if g.filter || g.squad >= 0 {
			c.painted(g.st.Muted.paint, " no soldier to show — f and esc show everyone")
		} else {
			c.painted(g.st.Muted.paint, " waiting for the first frame…")
		}
		return string(c.buf)
	}
	from, to := g.pageRows()
	lines := 0
	for r := from; r < to; r++ {
		row := &g.lay.rows[r]
		if row.sep && r > from {
			c.newline()
			lines++
		}
		for l := range g.lay.form.h {
			if lines > 0 {
				c.newline()
			}
			lines++
			if l == 0 && row.label != "" {
				c.painted(g.st.Muted.paint, row.label)
			}
			c.padTo(g.lay.labelW)
			for _, i := range row.cards {
				g.card(c, i, l)
			}
		}
	}
	return string(c.buf)
}

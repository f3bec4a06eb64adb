package ui

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// card writes line l of soldier i's card: a marker column (▌ on the selected
// card, so the selection shows without colour) and cw columns of content,
// painted whole in the soldier's state colour (reversed when selected).
func (g *gridPane) card(c *cells, i, l int) {
	s := &g.b.soldiers[i]
	st := s.state()
	sel := i == g.sel
	p := g.st.State[st].paint
	if sel {
		p = g.st.selected[st]
		c.painted(g.st.Accent.paint, "▌")
	} else {
		c.rune(' ')
	}
	end := c.col + g.lay.cw
	saved := c.limit
	c.limit = min(end, saved)
	c.begin(p)
	switch g.lay.form {
	case formLarge:
		g.cardLarge(c, s, st, l, p)
	case formMedium:
		g.cardMedium(c, s, st, l, p)
	default:
		g.cardCompact(c, s, st, p)
	}
	c.padTo(end)
	c.end(p)
	c.limit = saved
}

// head writes the symbol, the id and the truth-mark column.
func (g *gridPane) head(c *cells, s *soldier, st detector.State, p paint) {
	c.str(stateSymbol[st])
	c.field(appendID(c.num[:0], int64(s.prof.ID), g.lay.idW), 0)
	g.markCol(c, s, p)
}

// markCol writes the truth overlay's mark for s (a space when it is off).
func (g *gridPane) markCol(c *cells, s *soldier, p paint) {
	if !g.truth {
		c.rune(' ')
		return
	}
	m := s.truth.mark(g.b.t, s.alerting())
	if m == markNone {
		c.rune(' ')
		return
	}
	mp := g.st.Truth.paint
	if m == markMiss {
		mp = g.st.missed
	}
	c.end(p)
	c.begin(mp)
	c.rune(markRune[m])
	c.end(mp)
	c.begin(p)
}

func (g *gridPane) hr(c *cells, s *soldier) {
	hr := float64(s.hist.last().v[engine.HeartRate])
	if !s.seen || math.IsNaN(hr) {
		c.str("  –")
		return
	}
	c.float(hr, 0, 3)
}

func (g *gridPane) cardCompact(c *cells, s *soldier, st detector.State, p paint) {
	g.head(c, s, st, p)
	if !s.seen {
		return
	}
	g.hr(c, s)
	if s.alerting() && c.room() > len(kindShort[s.v.Kind]) {
		c.rune(' ') // the alert's kind instead of the sparkline
		c.str(kindShort[s.v.Kind])
		return
	}
	c.strBytes(s.spark.drawn())
}

func (g *gridPane) cardMedium(c *cells, s *soldier, st detector.State, l int, p paint) {
	switch l {
	case 0:
		g.head(c, s, st, p)
		if s.seen {
			c.str(phaseShort[s.obs.Phase])
		}
	case 1:
		if s.seen {
			g.hr(c, s)
			c.strBytes(s.spark.drawn())
		}
	case 2:
		if s.alerting() {
			c.str(kindShort[s.v.Kind])
			if s.v.Score > 0 {
				c.rune(' ')
				c.float(s.v.Score, 1, 0)
			}
			return
		}
		g.stamina(c, s, g.lay.cw-4)
		c.rune(' ')
		c.float(float64(s.hist.lastValue(engine.Stamina)), 0, 3)
	}
}

func (g *gridPane) cardLarge(c *cells, s *soldier, st detector.State, l int, p paint) {
	cw := g.lay.cw
	switch l {
	case 0:
		g.head(c, s, st, p)
		if g.sorted {
			c.rune('S')
			c.two(s.prof.Squad + 1)
		}
		if s.seen {
			name := s.obs.Phase.String()
			c.padTo(c.limit - width(name))
			c.str(name)
		}
	case 1:
		c.rune('♥')
		if !s.seen {
			return
		}
		g.hr(c, s)
		c.rune(' ')
		c.strBytes(s.spark.drawn())
	case 2:
		if !s.seen {
			return
		}
		g.stamina(c, s, cw-11)
		c.rune(' ')
		c.float(float64(s.hist.lastValue(engine.Stamina)), 0, 3)
		c.rune(' ')
		c.float(float64(s.hist.lastValue(engine.CoreTemp)), 1, 4)
		c.rune('°')
	case 3:
		switch {
		case s.alerting():
			c.str(stateSymbol[detector.StateAlert])
			c.rune(' ')
			c.str(s.v.Kind.String())
			if s.v.Score > 0 {
				c.rune(' ')
				c.signed(s.v.Vitals[s.v.Explanation.Vital].Out, 1)
			}
		case st == detector.StateWatch:
			c.str("◇ watch ")
			c.str(s.v.Explanation.Vital.String())
		case st == detector.StateNoData:
			c.str("? no data")
		case st == detector.StateWarmingUp:
			c.str("… warming up")
		default:
			c.str("SpO2")
			c.float(float64(s.hist.lastValue(engine.SpO2)), 0, 4)
			c.str(" PSI")
			c.float(s.psi(), 1, 4)
		}
		if g.truth {
			if m := s.truth.mark(g.b.t, s.alerting()); m != markNone && m != markArtefact {
				w := markWord[m]
				if c.room() >= width(w)+1 {
					c.padTo(c.limit - width(w))
					c.end(p)
					c.painted(g.st.Truth.paint, w)
					c.begin(p)
				}
			}
		}
	}
}

// stamina draws a bar of w columns for the latest stamina (0–100).
func (g *gridPane) stamina(c *cells, s *soldier, w int) {
	if w <= 0 {
		return
	}
	v := float64(s.hist.lastValue(engine.Stamina))
	if math.IsNaN(v) {
		c.repeat('╌', w)
		return
	}
	full := int(math.Round(min(max(v, 0), 100) / 100 * float64(w)))
	c.repeat('▰', full)
	c.repeat('▱', w-full)
}

// lastValue is the newest reading of x (NaN when missing or empty).
func (h *history) lastValue(x engine.Vital) float32 {
	if s := h.last(); s != nil {
		return s.v[x]
	}
	return nan32
}

// appendID writes id zero-padded to w digits.
func appendID(b []byte, id int64, w int) []byte {
	var d [20]byte
	n := len(d)
	for id > 0 || n == len(d) {
		n--
		d[n] = byte('0' + id%10)
		id /= 10
	}
	for i := len(d) - n; i < w; i++ {
		b = append(b, '0')
	}
	return append(b, d[n:]...)
}

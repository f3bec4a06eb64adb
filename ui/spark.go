package ui

import (
	"unicode/utf8"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/lipgloss"
)

// maxPending is how many pushes a sparkline takes incrementally before a
// full redraw is cheaper.
const maxPending = 8

// cardSpark is a card's one-row sparkline. An ntcharts sparkline holds the
// data and draws it, in Update; text keeps the runes it drew, so View copies
// bytes instead of rendering a styled canvas cell by cell. Between full
// redraws (on resize, or when the card comes back on screen) each new value
// is drawn incrementally: the canvas shifts left one column and ntcharts
// draws the new column, which is exactly what a full redraw would show.
type cardSpark struct {
	m     sparkline.Model
	w     int
	max   float64
	style lipgloss.Style
	text  []byte
	full  bool // a full redraw is due
	pend  [maxPending]float64
	npend int
}

// reset makes a sparkline of width w over [0, max] holding values.
func (c *cardSpark) reset(w int, max float64, style lipgloss.Style, values []float64) {
	c.w, c.max, c.style = w, max, style
	c.text = c.text[:0]
	c.npend = 0
	c.full = true
	if w <= 0 {
		return
	}
	c.m = sparkline.New(w, 1, sparkline.WithNoAutoMaxValue(), sparkline.WithMaxValue(max), sparkline.WithStyle(style))
	c.m.PushAll(values)
}

// width is the sparkline's width (0 for none).
func (c *cardSpark) width() int {
	if c == nil {
		return 0
	}
	return c.w
}

// drawn is the text draw drew last (nil for none).
func (c *cardSpark) drawn() []byte {
	if c == nil {
		return nil
	}
	return c.text
}

// push adds a value (0: an empty column).
func (c *cardSpark) push(v float64) {
	if c == nil || c.w <= 0 {
		return
	}
	c.m.Push(v)
	if c.npend < maxPending {
		c.pend[c.npend] = v
	}
	c.npend++
}

// clear forgets every value.
func (c *cardSpark) clear() {
	if c == nil || c.w <= 0 {
		return
	}
	c.m.Clear()
	c.npend = 0
	c.full = true
}

// stale reports whether the sparkline has something to draw.
func (c *cardSpark) stale() bool { return c != nil && c.w > 0 && (c.full || c.npend > 0) }

// draw brings text up to date with the data.
func (c *cardSpark) draw() {
	if !c.stale() {
		return
	}
	if c.full || c.npend > maxPending || len(c.text) == 0 {
		c.m.DrawColumnsOnly()
		c.text = c.text[:0]
		for x := range c.w {
			c.text = utf8.AppendRune(c.text, cellRuneAt(&c.m.Canvas, x))
		}
		c.full, c.npend = false, 0
		return
	}
	last := canvas.Point{X: c.w - 1, Y: 0}
	for i := range c.npend {
		c.m.Canvas.ShiftLeft()
		graph.DrawColumnBottomToTop(&c.m.Canvas, last, c.pend[i]/c.max, c.style)
		_, n := utf8.DecodeRune(c.text)
		c.text = append(c.text[:0], c.text[n:]...)
		c.text = utf8.AppendRune(c.text, cellRuneAt(&c.m.Canvas, c.w-1))
	}
	c.npend = 0
}

// cellRuneAt is the rune drawn at column x of a one-row canvas (a space
// where nothing is).
func cellRuneAt(cv *canvas.Model, x int) rune {
	if r := cv.Cell(canvas.Point{X: x, Y: 0}).Rune; r != 0 {
		return r
	}
	return ' '
}

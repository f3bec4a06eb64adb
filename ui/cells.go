package ui

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// cells appends text to a byte buffer while counting terminal columns, and
// cuts whatever would pass limit. Every rune the dashboard draws is one column
// wide, so a rune is a column. It is the allocation-free way the hot path
// builds lines: numbers go through strconv.Append*, colour through paints.
type cells struct {
	buf   []byte
	col   int // columns written on the current line
	limit int // columns allowed on the current line
	num   [32]byte
}

// reset starts an empty buffer (keeping its memory) with a line limit.
func (c *cells) reset(limit int) {
	c.buf = c.buf[:0]
	c.col = 0
	c.limit = limit
}

// newline ends the current line.
func (c *cells) newline() {
	c.buf = append(c.buf, '\n')
	c.col = 0
}

// room is how many columns are left on the line.
func (c *cells) room() int { return max(0, c.limit-c.col) }

// str writes s, cut at the limit.
func (c *cells) str(s string) {
	if c.col >= c.limit {
		return
	}
	if len(s) <= c.limit-c.col && isASCII(s) {
		c.buf = append(c.buf, s...)
		c.col += len(s)
		return
	}
	for _, r := range s {
		if c.col >= c.limit {
			return
		}
		c.buf = utf8.AppendRune(c.buf, r)
		c.col++
	}
}

// strBytes writes b (UTF-8), cut at the limit.
func (c *cells) strBytes(b []byte) {
	for len(b) > 0 && c.col < c.limit {
		r, n := utf8.DecodeRune(b)
		c.buf = utf8.AppendRune(c.buf, r)
		c.col++
		b = b[n:]
	}
}

// rune writes one rune.
func (c *cells) rune(r rune) {
	if c.col >= c.limit {
		return
	}
	if r < utf8.RuneSelf {
		c.buf = append(c.buf, byte(r))
	} else {
		c.buf = utf8.AppendRune(c.buf, r)
	}
	c.col++
}

// repeat writes r n times.
func (c *cells) repeat(r rune, n int) {
	for range n {
		if c.col >= c.limit {
			return
		}
		c.rune(r)
	}
}

// padTo writes spaces up to column col.
func (c *cells) padTo(col int) {
	col = min(col, c.limit)
	for c.col < col {
		c.buf = append(c.buf, ' ')
		c.col++
	}
}

// int writes n right-aligned in width columns (no padding for width 0).
func (c *cells) int(n int64, width int) {
	c.field(strconv.AppendInt(c.num[:0], n, 10), width)
}

// float writes x with prec decimals right-aligned in width columns; a NaN
// writes dashes.
func (c *cells) float(x float64, prec, width int) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		c.padTo(c.col + width - 1)
		c.rune('–')
		return
	}
	c.field(strconv.AppendFloat(c.num[:0], x, 'f', prec, 64), width)
}

// signed writes x with an explicit sign.
func (c *cells) signed(x float64, prec int) {
	if x >= 0 {
		c.rune('+')
	}
	c.float(x, prec, 0)
}

// field writes ASCII digits right-aligned in width columns.
func (c *cells) field(digits []byte, width int) {
	for i := len(digits); i < width; i++ {
		c.rune(' ')
	}
	for _, d := range digits {
		c.rune(rune(d))
	}
}

// begin and end wrap text in a paint; escape sequences take no columns.
func (c *cells) begin(p paint) { c.buf = append(c.buf, p.pre...) }
func (c *cells) end(p paint)   { c.buf = append(c.buf, p.post...) }

// painted writes s in paint p.
func (c *cells) painted(p paint, s string) {
	c.begin(p)
	c.str(s)
	c.end(p)
}

// clock writes a simulated time of day as hh:mm:ss.
func (c *cells) clock(h, m, s int) {
	c.two(h)
	c.rune(':')
	c.two(m)
	c.rune(':')
	c.two(s)
}

// two writes a number as two digits.
func (c *cells) two(n int) {
	if n >= 100 || n < 0 { // a squad beyond S99: every digit
		c.strBytes(strconv.AppendInt(c.num[:0], int64(n), 10))
		return
	}
	c.rune(rune('0' + n/10%10))
	c.rune(rune('0' + n%10))
}

// duration writes seconds as [h:]mm:ss.
func (c *cells) duration(sec int64) {
	neg := sec < 0
	if neg {
		c.rune('-')
		sec = -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if h > 0 {
		c.int(h, 0)
		c.rune(':')
	}
	c.two(int(m))
	c.rune(':')
	c.two(int(s))
}

// seconds writes a short span: "23 s" under a minute, else [h:]mm:ss.
func (c *cells) seconds(sec int64) {
	if sec < 60 && sec > -60 {
		c.int(sec, 0)
		c.str(" s")
		return
	}
	c.duration(sec)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// width is the number of columns s takes (one per rune).
func width(s string) int { return utf8.RuneCountInString(s) }

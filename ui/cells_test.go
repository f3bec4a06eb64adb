package ui

import (
	"math"
	"testing"
)

func TestCells(t *testing.T) {
	var c cells
	c.reset(12)
	c.str("ab")
	c.int(42, 5)
	c.float(math.NaN(), 1, 3)
	c.str("✓✓✓✓")
	if got, want := string(c.buf), "ab   42  –✓✓"; got != want {
		t.Errorf("line %q, want %q (cut at 12 columns)", got, want)
	}
	c.newline()
	c.begin(paint{pre: "<", post: ">"})
	c.duration(3725)
	c.end(paint{pre: "<", post: ">"})
	c.rune(' ')
	c.seconds(42)
	if got, want := string(c.buf), "ab   42  –✓✓\n<1:02:05> 42 s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if c.col != 12 {
		t.Errorf("column %d after a painted line of 12 visible columns", c.col)
	}
}

func TestLineWidth(t *testing.T) {
	for s, w := range map[string]int{"": 0, "abc": 3, "\x1b[1;31m▲017\x1b[0m ok": 7, "░▒▓": 3} {
		if got := lineWidth(s); got != w {
			t.Errorf("lineWidth(%q) = %d, want %d", s, got, w)
		}
	}
}

func TestAppendID(t *testing.T) {
	for _, tc := range []struct {
		id   int64
		w    int
		want string
	}{{7, 3, "007"}, {123, 3, "123"}, {1000, 3, "1000"}, {0, 2, "00"}} {
		if got := string(appendID(nil, tc.id, tc.w)); got != tc.want {
			t.Errorf("appendID(%d, %d) = %q, want %q", tc.id, tc.w, got, tc.want)
		}
	}
}

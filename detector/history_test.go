package detector

import (
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// The history answers every row it holds, newest first, across the
// wrap-around: the drift check, the rolling baselines and the attribution
// (which rebuilds the whole encoder window) read far back.
func TestHistoryAt(t *testing.T) {
	h := history{rows: make([]row, 60)}
	for k := range 100 {
		h.push(&row{t: int64(k)})
		for i := range h.n {
			if got := h.at(i).t; got != int64(k-i) {
				t.Fatalf("after row %d: at(%d) is row %d, want %d", k, i, got, k-i)
			}
		}
	}
	if h.n != 60 {
		t.Fatalf("holds %d rows, want 60", h.n)
	}
	h.reset()
	if h.n != 0 {
		t.Fatal("reset left rows")
	}
}

// The TFT's soldiers keep its drift horizon and one row more than its
// encoder window.
func TestTFTHistoryRows(t *testing.T) {
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	c := sc.(*core)
	f := c.f.(*tftForecaster)
	want := max(f.te+1, 2)
	for v := range 4 {
		want = max(want, f.m.Meta.Drift.ticksFor(v))
	}
	if c.hist != want || c.hist > histCap {
		t.Fatalf("the TFT keeps %d rows per soldier, want %d", c.hist, want)
	}
}

// A compact history answers what a full one does, rounded to float32 once,
// across the wrap-around, and keeps no full rows.
func TestCompactHistory(t *testing.T) {
	full, small := newHistory(60, false), newHistory(60, true)
	if small.rows != nil || len(small.small) != 60 || full.small != nil {
		t.Fatal("newHistory: a compact history keeps full rows, or a full one small rows")
	}
	for k := range 100 {
		r := row{t: int64(k), imputed: engine.Mask(k % 16)}
		for v := range engine.NumVitals {
			r.values[v] = 36.6 + float64(k*(v+1))/7
			r.dmed[v] = float64(k-v) / 3
		}
		if k%9 == 0 {
			r.dmed[1] = math.NaN()
		}
		full.push(&r)
		small.push(&r)
		if small.n != full.n {
			t.Fatalf("after row %d: compact holds %d rows, full %d", k, small.n, full.n)
		}
		for i := range full.n {
			if got := small.imputed(i); got != full.imputed(i) {
				t.Fatalf("after row %d: imputed(%d) %v, want %v", k, i, got, full.imputed(i))
			}
			vs := small.values(i)
			for v := range engine.NumVitals {
				want := float64(float32(full.value(i, v)))
				if got := small.value(i, v); got != want || vs[v] != want {
					t.Fatalf("after row %d: value(%d, %d) %v (values %v), want %v", k, i, v, got, vs[v], want)
				}
				wd := float64(float32(full.dmed(i, v)))
				if got := small.dmed(i, v); got != wd && !(math.IsNaN(got) && math.IsNaN(wd)) {
					t.Fatalf("after row %d: dmed(%d, %d) %v, want %v", k, i, v, got, wd)
				}
			}
		}
	}
}

// The TFT scorer keeps compact histories exactly when its streams are
// compact (WithCompactState), and full rows otherwise.
func TestCompactStateHistory(t *testing.T) {
	for _, on := range []bool{false, true} {
		sc, err := Default(WithCompactState(on))
		if err != nil {
			t.Fatal(err)
		}
		feed(t, sc, steadySeries(40, 3), 32)
		c := sc.(*core)
		s := c.soldiers[1]
		if s == nil {
			t.Fatal("no soldier 1 after scoring it")
		}
		if got := s.hist.small != nil; got != on || (s.hist.rows != nil) == on {
			t.Errorf("WithCompactState(%v): compact history %v, full rows %v", on, got, s.hist.rows != nil)
		}
		if s.hist.n == 0 || s.hist.size() != c.hist {
			t.Errorf("WithCompactState(%v): %d rows of %d, want some of %d", on, s.hist.n, s.hist.size(), c.hist)
		}
	}
}

package detector

import "testing"

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

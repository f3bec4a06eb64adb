package ring

import (
	"slices"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// ticks returns the ticks of rows, in order.
func ticks(rows []engine.Observation) []int64 {
	t := make([]int64, len(rows))
	for i, o := range rows {
		t[i] = o.T
	}
	return t
}

// TestRingWrapAround pushes rows 1…10 (row s at tick s) into a ring of 4
// and reads every range it holds, across the wrap-around.
func TestRingWrapAround(t *testing.T) {
	r := New(4)
	for s := int64(1); s <= 10; s++ {
		r.Push(&engine.Observation{T: s})
		if want := min(int(s), 4); r.N != want || r.Hi != uint64(s) || r.Latest().T != s {
			t.Fatalf("after row %d: N %d Hi %d latest %d", s, r.N, r.Hi, r.Latest().T)
		}
	}
	if r.Holds(6, 10) || !r.Holds(7, 10) || r.Holds(7, 11) || r.Holds(0, 8) {
		t.Fatal("Holds disagrees with rows 7…10 held")
	}
	for lo := uint64(7); lo <= 10; lo++ {
		for hi := lo - 1; hi <= 10; hi++ {
			got := ticks(r.AppendRange(nil, lo, hi))
			var want []int64
			for s := lo; s <= hi; s++ {
				want = append(want, int64(s))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("AppendRange(%d, %d) = %v, want %v", lo, hi, got, want)
			}
		}
	}
	if got := ticks(r.AppendLast([]engine.Observation{{T: -1}}, 3)); !slices.Equal(got, []int64{-1, 8, 9, 10}) {
		t.Fatalf("AppendLast(3) onto one row = %v", got)
	}
	r.Reset(20)
	if r.N != 0 || r.Hi != 20 || r.Holds(20, 20) {
		t.Fatalf("after Reset(20): N %d Hi %d", r.N, r.Hi)
	}
	r.Push(&engine.Observation{T: 21})
	if !r.Holds(21, 21) || r.Slot(21).T != 21 {
		t.Fatal("row 21 not held after Reset(20) and a push")
	}
}

func TestGrowWindows(t *testing.T) {
	inner := make([]engine.Observation, 0, 8)
	dst := [][]engine.Observation{inner}[:0]
	dst = GrowWindows(dst, 3)
	if len(dst) != 3 || cap(dst[0]) != 8 {
		t.Fatalf("grown to %d windows, the first of capacity %d; want 3 and the reused 8", len(dst), cap(dst[0]))
	}
	if dst = GrowWindows(dst, 1); len(dst) != 1 || cap(dst[0]) != 8 {
		t.Fatalf("shrunk to %d windows", len(dst))
	}
}

// TestRingInsert inserts late rows in tick order, in a ring with room and in
// a full one whose oldest row drops, across the wrap-around.
func TestRingInsert(t *testing.T) {
	r := New(4)
	for _, s := range []int64{1, 3, 5} {
		r.Push(&engine.Observation{T: s})
	}
	r.Insert(&engine.Observation{T: 4})
	if got := ticks(r.AppendLast(nil, r.N)); !slices.Equal(got, []int64{1, 3, 4, 5}) || r.Hi != 4 {
		t.Fatalf("insert 4 into 1 3 5: %v, Hi %d", got, r.Hi)
	}
	r.Insert(&engine.Observation{T: 2}) // full: 1 drops
	if got := ticks(r.AppendLast(nil, r.N)); !slices.Equal(got, []int64{2, 3, 4, 5}) || r.Hi != 5 || r.N != 4 {
		t.Fatalf("insert 2 into full 1 3 4 5: %v, Hi %d N %d", got, r.Hi, r.N)
	}
	for _, s := range []int64{7, 9} {
		r.Push(&engine.Observation{T: s})
	}
	r.Insert(&engine.Observation{T: 8})
	if got := ticks(r.AppendLast(nil, r.N)); !slices.Equal(got, []int64{5, 7, 8, 9}) || r.Latest().T != 9 {
		t.Fatalf("insert 8 into 4 5 7 9: %v", got)
	}
	if r.Find(7) != r.Hi-2 || r.Find(6) != 0 || r.Find(9) != r.Hi || r.Find(10) != 0 || r.Find(4) != 0 {
		t.Fatalf("Find: 7→%d 6→%d 9→%d (Hi %d)", r.Find(7), r.Find(6), r.Find(9), r.Hi)
	}
}

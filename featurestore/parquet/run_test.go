package parquet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// testRun builds frames with labels and records them in a fresh directory.
func testRun(t testing.TB, soldiers, ticks int, opts ...RunOption) (string, []engine.Profile, []engine.Frame, []engine.Label) {
	t.Helper()
	g := storetest.NewGen(42)
	profiles := g.Profiles(soldiers)
	frames := g.Frames(soldiers, ticks, 0)
	labels := []engine.Label{
		{Soldier: 2, Start: 10, End: 30, Kind: engine.KindTachycardia},
		{Soldier: 1, Start: 40, End: 40, Kind: engine.KindArtefact},
		{Soldier: 3, Start: 5, End: 60, Kind: engine.KindHeatStrain},
	}
	for i := range frames {
		for _, l := range labels {
			if l.Contains(frames[i].T) {
				frames[i].Truth = append(frames[i].Truth, l)
			}
		}
	}
	dir := filepath.Join(t.TempDir(), "run")
	n, err := Record(context.Background(), storetest.NewFrames(profiles, slices.Clone(frames)), dir, opts...)
	if err != nil || n != ticks {
		t.Fatalf("Record = %d, %v", n, err)
	}
	slices.SortFunc(labels, func(a, b engine.Label) int { return int(a.Start - b.Start) })
	return dir, profiles, frames, labels
}

func TestRunRoundTrip(t *testing.T) {
	dir, profiles, frames, labels := testRun(t, 4, 300, WithRowGroupRows(100))
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Profiles(); !slices.Equal(got, profiles) {
		t.Fatalf("profiles = %+v, want %+v", got, profiles)
	}
	if got := r.Labels(); !slices.Equal(got, labels) {
		t.Fatalf("labels = %+v, want %+v", got, labels)
	}
	if want := frames[0].Time; !r.Start().Equal(want) {
		t.Fatalf("start = %v, want %v", r.Start(), want)
	}
	if first, last, ok := r.Ticks(); !ok || first != 0 || last != 299 {
		t.Fatalf("Ticks = %d, %d, %v", first, last, ok)
	}
	if r.NumRows() != 1200 {
		t.Fatalf("NumRows = %d", r.NumRows())
	}
	all, err := r.Observations(math.MinInt64, math.MaxInt64, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []engine.Observation
	for _, f := range frames {
		want = append(want, f.Obs...)
	}
	storetest.CheckRows(t, all, want)
	missing := 0
	for _, o := range all {
		missing += popcount(o.Missing)
	}
	if missing == 0 {
		t.Fatal("the test data has no missing readings; the round trip of missing is untested")
	}
}

func popcount(m engine.Mask) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

func TestRunRanges(t *testing.T) {
	dir, _, frames, _ := testRun(t, 3, 500, WithRowGroupRows(64))
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rowsIn := func(lo, hi int64) []engine.Observation {
		var out []engine.Observation
		for _, f := range frames {
			if f.T >= lo && f.T < hi {
				out = append(out, f.Obs...)
			}
		}
		return out
	}
	for _, c := range [][2]int64{{0, 1}, {100, 101}, {63, 130}, {490, 1000}, {-5, 3}, {200, 200}, {300, 100}, {1000, 2000}} {
		got, err := r.Observations(c[0], c[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		storetest.CheckRows(t, got, rowsIn(c[0], c[1]))
	}
	// Wall-clock ranges select the same rows as the ticks they cover.
	from, to := frames[120].Time, frames[170].Time
	got, err := r.ObservationsBetween(from, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckRows(t, got, rowsIn(120, 170))
	// Scan stops at the callback's error.
	stop := errors.New("stop")
	n := 0
	err = r.Scan(0, 500, func(*engine.Observation) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("Scan = %v after %d rows", err, n)
	}
}

// TestRunSourceReplays checks that a run replays as the frames it recorded,
// and that recording the replay gives the same run.
func TestRunSourceReplays(t *testing.T) {
	dir, profiles, frames, _ := testRun(t, 3, 120)
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	src := r.Source(20, 80)
	if !slices.Equal(src.Profiles(), profiles) {
		t.Fatal("replay profiles differ")
	}
	ctx := context.Background()
	for _, want := range frames[20:80] {
		got, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("Next at tick %d: %v", want.T, err)
		}
		byStart := func(a, b engine.Label) int { return int(a.Start - b.Start) }
		slices.SortFunc(got.Truth, byStart)
		slices.SortFunc(want.Truth, byStart)
		if got.T != want.T || !got.Time.Equal(want.Time) || !slices.Equal(got.Truth, want.Truth) {
			t.Fatalf("frame %d = T %d time %v truth %v; want %v %v", want.T, got.T, got.Time, got.Truth, want.Time, want.Truth)
		}
		storetest.CheckRows(t, got.Obs, want.Obs)
	}
	if _, err := src.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v; want io.EOF", err)
	}
	dir2 := filepath.Join(t.TempDir(), "again")
	if _, err := Record(ctx, r.Source(math.MinInt64, math.MaxInt64), dir2); err != nil {
		t.Fatal(err)
	}
	r2, err := OpenRun(dir2)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	a, _ := r.Observations(math.MinInt64, math.MaxInt64, nil)
	b, _ := r2.Observations(math.MinInt64, math.MaxInt64, nil)
	storetest.CheckRows(t, b, a)
	if !slices.Equal(r.Labels(), r2.Labels()) {
		t.Fatal("labels differ after record(replay)")
	}
}

func TestRunWriterRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := CreateRun(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := storetest.NewGen(1)
	f := g.Frames(2, 2, 10)
	if err := w.WriteFrame(f[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(f[0]); !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("earlier frame: %v; want ErrOutOfOrder", err)
	}
	bad := g.Frames(2, 1, 20)[0]
	bad.Obs[1].T = 19
	if err := w.WriteFrame(bad); !errors.Is(err, featurestore.ErrInvalid) {
		t.Fatalf("row of another tick: %v; want ErrInvalid", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ObservationsFile)); err == nil {
		t.Fatal("an unfinished run is visible before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateRun(dir, nil); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second run in one directory: %v; want os.ErrExist", err)
	}
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != 2 {
		t.Fatalf("%d rows; want 2", r.NumRows())
	}
}

func TestOpenRunErrors(t *testing.T) {
	if _, err := OpenRun(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty dir: %v; want os.ErrNotExist", err)
	}
	dir, _, _, _ := testRun(t, 2, 10)
	if err := os.WriteFile(filepath.Join(dir, ObservationsFile), []byte("PAR1 not really PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRun(dir); !errors.Is(err, featurestore.ErrCorrupt) {
		t.Fatalf("garbage file: %v; want ErrCorrupt", err)
	}
}

// FuzzOpenRun feeds arbitrary bytes as the observations file: opening and
// reading must fail cleanly or succeed, never panic.
func FuzzOpenRun(f *testing.F) {
	dir, _, _, _ := testRun(f, 2, 20, WithRowGroupRows(8))
	good, err := os.ReadFile(filepath.Join(dir, ObservationsFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := openObservations("fuzz", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, featurestore.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		c := r.cursor(rangeFilter{lo: math.MinInt64, hi: math.MaxInt64})
		defer c.close()
		var o engine.Observation
		for n := 0; n <= 1<<16; n++ {
			if ok, err := c.next(&o); !ok || err != nil {
				break
			}
		}
	})
}

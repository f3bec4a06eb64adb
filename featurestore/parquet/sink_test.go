package parquet

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sinkFrames writes frames through a sink over dir, a part every flush
// ticks (the clock moves a second per frame), and closes it.
func sinkFrames(t *testing.T, b Bucket, run string, profiles []engine.Profile, frames []engine.Frame, flush int) *Sink {
	t.Helper()
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	s, err := NewSink(b, SinkConfig{Run: run, Start: frames[0].Time.Add(-time.Duration(frames[0].T) * time.Second),
		Flush: time.Duration(flush) * time.Second, Clock: clk.now, Meta: map[string]string{MetaSource: "test"}}, profiles)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		s.Observe(f.Obs)
		s.Labels(f.Truth)
		clk.add(time.Second)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSinkRoundTrip(t *testing.T) {
	g := storetest.NewGen(7)
	profiles := g.Profiles(5)
	frames := g.Frames(5, 200, 0)
	label := engine.Label{Soldier: 3, Start: 20, End: 50, Kind: engine.KindBradycardia}
	for i := range frames {
		if label.Contains(frames[i].T) {
			frames[i].Truth = []engine.Label{label}
		}
	}
	root := t.TempDir()
	s := sinkFrames(t, Dir(root), "run-a", profiles, frames, 30)
	st := s.Stats()
	if st.Written != 1000 || st.Buffered != 0 || st.Dropped != 0 || st.Parts != 7 {
		t.Fatalf("stats %+v, want 1000 rows in 7 parts", st)
	}
	r, err := OpenRun(filepath.Join(root, "run-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Parts()) != 7 {
		t.Fatalf("%d parts, want 7", len(r.Parts()))
	}
	if !slices.Equal(r.Profiles(), profiles) || !slices.Equal(r.Labels(), []engine.Label{label}) {
		t.Fatalf("profiles %v labels %v", r.Profiles(), r.Labels())
	}
	if v, _ := r.Meta(MetaSource); v != "test" {
		t.Fatalf("source meta %q", v)
	}
	if !r.Start().Equal(frames[0].Time) {
		t.Fatalf("start %v, want %v", r.Start(), frames[0].Time)
	}
	src := r.Source(math.MinInt64, math.MaxInt64)
	for i := range frames {
		f, err := src.Next(context.Background())
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.T != frames[i].T || !f.Time.Equal(frames[i].Time) || len(f.Obs) != len(frames[i].Obs) {
			t.Fatalf("frame %d: T %d time %v, %d rows; want %d %v %d", i, f.T, f.Time, len(f.Obs), frames[i].T, frames[i].Time, len(frames[i].Obs))
		}
		for j := range f.Obs {
			if !storetest.SameObs(f.Obs[j], frames[i].Obs[j]) {
				t.Fatalf("frame %d row %d: %+v, want %+v", i, j, f.Obs[j], frames[i].Obs[j])
			}
		}
	}
	// The same run through Record (one file) reads the same.
	one := filepath.Join(root, "one")
	if _, err := Record(context.Background(), storetest.NewFrames(profiles, slices.Clone(frames)), one); err != nil {
		t.Fatal(err)
	}
	r1, err := OpenRun(one)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	a, _ := r.Observations(math.MinInt64, math.MaxInt64, nil)
	b, _ := r1.Observations(math.MinInt64, math.MaxInt64, nil)
	if len(a) != len(b) {
		t.Fatalf("%d rows from parts, %d from one file", len(a), len(b))
	}
	for i := range a {
		if !storetest.SameObs(a[i], b[i]) {
			t.Fatalf("row %d: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// TestSinkRaggedParts writes rows as /predict brings them: each soldier at
// its own ticks, parts overlapping in time. Reads merge them back into
// tick order, and every row is there once.
func TestSinkRaggedParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	root := t.TempDir()
	s, err := NewSink(Dir(root), SinkConfig{Run: "http", Start: time.Unix(0, 0), Flush: 10 * time.Second, Clock: clk.now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	next := map[engine.SoldierID]int64{}
	var all []engine.Observation
	for i := range 3000 {
		id := engine.SoldierID(rng.IntN(20) + 1)
		if next[id] == 0 {
			next[id] = 1_700_000_000 + int64(rng.IntN(30))
		}
		o := engine.Observation{Soldier: id, T: next[id], Values: [engine.NumVitals]float64{60 + float64(i%50), 90, 37, 98}, Ambient: 20}
		o.SetMissing(engine.SpO2)
		next[id] += 1 + int64(rng.IntN(3))
		s.Observe([]engine.Observation{o})
		all = append(all, o)
		if i%7 == 0 {
			clk.add(time.Second)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRun(filepath.Join(root, "http"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Parts()) < 20 || len(r.clusters) == len(r.parts) {
		t.Fatalf("%d parts in %d clusters: the test wants overlapping parts", len(r.parts), len(r.clusters))
	}
	got, err := r.Observations(math.MinInt64, math.MaxInt64, nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(all, obsOrder)
	if len(got) != len(all) {
		t.Fatalf("%d rows read, %d written", len(got), len(all))
	}
	for i := range got {
		if !storetest.SameObs(got[i], all[i]) {
			t.Fatalf("row %d: %+v, want %+v", i, got[i], all[i])
		}
	}
	// A tick range and the time range of the same ticks agree.
	lo, hi := all[500].T, all[2500].T
	byT, _ := r.Observations(lo, hi, nil)
	byTime, _ := r.ObservationsBetween(time.Unix(lo, 0), time.Unix(hi, 0), nil)
	if len(byT) == 0 || len(byT) != len(byTime) {
		t.Fatalf("%d rows by tick, %d by time", len(byT), len(byTime))
	}
}

// flakyBucket fails every Put while down.
type flakyBucket struct {
	Bucket
	mu   sync.Mutex
	down bool
	puts int
}

func (b *flakyBucket) setDown(d bool) { b.mu.Lock(); b.down = d; b.mu.Unlock() }

func (b *flakyBucket) Put(ctx context.Context, name string, data []byte) error {
	b.mu.Lock()
	down := b.down
	b.puts++
	b.mu.Unlock()
	if down {
		return errors.New("connection refused")
	}
	return b.Bucket.Put(ctx, name, data)
}

// TestSinkOutage: while the bucket refuses writes the sink buffers up to
// its bound and drops (and counts) the rest; once it is back every
// buffered row is written, and every acknowledged row is in the run.
func TestSinkOutage(t *testing.T) {
	g := storetest.NewGen(3)
	profiles := g.Profiles(10)
	frames := g.Frames(10, 120, 0)
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	b := &flakyBucket{Bucket: Dir(t.TempDir())}
	s, err := NewSink(b, SinkConfig{Run: "r", Flush: 5 * time.Second, Clock: clk.now, MaxBuffered: 300, Retry: time.Millisecond}, profiles)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wait := func(what string, ok func(SinkStats) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok(s.Stats()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: stats %+v", what, s.Stats())
			}
			time.Sleep(time.Millisecond)
		}
	}
	// step offers frames; while the bucket is up it waits for each part,
	// so that only the outage fills the buffer.
	up := true
	step := func(fs []engine.Frame) {
		for i, f := range fs {
			s.Observe(f.Obs)
			clk.add(time.Second)
			if up && i%5 == 4 {
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	step(frames[:40])
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Written != 400 {
		t.Fatalf("before the outage: %+v", st)
	}
	b.setDown(true)
	up = false
	step(frames[40:80]) // 400 rows, bound 300: 100 dropped
	wait("failing", func(st SinkStats) bool { return st.Failing })
	st := s.Stats()
	if st.Buffered != 300 || st.Dropped != 100 || st.Written != 400 {
		t.Fatalf("during the outage: %+v, want 300 buffered, 100 dropped", st)
	}
	b.setDown(false)
	up = true
	wait("recovered", func(st SinkStats) bool { return st.Buffered == 0 && !st.Failing })
	step(frames[80:])
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st = s.Stats()
	if st.Written != 1100 || st.Dropped != 100 {
		t.Fatalf("after: %+v, want 1100 written, 100 dropped", st)
	}
	r, err := OpenRunIn(ctx, b, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != st.Written {
		t.Fatalf("run holds %d rows, sink acknowledged %d", r.NumRows(), st.Written)
	}
	got, _ := r.Observations(math.MinInt64, math.MaxInt64, nil)
	// The dropped rows are the last ones offered during the outage: frames 70–79.
	var want []engine.Observation
	for i, f := range frames {
		if i < 70 || i >= 80 {
			want = append(want, f.Obs...)
		}
	}
	for i := range want {
		if !storetest.SameObs(got[i], want[i]) {
			t.Fatalf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestInspectDamagedRun: a truncated part is reported with what is
// readable; OpenRun refuses the run and names the file.
func TestInspectDamagedRun(t *testing.T) {
	g := storetest.NewGen(9)
	profiles := g.Profiles(4)
	frames := g.Frames(4, 100, 0)
	root := t.TempDir()
	sinkFrames(t, Dir(root), "run", profiles, frames, 25)
	dir := filepath.Join(root, "run")
	victim := filepath.Join(dir, "observations-000002.parquet")
	whole, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	lost := whole.Parts()[1].Rows
	whole.Close()
	data, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".tmp-observations-000005.parquet-123"), data[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = OpenRun(dir)
	if !errors.Is(err, featurestore.ErrCorrupt) || !strings.Contains(err.Error(), "observations-000002.parquet") {
		t.Fatalf("OpenRun of a damaged run: %v", err)
	}
	r, err := InspectRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ps := r.Problems()
	if len(ps) != 2 || ps[1].File != "observations-000002.parquet" || !strings.HasPrefix(ps[0].File, ".tmp-") || !ps[0].Harmless || ps[1].Harmless {
		t.Fatalf("problems %v", ps)
	}
	if r.NumRows() != 400-lost || len(r.Parts()) != 3 {
		t.Fatalf("%d rows in %d parts readable, want %d in 3", r.NumRows(), len(r.Parts()), 400-lost)
	}
	for i, p := range r.Parts() {
		if n, err := r.CheckPart(i, nil); err != nil || n != p.Rows {
			t.Fatalf("part %d: %d rows, %v", i, n, err)
		}
	}
}

// TestMaterializeRuns: the windows of several runs as of a time, the
// later run winning when a soldier starts over.
func TestMaterializeRuns(t *testing.T) {
	root := Dir(t.TempDir())
	ctx := context.Background()
	write := func(run string, start time.Time, ids []engine.SoldierID, from, to int64) {
		s, err := NewSink(root, SinkConfig{Run: run, Start: start}, []engine.Profile{engine.DefaultProfile(ids[0])})
		if err != nil {
			t.Fatal(err)
		}
		g := storetest.NewGen(1)
		for tick := from; tick < to; tick++ {
			var frame []engine.Observation
			for _, id := range ids {
				frame = append(frame, g.Obs(id, tick))
			}
			s.Observe(frame)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	epoch := time.Unix(0, 0).UTC()
	write("a", epoch, []engine.SoldierID{1, 2, 3}, 1000, 1100)
	write("b", epoch, []engine.SoldierID{1, 2, 3}, 1100, 1200)
	write("c", epoch.Add(5000*time.Second), []engine.SoldierID{3}, 0, 50) // soldier 3 again, from tick 0
	var runs []*Run
	for _, n := range []string{"a", "b", "c"} {
		r, err := OpenRunIn(ctx, root, n)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		runs = append(runs, r)
	}
	check := func(asOf time.Time, want map[engine.SoldierID][2]int64) {
		t.Helper()
		mem, _ := featurestore.NewMemory(featurestore.WithTTL(0))
		defer mem.Close()
		soldiers, rows, err := MaterializeRuns(ctx, mem, runs, 31, asOf)
		if err != nil || soldiers != len(want) {
			t.Fatalf("as of %v: %d soldiers, %d rows, %v", asOf, soldiers, rows, err)
		}
		for id, span := range want {
			w, err := mem.Window(ctx, id, 31, nil)
			if err != nil || len(w) == 0 || w[0].T != span[0] || w[len(w)-1].T != span[1] {
				t.Fatalf("as of %v: soldier %d window %d rows %v, want ticks %v", asOf, id, len(w), err, span)
			}
		}
		if p, ok, _ := mem.Profile(ctx, 1); !ok || p != engine.DefaultProfile(1) {
			t.Fatalf("profile of soldier 1: %v %v", p, ok)
		}
	}
	check(time.Unix(1150, 0), map[engine.SoldierID][2]int64{1: {1120, 1150}, 2: {1120, 1150}, 3: {1120, 1150}})
	check(time.Unix(1010, 0), map[engine.SoldierID][2]int64{1: {1000, 1010}, 2: {1000, 1010}, 3: {1000, 1010}})
	check(time.Time{}, map[engine.SoldierID][2]int64{1: {1169, 1199}, 2: {1169, 1199}, 3: {19, 49}})
}

// TestSinkObserveAllocs: in steady state (buffers grown, recycled from
// part to part) handing a tick to the sink allocates nothing.
func TestSinkObserveAllocs(t *testing.T) {
	g := storetest.NewGen(1)
	obs := g.Frames(100, 1, 0)[0].Obs
	s, err := NewSink(discardBucket{Dir(t.TempDir())}, SinkConfig{Run: "a", Flush: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for range 3 { // grow both buffers
		for range 200 {
			s.Observe(obs)
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(150, func() { s.Observe(obs) }); n != 0 {
		t.Fatalf("Observe allocates %v times per tick", n)
	}
}

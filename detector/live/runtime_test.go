package live

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"testing"
	"time"
	"unsafe"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

func sameVerdicts(a, b []detector.Verdict) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		sa, sb := a[i].Score, b[i].Score
		if a[i].Soldier != b[i].Soldier || a[i].T != b[i].T || a[i].State != b[i].State ||
			a[i].Channels != b[i].Channels || !(sa == sb || math.IsNaN(sa) && math.IsNaN(sb)) {
			return false
		}
	}
	return true
}

// Every subscriber receives every tick, in order, the same snapshots a
// caller stepping the same battlefield gets; the end of the source closes
// every feed.
func TestFanOutToViewers(t *testing.T) {
	want := stepAll(t, open(t, scored(t, testSim(t, 2, 6, time.Minute))))
	if len(want) != 60 {
		t.Fatalf("stepped %d ticks, want 60", len(want))
	}
	c := scored(t, testSim(t, 2, 6, time.Minute))
	c.Clock, c.Buffer = newFakeClock(), 100
	rt := open(t, c)
	subs := make([]*Subscription, 5)
	for i := range subs {
		subs[i] = rt.Subscribe()
	}
	if rt.Viewers() != 5 {
		t.Fatalf("%d viewers, want 5", rt.Viewers())
	}
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, sub := range subs {
		n := 0
		for s := range sub.C() {
			w := want[n]
			if s.Frame.T != w.Frame.T || !sameVerdicts(s.Verdicts, w.Verdicts) || len(s.Verdicts) != len(s.Frame.Obs) {
				t.Fatalf("viewer %d, snapshot %d: tick %d with %d verdicts, want tick %d with the stepped verdicts",
					i, n, s.Frame.T, len(s.Verdicts), w.Frame.T)
			}
			if len(s.Schedule) != 2 || len(s.Schedule[0]) == 0 {
				t.Fatalf("viewer %d, tick %d: schedule of %d squads, want the simulation's 2", i, s.Frame.T, len(s.Schedule))
			}
			n++
		}
		if n != 60 || sub.Dropped() != 0 {
			t.Errorf("viewer %d got %d snapshots and dropped %d, want all 60", i, n, sub.Dropped())
		}
	}
	if rt.Published() != 60 || rt.Viewers() != 0 {
		t.Errorf("published %d with %d viewers left, want 60 and none", rt.Published(), rt.Viewers())
	}
	if err := rt.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}
}

// A viewer that never reads loses its oldest snapshots; the loop runs on.
// A viewer who joins late starts with the backlog.
func TestSlowViewerDoesNotBlock(t *testing.T) {
	rt := open(t, Config{Source: &ticks{n: 100}, Buffer: 4, Backlog: 3, Clock: newFakeClock()})
	slow := rt.Subscribe()
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for s := range slow.C() {
		got = append(got, s.Frame.T)
	}
	if len(got) != 4 || got[0] != 96 || got[3] != 99 || slow.Dropped() != 96 {
		t.Errorf("slow viewer kept ticks %v and dropped %d, want 96…99 and 96 dropped", got, slow.Dropped())
	}
	got = got[:0]
	for s := range rt.Subscribe().C() {
		got = append(got, s.Frame.T)
	}
	if len(got) != 3 || got[0] != 97 {
		t.Errorf("late viewer got ticks %v, want the backlog 97…99", got)
	}
}

// Pause holds the runtime's clock after the tick in progress; Resume
// restarts it.
func TestPauseResume(t *testing.T) {
	gate := make(chan struct{})
	rt := open(t, Config{Source: &ticks{n: 10, gate: gate}, Clock: newFakeClock()})
	parked := make(chan struct{}, 1)
	rt.parked = func() {
		select {
		case parked <- struct{}{}:
		default:
		}
	}
	sub := rt.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()

	gate <- struct{}{}
	if s := <-sub.C(); s.Frame.T != 0 {
		t.Fatalf("first tick %d", s.Frame.T)
	}
	rt.Pause()
	if !rt.Paused() {
		t.Fatal("not paused")
	}
	select {
	case gate <- struct{}{}: // the loop was already waiting for tick 1: it completes it, then parks
		if s := <-sub.C(); s.Frame.T != 1 {
			t.Fatalf("tick in progress %d, want 1", s.Frame.T)
		}
		<-parked
	case <-parked:
	}
	select {
	case gate <- struct{}{}:
		t.Fatal("the paused runtime read another frame")
	default:
	}
	n := rt.Published()
	rt.Resume()
	gate <- struct{}{}
	if s := <-sub.C(); s.Frame.T != n {
		t.Fatalf("after resuming: tick %d, want %d", s.Frame.T, n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	for range sub.C() { // closed by the end of Run
	}
}

// Run paces on the injected clock at the configured speed; SetSpeed takes
// effect from the last tick on.
func TestSpeedPacesOnClock(t *testing.T) {
	clock := newFakeClock()
	src := &ticks{n: 11}
	rt := open(t, Config{Source: src, Speed: 1, Clock: clock})
	src.at = func(t int64) {
		if t == 5 {
			rt.SetSpeed(5)
		}
	}
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// ticks 1…4 at ×1 (tick 0 sets the pace), ticks 5…10 at ×5
	if got, want := clock.total(), 4*time.Second+6*200*time.Millisecond; got != want {
		t.Errorf("slept %v, want %v", got, want)
	}
	if rt.Speed() != 5 || rt.Published() != 11 {
		t.Errorf("speed ×%v, %d ticks; want ×5 and 11", rt.Speed(), rt.Published())
	}
}

// A replay seeks: the pre-roll comes back to the caller and the next step
// is the target; past the end clamps to the last frame; a battlefield that
// records or scores live does not seek.
func TestSeek(t *testing.T) {
	data := recordRun(t, 4, 100*time.Second)
	r, err := session.NewReplay(bytes.NewReader(data), "run")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rt := open(t, Config{Source: r})
	if first, last, ok := rt.Bounds(); !ok || first != 0 || last != 99 {
		t.Fatalf("bounds %d…%d %v, want 0…99", first, last, ok)
	}
	ctx := context.Background()
	for range 80 {
		if _, err := rt.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pre, err := rt.Seek(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(pre) != 50 || pre[49].Frame.T != 49 || len(pre[49].Verdicts) != 6 {
		t.Fatalf("pre-roll of %d ticks", len(pre))
	}
	if s, err := rt.Step(ctx); err != nil || s.Frame.T != 50 || len(s.Verdicts) != 6 {
		t.Fatalf("after seeking to 50: tick %d with %d verdicts, %v", s.Frame.T, len(s.Verdicts), err)
	}
	if pre, err = rt.Seek(ctx, 1000); err != nil || len(pre) != session.DefaultPreroll {
		t.Fatalf("seek past the end: %d pre-roll ticks, %v", len(pre), err)
	}
	if s, err := rt.Step(ctx); err != nil || s.Frame.T != 99 {
		t.Fatalf("after seeking past the end: tick %d, %v", s.Frame.T, err)
	}
	if _, err := rt.Step(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last tick: %v, want EOF", err)
	}
	if _, err := rt.Seek(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if s, err := rt.Step(ctx); err != nil || s.Frame.T != 0 {
		t.Fatalf("seek back after the end: tick %d, %v", s.Frame.T, err)
	}
	if rt.Published() != 83 {
		t.Errorf("published %d ticks, want the 83 stepped (pre-rolls are the caller's)", rt.Published())
	}

	rescored := scored(t, r)
	for name, c := range map[string]Config{"simulation": {Source: testSim(t, 1, 4, time.Minute)}, "live pipeline": rescored} {
		rt := open(t, c)
		if _, _, ok := rt.Bounds(); ok {
			t.Errorf("%s: seekable", name)
		}
		if _, err := rt.Seek(ctx, 0); !errors.Is(err, ErrNotSeekable) {
			t.Errorf("%s: seek gave %v, want ErrNotSeekable", name, err)
		}
	}
}

// The recording tap writes the same bytes as the loop every mode had
// before the runtime (step, score, write), and the same seed gives the same
// file.
func TestRecordingTapIsDeterministic(t *testing.T) {
	got := recordRun(t, 9, 2*time.Minute)
	if again := recordRun(t, 9, 2*time.Minute); !bytes.Equal(got, again) {
		t.Fatal("two runs of one seed recorded different bytes")
	}

	// By hand: the loop of the old drivers.
	sim := testSim(t, 9, 6, 2*time.Minute)
	store, _ := featurestore.NewMemory()
	defer store.Close()
	sc, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, sc)
	defer mon.Close()
	ctx := context.Background()
	if err := mon.SetProfiles(ctx, sim.Profiles()); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cfg := sim.Config()
	rec, err := session.NewRecorder(&buf, "run", engine.NewHeader(sim.Profiles(), &cfg), session.Meta{Detector: "threshold", Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := sim.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		vs, err := mon.Ingest(ctx, f.Obs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Write(&f, vs); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("the runtime recorded %d bytes, the hand loop %d: they differ", len(got), buf.Len())
	}
}

// replay(record(run)) equals run: the replay stepped through a runtime and
// recorded again gives the same file.
func TestReplayEqualsLive(t *testing.T) {
	orig := recordRun(t, 11, 90*time.Second)
	r, err := session.NewReplay(bytes.NewReader(orig), "run")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	rec, err := session.NewRecorder(&buf, "again", r.Header(), r.Meta())
	if err != nil {
		t.Fatal(err)
	}
	rt := open(t, Config{Source: r, Record: rec, Clock: newFakeClock()})
	if _, _, ok := rt.Bounds(); ok {
		t.Error("a recording runtime is seekable")
	}
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if rt.Published() != 90 || !bytes.Equal(orig, buf.Bytes()) {
		t.Fatalf("replayed %d ticks; the recording of the replay differs from the live one", rt.Published())
	}
}

// recorded collects the ticks written to it; it fails on tick failAt.
type recorded struct {
	ticks  []int64
	failAt int64
}

func (r *recorded) Write(f *engine.Frame, _ []detector.Verdict) error {
	if f.T == r.failAt {
		return errors.New("disk full")
	}
	r.ticks = append(r.ticks, f.T)
	return nil
}

// OnScore decides which failed ticks are skipped (not recorded, not
// published) and which stop the runtime; without it any failure stops it,
// as does a failed recording.
func TestScoreAndRecordFailures(t *testing.T) {
	errSkip, errStop := errors.New("store unavailable"), errors.New("scorer broken")
	pipe := &tickPipeline{bad: map[int64]error{3: errSkip, 4: errSkip, 6: errStop}}
	rec := &recorded{failAt: -1}
	var seen []int64
	rt := open(t, Config{Source: &ticks{n: 10}, Pipeline: pipe, Record: rec, Clock: newFakeClock(),
		OnScore: func(tick int64, err error) error {
			seen = append(seen, tick)
			if errors.Is(err, errSkip) {
				return nil
			}
			return err
		}})
	err := rt.Run(context.Background())
	if !errors.Is(err, errStop) {
		t.Fatalf("Run: %v, want the scorer's error", err)
	}
	if len(rec.ticks) != 4 || rec.ticks[3] != 5 || rt.Published() != 4 || len(seen) != 7 {
		t.Errorf("recorded %v, published %d, OnScore saw %v; want 0 1 2 5, 4, ticks 0…6", rec.ticks, rt.Published(), seen)
	}

	rt = open(t, Config{Source: &ticks{n: 10}, Pipeline: &tickPipeline{bad: map[int64]error{2: errSkip}}})
	stepAll := func() error {
		for {
			if _, err := rt.Step(context.Background()); err != nil {
				return err
			}
		}
	}
	if err := stepAll(); !errors.Is(err, errSkip) || rt.Published() != 2 {
		t.Errorf("without OnScore: %v after %d ticks, want the error at tick 2", err, rt.Published())
	}

	rt = open(t, Config{Source: &ticks{n: 10}, Record: &recorded{failAt: 7}, Clock: newFakeClock()})
	if err := rt.Run(context.Background()); err == nil || rt.Published() != 7 {
		t.Errorf("a failed recording: %v after %d ticks, want an error after 7", err, rt.Published())
	}
}

func TestOpenRefusesBadConfigs(t *testing.T) {
	store, _ := featurestore.NewMemory()
	defer store.Close()
	sc, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, sc)
	defer mon.Close()
	src := &ticks{n: 1}
	for name, c := range map[string]Config{
		"no source":          {},
		"store only":         {Source: src, Store: store},
		"scorer only":        {Source: src, Scorer: sc},
		"pipeline and store": {Source: src, Store: store, Scorer: sc, Pipeline: mon},
		"negative speed":     {Source: src, Speed: -1},
		"NaN speed":          {Source: src, Speed: math.NaN()},
		"negative backlog":   {Source: src, Backlog: -1},
	} {
		if _, err := Open(context.Background(), c); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

// The end of Run's context ends Run cleanly, also while it is paused.
func TestRunEndsWithContext(t *testing.T) {
	rt := open(t, Config{Source: &ticks{n: 10}, Clock: newFakeClock()})
	rt.Pause()
	ctx, cancel := context.WithCancel(context.Background())
	parked := make(chan struct{})
	rt.parked = func() { close(parked) }
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	<-parked
	cancel()
	if err := <-done; err != nil || rt.Published() != 0 {
		t.Fatalf("Run: %v after %d ticks, want nil after none", err, rt.Published())
	}
}

// bufferSpy is a pipeline that notes the backing array of each dst it is
// handed before its monitor appends to it.
type bufferSpy struct {
	Pipeline
	bufs []*detector.Verdict
}

func (p *bufferSpy) Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
	p.bufs = append(p.bufs, unsafe.SliceData(dst[:1]))
	return p.Pipeline.Ingest(ctx, obs, dst)
}

// Run reuses a tick's verdict buffer for the next tick when nothing kept
// the snapshot (no backlog, no viewer), and never when something did: the
// backlog's snapshots keep their verdicts, the same as a stepped run's.
func TestRunReusesUnkeptVerdicts(t *testing.T) {
	want := stepAll(t, open(t, scored(t, testSim(t, 2, 6, time.Minute))))
	run := func(backlog int) (*bufferSpy, *Runtime) {
		c := scored(t, testSim(t, 2, 6, time.Minute))
		mon, err := monitor.New(c.Store, c.Scorer)
		if err != nil {
			t.Fatal(err)
		}
		if err := mon.SetProfiles(context.Background(), c.Source.Profiles()); err != nil {
			t.Fatal(err)
		}
		spy := &bufferSpy{Pipeline: mon}
		rt := open(t, Config{Source: c.Source, Pipeline: spy, Clock: newFakeClock(), Backlog: backlog})
		if err := rt.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(spy.bufs) != len(want) {
			t.Fatalf("backlog %d: %d ticks scored, want %d", backlog, len(spy.bufs), len(want))
		}
		return spy, rt
	}
	spy, _ := run(0)
	for i, b := range spy.bufs[1:] {
		if b != spy.bufs[0] {
			t.Fatalf("no viewer: tick %d scored into a new buffer, want the first tick's again", i+1)
		}
	}
	spy, rt := run(5)
	seen := map[*detector.Verdict]bool{}
	for i, b := range spy.bufs {
		if seen[b] {
			t.Fatalf("backlog: tick %d reused a kept buffer", i)
		}
		seen[b] = true
	}
	n := 0
	for s := range rt.Subscribe().C() {
		w := want[len(want)-5+n]
		if s.Frame.T != w.Frame.T || !sameVerdicts(s.Verdicts, w.Verdicts) {
			t.Fatalf("backlog snapshot %d: tick %d, verdicts differ from the stepped run's tick %d", n, s.Frame.T, w.Frame.T)
		}
		n++
	}
	if n != 5 {
		t.Errorf("backlog of %d snapshots, want 5", n)
	}
}

// The backlog and the viewers' buffers hold no more snapshots than fit in
// SnapshotBytes (at least one); a small battlefield keeps its defaults.
func TestSnapshotBytesBoundsBacklog(t *testing.T) {
	per := snapshotBytes(6)
	if per < 6*1000 {
		t.Fatalf("a snapshot of 6 soldiers is %d bytes, want at least a verdict each", per)
	}
	for _, tc := range []struct {
		bytes                 int64
		backlog, want, buffer int
	}{{0, 120, 120, DefaultBuffer}, {3*per + 1, 120, 3, 3}, {1, 120, 1, 1}} {
		c := scored(t, testSim(t, 2, 6, 20*time.Second))
		c.Clock, c.Backlog, c.SnapshotBytes = newFakeClock(), tc.backlog, tc.bytes
		rt := open(t, c)
		if err := rt.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for range rt.Subscribe().C() {
			n++
		}
		if want := min(tc.want, 20); n != want || rt.buffer != tc.buffer {
			t.Errorf("SnapshotBytes %d: backlog of %d snapshots, buffer %d; want %d and %d", tc.bytes, n, rt.buffer, want, tc.buffer)
		}
	}
	if DefaultSnapshotBytes/snapshotBytes(1600) < DefaultBuffer {
		t.Errorf("the default bound cuts the buffer of 1 600 soldiers to %d snapshots, want %d", DefaultSnapshotBytes/snapshotBytes(1600), DefaultBuffer)
	}
}

// A recording made by Run, which reuses its verdict buffer, has the bytes
// of one made by Step, which never does.
func TestRunRecordsWhatStepRecords(t *testing.T) {
	want := recordRun(t, 9, 2*time.Minute)
	sim := testSim(t, 9, 6, 2*time.Minute)
	var buf bytes.Buffer
	cfg := sim.Config()
	rec, err := session.NewRecorder(&buf, "run", engine.NewHeader(sim.Profiles(), &cfg), session.Meta{Detector: "threshold", Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c := scored(t, sim)
	c.Record, c.Clock = rec, newFakeClock()
	if err := open(t, c).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("Run recorded %d bytes, Step %d: they differ", buf.Len(), len(want))
	}
}

// Step's snapshot keeps its verdicts until its caller releases it; then the
// next tick scores into its buffer, unless a viewer kept it too.
func TestStepReusesReleasedVerdicts(t *testing.T) {
	want := stepAll(t, open(t, scored(t, testSim(t, 2, 6, time.Minute))))
	for _, viewer := range []bool{false, true} {
		c := scored(t, testSim(t, 2, 6, time.Minute))
		rt := open(t, c)
		if viewer {
			rt.Subscribe() // never reads: its buffer keeps the newest ticks
		}
		ctx := context.Background()
		held, err := rt.Step(ctx) // never released
		if err != nil {
			t.Fatal(err)
		}
		a, _ := rt.Step(ctx)
		b, _ := rt.Step(ctx)
		if &a.Verdicts[0] == &held.Verdicts[0] || &b.Verdicts[0] == &a.Verdicts[0] || &b.Verdicts[0] == &held.Verdicts[0] {
			t.Fatalf("viewer %v: a snapshot not released shares its verdicts with a later one", viewer)
		}
		rt.Release(a) // not the last one: nothing
		rt.Release(b)
		rt.Release(b) // twice: nothing more
		c2, _ := rt.Step(ctx)
		if reused := &c2.Verdicts[0] == &b.Verdicts[0]; reused == viewer {
			t.Fatalf("viewer %v: the released buffer reused: %v", viewer, reused)
		}
		if !sameVerdicts(held.Verdicts, want[0].Verdicts) || !sameVerdicts(a.Verdicts, want[1].Verdicts) || !sameVerdicts(c2.Verdicts, want[3].Verdicts) {
			t.Fatalf("viewer %v: verdicts differ from a run that reuses nothing", viewer)
		}
	}
}

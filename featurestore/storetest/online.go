package storetest

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Kind builds fresh, empty stores of one implementation for RunOnline.
type Kind struct {
	// Name names the implementation in failure messages.
	Name string
	// Open returns a new empty store (its own namespace) and closes it at
	// the end of the test.
	Open func(t *testing.T, opts ...featurestore.Option) featurestore.Online
	// Reopen returns a second handle on the same data as s (a second
	// process), or nil if the implementation has no such thing.
	Reopen func(t *testing.T, s featurestore.Online, opts ...featurestore.Option) featurestore.Online
	// TTL is the TTL the suite gives stores whose expiry it tests; Advance
	// lets fractions of it pass.
	TTL time.Duration
	// Advance lets d pass on the clock the stores opened so far measure
	// TTLs with, without waiting for it (an injected clock, or timestamps
	// moved back): a test that sleeps fails on a busy machine.
	Advance func(t *testing.T, d time.Duration)
}

// RunOnline runs, as subtests of t, the behaviour every featurestore.Online
// implementation must have: empty reads, windows and their wrap-around,
// all-or-nothing writes and their order checks, TTL expiry, profiles,
// concurrent readers, a second handle (if the kind has one) and Close.
func RunOnline(t *testing.T, k Kind) {
	t.Run("Empty", k.testEmpty)
	t.Run("WindowsWrapAround", k.testWindows)
	t.Run("MissingIsKept", k.testMissingIsKept)
	t.Run("OutOfOrder", k.testOutOfOrder)
	t.Run("LateAndRepeated", k.testLate)
	t.Run("TTL", k.testTTL)
	t.Run("Profiles", k.testProfiles)
	t.Run("Concurrent", k.testConcurrent)
	t.Run("AgainstModel", k.testAgainstModel)
	if k.Reopen != nil {
		t.Run("SharedBetweenProcesses", k.testSharedBetweenProcesses)
	}
	t.Run("Closed", k.testClosed)
}

// testEmpty reads an empty store: no rows, no soldiers, no profile; Ping and
// an empty write succeed.
func (k Kind) testEmpty(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t)
	w, err := s.Window(ctx, 1, 10, nil)
	if err != nil || len(w) != 0 {
		t.Fatalf("Window on empty store = %v, %v; want no rows", w, err)
	}
	if _, ok, err := s.Latest(ctx, 1); ok || err != nil {
		t.Fatalf("Latest on empty store = %v, %v; want false, nil", ok, err)
	}
	ids, err := s.Soldiers(ctx)
	if err != nil || len(ids) != 0 {
		t.Fatalf("Soldiers on empty store = %v, %v", ids, err)
	}
	if _, ok, err := s.Profile(ctx, 1); ok || err != nil {
		t.Fatalf("Profile on empty store = %v, %v", ok, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.WriteFrame(ctx, nil); err != nil {
		t.Fatalf("WriteFrame(nil): %v", err)
	}
}

// testWindows checks Window and Windows over a ring that has wrapped:
// lengths, order, appending to dst and reusing its inner slices.
func (k Kind) testWindows(t *testing.T) {
	ctx := context.Background()
	const capacity = 32
	s := k.Open(t, featurestore.WithCapacity(capacity))
	frames := NewGen(1).Frames(5, 90, 1000)
	for _, f := range frames {
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatalf("WriteFrame tick %d: %v", f.T, err)
		}
	}
	rowsOf := func(id engine.SoldierID, n int) []engine.Observation {
		var want []engine.Observation
		for _, f := range frames[len(frames)-n:] {
			want = append(want, f.Obs[id-1])
		}
		return want
	}
	checkWindow(t, s, capacity, rowsOf)
	checkWindows(t, s, rowsOf)
	latest, ok, err := s.Latest(ctx, 4)
	if err != nil || !ok || !SameObs(latest, frames[len(frames)-1].Obs[3]) {
		t.Fatalf("Latest(4) = %+v, %v, %v", latest, ok, err)
	}
	sol, err := s.Soldiers(ctx)
	if err != nil || len(sol) != 5 || sol[0] != 1 || sol[4] != 5 {
		t.Fatalf("Soldiers = %v, %v", sol, err)
	}
}

// checkWindow checks Window of soldier 3 for lengths around the capacity
// (and none), and that it appends to dst; rowsOf(id, n) gives the last n
// rows written for id.
func checkWindow(t *testing.T, s featurestore.Online, capacity int, rowsOf func(engine.SoldierID, int) []engine.Observation) {
	ctx := context.Background()
	for _, n := range []int{1, 2, 31, capacity, capacity + 1, 1000} {
		got, err := s.Window(ctx, 3, n, nil)
		if err != nil {
			t.Fatalf("Window(3, %d): %v", n, err)
		}
		CheckRows(t, got, rowsOf(3, min(n, capacity)))
	}
	for _, n := range []int{0, -1} {
		if got, err := s.Window(ctx, 3, n, nil); err != nil || len(got) != 0 {
			t.Fatalf("Window(3, %d) = %d rows, %v; want none", n, len(got), err)
		}
	}
	// Window appends.
	prefix := []engine.Observation{{Soldier: 99}}
	got, err := s.Window(ctx, 2, 3, prefix)
	if err != nil || len(got) != 4 || got[0].Soldier != 99 {
		t.Fatalf("Window did not append to dst: %d rows, %v", len(got), err)
	}
	CheckRows(t, got[1:], rowsOf(2, 3))
}

// checkWindows checks Windows over known and unknown soldiers, and that
// it reuses dst's inner slices.
func checkWindows(t *testing.T, s featurestore.Online, rowsOf func(engine.SoldierID, int) []engine.Observation) {
	ctx := context.Background()
	ids := []engine.SoldierID{5, 42, 1, 3}
	ws, err := s.Windows(ctx, ids, 31, nil)
	if err != nil || len(ws) != len(ids) {
		t.Fatalf("Windows = %d windows, %v", len(ws), err)
	}
	for i, id := range ids {
		if id == 42 {
			if len(ws[i]) != 0 {
				t.Fatalf("unknown soldier 42 has %d rows", len(ws[i]))
			}
			continue
		}
		CheckRows(t, ws[i], rowsOf(id, 31))
	}
	// dst's inner slices are reused.
	before := &ws[0][0]
	ws, err = s.Windows(ctx, ids[:2], 31, ws)
	if err != nil || len(ws) != 2 || &ws[0][0] != before {
		t.Fatalf("Windows did not reuse dst (len %d, err %v)", len(ws), err)
	}
}

// testMissingIsKept checks that missing readings come back missing, and the
// other fields unchanged.
func (k Kind) testMissingIsKept(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t)
	o := engine.Observation{Soldier: 7, T: 5, Values: [4]float64{80, 90, 37.5, 97}, Phase: engine.PhaseMarch,
		NextPhase: engine.PhaseContact, Ambient: -3.25}
	o.SetMissing(engine.SpO2)
	o.SetMissing(engine.HeartRate)
	if err := s.WriteFrame(ctx, []engine.Observation{o}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Latest(ctx, 7)
	if err != nil || !ok || !SameObs(got, o) {
		t.Fatalf("Latest = %+v, %v, %v; want %+v", got, ok, err, o)
	}
	if _, present := got.Value(engine.SpO2); present || !math.IsNaN(got.Values[engine.HeartRate]) {
		t.Fatalf("missing readings came back present: %+v", got)
	}
}

// testOutOfOrder checks that a write with a tick not after the soldier's
// last is refused whole.
func (k Kind) testOutOfOrder(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t)
	g := NewGen(2)
	write := func(rows ...engine.Observation) error { return s.WriteFrame(ctx, rows) }
	if err := write(g.Obs(1, 10), g.Obs(2, 10)); err != nil {
		t.Fatal(err)
	}
	// Soldier 1 is fine, soldier 2 repeats its tick: nothing is written.
	err := write(g.Obs(1, 11), g.Obs(2, 10))
	var ooo *featurestore.OutOfOrderError
	if !errors.Is(err, featurestore.ErrOutOfOrder) || !errors.As(err, &ooo) || ooo.Soldier != 2 || ooo.T != 10 || ooo.Latest != 10 {
		t.Fatalf("err = %v (%+v); want soldier 2 tick 10 after 10", err, ooo)
	}
	if o, _, _ := s.Latest(ctx, 1); o.T != 10 {
		t.Fatalf("refused write still moved soldier 1 to tick %d", o.T)
	}
	// Going back in time.
	if err := write(g.Obs(1, 9)); !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("tick 9 after 10: err = %v", err)
	}
	// A soldier twice in one write must go forward too.
	if err := write(g.Obs(3, 5), g.Obs(3, 5)); !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("repeated row: err = %v", err)
	}
	if _, ok, _ := s.Latest(ctx, 3); ok {
		t.Fatal("refused write created soldier 3")
	}
	if err := write(g.Obs(3, 5), g.Obs(3, 6), g.Obs(1, 12)); err != nil {
		t.Fatalf("two ticks of one soldier in one write: %v", err)
	}
	if w, _ := s.Window(ctx, 3, 10, nil); len(w) != 2 || w[0].T != 5 || w[1].T != 6 {
		t.Fatalf("soldier 3 window = %+v", w)
	}
	if err := write(engine.Observation{Soldier: 4, T: 1 << 53}); !errors.Is(err, featurestore.ErrInvalid) {
		t.Fatalf("tick 2^53: err = %v; want ErrInvalid", err)
	}
}

// testLate checks featurestore.LateWriter's rules (a store without it
// skips): repeats are idempotent, rows up to the window late are inserted in
// tick order, older rows and other readings at a stored tick are refused.
func (k Kind) testLate(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t, featurestore.WithCapacity(8))
	lw, ok := s.(featurestore.LateWriter)
	if !ok {
		t.Skipf("%s does not implement featurestore.LateWriter", k.Name)
	}
	g := NewGen(3)
	rows := map[int64]engine.Observation{}
	for _, tk := range []int64{10, 11, 13, 15, 16} {
		rows[tk] = g.Obs(1, tk)
		if err := s.WriteFrame(ctx, []engine.Observation{rows[tk]}); err != nil {
			t.Fatal(err)
		}
	}
	ticksOf := func() []int64 {
		t.Helper()
		w, err := s.Window(ctx, 1, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ts []int64
		for i, o := range w {
			if want, ok := rows[o.T]; !ok || !SameObs(o, want) {
				t.Fatalf("window row %d = %+v; want %+v", i, o, want)
			}
			ts = append(ts, o.T)
		}
		return ts
	}
	late := func(o engine.Observation, window int64, want featurestore.Late) {
		t.Helper()
		got, err := lw.WriteLate(ctx, o, window)
		if err != nil || got != want {
			t.Fatalf("WriteLate(tick %d, window %d) = %v, %v; want %v", o.T, window, got, err, want)
		}
	}
	refused := func(o engine.Observation, window int64, conflict bool) {
		t.Helper()
		got, err := lw.WriteLate(ctx, o, window)
		var ooo *featurestore.OutOfOrderError
		if !errors.As(err, &ooo) || ooo.Soldier != o.Soldier || ooo.T != o.T || ooo.Latest != 16 || ooo.Conflict != conflict || got != featurestore.NotLate {
			t.Fatalf("WriteLate(tick %d, window %d) = %v, %v (%+v); want out of order, conflict %v", o.T, window, got, err, ooo, conflict)
		}
	}
	// Repeats: the latest row and an older one, any window; phase and
	// ambient are not compared.
	late(rows[16], 0, featurestore.Repeat)
	again := rows[11]
	again.Phase, again.Ambient = engine.PhaseContact, again.Ambient+1
	late(again, 0, featurestore.Repeat)
	// Another reading at a stored tick.
	other := rows[13]
	other.Values[engine.HeartRate]++
	refused(other, 10, true)
	other = rows[13]
	other.SetMissing(engine.Stamina)
	refused(other, 10, true)
	// Late rows: inside the window, inserted in tick order.
	rows[14] = g.Obs(1, 14)
	late(rows[14], 2, featurestore.Inserted)
	rows[12] = g.Obs(1, 12)
	refused(rows[12], 3, false) // 16 − 12 > 3
	late(rows[12], 4, featurestore.Inserted)
	if got := ticksOf(); !slices.Equal(got, []int64{10, 11, 12, 13, 14, 15, 16}) {
		t.Fatalf("ticks after the late rows = %v", got)
	}
	late(rows[14], 0, featurestore.Repeat) // an inserted row repeats too
	if o, ok, err := s.Latest(ctx, 1); err != nil || !ok || o.T != 16 {
		t.Fatalf("Latest after late rows = tick %d, %v, %v; want 16", o.T, ok, err)
	}
	// After the latest, or a soldier without rows: not late, nothing written.
	late(g.Obs(1, 17), 5, featurestore.NotLate)
	late(g.Obs(2, 3), 5, featurestore.NotLate)
	if _, ok, _ := s.Latest(ctx, 2); ok {
		t.Fatal("NotLate created soldier 2")
	}
	// Full (capacity 8): a row before the oldest held is refused, one
	// after it goes in and the oldest drops.
	rows[9] = g.Obs(1, 9)
	late(rows[9], 10, featurestore.Inserted)
	if got := ticksOf(); !slices.Equal(got, []int64{9, 10, 11, 12, 13, 14, 15, 16}) {
		t.Fatalf("ticks = %v", got)
	}
	refused(g.Obs(1, 8), 10, false)
	// Normal writes go on after the latest.
	rows[17] = g.Obs(1, 17)
	if err := s.WriteFrame(ctx, []engine.Observation{rows[17]}); err != nil {
		t.Fatal(err)
	}
	if got := ticksOf(); !slices.Equal(got, []int64{10, 11, 12, 13, 14, 15, 16, 17}) {
		t.Fatalf("ticks after a write = %v", got)
	}
	k.testLateLockstep(t)
}

// testLateLockstep inserts late rows among soldiers written in lockstep
// frames (Redis: its block's uniform range) and checks every soldier's
// window, through this handle and a second one whose cache held the rows
// before (if the kind has one), before and after more frames.
func (k Kind) testLateLockstep(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t, featurestore.WithCapacity(16))
	lw := s.(featurestore.LateWriter)
	readers := []featurestore.Online{s}
	if k.Reopen != nil {
		readers = append(readers, k.Reopen(t, s, featurestore.WithCapacity(16)))
	}
	g := NewGen(4)
	ids := []engine.SoldierID{1, 2, 3, 4, 5, 6}
	model := map[engine.SoldierID][]engine.Observation{}
	frame := func(tk int64) {
		t.Helper()
		var f []engine.Observation
		for _, id := range ids {
			if tk%3 == 0 && id == 4 {
				continue // soldier 4 skips every third tick: room for late rows
			}
			o := g.Obs(id, tk)
			f = append(f, o)
			model[id] = append(model[id], o)
		}
		if err := s.WriteFrame(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		for ri, rd := range readers {
			ws, err := rd.Windows(ctx, ids, 16, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				want := model[id][max(0, len(model[id])-16):]
				if len(ws[i]) != len(want) {
					t.Fatalf("%s: reader %d soldier %d: %d rows, want %d", when, ri, id, len(ws[i]), len(want))
				}
				for j := range want {
					if !SameObs(ws[i][j], want[j]) {
						t.Fatalf("%s: reader %d soldier %d row %d = tick %d, want tick %d", when, ri, id, j, ws[i][j].T, want[j].T)
					}
				}
			}
		}
	}
	for tk := int64(1); tk <= 10; tk++ {
		frame(tk)
	}
	check("before")
	insert := func(o engine.Observation) {
		t.Helper()
		if l, err := lw.WriteLate(ctx, o, 10); l != featurestore.Inserted || err != nil {
			t.Fatalf("WriteLate(soldier %d tick %d) = %v, %v", o.Soldier, o.T, l, err)
		}
		m := append(model[o.Soldier], o)
		slices.SortFunc(m, func(a, b engine.Observation) int { return int(a.T - b.T) })
		model[o.Soldier] = m
	}
	insert(g.Obs(4, 9))
	check("after a late row")
	for tk := int64(11); tk <= 14; tk++ {
		frame(tk)
	}
	insert(g.Obs(4, 12))
	insert(g.Obs(4, 6))
	check("after more frames and late rows")
	for tk := int64(15); tk <= 30; tk++ { // past the capacity: the rings wrap
		frame(tk)
		if tk == 22 {
			insert(g.Obs(4, 21))
		}
	}
	check("after the wrap-around")
}

// testTTL checks that soldiers not written for a TTL disappear and may start
// afresh.
func (k Kind) testTTL(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t, featurestore.WithTTL(k.TTL))
	g := NewGen(3)
	if err := s.WriteFrame(ctx, []engine.Observation{g.Obs(1, 100), g.Obs(2, 100)}); err != nil {
		t.Fatal(err)
	}
	k.Advance(t, k.TTL/2)
	if err := s.WriteFrame(ctx, []engine.Observation{g.Obs(2, 101)}); err != nil {
		t.Fatal(err)
	}
	k.Advance(t, k.TTL*3/4+k.TTL/20)
	// Soldier 1 last wrote 1.3 TTL ago, soldier 2 0.8 TTL ago.
	ids, err := s.Soldiers(ctx)
	if err != nil || len(ids) != 1 || ids[0] != 2 {
		t.Fatalf("Soldiers after TTL = %v, %v; want [2]", ids, err)
	}
	checkCount(t, s, 1)
	if w, err := s.Window(ctx, 1, 10, nil); err != nil || len(w) != 0 {
		t.Fatalf("expired soldier 1 still has %d rows (%v)", len(w), err)
	}
	if _, ok, _ := s.Latest(ctx, 1); ok {
		t.Fatal("expired soldier 1 still has a latest row")
	}
	if w, err := s.Window(ctx, 2, 10, nil); err != nil || len(w) != 2 {
		t.Fatalf("live soldier 2 has %d rows (%v)", len(w), err)
	}
	// An expired soldier starts afresh: an earlier tick is accepted.
	if err := s.WriteFrame(ctx, []engine.Observation{g.Obs(1, 50)}); err != nil {
		t.Fatalf("write to expired soldier: %v", err)
	}
	if w, _ := s.Window(ctx, 1, 10, nil); len(w) != 1 || w[0].T != 50 {
		t.Fatalf("restarted soldier 1 window = %+v", w)
	}
}

// testProfiles checks that profiles are stored, replaced and read back.
func (k Kind) testProfiles(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t)
	ps := NewGen(4).Profiles(3)
	for _, p := range ps {
		if err := s.PutProfile(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ps[1].Mass = 101.5
	if err := s.PutProfile(ctx, ps[1]); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		got, ok, err := s.Profile(ctx, p.ID)
		if err != nil || !ok || got != p {
			t.Fatalf("Profile(%d) = %+v, %v, %v; want %+v", p.ID, got, ok, err, p)
		}
	}
	if _, ok, err := s.Profile(ctx, 99); ok || err != nil {
		t.Fatalf("Profile(99) = %v, %v", ok, err)
	}
}

// testConcurrent reads windows from three goroutines while frames are
// written: no torn or foreign window.
func (k Kind) testConcurrent(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t, featurestore.WithCapacity(64))
	const soldiers, ticks = 20, 150
	frames := NewGen(5).Frames(soldiers, ticks, 0)
	ids := make([]engine.SoldierID, soldiers)
	for i := range ids {
		ids[i] = engine.SoldierID(i + 1)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ws [][]engine.Observation
			for {
				select {
				case <-done:
					return
				default:
				}
				var err error
				ws, err = s.Windows(ctx, ids, 31, ws)
				if err != nil {
					errs <- err
					return
				}
				for i, w := range ws {
					for j := range w {
						if w[j].Soldier != ids[i] || (j > 0 && w[j].T != w[j-1].T+1) || !SameObs(w[j], frames[w[j].T].Obs[i]) {
							errs <- errors.New("torn or foreign window")
							return
						}
					}
				}
			}
		}()
	}
	for _, f := range frames {
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w, err := s.Window(ctx, 20, 31, nil)
	if err != nil || len(w) != 31 || w[30].T != ticks-1 {
		t.Fatalf("final window: %d rows, %v", len(w), err)
	}
}

// testAgainstModel writes random frames over awkward ids (several blocks,
// negative, extreme), random subsets in random order, some refused; every
// window read (also through a second handle, if the kind has one) must
// match a plain model of the contract.
func (k Kind) testAgainstModel(t *testing.T) {
	ctx := context.Background()
	const capacity = 8
	s := k.Open(t, featurestore.WithCapacity(capacity))
	readers := []featurestore.Online{s}
	if k.Reopen != nil { // a second handle, with its own cache, reads too
		readers = append(readers, k.Reopen(t, s, featurestore.WithCapacity(capacity)))
	}
	ids := []engine.SoldierID{-200, -129, -128, -1, 0, 1, 2, 3, 127, 128, 129, 300, 1_000_000, math.MaxInt32, math.MinInt32}
	rng := rand.New(rand.NewPCG(99, 1))
	g := NewGen(98)
	model := map[engine.SoldierID][]engine.Observation{}
	next := map[engine.SoldierID]int64{}
	for round := 0; round < 120; round++ {
		frame, bad := randomFrame(rng, g, ids, next)
		err := s.WriteFrame(ctx, frame)
		if bad {
			if !errors.Is(err, featurestore.ErrOutOfOrder) {
				t.Fatalf("round %d: refused write returned %v", round, err)
			}
			for _, o := range frame { // roll the model's clocks back
				next[o.Soldier] = 0
				if rows := model[o.Soldier]; len(rows) > 0 {
					next[o.Soldier] = rows[len(rows)-1].T
				}
			}
		} else {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			for _, o := range frame {
				model[o.Soldier] = append(model[o.Soldier], o)
			}
		}
		checkReaders(t, round, rng, readers, ids, capacity, model)
	}
	got, err := s.Soldiers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := written(model, ids)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Soldiers = %v, want %v", got, want)
	}
	checkCount(t, s, len(want))
}

// checkCount checks a store that counts its soldiers
// (featurestore.SoldierCounter) against the want of Soldiers.
func checkCount(t *testing.T, s featurestore.Online, want int) {
	t.Helper()
	c, ok := s.(featurestore.SoldierCounter)
	if !ok {
		return
	}
	if n, err := c.CountSoldiers(context.Background()); err != nil || n != want {
		t.Fatalf("CountSoldiers = %d, %v; Soldiers lists %d", n, err, want)
	}
}

// randomFrame draws one write for testAgainstModel: most often a frame in
// lockstep (ids in order, one tick), otherwise a ragged one (a random
// subset in random order, each soldier on its own clock); next holds each
// soldier's last tick and is advanced. One write in eight is bad: a row
// repeated with tick 0 makes the store refuse it whole.
func randomFrame(rng *rand.Rand, g *Gen, ids []engine.SoldierID, next map[engine.SoldierID]int64) (frame []engine.Observation, bad bool) {
	switch mode := rng.IntN(10); {
	case mode < 6: // a frame in lockstep: ids in order, one tick
		var tick int64
		for _, id := range ids {
			tick = max(tick, next[id]+1)
		}
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		for _, id := range sorted {
			if mode < 3 || rng.IntN(4) > 0 {
				next[id] = tick
				frame = append(frame, g.Obs(id, tick))
			}
		}
	default: // ragged: random subset, random order, own ticks
		for _, i := range rng.Perm(len(ids)) {
			if rng.IntN(3) == 0 {
				continue
			}
			id := ids[i]
			next[id] += 1 + int64(rng.IntN(3))
			frame = append(frame, g.Obs(id, next[id]))
		}
	}
	bad = len(frame) > 0 && rng.IntN(8) == 0
	if bad {
		o := frame[rng.IntN(len(frame))]
		o.T = 0 // not after the soldier's earlier rows
		frame = append(frame, o)
	}
	return frame, bad
}

// checkReaders reads windows of a random length from each reader (the
// second one skips a round at random, falling behind) and checks them
// against model, the rows written so far per soldier.
func checkReaders(t *testing.T, round int, rng *rand.Rand, readers []featurestore.Online, ids []engine.SoldierID, capacity int, model map[engine.SoldierID][]engine.Observation) {
	t.Helper()
	ctx := context.Background()
	for ri, r := range readers {
		if ri > 0 && rng.IntN(3) == 0 {
			continue // let the second reader fall behind by a few writes
		}
		n := 1 + rng.IntN(capacity+3)
		ws, err := r.Windows(ctx, ids, n, nil)
		if err != nil {
			t.Fatalf("round %d: reader %d: %v", round, ri, err)
		}
		for i, id := range ids {
			want := model[id][max(0, len(model[id])-min(n, capacity)):]
			if len(ws[i]) != len(want) {
				t.Fatalf("round %d: reader %d: soldier %d: %d rows, want %d", round, ri, id, len(ws[i]), len(want))
			}
			CheckRows(t, ws[i], want)
		}
	}
}

// testSharedBetweenProcesses writes through two handles on the same data in
// turn: each reads what the other wrote.
func (k Kind) testSharedBetweenProcesses(t *testing.T) {
	ctx := context.Background()
	a := k.Open(t)
	b := k.Reopen(t, a)
	frames := NewGen(6).Frames(4, 40, 0)
	for i, f := range frames {
		w := a
		if i%3 == 2 {
			w = b // both processes write, in turn
		}
		if err := w.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatalf("tick %d: %v", f.T, err)
		}
		for _, r := range []featurestore.Online{a, b} {
			got, err := r.Window(ctx, 2, 8, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []engine.Observation
			for _, g := range frames[max(0, i-7) : i+1] {
				want = append(want, g.Obs[1])
			}
			CheckRows(t, got, want)
		}
	}
	if err := b.PutProfile(ctx, engine.DefaultProfile(3)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.Profile(ctx, 3); !ok || err != nil {
		t.Fatalf("profile written by b not seen by a: %v, %v", ok, err)
	}
}

// testClosed checks that every method of a closed store returns ErrClosed.
func (k Kind) testClosed(t *testing.T) {
	ctx := context.Background()
	s := k.Open(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		if !errors.Is(err, featurestore.ErrClosed) {
			t.Errorf("%s after Close: err = %v; want ErrClosed", what, err)
		}
	}
	check("WriteFrame", s.WriteFrame(ctx, []engine.Observation{{Soldier: 1, T: 1}}))
	_, err := s.Window(ctx, 1, 3, nil)
	check("Window", err)
	_, err = s.Windows(ctx, []engine.SoldierID{1}, 3, nil)
	check("Windows", err)
	_, _, err = s.Latest(ctx, 1)
	check("Latest", err)
	_, err = s.Soldiers(ctx)
	check("Soldiers", err)
	check("PutProfile", s.PutProfile(ctx, engine.DefaultProfile(1)))
	_, _, err = s.Profile(ctx, 1)
	check("Profile", err)
	check("Ping", s.Ping(ctx))
}

// CheckRows fails t unless got and want are the same rows (SameObs).
func CheckRows(t testing.TB, got, want []engine.Observation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if !SameObs(got[i], want[i]) {
			t.Fatalf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// written returns the ids, in their order, that have rows in model.
func written(model map[engine.SoldierID][]engine.Observation, ids []engine.SoldierID) []engine.SoldierID {
	var w []engine.SoldierID
	for _, id := range ids {
		if len(model[id]) > 0 {
			w = append(w, id)
		}
	}
	return w
}

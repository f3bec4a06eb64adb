package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// prefixes gives every store in a test binary its own key namespace.
var prefixes atomic.Int64

func newPrefix() string { return fmt.Sprintf("test%d:", prefixes.Add(1)) }

// openRedis returns a store on srv, closed at the end of t.
func openRedis(t testing.TB, url string, opts ...featurestore.Option) *Store {
	t.Helper()
	s, err := New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRedis(t *testing.T) {
	srv := redistest.Start(t)
	for _, cache := range []bool{true, false} {
		t.Run(fmt.Sprintf("cache=%v", cache), func(t *testing.T) {
			t.Parallel()
			prefixOf := map[featurestore.Online]string{}
			tr := newTravel(t, srv.URL())
			storetest.RunOnline(t, storetest.Kind{
				Name: "redis",
				Open: func(t *testing.T, opts ...featurestore.Option) featurestore.Online {
					p := newPrefix()
					s := tr.add(openRedis(t, srv.URL(), append([]featurestore.Option{featurestore.WithPrefix(p), featurestore.WithCache(cache)}, opts...)...))
					prefixOf[s] = p
					return s
				},
				Reopen: func(t *testing.T, s featurestore.Online, opts ...featurestore.Option) featurestore.Online {
					return tr.add(openRedis(t, srv.URL(), append([]featurestore.Option{featurestore.WithPrefix(prefixOf[s]), featurestore.WithCache(cache)}, opts...)...))
				},
				TTL:     time.Hour,
				Advance: tr.advance,
			})
		})
	}
}

func TestRedisOptions(t *testing.T) {
	for _, c := range []struct {
		url  string
		opts []featurestore.Option
	}{
		{"http://x", nil},
		{"redis://127.0.0.1:1/0", []featurestore.Option{featurestore.WithTimeout(0)}},
		{"redis://127.0.0.1:1/0", []featurestore.Option{featurestore.WithPrefix("a b")}},
	} {
		if _, err := New(c.url, c.opts...); !errors.Is(err, featurestore.ErrInvalid) {
			t.Errorf("New(%q) err = %v; want ErrInvalid", c.url, err)
		}
	}
}

// TestRedisRoundTrips counts requests: one per frame write, one per batch
// read, also with another process writing in between.
func TestRedisRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	a := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	b := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	frames := storetest.NewGen(9).Frames(100, 40, 0)
	ids := make([]engine.SoldierID, 100)
	for i := range ids {
		ids[i] = engine.SoldierID(i + 1)
	}
	// Load the scripts (EVALSHA falls back to EVAL once).
	if err := a.WriteFrame(ctx, frames[0].Obs); err != nil {
		t.Fatal(err)
	}
	var ws [][]engine.Observation
	var err error
	if ws, err = a.Windows(ctx, ids, 31, ws); err != nil {
		t.Fatal(err)
	}
	if _, err = b.Windows(ctx, ids, 31, nil); err != nil {
		t.Fatal(err)
	}
	start, startB := a.RoundTrips(), b.RoundTrips()
	for _, f := range frames[1:] {
		if err := a.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatal(err)
		}
		if ws, err = a.Windows(ctx, ids, 31, ws); err != nil {
			t.Fatal(err)
		}
		wb, err := b.Windows(ctx, ids, 31, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			storetest.CheckRows(t, wb[i], ws[i])
		}
	}
	n := uint64(len(frames) - 1)
	if got := a.RoundTrips() - start; got != 2*n {
		t.Fatalf("writer: %d round trips for %d ticks; want %d", got, n, 2*n)
	}
	if got := b.RoundTrips() - startB; got != n {
		t.Fatalf("reader: %d round trips for %d reads; want %d", got, n, n)
	}
}

// TestRedisKilledAndRestarted kills redis-server mid-run: every call returns
// ErrUnavailable (quickly), and once it is back the store works again,
// without serving rows cached before the crash.
func TestRedisKilledAndRestarted(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const timeout = 500 * time.Millisecond
	p := newPrefix()
	w := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithTimeout(timeout))
	r := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithTimeout(timeout))
	g := storetest.NewGen(10)
	ids := []engine.SoldierID{1, 2, 3}
	write := func(s *Store, t0 int64) error {
		return s.WriteFrame(ctx, []engine.Observation{g.Obs(1, t0), g.Obs(2, t0), g.Obs(3, t0)})
	}
	for tick := int64(0); tick < 20; tick++ {
		if err := write(w, tick); err != nil {
			t.Fatal(err)
		}
	}
	if ws, err := r.Windows(ctx, ids, 10, nil); err != nil || len(ws[0]) != 10 {
		t.Fatalf("before the crash: %v", err)
	}

	srv.Stop()
	for name, call := range map[string]func() error{
		"WriteFrame": func() error { return write(w, 20) },
		"Windows":    func() error { _, err := r.Windows(ctx, ids, 10, nil); return err },
		"Window":     func() error { _, err := r.Window(ctx, 1, 10, nil); return err },
		"Latest":     func() error { _, _, err := r.Latest(ctx, 1); return err },
		"Soldiers":   func() error { _, err := r.Soldiers(ctx); return err },
		"PutProfile": func() error { return w.PutProfile(ctx, engine.DefaultProfile(1)) },
		"Profile":    func() error { _, _, err := r.Profile(ctx, 1); return err },
		"Ping":       func() error { return r.Ping(ctx) },
	} {
		start := time.Now()
		err := call()
		if !errors.Is(err, featurestore.ErrUnavailable) {
			t.Errorf("%s with Redis down: err = %v; want ErrUnavailable", name, err)
		}
		var nerr net.Error
		if !errors.As(err, &nerr) {
			t.Errorf("%s with Redis down: err = %v does not wrap the network error", name, err)
		}
		if d := time.Since(start); d > 3*timeout {
			t.Errorf("%s with Redis down took %v; timeout is %v", name, d, timeout)
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// Redis came back empty. The writer goes on from tick 5, behind what the
	// caches saw, and writes more rows than before the crash, so sequence
	// numbers overtake the cached ones: only the new epoch tells the cached
	// rows are stale.
	var written []engine.Observation
	for tick := int64(5); tick <= 30; tick++ {
		rows := []engine.Observation{g.Obs(1, tick), g.Obs(2, tick), g.Obs(3, tick)}
		var err error
		for attempt := 0; attempt < 3; attempt++ { // the first call may meet a dead pooled connection
			if err = w.WriteFrame(ctx, rows); !errors.Is(err, featurestore.ErrUnavailable) {
				break
			}
		}
		if err != nil {
			t.Fatalf("write tick %d after restart: %v", tick, err)
		}
		written = append(written, rows[1])
	}
	for _, s := range []*Store{w, r} {
		ws, err := s.Windows(ctx, ids, 10, nil)
		if err != nil {
			t.Fatalf("read after restart: %v", err)
		}
		storetest.CheckRows(t, ws[1], written[len(written)-10:])
	}
}

// TestRedisFrozen stops redis-server without closing its sockets: calls must
// give up after the timeout instead of hanging, and work again once it
// resumes.
func TestRedisFrozen(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const timeout = 300 * time.Millisecond
	s := openRedis(t, srv.URL(), featurestore.WithPrefix(newPrefix()), featurestore.WithTimeout(timeout))
	g := storetest.NewGen(11)
	if err := s.WriteFrame(ctx, []engine.Observation{g.Obs(1, 1)}); err != nil {
		t.Fatal(err)
	}
	srv.Freeze()
	start := time.Now()
	_, err := s.Window(ctx, 1, 5, nil)
	d := time.Since(start)
	srv.Thaw()
	if !errors.Is(err, featurestore.ErrUnavailable) {
		t.Fatalf("frozen Redis: err = %v; want ErrUnavailable", err)
	}
	if d > 3*timeout {
		t.Fatalf("frozen Redis: call took %v; timeout is %v", d, timeout)
	}
	var w []engine.Observation
	for attempt := 0; attempt < 3; attempt++ {
		if w, err = s.Window(ctx, 1, 5, nil); err == nil {
			break
		}
	}
	if err != nil || len(w) != 1 {
		t.Fatalf("after thaw: %d rows, %v", len(w), err)
	}
}

// TestRedisCallerCancel keeps a cancelled caller apart from an unavailable
// Redis.
func TestRedisCallerCancel(t *testing.T) {
	srv := redistest.Start(t)
	s := openRedis(t, srv.URL(), featurestore.WithPrefix(newPrefix()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Ping(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, featurestore.ErrUnavailable) {
		t.Fatalf("cancelled caller: err = %v; want context.Canceled only", err)
	}
}

// TestRedisForeignKeys: a key under our prefix that is not ours gives
// ErrCorrupt, not a panic.
func TestRedisForeignKeys(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	s := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	if _, err := s.call(ctx, "test", []any{"rpush", p + "blk:0:hdr", "not a string"}); err != nil {
		t.Fatal(err)
	}
	err := s.WriteFrame(ctx, []engine.Observation{{Soldier: 1, T: 1}})
	if !errors.Is(err, featurestore.ErrCorrupt) {
		t.Fatalf("write over a foreign block key: err = %v; want ErrCorrupt", err)
	}
	if _, err := s.Window(ctx, 1, 5, nil); !errors.Is(err, featurestore.ErrCorrupt) {
		t.Fatalf("read of a foreign block key: err = %v; want ErrCorrupt", err)
	}
	if _, err := s.call(ctx, "test", []any{"hset", p + "profiles", "1", "garbage"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Profile(ctx, 1); !errors.Is(err, featurestore.ErrCorrupt) {
		t.Fatalf("garbage profile: err = %v; want ErrCorrupt", err)
	}
}

// TestRedisPrefixesAreSeparate: two deployments on one Redis do not mix.
func TestRedisPrefixesAreSeparate(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := openRedis(t, srv.URL(), featurestore.WithPrefix(newPrefix()))
	b := openRedis(t, srv.URL(), featurestore.WithPrefix(newPrefix()))
	if err := a.WriteFrame(ctx, []engine.Observation{{Soldier: 1, T: 1}}); err != nil {
		t.Fatal(err)
	}
	if ids, err := b.Soldiers(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("b sees a's soldiers: %v, %v", ids, err)
	}
}

// TestRedisCacheLostMidRead plays the race the read path guards against: the
// cached rows a read counted on are replaced between its round trip and the
// merge. The read must fetch those windows whole (a second round trip) and
// still return the right rows.
func TestRedisCacheLostMidRead(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	w := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCapacity(16))
	r := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCapacity(16))
	frames := storetest.NewGen(12).Frames(6, 23, 0)
	ids := []engine.SoldierID{1, 2, 3, 4, 5, 6}
	for _, f := range frames[:20] {
		if err := w.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Windows(ctx, ids, 10, nil); err != nil { // r caches 10 rows each
		t.Fatal(err)
	}
	for _, f := range frames[20:] { // 3 new rows each: the next read is a delta
		if err := w.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatal(err)
		}
	}
	r.testHookReply = func() {
		r.testHookReply = nil
		r.cmu.Lock()
		for _, id := range ids[2:4] {
			r.cache[id].reset(r.cache[id].epoch, 1) // rows gone, as after a reset
		}
		r.cmu.Unlock()
	}
	before := r.RoundTrips()
	ws, err := r.Windows(ctx, ids, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if trips := r.RoundTrips() - before; trips != 2 {
		t.Fatalf("%d round trips; want 2 (delta, then whole windows for the lost soldiers)", trips)
	}
	check := func(ws [][]engine.Observation) {
		t.Helper()
		for i := range ids {
			var want []engine.Observation
			for _, f := range frames[13:] {
				want = append(want, f.Obs[i])
			}
			storetest.CheckRows(t, ws[i], want)
		}
	}
	check(ws)

	// Nothing written since: Redis answers "unchanged", and the cache
	// loses rows before the windows are copied out of it.
	r.testHookReply = func() {
		r.testHookReply = nil
		r.cmu.Lock()
		r.cache[ids[5]].reset(r.cache[ids[5]].epoch, 1)
		r.cmu.Unlock()
	}
	before = r.RoundTrips()
	if ws, err = r.Windows(ctx, ids, 10, ws); err != nil {
		t.Fatal(err)
	}
	if trips := r.RoundTrips() - before; trips != 2 {
		t.Fatalf("%d round trips after an unchanged reply; want 2", trips)
	}
	check(ws)
}

// TestRedisCapacitiesDiffer: two processes configured with different
// capacities share one deployment; the block's capacity, set by whoever
// created it, bounds every window.
func TestRedisCapacitiesDiffer(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	small := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCapacity(8))
	large := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCapacity(32))
	frames := storetest.NewGen(13).Frames(3, 40, 0)
	for i, f := range frames {
		s := small
		if i%2 == 1 {
			s = large
		}
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*Store{small, large} {
		w, err := s.Window(ctx, 2, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []engine.Observation
		for _, f := range frames[32:] {
			want = append(want, f.Obs[1])
		}
		storetest.CheckRows(t, w, want)
	}
}

// TestRedisUniformRange walks a block through the shapes the write script
// tells apart: soldiers in the block's uniform range (one shared header),
// a run inside it with range soldiers left behind on either side, runs
// whose headers differ, ragged frames, one run with different ticks, and a
// return to lockstep. After every frame a handle without a cache and a
// writer's own cache must both match a plain model.
func TestRedisUniformRange(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	const capacity = 4
	w := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCapacity(capacity))
	cold := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCapacity(capacity), featurestore.WithCache(false))
	g := storetest.NewGen(14)
	ids := []engine.SoldierID{1, 2, 3, 4, 5, 6, 7, 130, 131, 132, 260, 261, 390, 391, 392}
	model := map[engine.SoldierID][]engine.Observation{}
	tick := int64(0)
	frame := func(name string, order []engine.SoldierID, ticks ...int64) {
		t.Helper()
		tick++
		var f []engine.Observation
		for i, id := range order {
			tt := tick
			if len(ticks) > 0 {
				tt = ticks[i]
			}
			f = append(f, g.Obs(id, tt))
		}
		for _, tt := range ticks {
			tick = max(tick, tt)
		}
		if err := w.WriteFrame(ctx, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, o := range f {
			model[o.Soldier] = append(model[o.Soldier], o)
		}
		for _, r := range []*Store{cold, w} {
			ws, err := r.Windows(ctx, ids, capacity, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i, id := range ids {
				want := model[id][max(0, len(model[id])-capacity):]
				if len(ws[i]) != len(want) {
					t.Fatalf("%s: soldier %d: %d rows, want %d", name, id, len(ws[i]), len(want))
				}
				storetest.CheckRows(t, ws[i], want)
			}
		}
		got, err := cold.Soldiers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := written(model, ids); !slices.Equal(got, want) {
			t.Fatalf("%s: Soldiers = %v, want %v", name, got, want)
		}
	}
	all := ids[:6]
	frame("lockstep", all)
	frame("lockstep again", all)
	frame("run inside the range", []engine.SoldierID{3, 4})
	frame("run at the range's start", []engine.SoldierID{3})
	frame("run over headers that differ", all)
	frame("ragged", []engine.SoldierID{6, 1, 3})
	frame("equal headers outside any range", []engine.SoldierID{1, 2, 3, 4, 5, 6, 7})
	frame("lockstep after ragged", ids[:7])
	frame("one run, different ticks", ids[:7], 100, 101, 100, 102, 100, 100, 103)
	frame("lockstep after different ticks", ids[:7], 200, 200, 200, 200, 200, 200, 200)
	frame("lockstep, last soldier missing", ids[:6], 201, 201, 201, 201, 201, 201)
	frame("lockstep, first soldier missing", ids[1:6], 202, 202, 202, 202, 202)

	// Fresh blocks, so that each change meets a live uniform range.
	b1, b2, b3 := ids[7:10], ids[10:12], ids[12:]
	frame("new block", b1[:2])
	frame("run one past the range", b1)
	frame("new block", b2)
	frame("lockstep", b2)
	frame("different ticks over a range", b2, 300, 302)
	err := w.WriteFrame(ctx, []engine.Observation{g.Obs(b2[1], 301)})
	if !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("tick 301 after 302: err = %v; want ErrOutOfOrder", err)
	}
	frame("lockstep after different ticks", b2, 303, 303)
	frame("new block", b3)
	frame("lockstep", b3)
	frame("ragged over a range", []engine.SoldierID{b3[2], b3[0]})

	// A ragged frame beside a uniform range leaves it in place.
	b4, side := []engine.SoldierID{520, 521, 522, 523}, []engine.SoldierID{530, 531}
	ids = append(ids, append(b4, side...)...)
	frame("new block", b4)
	frame("lockstep", b4)
	checkRange(t, w, 4, 8, 12)
	frame("ragged beside a range", []engine.SoldierID{side[1], side[0]})
	checkRange(t, w, 4, 8, 12)
	frame("one soldier twice beside a range", []engine.SoldierID{side[0], side[1], side[0]}, tick+1, tick+1, tick+2)
	frame("two unequal headers beside a range", side)
	checkRange(t, w, 4, 8, 12)
	frame("lockstep beside ragged soldiers", b4)
	checkRange(t, w, 4, 8, 12)
	frame("ragged into a range", []engine.SoldierID{side[0], b4[2]})
	checkRange(t, w, 4, 0, 0)
	frame("lockstep after a range was dropped", b4)
	for range capacity + 1 { // around the ring
		frame("lockstep", ids)
	}
}

// checkRange fails unless block b's header in Redis has the uniform range
// [u0, u1).
func checkRange(t *testing.T, r *Store, b int64, u0, u1 float64) {
	t.Helper()
	h, err := r.client.GetRange(context.Background(), r.blockKeys(b)[0].(string), 0, 31).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var x [4]float64
	if err := readDoubles(h, x[:]); err != nil {
		t.Fatal(err)
	}
	if x[2] != u0 || x[3] != u1 {
		t.Fatalf("block %d: uniform range [%g, %g), want [%g, %g)", b, x[2], x[3], u0, u1)
	}
}

// TestRedisWriteFrameWindows: the combined call gives the windows a fresh
// read would, in one round trip while this handle is the only writer and in
// two once another handle wrote in between (whose rows it then shows).
func TestRedisWriteFrameWindows(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	a := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	b := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	truth := openRedis(t, srv.URL(), featurestore.WithPrefix(p), featurestore.WithCache(false))
	const soldiers, te = 20, 31
	frames := storetest.NewGen(4).Frames(soldiers, 80, 0)
	ids := make([]engine.SoldierID, soldiers)
	for i := range ids {
		ids[i] = engine.SoldierID(i + 1)
	}
	var ws [][]engine.Observation
	step := func(t *testing.T, tick int) uint64 {
		t.Helper()
		before := a.RoundTrips()
		var written bool
		var err error
		ws, written, err = a.WriteFrameWindows(ctx, frames[tick].Obs, te, ws)
		if err != nil || !written {
			t.Fatalf("tick %d: written %v, %v", tick, written, err)
		}
		trips := a.RoundTrips() - before
		want, err := truth.Windows(ctx, ids, te, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != soldiers {
			t.Fatalf("tick %d: %d windows", tick, len(ws))
		}
		for i := range ids {
			storetest.CheckRows(t, ws[i], want[i])
			if last := ws[i][len(ws[i])-1]; last.T != int64(tick) {
				t.Fatalf("tick %d: soldier %d's window ends at %d", tick, ids[i], last.T)
			}
		}
		return trips
	}
	for tick := range 40 { // alone: one round trip per tick once warm
		if trips := step(t, tick); tick >= 2 && trips != 1 {
			t.Fatalf("tick %d alone: %d round trips, want 1", tick, trips)
		}
	}
	for tick := 40; tick < 80; tick += 2 { // b writes every other tick
		if err := b.WriteFrame(ctx, frames[tick].Obs); err != nil {
			t.Fatal(err)
		}
		if trips := step(t, tick+1); trips != 2 {
			t.Fatalf("tick %d after another writer: %d round trips, want 2", tick+1, trips)
		}
	}
	// A refused write stores nothing and says so.
	_, written, err := a.WriteFrameWindows(ctx, frames[10].Obs, te, ws)
	var ooo *featurestore.OutOfOrderError
	if written || !errors.As(err, &ooo) {
		t.Fatalf("stale frame: written %v, %v", written, err)
	}
}

// TestRedisVersionAhead: a version above the server clock (a clock set
// back) still grows by one per write, so versions never repeat.
func TestRedisVersionAhead(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	p := newPrefix()
	w := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	r := openRedis(t, srv.URL(), featurestore.WithPrefix(p))
	const ahead = 4_000_000_000_000_000 // µs: the year 2096
	if err := w.client.Set(ctx, w.verKey, ahead, 0).Err(); err != nil {
		t.Fatal(err)
	}
	g := storetest.NewGen(3)
	for i := range int64(3) {
		if err := w.WriteFrame(ctx, []engine.Observation{g.Obs(1, i), g.Obs(2, i)}); err != nil {
			t.Fatal(err)
		}
		v, err := w.client.Get(ctx, w.verKey).Int64()
		if err != nil {
			t.Fatal(err)
		}
		if v != ahead+i+1 {
			t.Fatalf("write %d: version %d, want %d", i, v, ahead+i+1)
		}
		ws, err := r.Windows(ctx, []engine.SoldierID{1, 2}, 8, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws[0]) != int(i+1) || len(ws[1]) != int(i+1) {
			t.Fatalf("write %d: windows of %d and %d rows", i, len(ws[0]), len(ws[1]))
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

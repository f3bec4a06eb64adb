package monitor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// squads returns windows whose profiles carry the given squads, in order.
func squads(qs ...int) []featurestore.Window {
	ws := make([]featurestore.Window, len(qs))
	for i, q := range qs {
		ws[i].Profile.Squad = q
	}
	return ws
}

func TestShards(t *testing.T) {
	defer func(n, c int) { minShard, balanceWindows = n, c }(minShard, balanceWindows)
	minShard, balanceWindows = 3, 4
	rep := func(q, n int) []int { return slices.Repeat([]int{q}, n) }
	cases := []struct {
		name    string
		qs      []int
		workers int
		want    []int
	}{
		{"one worker", slices.Concat(rep(0, 5), rep(1, 5)), 1, []int{0, 10}},
		{"too small to split", rep(0, 5), 2, []int{0, 5}},
		{"chunks of whole squads", slices.Concat(rep(0, 2), rep(1, 2), rep(2, 2), rep(3, 2), rep(4, 2)), 2, []int{0, 2, 4, 6, 8, 10}},
		{"cut moves to the next squad", slices.Concat(rep(0, 3), rep(1, 3), rep(2, 3), rep(3, 3)), 1 + 1, []int{0, 3, 6, 9, 12}},
		{"one squad stays whole", rep(7, 12), 2, []int{0, 12}},
		{"about balanceWindows a chunk", slices.Concat(rep(0, 4), rep(1, 4), rep(2, 4), rep(3, 4), rep(4, 4), rep(5, 4), rep(6, 4), rep(7, 4), rep(8, 4), rep(9, 4)), 2,
			[]int{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40}},
		{"squads out of order", slices.Concat(rep(1, 5), rep(0, 5)), 2, []int{0, 10}},
		{"a long squad takes the cuts it spans", slices.Concat(rep(0, 1), rep(1, 9), rep(2, 1), rep(3, 1)), 2, []int{0, 1, 10, 11, 12}},
	}
	for _, c := range cases {
		if got := shards(nil, squads(c.qs...), c.workers); !slices.Equal(got, c.want) {
			t.Errorf("%s: shards = %v, want %v", c.name, got, c.want)
		}
	}
}

// scoreRun scores ticks frames of src with the TFT on a monitor of the
// given workers and returns every verdict printed, one a line, with each
// soldier's latest verdict and count of rows seen at the end, and the
// alert openings followed by the incident changes (openings, refinements,
// closings) in order.
func scoreRun(t *testing.T, workers int, profiles []engine.Profile, ticks int, frame func(t int64) []engine.Observation) (string, []string) {
	t.Helper()
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sc, err := detector.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(store, sc, WithWorkers(workers))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	alerts := m.SubscribeAlerts(100_000)
	defer alerts.Close()
	changes := m.SubscribeAlertChanges(100_000)
	defer changes.Close()
	ctx := context.Background()
	if err := m.SetProfiles(ctx, profiles); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var vs []detector.Verdict
	for tk := range int64(ticks) {
		if vs, err = m.Ingest(ctx, frame(tk), vs[:0]); err != nil {
			t.Fatal(err)
		}
		for i := range vs {
			fmt.Fprintf(&b, "%+v\n", vs[i])
		}
	}
	var opened []string
	for len(alerts.C()) > 0 {
		ev := <-alerts.C()
		opened = append(opened, fmt.Sprintf("%d@%d:%v", ev.Verdict.Soldier, ev.Verdict.T, ev.Verdict.Kind))
	}
	// The incident changes (closings too), in order, and what the monitor
	// keeps per soldier at the end (a split call's shards keep their own).
	for len(changes.C()) > 0 {
		ch := <-changes.C()
		v := &ch.Verdict
		opened = append(opened, fmt.Sprintf("change %d@%d:%v opened %v refined %v closed %+v at %d/%d",
			v.Soldier, v.T, v.Kind, v.Alert.Opened, v.Alert.Refined, ch.Closed, ch.OpenedAt, ch.At))
	}
	for _, p := range profiles {
		v, ok := m.Latest(p.ID)
		n, seen := m.Seen(p.ID, v.T)
		ph, _ := m.NextPhase(p.ID)
		fmt.Fprintf(&b, "latest %d %v: %d %v %v %v %+v %v; seen %d %v; next %v\n", p.ID, ok, v.T, v.State, v.Kind, v.Score, v.Alert, v.Vitals, n, seen, ph)
	}
	return b.String(), opened
}

// TestIngestWorkersSameVerdicts scores the same battlefield with the TFT
// on 1, 2 and 3 workers (shards of at least 8 windows, so 200 soldiers
// split) past its warm-up and requires the same verdicts, in the same
// order, and the same alert openings. Two battlefields: a simulation, and
// a synthetic one in squads of 7 — so that an even split would cut a squad
// in two — whose squad 14 (soldiers 99–105, across the even cut at 100 of
// two workers) raises its heart rate together, 4 bpm a second,
// after the warm-up: the squad-wide rule clears it only when the squad is
// scored in one piece.
func TestIngestWorkersSameVerdicts(t *testing.T) {
	defer func(n int) { minShard = n }(minShard)
	minShard = 8
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Seed, cfg.PoisonRate = 200, 7, 5, 0.2
	sim := func() (func(int64) []engine.Observation, []engine.Profile) {
		s, err := engine.NewSim(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return func(int64) []engine.Observation {
			f, err := s.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return f.Obs
		}, s.Profiles()
	}
	profiles := engine.GenerateProfiles(cfg.Soldiers, cfg.SquadSize, cfg.Seed)
	jump := func(tk int64) []engine.Observation {
		out := make([]engine.Observation, len(profiles))
		for i, p := range profiles {
			hr := 70.0
			if p.Squad == 14 && tk >= 32 {
				hr += 4 * float64(tk-31) // a step would be taken for a glitch
			}
			out[i] = obs(p.ID, tk, hr)
		}
		return out
	}
	ws := make([]featurestore.Window, len(profiles))
	for i, p := range profiles {
		ws[i].Profile = p
	}
	for _, w := range []int{2, 3} {
		if got := shards(nil, ws, w); len(got) < 2*w+1 {
			t.Fatalf("%d workers would not split 200 windows into chunks for each: %v", w, got)
		}
	}
	for name, run := range map[string]func(w int) (string, []string){
		"simulation": func(w int) (string, []string) { f, ps := sim(); return scoreRun(t, w, ps, 45, f) },
		"squad ramp": func(w int) (string, []string) { return scoreRun(t, w, profiles, 45, jump) },
	} {
		want, wantAlerts := run(1)
		if strings.Count(want, "Forecast:[NaN NaN NaN NaN NaN]") == strings.Count(want, "Forecast:[") {
			t.Fatalf("%s: no verdict carries a forecast: the run ended inside the warm-up", name)
		}
		for _, w := range []int{2, 3} {
			got, gotAlerts := run(w)
			if got != want {
				t.Errorf("%s, %d workers: the verdicts differ from one worker's", name, w)
			}
			if !slices.Equal(gotAlerts, wantAlerts) {
				t.Errorf("%s, %d workers: alerts %v, want %v", name, w, gotAlerts, wantAlerts)
			}
		}
		// Scored in calls of about 9 windows (cut between squads of 7): on
		// one worker and within each of two workers' shards.
		func() {
			defer func(n int) { chunkWindows = n }(chunkWindows)
			chunkWindows = 9
			for _, w := range []int{1, 2} {
				got, gotAlerts := run(w)
				if got != want || !slices.Equal(gotAlerts, wantAlerts) {
					t.Errorf("%s, %d workers in chunks of 9: the verdicts or alerts differ from one call's", name, w)
				}
			}
		}()
	}
}

// freshWindows is an in-memory store whose Windows ignores dst and returns
// a new slice (another store's right), or fails for a call of soldiers
// that includes failFor.
type freshWindows struct {
	*featurestore.Memory
	failFor engine.SoldierID
}

var errWindows = errors.New("windows refused")

func (s freshWindows) Windows(ctx context.Context, ids []engine.SoldierID, n int, _ [][]engine.Observation) ([][]engine.Observation, error) {
	if slices.Contains(ids, s.failFor) {
		return nil, errWindows
	}
	return s.Memory.Windows(ctx, ids, n, nil)
}

// TestShardedReads: a split call reads each shard's windows on its own
// goroutine into its part of the rows. A store that returns new slices
// gives the verdicts of one worker; a store that fails one shard's read
// fails the call with nothing scored, as one worker's read would.
func TestShardedReads(t *testing.T) {
	defer func(n int) { minShard = n }(minShard)
	minShard = 8
	profiles := engine.GenerateProfiles(40, 5, 3)
	run := func(workers int, failFor engine.SoldierID) (string, error) {
		mem, err := featurestore.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		defer mem.Close()
		sc, err := detector.NewThreshold()
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(freshWindows{mem, failFor}, sc, WithWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ctx := context.Background()
		if err := m.SetProfiles(ctx, profiles); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		var vs []detector.Verdict
		for tk := range int64(5) {
			frame := make([]engine.Observation, len(profiles))
			for i, p := range profiles {
				frame[i] = obs(p.ID, tk, 60+float64(i)+10*float64(tk))
			}
			if vs, err = m.Ingest(ctx, frame, vs[:0]); err != nil {
				if st := m.Stats(); st.Scored != 0 {
					t.Errorf("%d workers: %d verdicts scored before the read failed", workers, st.Scored)
				}
				return "", err
			}
			for i := range vs {
				fmt.Fprintf(&b, "%d %d %v\n", vs[i].Soldier, vs[i].T, vs[i].Vitals)
			}
		}
		return b.String(), nil
	}
	want, err := run(1, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := run(2, -1); err != nil || got != want {
		t.Errorf("2 workers on a store that returns new slices: err %v, verdicts equal one worker's: %v", err, got == want)
	}
	last := profiles[len(profiles)-1].ID // in the second shard
	for _, w := range []int{1, 2} {
		if _, err := run(w, last); !errors.Is(err, errWindows) || !strings.Contains(err.Error(), "read windows") {
			t.Errorf("%d workers, a shard's read fails: err %v, want the store's error on reading windows", w, err)
		}
	}
}

// lastFirst holds the Score call of the first squad's chunk until every
// other chunk of the tick is kept (the monitor's kept hook): the tick's
// first chunk is kept last.
type lastFirst struct {
	detector.Scorer
	chunks  int // chunks a tick
	mu      sync.Mutex
	kept    int
	release chan struct{}
}

func (l *lastFirst) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	if len(ws) > 0 && ws[0].Profile.Squad == 0 {
		l.mu.Lock()
		ch := l.release
		l.mu.Unlock()
		<-ch
	}
	return l.Scorer.Score(ws, dst)
}

// keptChunk counts a kept chunk; the last but one of a tick releases the
// first.
func (l *lastFirst) keptChunk(first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if first {
		l.kept, l.release = 0, make(chan struct{})
		return
	}
	if l.kept++; l.kept == l.chunks-1 {
		close(l.release)
	}
}

// TestIngestChunksKeptOutOfOrder: two workers share a tick's chunks and
// keep each as it is scored; with the first chunk held until the others
// are kept (so kept last), the verdicts, every soldier's latest verdict
// and count, the alert openings and the incident changes (closings of
// several chunks at one tick among them) are in the same order as one
// worker's. It fails if the chunks' closings are joined in the order
// they were kept, or a chunk's verdicts land in another's place.
func TestIngestChunksKeptOutOfOrder(t *testing.T) {
	defer func(n, c int) { minShard, balanceWindows = n, c }(minShard, balanceWindows)
	minShard, balanceWindows = 8, 10
	profiles := engine.GenerateProfiles(40, 5, 3) // 8 squads of 5: 4 chunks of 10
	frame := func(tk int64) []engine.Observation {
		f := make([]engine.Observation, len(profiles))
		for i, p := range profiles {
			hr := 70.0
			if tk >= 5 && tk < 15+int64(i%3) {
				hr = 230 // every soldier's incident opens, and closes at one of three ticks
			}
			f[i] = obs(p.ID, tk, hr)
		}
		return f
	}
	run := func(workers int) (string, []string) {
		sc, err := detector.NewThreshold()
		if err != nil {
			t.Fatal(err)
		}
		l := &lastFirst{Scorer: sc, chunks: 4}
		store, err := featurestore.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		m, err := New(store, l, WithWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		m.keptHook = l.keptChunk
		ctx := context.Background()
		if err := m.SetProfiles(ctx, profiles); err != nil {
			t.Fatal(err)
		}
		changes := m.SubscribeAlertChanges(10_000)
		defer changes.Close()
		var b strings.Builder
		var vs []detector.Verdict
		for tk := range int64(45) {
			l.keptChunk(true)
			if workers == 1 {
				close(l.release) // one worker scores the first chunk first
			}
			if vs, err = m.Ingest(ctx, frame(tk), vs[:0]); err != nil {
				t.Fatal(err)
			}
			for i := range vs {
				fmt.Fprintf(&b, "%+v\n", vs[i])
			}
		}
		for _, p := range profiles {
			v, _ := m.Latest(p.ID)
			n, _ := m.Seen(p.ID, v.T)
			fmt.Fprintf(&b, "latest %d: %d %+v; seen %d\n", p.ID, v.T, v.Alert, n)
		}
		var chs []string
		for len(changes.C()) > 0 {
			ch := <-changes.C()
			chs = append(chs, fmt.Sprintf("%d@%d opened %v closed %v", ch.Verdict.Soldier, ch.Verdict.T, ch.Verdict.Alert.Opened, ch.Closed.Open))
		}
		return b.String(), chs
	}
	want, wantChanges := run(1)
	// A tick that closes incidents in the first chunk and in another.
	index := map[string]int{}
	for i, p := range profiles {
		index[fmt.Sprint(p.ID)] = i
	}
	chunks := map[string]map[int]bool{} // tick → chunks with a closing
	for _, c := range wantChanges {
		if strings.HasSuffix(c, "closed true") {
			id, rest, _ := strings.Cut(c, "@")
			tk, _, _ := strings.Cut(rest, " ")
			if chunks[tk] == nil {
				chunks[tk] = map[int]bool{}
			}
			chunks[tk][index[id]/10] = true
		}
	}
	several := false
	for _, cs := range chunks {
		several = several || (cs[0] && len(cs) > 1)
	}
	if !several {
		t.Fatalf("no tick closes incidents in the first chunk and another: %v", chunks)
	}
	got, gotChanges := run(2)
	if got != want {
		t.Error("two workers, first chunk kept last: the verdicts or what the monitor keeps differ from one worker's")
	}
	if !slices.Equal(gotChanges, wantChanges) {
		t.Errorf("two workers, first chunk kept last: changes\n%v\nwant\n%v", gotChanges, wantChanges)
	}
}

// slowWrites is a store whose WriteFrame yields many times before it
// writes (and fails at tick failAt), and which notes the windows read
// while a write was in progress.
type slowWrites struct {
	featurestore.Online
	failAt  int64
	mu      sync.Mutex
	writing int64 // the tick being written, -1 between writes
	early   []int64
}

var errWrite = errors.New("test: write refused")

func (s *slowWrites) WriteFrame(ctx context.Context, obs []engine.Observation) error {
	s.mu.Lock()
	s.writing = obs[0].T
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.writing = -1
		s.mu.Unlock()
	}()
	for range 2000 {
		runtime.Gosched()
	}
	if obs[0].T == s.failAt {
		return errWrite
	}
	return s.Online.WriteFrame(ctx, obs)
}

func (s *slowWrites) Windows(ctx context.Context, ids []engine.SoldierID, n int, dst [][]engine.Observation) ([][]engine.Observation, error) {
	got, err := s.Online.Windows(ctx, ids, n, dst)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writing >= 0 {
		s.early = append(s.early, s.writing)
	}
	return got, err
}

// TestWriteBeforeReads: a split call reads no window and scores nothing
// before its store write has returned (the store's write yields the
// processor many times first: a write moved beside the reads or the
// scoring would be caught), a failed write fails the call with nothing
// scored, and the verdicts are one worker's. (Writing beside the profile
// look-ups was tried: on the loaded machine of the sixth round it made the
// tick's serial part longer, not shorter; docs/scale.md.)
func TestWriteBeforeReads(t *testing.T) {
	defer func(n int) { minShard = n }(minShard)
	minShard = 8
	profiles := engine.GenerateProfiles(40, 5, 3)
	run := func(workers int) string {
		mem, err := featurestore.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		defer mem.Close()
		sc, err := detector.NewThreshold()
		if err != nil {
			t.Fatal(err)
		}
		st := &slowWrites{Online: mem, failAt: 4, writing: -1}
		m, err := New(st, sc, WithWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ctx := context.Background()
		if err := m.SetProfiles(ctx, profiles); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		var vs []detector.Verdict
		for tk := range int64(8) {
			frame := make([]engine.Observation, len(profiles))
			for i, p := range profiles {
				frame[i] = obs(p.ID, tk, 60+float64(i)+10*float64(tk))
			}
			before := m.Stats().Scored
			vs, err = m.Ingest(ctx, frame, vs[:0])
			if tk == st.failAt {
				if !errors.Is(err, errWrite) || len(vs) != 0 || m.Stats().Scored != before {
					t.Errorf("%d workers: the write failed: %d verdicts, %d scored, error %v", workers, len(vs), m.Stats().Scored-before, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range vs {
				fmt.Fprintf(&b, "%d %d %v %v\n", vs[i].Soldier, vs[i].T, vs[i].State, vs[i].Vitals)
			}
		}
		if len(st.early) > 0 {
			t.Errorf("%d workers: windows read while ticks %v were being written", workers, st.early)
		}
		return b.String()
	}
	if got, want := run(2), run(1); got != want {
		t.Error("2 workers: the verdicts differ from one worker's")
	}
}

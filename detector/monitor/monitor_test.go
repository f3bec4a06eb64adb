package monitor

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

func newTestMonitor(t *testing.T) *Monitor {
	t.Helper()
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// obs returns soldier id's reading at tick t with heart rate hr; every vital
// wobbles a little from tick to tick, as a live sensor does (a value frozen
// from the first reading is a stuck sensor).
func obs(id engine.SoldierID, t int64, hr float64) engine.Observation {
	w := float64(t % 3)
	return engine.Observation{Soldier: id, T: t, Values: [engine.NumVitals]float64{hr + w, 90 + 0.1*w, 37.2 + 0.01*w, 97 + float64(t%2)}, Ambient: 22}
}

func TestIngestSimulation(t *testing.T) {
	m := newTestMonitor(t)
	cfg := engine.DefaultConfig()
	cfg.Soldiers = 20
	cfg.Seed = 3
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.SetProfiles(ctx, sim.Profiles()); err != nil {
		t.Fatal(err)
	}
	var vs []detector.Verdict
	for range 120 {
		f, err := sim.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vs, err = m.Ingest(ctx, f.Obs, vs[:0])
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(f.Obs) {
			t.Fatalf("tick %d: %d verdicts for %d observations", f.T, len(vs), len(f.Obs))
		}
		for i := range vs {
			if vs[i].Soldier != f.Obs[i].Soldier || vs[i].T != f.T {
				t.Fatalf("verdict %d is for soldier %d tick %d, want %d tick %d", i, vs[i].Soldier, vs[i].T, f.Obs[i].Soldier, f.T)
			}
		}
	}
	st := m.Stats()
	if st.Observations != 120*20 || st.Scored != 120*20 {
		t.Errorf("stats %+v, want 2400 observations and verdicts", st)
	}
	v, ok := m.Latest(sim.Profiles()[3].ID)
	if !ok || v.T != 119 {
		t.Errorf("latest verdict of soldier 4: %+v %v, want tick 119", v, ok)
	}
	if np, ok := m.NextPhase(v.Soldier); !ok || np != v.NextPhase {
		t.Errorf("next phase of soldier 4: %v %v, want %v from its latest verdict", np, ok, v.NextPhase)
	}
	if _, ok := m.NextPhase(9999); ok {
		t.Error("a soldier with no verdict has a next phase")
	}
	p, known, err := m.Profile(ctx, sim.Profiles()[3].ID)
	if err != nil || !known || p != sim.Profiles()[3] {
		t.Errorf("profile %+v known=%v err=%v", p, known, err)
	}
}

func TestUnknownSoldierGetsDefaultProfile(t *testing.T) {
	m := newTestMonitor(t)
	p, known, err := m.Profile(context.Background(), 42)
	if err != nil || known || p != engine.DefaultProfile(42) {
		t.Fatalf("got %+v known=%v err=%v, want the default profile, unknown", p, known, err)
	}
}

func TestProfileMissCache(t *testing.T) {
	mem, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingStore{Online: mem}
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(100, 0)
	m, err := New(counting, sc, WithProfileMissTTL(time.Second), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for tick := range int64(3) {
		if _, err := m.Ingest(ctx, []engine.Observation{obs(4, tick, 70)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if counting.profiles != 1 {
		t.Fatalf("%d store lookups for an undescribed soldier within the TTL, want 1", counting.profiles)
	}
	now = now.Add(time.Second)
	if _, known, _ := m.Profile(ctx, 4); known || counting.profiles != 2 {
		t.Fatalf("known=%v after %d lookups; want unknown after 2 (the TTL ran out)", known, counting.profiles)
	}
	// Another process describes the soldier in the shared store: seen once
	// the TTL has run out.
	p := engine.DefaultProfile(4)
	p.Age = 44
	if err := mem.PutProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, known, _ := m.Profile(ctx, 4); known {
		t.Fatal("the cached miss was not honoured")
	}
	now = now.Add(time.Second)
	if got, known, err := m.Profile(ctx, 4); err != nil || !known || got.Age != 44 {
		t.Fatalf("after the TTL: %+v %v %v", got, known, err)
	}
	// SetProfile through the monitor takes effect at once.
	p.Age = 50
	if err := m.SetProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := m.Profile(ctx, 4); got.Age != 50 {
		t.Fatalf("after SetProfile: age %v", got.Age)
	}
}

type countingStore struct {
	featurestore.Online
	profiles int
}

func (s *countingStore) Profile(ctx context.Context, id engine.SoldierID) (engine.Profile, bool, error) {
	s.profiles++
	return s.Online.Profile(ctx, id)
}

func TestOutOfOrderWritesNothing(t *testing.T) {
	m := newTestMonitor(t)
	ctx := context.Background()
	if _, err := m.Ingest(ctx, []engine.Observation{obs(1, 10, 70)}, nil); err != nil {
		t.Fatal(err)
	}
	vs, err := m.Ingest(ctx, []engine.Observation{obs(1, 9, 70)}, nil)
	if !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("err = %v, want ErrOutOfOrder", err)
	}
	if len(vs) != 0 {
		t.Fatalf("%d verdicts for a refused write", len(vs))
	}
	if st := m.Stats(); st.Observations != 1 || st.Scored != 1 {
		t.Fatalf("stats %+v after a refused write", st)
	}
}

func TestAlertStream(t *testing.T) {
	m := newTestMonitor(t)
	sub := m.SubscribeAlerts(8)
	defer sub.Close()
	ctx := context.Background()
	// A sustained heart rate far above the fixed threshold opens an alert.
	for tick := range int64(40) {
		hr := 75.0
		if tick >= 20 {
			hr = 205
		}
		if _, err := m.Ingest(ctx, []engine.Observation{obs(5, tick, hr)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case ev := <-sub.C():
		if ev.Verdict.Soldier != 5 || ev.Verdict.T < 20 || !ev.Verdict.Alert.Opened {
			t.Fatalf("alert event %+v", ev.Verdict)
		}
	default:
		t.Fatal("no alert event for a heart rate of 205 bpm held 20 s")
	}
	if m.Stats().Alerts == 0 {
		t.Fatal("alert count is zero")
	}
}

func TestAlertChangesOpenThenClose(t *testing.T) {
	m := newTestMonitor(t)
	sub := m.SubscribeAlertChanges(64)
	defer sub.Close()
	ctx := context.Background()
	// 20 s of a heart rate of 205 bpm open an incident; a minute back at 75
	// closes it.
	for tick := range int64(100) {
		hr := 75.0
		if tick >= 20 && tick < 40 {
			hr = 205
		}
		if _, err := m.Ingest(ctx, []engine.Observation{obs(5, tick, hr)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	var opened, closed []detector.Alert
	var openT, closeT int64
	for ev := range sub.C() {
		if ev.Verdict.Alert.Opened {
			opened = append(opened, ev.Verdict.Alert)
			openT = ev.Verdict.T
			if ev.OpenedAt != ev.Verdict.Alert.Since {
				t.Errorf("opened at %d, want its tick %d (no epoch)", ev.OpenedAt, ev.Verdict.Alert.Since)
			}
		}
		if ev.Closed.Open {
			if ev.Verdict.Alert.Open && ev.Verdict.Alert.Since == ev.Closed.Since {
				t.Errorf("closed at tick %d but still open", ev.Verdict.T)
			}
			closed = append(closed, ev.Closed)
			closeT = ev.Verdict.T
		}
		if !ev.Verdict.Alert.Opened && !ev.Closed.Open {
			t.Errorf("a change with neither opening nor closing at tick %d", ev.Verdict.T)
		}
		if ev.At != ev.Verdict.T {
			t.Errorf("change at %d, want its tick %d", ev.At, ev.Verdict.T)
		}
	}
	if len(opened) != 1 || len(closed) != 1 {
		t.Fatalf("%d openings, %d closings; want one incident opened and closed", len(opened), len(closed))
	}
	if opened[0].Since != closed[0].Since || opened[0].Kind != closed[0].Kind {
		t.Errorf("opening %+v closed as %+v", opened[0], closed[0])
	}
	if !(openT >= 20 && openT < 40 && closeT > 40) {
		t.Errorf("opened at %d, closed at %d; want an opening in [20, 40) and a closing after 40", openT, closeT)
	}
}

func TestConcurrentSoldiers(t *testing.T) {
	m := newTestMonitor(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for id := range engine.SoldierID(16) {
		wg.Go(func() {
			var vs []detector.Verdict
			for tick := range int64(50) {
				var err error
				vs, err = m.Ingest(ctx, []engine.Observation{obs(id+1, tick, 80)}, vs[:0])
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if st := m.Stats(); st.Scored != 16*50 {
		t.Fatalf("scored %d, want 800", st.Scored)
	}
}

// TestSeenAndWriteLate: Seen counts the observations the scorer had
// (consecutive ticks carry on past the window read; after a gap, the
// window's rows; late rows inserted in between do not count), and
// WriteLate stores a late row unscored, or refuses with
// ErrLateUnsupported on a store without featurestore.LateWriter.
func TestSeenAndWriteLate(t *testing.T) {
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(store, sc, WithWindowRows(64))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ingest := func(tk int64) {
		t.Helper()
		if _, err := m.Ingest(ctx, []engine.Observation{obs(1, tk, 80)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for tk := int64(1); tk <= 40; tk++ {
		ingest(tk)
	}
	if n, ok := m.Seen(1, 40); !ok || n != 39 {
		t.Fatalf("Seen(40) = %d, %v; want 39", n, ok)
	}
	if n, ok := m.Seen(1, 30); !ok || n != 29 {
		t.Fatalf("Seen(30) = %d, %v; want 29", n, ok)
	}
	if _, ok := m.Seen(1, 41); ok {
		t.Fatal("Seen(41) before tick 41")
	}
	ingest(45) // a gap: the scorer restarts from the window's 40 earlier rows
	if n, _ := m.Seen(1, 45); n != 40 {
		t.Fatalf("Seen(45) after a gap = %d, want 40", n)
	}
	before := m.Stats()
	if l, err := m.WriteLate(ctx, obs(1, 43, 80), 5); l != featurestore.Inserted || err != nil {
		t.Fatalf("WriteLate(43) = %v, %v", l, err)
	}
	if l, err := m.WriteLate(ctx, obs(1, 43, 80), 5); l != featurestore.Repeat || err != nil {
		t.Fatalf("WriteLate(43) again = %v, %v", l, err)
	}
	if st := m.Stats(); st.Observations != before.Observations+1 || st.Scored != before.Scored {
		t.Fatalf("stats %+v after a late row, %+v before", st, before)
	}
	if v, _ := m.Latest(1); v.T != 45 {
		t.Fatalf("latest verdict at %d after a late row", v.T)
	}
	for tk := int64(46); tk <= 80; tk++ { // the late row is in the windows, not in the scorer's history
		ingest(tk)
	}
	if n, _ := m.Seen(1, 46); n != 41 {
		t.Fatalf("Seen(46) = %d, want 41: the 40 before the gap and 45, not the late 43", n)
	}
	if n, _ := m.Seen(1, 80); n != 75 {
		t.Fatalf("Seen(80) = %d, want 75 (past the 64-row window)", n)
	}

	// A store without LateWriter.
	m2, err := New(struct{ featurestore.Online }{store}, sc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.WriteLate(ctx, obs(1, 74, 80), 5); !errors.Is(err, ErrLateUnsupported) {
		t.Fatalf("WriteLate without LateWriter: %v", err)
	}
}

// offlineRows is an OfflineSink that keeps the rows and profiles.
type offlineRows struct {
	rows     []engine.Observation
	profiles []engine.Profile
}

func (s *offlineRows) Observe(obs []engine.Observation) { s.rows = append(s.rows, obs...) }
func (s *offlineRows) Profile(p engine.Profile)         { s.profiles = append(s.profiles, p) }
func (s *offlineRows) Labels([]engine.Label)            {}

// TestOfflineGetsStoredRows: the offline sink gets the rows the store
// accepted, not the ones it refused, and profiles set.
func TestOfflineGetsStoredRows(t *testing.T) {
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	sink := &offlineRows{}
	m, err := New(store, sc, WithOffline(sink))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	p := engine.DefaultProfile(1)
	if err := m.SetProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	for tick := int64(1); tick <= 5; tick++ {
		if _, err := m.Ingest(ctx, []engine.Observation{obs(1, tick, 70), obs(2, tick, 80)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Ingest(ctx, []engine.Observation{obs(1, 3, 70)}, nil); err == nil {
		t.Fatal("a row out of order was accepted")
	}
	if l, err := m.WriteLate(ctx, obs(2, 3, 80), 10); err != nil || l != featurestore.Repeat {
		t.Fatalf("repeat: %v, %v", l, err)
	}
	if len(sink.rows) != 10 || len(sink.profiles) != 1 || sink.profiles[0] != p {
		t.Fatalf("sink: %d rows, profiles %v; want 10 rows and soldier 1's profile", len(sink.rows), sink.profiles)
	}
}

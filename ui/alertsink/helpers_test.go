package alertsink

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
)

// fakeClock is a Clock that moves only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c  *fakeClock
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	// It starts at the machine's time: Alertmanager judges the silences
	// the hub makes by its own clock.
	return &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}

// Advance moves the clock by d and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	sort.Slice(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
		} else {
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

// waiters returns the number of timers not yet fired or stopped.
func (c *fakeClock) waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// waitFor polls cond until it holds; it fails t after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// advanceUntil advances clk by step whenever some goroutine waits on it,
// until cond holds; it fails t after a generous bound.
func advanceUntil(t *testing.T, clk *fakeClock, step time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
		if clk.waiters() > 0 {
			clk.Advance(step)
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// feed is a ChangeSource the test publishes into.
type feed struct {
	b *engine.Broadcast[monitor.AlertChange]
}

func newFeed() feed { return feed{engine.NewBroadcast[monitor.AlertChange](0)} }

func (f feed) SubscribeAlertChanges(n int) *engine.Sub[monitor.AlertChange] { return f.b.Subscribe(n) }

// verdict returns a verdict of soldier id at tick t with every vital in
// band.
func verdict(id engine.SoldierID, t int64) detector.Verdict {
	v := detector.Verdict{Soldier: id, T: t, Phase: engine.PhaseRest, NextPhase: engine.PhaseRest, State: detector.StateOK}
	for i := range v.Vitals {
		v.Vitals[i] = detector.VitalVerdict{Observed: 70, Forecast: detector.Quantiles{60, 65, 70, 75, 80}, Drift: math.NaN()}
	}
	return v
}

// opening is the change of a heart-rate incident of kind opening for
// soldier id at tick t (the band check: 150 bpm against 60–80).
func opening(id engine.SoldierID, t int64, kind engine.AnomalyKind) monitor.AlertChange {
	v := verdict(id, t)
	v.State, v.Kind, v.Score = detector.StateAlert, kind, 3.5
	v.Vitals[engine.HeartRate] = detector.VitalVerdict{Observed: 150, Forecast: detector.Quantiles{60, 65, 70, 75, 80}, Out: 3.5, Drift: math.NaN()}
	v.Channels[detector.ChannelHeartRate] = detector.ChannelAlert{Open: true, Opened: true, Kind: kind, Since: t}
	v.Alert = detector.Alert{Open: true, Opened: true, Since: t, Kind: kind, Evidence: detector.Evidence{
		Check: detector.CheckBand, Vital: engine.HeartRate, Value: 150, Expected: 70, Lo: 60, Hi: 80, Out: 3.5, Unit: 20,
		Channel: detector.ChannelHeartRate}}
	return monitor.AlertChange{Verdict: v, OpenedAt: start.Unix() + t, At: start.Unix() + t}
}

// closing is the change that closes the incident opened at since.
func closing(id engine.SoldierID, t, since int64, kind engine.AnomalyKind) monitor.AlertChange {
	return monitor.AlertChange{Verdict: verdict(id, t), Closed: detector.Alert{Open: true, Since: since, Kind: kind},
		At: start.Unix() + t}
}

// idOf is the alert id of soldier id's incident opened at tick t.
func idOf(id engine.SoldierID, t int64) string { return fmt.Sprintf("%d-%d", id, start.Unix()+t) }

// start is a simulation's first tick, the reading times of these tests.
var start = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// newTestHub starts a hub on a fake clock and a feed; it closes with the
// test.
func newTestHub(t *testing.T, opts ...Option) (*Hub, feed, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	f := newFeed()
	base := []Option{WithClock(clk), WithFlush(0),
		WithSquad(func(id engine.SoldierID) int { return int(id-1) / 10 }), WithScorer("threshold")}
	h, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.Start(t.Context(), f)
	t.Cleanup(func() { h.Close() })
	return h, f, clk
}

// stat returns the named sink's counters.
func stat(h *Hub, sink string) SinkStats {
	for _, st := range h.Stats() {
		if st.Sink == sink {
			return st
		}
	}
	return SinkStats{}
}

package live

import (
	"math"
	"sync"
	"time"
)

// LagBuckets are the upper bounds, in seconds, of the lag histogram that
// Lag returns (the last bucket, +Inf, is implicit).
var LagBuckets = [...]float64{0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30, 60}

// Lag is how far Run's published ticks are behind the pace its speed sets.
// A tick at T is due (T − T0)/speed after the wall time at which the source
// delivered the tick T0 that anchored the pace (the first tick Run
// published, or the first after a resume, a speed change or a seek); its
// lag is how long after that it was published, scored and recorded (0 if
// sooner). Run steps late ticks without waiting, so a pipeline that is
// faster than the pace on average works a delay off; unlike the pacer,
// which forgives a delay past Config.CatchUp, the anchor stays put: a
// pipeline that cannot keep up shows a lag that grows without bound. At speed 0 (as fast as
// possible) no tick is due and nothing is measured.
type Lag struct {
	Tick  int64         // the last tick measured
	Last  time.Duration // its lag
	Max   time.Duration // the largest lag since Run started
	Count uint64        // ticks measured
	Sum   time.Duration // their lags added up
	// Buckets counts the ticks whose lag in seconds is at most
	// LagBuckets[i] (cumulative, as in a Prometheus histogram).
	Buckets [len(LagBuckets)]uint64
}

// Lag returns Run's lag statistics so far.
func (r *Runtime) Lag() Lag { return r.lag.Lag() }

// LagMeter measures how far a sequence of ticks falls behind the pace its
// speed sets (see Lag): a Runtime's Run, or a dashboard that steps the
// battlefield on its own clock. The zero LagMeter is ready; it is safe for
// concurrent use.
type LagMeter struct {
	mu       sync.Mutex
	anchored bool
	wall0    time.Time
	t0       int64
	s        Lag
}

// Lag returns the statistics so far.
func (m *LagMeter) Lag() Lag {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s
}

// Reanchor makes the next tick anchor the pace afresh (after a pause, a
// speed change or a seek).
func (m *LagMeter) Reanchor() {
	m.mu.Lock()
	m.anchored = false
	m.mu.Unlock()
}

// Note measures the tick at t, delivered (its step began) at wall time
// delivered and published (shown) at now, at the given speed in simulated
// seconds per wall second; at speed 0 or +Inf it measures nothing.
func (m *LagMeter) Note(t int64, delivered, now time.Time, speed float64) {
	if speed <= 0 || math.IsInf(speed, 0) || math.IsNaN(speed) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.anchored || t < m.t0 {
		m.anchored, m.wall0, m.t0 = true, delivered, t
	}
	due := m.wall0.Add(time.Duration(float64(t-m.t0) / speed * float64(time.Second)))
	lag := max(now.Sub(due), 0)
	m.s.Tick, m.s.Last = t, lag
	m.s.Max = max(m.s.Max, lag)
	m.s.Count++
	m.s.Sum += lag
	for i, b := range LagBuckets {
		if lag.Seconds() <= b {
			m.s.Buckets[i]++
		}
	}
}

package ui

import (
	"context"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
)

// viewSink keeps the benchmarked views alive.
var viewSink string

// benchFrames runs Update(frameMsg)+View per iteration on a w×h dashboard of
// the seeded 100-soldier simulation, with side open (sideNone, sideDetail,
// sideLog). The snapshots are made outside the timer (a ring of 256, ticks
// shifted forward on every lap so time never goes back).
func benchFrames(b *testing.B, w, h int, sd side, sorted bool) {
	m, d := testModel(b, w, h)
	steps(b, m, d, 60)
	const ring = 256
	snaps := make([]live.Snapshot, ring)
	for i := range snaps {
		s, err := d.Step(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		snaps[i] = cloneSnapshot(s)
	}
	if sd != sideNone {
		m.openSide(sd)
	}
	if sorted {
		m.Update(press("s"))
	}
	viewSink = m.View()
	span := snaps[ring-1].Frame.T - snaps[0].Frame.T + 1
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	for i := range b.N {
		s := snaps[i%ring]
		if i > 0 && i%ring == 0 {
			for k := range snaps {
				shift(&snaps[k], span)
			}
		}
		var msg tea.Msg = frameMsg{id: m.id, epoch: m.epoch, snap: s}
		m.inflight = true
		m.Update(msg)
		viewSink = m.View()
	}
}

// cloneSnapshot copies a snapshot deeply enough for shift to change it.
func cloneSnapshot(s live.Snapshot) live.Snapshot {
	c := live.Snapshot{Frame: s.Frame.Clone(), Schedule: s.Schedule}
	c.Verdicts = append([]detector.Verdict(nil), s.Verdicts...)
	return c
}

// cpuTime is the process's user and system CPU time. On a shared machine
// the wall time per op grows with the load; CPU time per op does much less,
// so the benchmarks report both.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// shift moves a snapshot dt ticks later.
func shift(s *live.Snapshot, dt int64) {
	s.Frame.T += dt
	for i := range s.Frame.Obs {
		s.Frame.Obs[i].T += dt
	}
	for i := range s.Verdicts {
		s.Verdicts[i].T += dt
	}
	for i := range s.Frame.Truth {
		s.Frame.Truth[i].Start += dt
		s.Frame.Truth[i].End += dt
	}
}

func BenchmarkFrame100(b *testing.B)         { benchFrames(b, 200, 60, sideNone, false) }
func BenchmarkFrame100At80x24(b *testing.B)  { benchFrames(b, 80, 24, sideNone, false) }
func BenchmarkFrame100Detail(b *testing.B)   { benchFrames(b, 200, 60, sideDetail, false) }
func BenchmarkFrame100Log(b *testing.B)      { benchFrames(b, 200, 60, sideLog, false) }
func BenchmarkFrame100Sorted(b *testing.B)   { benchFrames(b, 200, 60, sideNone, true) }
func BenchmarkFrame100Overview(b *testing.B) { benchFrames(b, 200, 60, sideOverview, false) }

// BenchmarkViewCached is View when nothing changed (Bubble Tea calls View
// after every message, keys and ticks included).
func BenchmarkViewCached(b *testing.B) {
	m, d := testModel(b, 200, 60)
	steps(b, m, d, 60)
	viewSink = m.View()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		viewSink = m.View()
	}
}

package ui

import (
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// bigBattlefield is the package's seeded 100-soldier run copied copies
// times side by side: copy r has soldier ids moved up by 100·r and squads
// by 10·r, so 500 copies are 50 000 soldiers in 5 000 squads, as
// `chakra-tui --soldiers 50000` has them. One frame's buffers are reused:
// fill writes tick k of every copy into them.
type bigBattlefield struct {
	base     *recording
	copies   int
	profiles []engine.Profile
	snap     live.Snapshot
}

func newBigBattlefield(t testing.TB, copies int) *bigBattlefield {
	rec := recorded(t, false)
	n := len(rec.profiles)
	bb := &bigBattlefield{base: rec, copies: copies, profiles: make([]engine.Profile, 0, n*copies)}
	for r := range copies {
		for _, p := range rec.profiles {
			p.ID += engine.SoldierID(r * n)
			p.Squad += r * 10
			bb.profiles = append(bb.profiles, p)
		}
	}
	bb.snap.Frame.Obs = make([]engine.Observation, 0, n*copies)
	bb.snap.Verdicts = make([]detector.Verdict, 0, n*copies)
	return bb
}

// fill makes bb.snap tick k of the big battlefield: the base run's
// snapshot k mod its length, moved later by whole laps so time never goes
// back.
func (bb *bigBattlefield) fill(k int) *live.Snapshot {
	snaps := bb.base.snaps
	src := &snaps[k%len(snaps)]
	span := snaps[len(snaps)-1].Frame.T - snaps[0].Frame.T + 1
	dt := int64(k/len(snaps)) * span
	n := len(bb.base.profiles)
	f := &bb.snap.Frame
	f.T, f.Time = src.Frame.T+dt, src.Frame.Time.Add(time.Duration(dt)*time.Second)
	f.Obs, f.Truth, bb.snap.Verdicts = f.Obs[:0], f.Truth[:0], bb.snap.Verdicts[:0]
	bb.snap.Schedule = src.Schedule
	for r := range bb.copies {
		id := engine.SoldierID(r * n)
		for _, o := range src.Frame.Obs {
			o.Soldier += id
			o.T += dt
			f.Obs = append(f.Obs, o)
		}
		for _, l := range src.Frame.Truth {
			l.Soldier += id
			l.Start += dt
			l.End += dt
			f.Truth = append(f.Truth, l)
		}
		for i := range src.Verdicts {
			bb.snap.Verdicts = append(bb.snap.Verdicts, src.Verdicts[i])
			v := &bb.snap.Verdicts[len(bb.snap.Verdicts)-1]
			v.Soldier += id
			v.T += dt
		}
	}
	return &bb.snap
}

// benchBig runs Update(frameMsg)+View per iteration on a w×h dashboard of
// 50 000 soldiers (64 ticks of history, as the dashboard keeps above 1 000
// soldiers) after a minute of frames, with setup applied first (a key
// sequence: "o" the overview, "o enter" a squad's cards alone). Each
// frame's 50 000 observations and verdicts are written outside the timer.
func benchBig(b *testing.B, w, h int, keys ...string) {
	bb := newBigBattlefield(b, 500)
	m, err := New(bb.profiles, WithDriver(&cannedDriver{}), WithDetector(bb.base.name, ""), WithHistory(64),
		WithSource("simulation · seed 3 · 50000 soldiers"), WithClock(fakeClock()))
	if err != nil {
		b.Fatal(err)
	}
	m.Update(sizeMsg(w, h))
	k := 0
	frame := func() {
		var msg tea.Msg = frameMsg{id: m.id, epoch: m.epoch, snap: *bb.fill(k)}
		k++
		m.inflight = true
		m.Update(msg)
		viewSink = m.View()
	}
	for range 60 {
		frame()
	}
	for _, key := range keys {
		m.Update(press(key))
	}
	viewSink = m.View()
	if !slices.Contains(keys, "o") && len(m.grid.lay.pages) < 2 {
		b.Fatalf("%d pages of cards at %d×%d, want the grid paged", len(m.grid.lay.pages), w, h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		s := *bb.fill(k)
		k++
		b.StartTimer()
		cpu0 := cpuTime()
		m.inflight = true
		m.Update(frameMsg{id: m.id, epoch: m.epoch, snap: s})
		viewSink = m.View()
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// The dashboard at 50 000 soldiers: the card grid (page 1 of many), the
// squad overview beside it, and one squad's cards alone (entered from the
// overview), each at 200×60.
func BenchmarkFrame50000(b *testing.B)         { benchBig(b, 200, 60) }
func BenchmarkFrame50000Overview(b *testing.B) { benchBig(b, 200, 60, "o") }
func BenchmarkFrame50000Squad(b *testing.B)    { benchBig(b, 200, 60, "o", "enter") }

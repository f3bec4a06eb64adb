package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
)

// The squad overview (o) at 80×24, where it replaces the grid, and at
// 200×60, beside it.
func TestGoldenOverview(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			m, d := testModel(t, size.w, size.h)
			steps(t, m, d, goldenTicks)
			m.Update(press("o"))
			v := ansi.Strip(m.View())
			requireView(t, m)
			if !containsAll(v, "squads · 10", "worst first", "S01") {
				t.Errorf("overview misses its title or squads:\n%s", v)
			}
		})
	}
}

var squadRe = regexp.MustCompile(`\bS\d\d\b`)

// The overview counts every soldier once, orders the squads worst first,
// keeps the selection on its squad as the counts change, and enter shows
// that squad's cards alone with the alerting ones first; esc shows
// everyone again.
func TestOverviewSquads(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, goldenTicks)
	m.Update(press("o"))
	if m.side != sideOverview {
		t.Fatal("o did not open the overview")
	}
	m.View()
	rows := m.over.rows
	if len(rows) != 10 {
		t.Fatalf("%d rows for 10 squads", len(rows))
	}
	total := 0
	for i, r := range rows {
		for _, n := range r.n {
			total += n
		}
		if i > 0 && worse(rows[i-1], r) > 0 {
			t.Fatalf("squad S%02d listed before S%02d: %v then %v", rows[i-1].squad+1, r.squad+1, rows[i-1].n, r.n)
		}
	}
	if total != len(m.b.soldiers) {
		t.Fatalf("the overview counts %d soldiers of %d", total, len(m.b.soldiers))
	}
	if rows[0].n[detector.StateAlert] == 0 {
		t.Fatalf("no squad has an alerting soldier after %d ticks: %v", goldenTicks, rows[0].n)
	}
	m.Update(press("down"))
	m.Update(press("down"))
	want := m.over.squad()
	steps(t, m, d, 5)
	m.View()
	if got := m.over.squad(); got != want {
		t.Fatalf("the selection moved from squad %d to %d with the frames", want, got)
	}
	m.Update(press("enter"))
	if m.side != sideNone || m.grid.squad != want || !m.grid.sorted {
		t.Fatalf("enter: side %v, grid squad %d (want %d), sorted %v", m.side, m.grid.squad, want, m.grid.sorted)
	}
	v := ansi.Strip(m.View())
	label := fmt.Sprintf("S%02d", want+1)
	lines := strings.Split(v, "\n")
	squads := map[string]int{}
	for _, l := range lines[headerH : len(lines)-1] { // the grid's rows
		for _, f := range squadRe.FindAllString(l, -1) {
			squads[f]++
		}
	}
	if len(squads) != 1 || squads[label] == 0 {
		t.Errorf("the grid shows squads %v, want %s alone:\n%s", squads, label, v)
	}
	if first := strings.Fields(lines[headerH])[0]; !strings.Contains(first, "▲") {
		t.Errorf("the squad's first card is %q, want an alerting one first", first)
	}
	m.Update(press("esc"))
	if m.grid.squad != -1 {
		t.Errorf("esc left squad %d on the grid", m.grid.squad)
	}
	m.Update(press("o"))
	m.Update(press("o"))
	if m.side != sideNone {
		t.Errorf("o twice left side %v open", m.side)
	}
}

// Squad numbers need not start at 0 nor follow one another (a slice of a
// larger battlefield, squads from S3541 on): the overview lists the squads
// that have soldiers, not every number below the largest, and counts every
// soldier once.
func TestOverviewSparseSquads(t *testing.T) {
	m, d := bigModel(t, 80, 24)
	steps(t, m, d, goldenTicks)
	m.Update(press("o"))
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "squads · 10 · ") {
		t.Errorf("the overview's title does not count 10 squads:\n%s", v)
	}
	rows := m.over.rows
	if len(rows) != 10 {
		t.Fatalf("%d rows for the 10 squads that have soldiers", len(rows))
	}
	total := 0
	seen := map[int]bool{}
	for _, r := range rows {
		if r.squad < bigSquads || r.squad >= bigSquads+10 || seen[r.squad] {
			t.Errorf("row of squad %d, want each of %d…%d once", r.squad, bigSquads, bigSquads+9)
		}
		seen[r.squad] = true
		for _, n := range r.n {
			total += n
		}
	}
	if total != len(m.b.soldiers) {
		t.Errorf("the overview counts %d soldiers of %d", total, len(m.b.soldiers))
	}
	m.Update(press("G")) // the last row: still a squad that has soldiers
	if q := m.over.squad(); q < bigSquads {
		t.Errorf("the last row is squad %d, which has no soldiers", q)
	}
}

// A clock loop whose frames come later than its speed allows shows its lag
// in the header (when a second or more); a speed change re-anchors it.
func TestHeaderLag(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, 3)
	if v := ansi.Strip(m.View()); strings.Contains(v, " lag ") {
		t.Fatalf("lag shown without a clock loop:\n%s", v)
	}
	// Every step began 10 s ago: frame k was due k s after the first, so
	// it is 10 − k s late.
	began := time.Now().Add(-10 * time.Second)
	for range 3 {
		s, err := d.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m.inflight, m.stepAt = true, began
		m.Update(frameMsg{id: m.id, epoch: m.epoch, snap: s})
	}
	header := strings.SplitN(ansi.Strip(m.View()), "\n", 3)[1]
	if !strings.Contains(header, " lag 8.") && !strings.Contains(header, " lag 7.") {
		t.Errorf("header line 2 %q, want the third frame's lag of 8 s", header)
	}
	if l := m.lag.Lag(); l.Count != 3 || l.Max < 9*time.Second {
		t.Errorf("lag %+v, want 3 frames, the first ≈ 10 s late", l)
	}
	m.Update(press("+"))
	s, err := d.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m.inflight, m.stepAt = true, time.Now()
	m.Update(frameMsg{id: m.id, epoch: m.epoch, snap: s})
	if header := strings.SplitN(ansi.Strip(m.View()), "\n", 3)[1]; strings.Contains(header, " lag ") {
		t.Errorf("after a speed change the lag stays: %q", header)
	}
}

// A feed's viewer shows the lag of the battlefield behind the feed
// (WithLag), not of its own clock.
func TestHeaderLagOfFeed(t *testing.T) {
	ch := make(chan live.Snapshot, 1)
	lag := live.Lag{Count: 5, Last: 3 * time.Second, Max: 3 * time.Second}
	m, err := New(nil, WithFeed(ch), WithLag(func() live.Lag { return lag }), WithClock(fakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(sizeMsg(200, 60))
	if header := strings.SplitN(ansi.Strip(m.View()), "\n", 3)[1]; !strings.Contains(header, " lag 3.0 s") {
		t.Errorf("header line 2 %q, want the feed's lag of 3 s", header)
	}
	lag.Last = 200 * time.Millisecond
	m.rev++
	if header := strings.SplitN(ansi.Strip(m.View()), "\n", 3)[1]; strings.Contains(header, " lag ") {
		t.Errorf("a lag under a second is shown: %q", header)
	}
}

// Only cards that have been on screen have a sparkline: a card gets one,
// drawn from its history, when its page is first shown.
func TestSparklinesOnlyOnScreen(t *testing.T) {
	m, d := testModel(t, 80, 12)
	steps(t, m, d, goldenTicks)
	m.View()
	onPage := func() []int {
		var out []int
		from, to := m.grid.pageRows()
		for r := from; r < to; r++ {
			out = append(out, m.grid.lay.rows[r].cards...)
		}
		return out
	}
	count := func() int {
		n := 0
		for i := range m.b.soldiers {
			if m.b.soldiers[i].spark != nil {
				n++
			}
		}
		return n
	}
	first := onPage()
	if len(m.grid.lay.pages) < 2 || count() != len(first) {
		t.Fatalf("%d sparklines for the %d cards of page 1 of %d, want one each", count(), len(first), len(m.grid.lay.pages))
	}
	m.Update(press("pgdown"))
	second := onPage()
	if count() != len(first)+len(second) {
		t.Fatalf("after pgdn: %d sparklines, want %d (pages 1 and 2)", count(), len(first)+len(second))
	}
	for _, i := range second {
		if s := &m.b.soldiers[i]; s.spark.width() != m.grid.lay.sparkW || len(s.spark.drawn()) == 0 {
			t.Fatalf("card %d of page 2: sparkline of width %d with %d bytes drawn, want width %d drawn", i, s.spark.width(), len(s.spark.drawn()), m.grid.lay.sparkW)
		}
	}
}

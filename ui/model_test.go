package ui

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
)

// selectedID is the id of the selected soldier.
func selectedID(m *Model) engine.SoldierID {
	if m.grid.sel < 0 {
		return 0
	}
	return m.b.soldiers[m.grid.sel].prof.ID
}

func TestMoveKeys(t *testing.T) {
	// 200×60: large cards, one squad of ten per row
	for _, tc := range []struct {
		keys string // space-separated
		want engine.SoldierID
	}{
		{"right", 2}, {"l", 2}, {"right right left", 2}, {"h", 1},
		{"down", 11}, {"j", 11}, {"down down up", 11}, {"k", 1},
		{"down right right", 13},
		{"left", 1}, // stays at the first card
		{"up", 1},   // and the first row
		{"right right right right right right right right right right", 11}, // wraps to the next row
	} {
		m, d := testModel(t, 200, 60)
		steps(t, m, d, 3)
		if m.grid.lay.form != formLarge || m.grid.lay.cols != 10 {
			t.Fatalf("layout %s with %d columns at 200×60, want large with 10", m.grid.lay.form.name, m.grid.lay.cols)
		}
		for _, k := range strings.Fields(tc.keys) {
			m.Update(press(k))
		}
		if got := selectedID(m); got != tc.want {
			t.Errorf("%q: selected soldier %d, want %d", tc.keys, got, tc.want)
		}
	}
}

func TestPageKeys(t *testing.T) {
	m, d := testModel(t, 80, 12) // too small for every squad: compact cards, paged
	steps(t, m, d, 3)
	if len(m.grid.lay.pages) < 2 {
		t.Fatalf("%d pages at 80×12, want several", len(m.grid.lay.pages))
	}
	m.Update(press("pgdown"))
	if m.grid.page != 1 {
		t.Fatalf("page %d after pgdown, want 1", m.grid.page)
	}
	first := m.grid.lay.rows[m.grid.lay.pages[1]].cards[0]
	if m.grid.sel != first {
		t.Errorf("selection %d after pgdown, want the first card of page 2 (%d)", m.grid.sel, first)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "page 2/") {
		t.Errorf("header does not show the page:\n%s", v)
	}
	m.Update(press("pgup"))
	if m.grid.page != 0 {
		t.Errorf("page %d after pgup, want 0", m.grid.page)
	}
	// moving down off the page's last row turns the page
	for range len(m.grid.lay.rows) {
		m.Update(press("down"))
	}
	if m.grid.page != len(m.grid.lay.pages)-1 {
		t.Errorf("page %d after moving to the last row, want %d", m.grid.page, len(m.grid.lay.pages)-1)
	}
}

func TestDetailKeys(t *testing.T) {
	for _, size := range [][2]int{{200, 60}, {100, 30}} {
		m, d := testModel(t, size[0], size[1])
		steps(t, m, d, 5)
		m.Update(press("right"))
		m.Update(press("enter"))
		if m.side != sideDetail {
			t.Fatalf("%v: enter did not open the detail pane", size)
		}
		v := ansi.Strip(m.View())
		if !strings.Contains(v, "soldier 2 ·") {
			t.Errorf("%v: detail pane does not show soldier 2:\n%s", size, v)
		}
		beside := size[0] >= wideW
		if beside != strings.Contains(v, "✓001") {
			t.Errorf("%v: grid shown beside the detail = %v, want %v", size, !beside, beside)
		}
		m.Update(press("right")) // the detail follows the selection
		if v := ansi.Strip(m.View()); !strings.Contains(v, "soldier 3 ·") {
			t.Errorf("%v: detail pane does not follow the selection to soldier 3", size)
		}
		m.Update(press("enter"))
		if m.side != sideNone {
			t.Errorf("%v: second enter did not close the detail pane", size)
		}
		m.Update(press("enter"))
		m.Update(press("esc"))
		if m.side != sideNone {
			t.Errorf("%v: esc did not close the detail pane", size)
		}
	}
}

func TestPauseKey(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, 2)
	m.inflight = false
	if cmd := m.Update2(press(" ")); cmd != nil || !m.paused {
		t.Fatalf("space: paused=%v cmd=%v, want paused without a command", m.paused, cmd != nil)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "paused") {
		t.Errorf("header does not say paused:\n%s", v)
	}
	// a beat of the old loop does nothing while paused: the clock stopped
	if cmd := m.Update2(tickMsg{id: m.id, seq: m.seq}); cmd != nil {
		t.Error("a tick while paused stepped the driver")
	}
	// keys still work while paused: the screen did not stop
	m.Update(press("right"))
	if selectedID(m) != 2 {
		t.Error("keys do not respond while paused")
	}
	cmd := m.Update2(press(" "))
	if m.paused || cmd == nil {
		t.Fatalf("space again: paused=%v, cmd=%v, want running with a new loop", m.paused, cmd != nil)
	}
	if msg, ok := cmd().(tickMsg); !ok || msg.seq != m.seq {
		t.Errorf("resume armed %#v, want a beat of loop %d", msg, m.seq)
	}
}

// Update2 is Update returning only the command.
func (m *Model) Update2(msg tea.Msg) tea.Cmd {
	_, cmd := m.Update(msg)
	return cmd
}

func TestSpeedKeys(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, 2)
	m.inflight = false
	if m.interval() != time.Second {
		t.Fatalf("interval at ×1 is %v", m.interval())
	}
	old := m.seq
	if cmd := m.Update2(press("+")); cmd == nil || m.speeds[m.speedIdx] != 2 || m.seq == old {
		t.Fatalf("+: speed ×%v seq %d→%d, want ×2 on a new loop", m.speeds[m.speedIdx], old, m.seq)
	}
	// the old loop dies out: its beat is ignored
	if cmd := m.Update2(tickMsg{id: m.id, seq: old}); cmd != nil {
		t.Error("a beat of the old loop still steps")
	}
	for range 5 {
		m.Update(press("+"))
	}
	if m.speeds[m.speedIdx] != 10 || m.interval() != 100*time.Millisecond {
		t.Errorf("speed ×%v interval %v after many +, want ×10 every 100ms", m.speeds[m.speedIdx], m.interval())
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "×10") {
		t.Errorf("header does not show ×10:\n%s", v)
	}
	for range 6 {
		m.Update(press("-"))
	}
	if m.speeds[m.speedIdx] != 1 {
		t.Errorf("speed ×%v after many -, want ×1", m.speeds[m.speedIdx])
	}
}

func TestTickLoop(t *testing.T) {
	m, _ := testModel(t, 120, 40)
	cmd := m.Init()
	msg, ok := cmd().(tickMsg)
	if !ok {
		t.Fatalf("Init armed %T, want a tick", cmd())
	}
	step := m.Update2(msg)
	if step == nil || !m.inflight {
		t.Fatal("a beat of the current loop did not step")
	}
	if again := m.Update2(msg); again != nil {
		t.Error("a duplicate beat stepped while a step was running")
	}
	fm, ok := step().(frameMsg)
	if !ok || fm.err != nil || len(fm.snap.Verdicts) != 100 {
		t.Fatalf("step returned %#v", fm.err)
	}
	next := m.Update2(fm)
	if next == nil || m.inflight || !m.b.hasFrame {
		t.Fatal("a frame did not re-arm the loop")
	}
	if tm, ok := next().(tickMsg); !ok || tm.seq != m.seq {
		t.Errorf("re-armed %#v, want a beat of loop %d", tm, m.seq)
	}
	// a message for another model is ignored
	if c := m.Update2(tickMsg{id: m.id + 1000, seq: m.seq}); c != nil {
		t.Error("a beat for another model stepped this one")
	}
}

func TestSourceEnd(t *testing.T) {
	m, _ := testModel(t, 120, 40)
	m.inflight = true
	if cmd := m.Update2(frameMsg{id: m.id, err: io.EOF}); cmd != nil || !m.ended {
		t.Fatal("the end of the source did not stop the loop")
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "end of the source") {
		t.Errorf("no end notice:\n%s", v)
	}
	m2, _ := testModel(t, 120, 40)
	m2.inflight = true
	m2.Update(frameMsg{id: m2.id, err: errors.New("disk on fire")})
	if v := ansi.Strip(m2.View()); !strings.Contains(v, "source stopped: disk on fire") {
		t.Errorf("no error notice:\n%s", v)
	}
}

func TestAckKey(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, goldenTicks)
	i := firstAlerted(m)
	if i < 0 {
		t.Fatal("no alert")
	}
	m.grid.selectIndex(i)
	id := m.b.soldiers[i].prof.ID
	before := m.b.log.unacked()
	own := 0
	for _, e := range m.b.log.entries {
		if e.soldier == id && !e.acked {
			own++
		}
	}
	m.Update(press("a"))
	if got := m.b.log.unacked(); got != before-own || own == 0 {
		t.Errorf("unacked %d → %d, want %d fewer", before, got, own)
	}
}

func TestTruthKey(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, goldenTicks)
	off := ansi.Strip(m.View())
	m.Update(press("t"))
	on := ansi.Strip(m.View())
	if !m.truth || !m.grid.truth || !m.detail.truth || !m.alerts.truth {
		t.Fatal("t did not turn the overlay on everywhere")
	}
	if strings.ContainsAny(off, "◉○✗") || !strings.ContainsAny(on, "◉○") || !strings.Contains(on, "truth:") {
		t.Errorf("overlay marks: off has them=%v, on has them=%v", strings.ContainsAny(off, "◉○✗"), strings.ContainsAny(on, "◉○"))
	}
	if tl := m.b.tally; tl.events == 0 || tl.detected+tl.missed > tl.events {
		t.Errorf("tally %+v", tl)
	}
	m.Update(press("t"))
	if m.truth || strings.ContainsAny(ansi.Strip(m.View()), "◉○✗") {
		t.Error("t did not turn the overlay off")
	}
}

func TestSortKey(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, goldenTicks)
	m.Update(press("s"))
	if !m.grid.sorted {
		t.Fatal("s did not sort")
	}
	first := m.grid.lay.rows[0].cards[0]
	if !m.b.soldiers[first].alerting() {
		t.Errorf("first card after sorting is soldier %d in state %v, want an alerting one",
			m.b.soldiers[first].prof.ID, m.b.soldiers[first].state())
	}
	prev := 5
	for _, r := range m.grid.lay.rows {
		for _, i := range r.cards {
			s := severity(m.b.soldiers[i].state())
			if s > prev {
				t.Fatalf("cards are not in order of severity")
			}
			prev = s
		}
	}
	m.Update(press("s"))
	if m.grid.sorted || m.grid.lay.rows[0].cards[0] != 0 {
		t.Error("s again did not restore the squads")
	}
}

func TestFilterKey(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, goldenTicks)
	m.Update(press("f"))
	n := 0
	for _, r := range m.grid.lay.rows {
		for _, i := range r.cards {
			n++
			if !m.b.soldiers[i].alerting() {
				t.Errorf("soldier %d shown while filtering to alerting ones", m.b.soldiers[i].prof.ID)
			}
		}
	}
	if n == 0 || n != m.b.counts[detector.StateAlert] {
		t.Errorf("%d cards shown, want the %d alerting soldiers", n, m.b.counts[detector.StateAlert])
	}
	if !strings.Contains(ansi.Strip(m.View()), "alerting only") {
		t.Error("header does not say the grid is filtered")
	}
	m.Update(press("f"))
	n = 0
	for _, r := range m.grid.lay.rows {
		n += len(r.cards)
	}
	if m.grid.filter || n != 100 {
		t.Errorf("f again shows %d cards, want all 100", n)
	}
}

func TestLogKeys(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, goldenTicks)
	m.Update(press("L"))
	if m.side != sideLog {
		t.Fatal("L did not open the alert log")
	}
	m.Update(press("down"))
	m.Update(press("down"))
	e := m.alerts.entry()
	if m.alerts.sel != 2 || e == nil {
		t.Fatalf("log selection %d, want 2", m.alerts.sel)
	}
	m.Update(press("a"))
	if !e.acked {
		t.Error("a did not acknowledge the selected alert")
	}
	m.Update(press("up"))
	e = m.alerts.entry()
	m.Update(press("enter"))
	if m.side != sideDetail || selectedID(m) != e.soldier {
		t.Errorf("enter in the log: side %v, soldier %d, want the detail of soldier %d", m.side, selectedID(m), e.soldier)
	}
	m.Update(press("L"))
	m.Update(press("L"))
	if m.side != sideNone {
		t.Error("L did not close the log")
	}
}

func TestHelpKey(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, 2)
	m.Update(press("?"))
	v := ansi.Strip(m.View())
	if !m.showHelp || !containsAll(v, "keys", "pause", "truth overlay", "sort by severity", "only alerting", "quit", "states") {
		t.Errorf("help view:\n%s", v)
	}
	if strings.Contains(v, "seek") {
		t.Error("help lists seeking without a replay")
	}
	m.Update(press("?"))
	if m.showHelp {
		t.Error("? did not close the help")
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m, _ := testModel(t, 80, 24)
		cmd := m.Update2(press(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: command returned %T, want tea.QuitMsg", k, cmd())
		}
	}
}

func TestMouseSelects(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, 3)
	// large cards: label column 3, each card 1 marker + 18 columns wide
	x := m.grid.lay.labelW + 2*(m.grid.lay.cw+1) + 3
	y := headerH + (m.grid.lay.form.h + 1) + 1 // second squad, second line
	click := tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft}
	m.Update(click)
	if got := selectedID(m); got != 13 {
		t.Fatalf("click at (%d,%d) selected soldier %d, want 13", x, y, got)
	}
	m.Update(click)
	if m.side != sideDetail {
		t.Error("a click on the selected card did not open its detail")
	}
	m.Update(tea.MouseMsg{X: 1, Y: 0, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if selectedID(m) != 13 {
		t.Error("a click on the header changed the selection")
	}
}

func TestResizeReflows(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, 30)
	m.Update(press("right"))
	want := map[[2]int]string{{200, 60}: "large", {120, 40}: "medium", {80, 24}: "compact", {40, 10}: "compact"}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {40, 10}} {
		m.Update(sizeMsg(size[0], size[1]))
		if got := m.grid.lay.form.name; got != want[size] {
			t.Errorf("%v: %s cards, want %s", size, got, want[size])
		}
		checkShape(t, ansi.Strip(m.View()), size[0], size[1])
		if selectedID(m) != 2 {
			t.Errorf("%v: resize lost the selection", size)
		}
		if size[0] >= 80 && len(m.grid.lay.pages) != 1 {
			t.Errorf("%v: %d pages, want every soldier on one screen", size, len(m.grid.lay.pages))
		}
	}
	// more history on a wider screen
	m.Update(sizeMsg(120, 40))
	w120 := m.grid.lay.sparkW
	m.Update(sizeMsg(300, 60))
	if m.grid.lay.sparkW <= w120 {
		t.Errorf("sparkline %d columns at 300 wide, %d at 120: want more history when wider", m.grid.lay.sparkW, w120)
	}
}

func TestFeed(t *testing.T) {
	sim := testSim(t, 5, 20)
	mon := testPipeline(t, sim.Profiles(), nil)
	src := testRuntime(t, sim, mon)
	ch := make(chan live.Snapshot, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := New(sim.Profiles(), WithFeed(ch), WithContext(ctx), WithClock(fakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(sizeMsg(120, 40))
	send := func() {
		s, err := src.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ch <- s
	}
	cmd := m.Init()
	for range 3 {
		send()
		cmd = m.Update2(cmd())
		if cmd == nil {
			t.Fatal("a feed frame did not re-arm the wait")
		}
	}
	if m.b.t != 2 || m.b.frames != 3 {
		t.Fatalf("board at tick %d after %d frames, want tick 2 after 3", m.b.t, m.b.frames)
	}
	if c := m.Update2(press("+")); c != nil || !strings.Contains(m.status, "feed's owner") {
		t.Error("speed changed on a feed")
	}
	m.Update(press(" "))
	send()
	if c := m.Update2(cmd()); c != nil || m.b.frames != 3 {
		t.Error("a paused feed took a frame or kept waiting")
	}
	cmd = m.Update2(press(" "))
	if cmd == nil {
		t.Fatal("resuming did not wait for the feed again")
	}
	send()
	cmd = m.Update2(cmd())
	if m.b.frames != 4 || m.b.t != 4 {
		t.Errorf("after resuming: %d frames, tick %d; want 4 frames at tick 4", m.b.frames, m.b.t)
	}
	close(ch)
	if c := m.Update2(cmd()); c != nil || !m.ended {
		t.Error("closing the feed did not end it")
	}
}

func TestFeedWaitEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := waitForFrame(ctx, 1, make(chan live.Snapshot))
	cancel()
	if msg := cmd(); msg != nil {
		t.Errorf("wait returned %T after the context ended", msg)
	}
}

func TestReplaySeek(t *testing.T) {
	sim := testSim(t, 7, 20)
	path := filepath.Join(t.TempDir(), "run.chakra.gz")
	cfg := sim.Config()
	rec, err := engine.CreateRecording(path, engine.NewHeader(sim.Profiles(), &cfg))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 400 {
		f, err := sim.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.WriteFrame(&f); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	// A frame recording re-scored by a fresh pipeline at every seek.
	r, err := session.Open(path, session.WithRescore(func() (detector.Scorer, error) { return detector.NewThreshold() }))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := testRuntime(t, r, nil)
	first, last, ok := d.Bounds()
	if !ok {
		t.Fatal("the replay's runtime cannot seek")
	}
	m, err := New(r.Profiles(), WithDriver(d), WithReplay(ReplayControl{First: first, Last: last, Seek: d.Seek}),
		WithSource("replay run.chakra.gz"), WithClock(fakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(sizeMsg(120, 40))
	steps(t, m, d, 200)
	if v := ansi.Strip(m.View()); !containsAll(v, "replay run.chakra.gz", "03:19/06:39", "━") {
		t.Errorf("no replay progress in the header:\n%s", v)
	}
	m.inflight = false
	cmd := m.Update2(press("["))
	if cmd == nil || !m.seeking || m.target != 199-60 {
		t.Fatalf("[: seeking=%v target=%d", m.seeking, m.target)
	}
	sm, ok := cmd().(seekMsg)
	if !ok || sm.err != nil {
		t.Fatalf("seek returned %#v", sm.err)
	}
	if len(sm.pre) != session.DefaultPreroll {
		t.Errorf("pre-roll of %d frames, want %d", len(sm.pre), session.DefaultPreroll)
	}
	next := m.Update2(sm)
	if m.seeking || next == nil || m.b.t != 138 {
		t.Fatalf("after the seek: seeking=%v, board at tick %d (want 138, the last pre-roll frame)", m.seeking, m.b.t)
	}
	seen := map[[2]int64]bool{}
	for _, e := range m.b.log.entries {
		key := [2]int64{int64(e.soldier), e.t}
		if e.t > 138 || seen[key] {
			t.Errorf("alert log after seeking back holds soldier %d at tick %d (later than 138 or twice)", e.soldier, e.t)
		}
		seen[key] = true
	}
	s, err := d.Step(ctx)
	if err != nil || s.Frame.T != 139 {
		t.Fatalf("first frame after the seek is tick %d (%v), want 139", s.Frame.T, err)
	}
	// forward past the end clamps to the last frame
	m.inflight = false
	cmd = m.Update2(press("}"))
	if m.target != 399 {
		t.Errorf("} past the end aims at tick %d, want 399", m.target)
	}
	m.Update(cmd())
	if _, err := d.Step(ctx); err != nil {
		t.Errorf("step after seeking to the last frame: %v", err)
	}
	if _, err := d.Step(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("step after the last frame: %v, want EOF", err)
	}
}

func TestAlertLogTruncateFrom(t *testing.T) {
	var l alertLog
	for _, tick := range []int64{10, 50, 50, 100} {
		l.add(alertEntry{t: tick})
	}
	rev := l.rev
	l.truncateFrom(50)
	if len(l.entries) != 1 || l.entries[0].t != 10 || l.rev == rev {
		t.Fatalf("after truncateFrom(50): %d entries (first at %d), rev changed %v", len(l.entries), l.entries[0].t, l.rev != rev)
	}
	rev = l.rev
	l.truncateFrom(11)
	if len(l.entries) != 1 || l.rev != rev {
		t.Fatal("truncating past the end changed the log")
	}
}

func TestSeekKeysNeedReplay(t *testing.T) {
	m, d := testModel(t, 80, 24)
	steps(t, m, d, 5)
	m.inflight = false
	for _, k := range []string{"[", "]", "{", "}", "shift+left", "shift+right"} {
		if cmd := m.Update2(press(k)); cmd != nil || m.seeking {
			t.Errorf("%s seeks a live simulation", k)
		}
	}
}

func TestNewOptions(t *testing.T) {
	sim := testSim(t, 1, 10)
	d := testRuntime(t, sim, nil)
	for _, tc := range []struct {
		name string
		opts []Option
		want error
	}{
		{"no source", nil, ErrNoSource},
		{"two sources", []Option{WithDriver(d), WithFeed(make(chan live.Snapshot))}, ErrNoSource},
		{"speed 0", []Option{WithDriver(d), WithSpeed(0)}, ErrOption},
		{"short history", []Option{WithDriver(d), WithHistory(10)}, ErrOption},
		{"half-second tick", []Option{WithDriver(d), WithTick(500 * time.Millisecond)}, ErrOption},
		{"replay without seek", []Option{WithDriver(d), WithReplay(ReplayControl{First: 0, Last: 9})}, ErrOption},
		{"ok", []Option{WithDriver(d), WithSpeed(3)}, nil},
	} {
		m, err := New(sim.Profiles(), tc.opts...)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err == nil && m.speeds[m.speedIdx] != 3 {
			t.Errorf("%s: speed ×%v, want ×3", tc.name, m.speeds[m.speedIdx])
		}
	}
}

func TestUnscoredFeedShowsWarmingUp(t *testing.T) {
	sim := testSim(t, 2, 10)
	m, err := New(sim.Profiles(), WithDriver(testRuntime(t, sim, nil)), WithClock(fakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(sizeMsg(120, 40))
	steps(t, m, m.driver, 3)
	if m.b.counts[detector.StateWarmingUp] != 10 {
		t.Errorf("counts %v, want every soldier warming up without verdicts", m.b.counts)
	}
}

// The legend wraps to the width instead of losing its ends (it used to be
// cut with an ellipsis at 80 columns).
func TestLegendWraps(t *testing.T) {
	for _, w := range []int{60, 80, 120, 200} {
		out := legendView(w)
		for _, line := range strings.Split(out, "\n") {
			if lw := ansi.StringWidth(line); lw > w {
				t.Errorf("width %d: line of %d columns: %q", w, lw, line)
			}
		}
		for _, row := range legend {
			for _, it := range row.items {
				if !strings.Contains(out, it) {
					t.Errorf("width %d: %q missing", w, it)
				}
			}
		}
	}
	if n := strings.Count(legendView(200), "\n"); n != len(legend)-1 {
		t.Errorf("at 200 columns the legend takes %d lines, want %d", n+1, len(legend))
	}
}

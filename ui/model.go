package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// speedPresets are the speeds + and − step through.
var speedPresets = []float64{1, 2, 5, 10}

// seekStep and seekFar are the replay's seek steps, in ticks.
const (
	seekStep = 60
	seekFar  = 600
)

// headerH is the height of the header; maxFooterH the most lines the
// footer (key help, and a status message too long to stand beside it)
// takes.
const (
	headerH    = 2
	maxFooterH = 3
)

// wideW is the width from which a side pane (detail, alert log) opens beside
// the grid instead of in its place.
const wideW = 150

var lastID atomic.Int64

// side is the pane open beside (or instead of) the grid.
type side uint8

const (
	sideNone side = iota
	sideDetail
	sideLog
	sideOverview
)

// Model is the dashboard: a Bubble Tea model of a battlefield's soldiers,
// their detector verdicts and alerts. It either owns the clock (WithDriver)
// or watches a feed (WithFeed). Use it as a pointer; it is not safe for use
// outside the program's Update/View goroutine.
type Model struct {
	id     int
	ctx    context.Context
	st     *Styles
	keys   keyMap
	help   help.Model
	b      *board
	grid   *gridPane
	detail *detailPane
	alerts *logPane
	over   *overviewPane

	driver   Driver
	feed     <-chan live.Snapshot
	replay   *ReplayControl
	source   string
	detector string
	note     string
	tick     time.Duration
	now      func() time.Time

	speeds   []float64
	speedIdx int
	paused   bool
	seq      int  // clock loop
	inflight bool // a step is running
	stepAt   time.Time
	epoch    int // seek epoch
	seeking  bool
	pending  *int64 // seek asked for while a step ran
	target   int64  // last seek target
	feedHeld bool   // the feed is not being drained (paused)
	ended    bool
	status   string
	failed   bool // status is an error
	rate     rateMeter
	lag      live.LagMeter   // how far the clock loop's frames fall behind its speed
	lagOf    func() live.Lag // the feed's battlefield's lag (WithLag), or nil
	footH    int             // footer lines: 1, more while a long status wraps
	finding  bool
	recName  string               // the file being recorded to, "" for none
	recStat  func() RecordingStat // read after each step
	rec      RecordingStat        // as of the latest step
	find     []rune               // the / prompt's text
	ackLink  AckLink              // nil: acknowledgements stay in this dashboard
	operator string               // who acknowledges here
	ackCh    <-chan []Ack         // outside acknowledgements, while subscribed
	ackStop  func()
	external map[ackKey]string // outside acknowledgements → by whom

	w, h      int
	side      side
	showHelp  bool
	truth     bool
	sideW     int // width of a side pane beside the grid; 0 when it replaces the grid
	rev       uint64
	headCache viewCache
	footCache viewCache
	helpCache viewCache
	viewCache viewCache
	c         cells
	hc        cells
}

// New returns a dashboard for the soldiers in profiles (more may appear in
// the frames). It needs a frame source: WithDriver or WithFeed.
func New(profiles []engine.Profile, opts ...Option) (*Model, error) {
	cfg := config{ctx: context.Background(), speed: 1, history: DefaultHistory, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if (cfg.driver == nil) == (cfg.feed == nil) {
		return nil, ErrNoSource
	}
	if !(cfg.speed > 0) || math.IsInf(cfg.speed, 0) {
		return nil, fmt.Errorf("%w: speed %v (want > 0)", ErrOption, cfg.speed)
	}
	if cfg.history < 64 {
		return nil, fmt.Errorf("%w: history of %d ticks (want ≥ 64)", ErrOption, cfg.history)
	}
	if cfg.replay != nil && (cfg.replay.Seek == nil || cfg.replay.Last < cfg.replay.First) {
		return nil, fmt.Errorf("%w: replay control without Seek or with Last < First", ErrOption)
	}
	if cfg.tick == 0 {
		cfg.tick = time.Second
		if t, ok := cfg.driver.(interface{ Tick() time.Duration }); ok && t.Tick() > 0 {
			cfg.tick = t.Tick()
		}
	}
	if cfg.tick < time.Second || cfg.tick%time.Second != 0 {
		return nil, fmt.Errorf("%w: tick %v (want whole seconds)", ErrOption, cfg.tick)
	}
	st := cfg.styles
	if st == nil {
		th := DefaultTheme()
		if cfg.theme != nil {
			th = *cfg.theme
		}
		st = NewStyles(cfg.renderer, th)
	}
	if cfg.source == "" {
		cfg.source = "live simulation"
		if cfg.feed != nil {
			cfg.source = "shared feed"
		}
	}
	if cfg.detector == "" {
		cfg.detector = "unnamed"
	}
	m := &Model{
		id: int(lastID.Add(1)), ctx: cfg.ctx, st: st, keys: newKeyMap(cfg.replay != nil),
		driver: cfg.driver, feed: cfg.feed, replay: cfg.replay,
		source: cfg.source, detector: cfg.detector, note: cfg.note, tick: cfg.tick, now: cfg.now,
		truth: cfg.truth, recName: cfg.recName, recStat: cfg.recStat, lagOf: cfg.lag,
		ackLink: cfg.ackLink, operator: cfg.operator,
	}
	if m.operator == "" {
		m.operator = "chakra-tui"
	}
	m.speeds = slices.Clone(speedPresets)
	if !slices.Contains(m.speeds, cfg.speed) {
		m.speeds = append(m.speeds, cfg.speed)
		slices.Sort(m.speeds)
	}
	m.speedIdx = slices.Index(m.speeds, cfg.speed)
	m.footH = 1
	m.help = help.New()
	m.help.Styles = st.Help
	m.b = newBoard(profiles, cfg.history, cfg.tick, st)
	m.grid = newGridPane(m.b, st)
	m.detail = newDetailPane(m.b, st)
	m.alerts = newLogPane(m.b, st)
	m.over = newOverviewPane(m.b, st)
	m.alerts.idW = idWidth(m.b)
	m.setTruth(cfg.truth)
	return m, nil
}

// Init starts the clock loop or the feed, and listens to the outside
// acknowledgements (WithAckLink).
func (m *Model) Init() tea.Cmd {
	var acks tea.Cmd
	if m.ackLink != nil && m.ackCh == nil {
		m.ackCh, m.ackStop = m.ackLink.SubscribeAcks()
		acks = waitForAcks(m.ctx, m.id, m.ackCh, m.ackStop)
	}
	if m.feed != nil {
		return tea.Batch(waitForFrame(m.ctx, m.id, m.feed), acks)
	}
	return tea.Batch(m.startLoop(0), acks)
}

// Update is the root of the model: it hands each message to a small method.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m, m.resize(msg.Width, msg.Height)
	case tea.KeyMsg:
		return m, m.typed(msg)
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case tickMsg:
		return m, m.onTick(msg)
	case frameMsg:
		return m, m.onFrame(msg)
	case seekMsg:
		return m, m.onSeek(msg)
	case feedClosedMsg:
		return m, m.onFeedClosed(msg)
	case acksMsg:
		return m, m.onAcks(msg)
	}
	return m, nil
}

// interval is the wall time between steps at the current speed.
func (m *Model) interval() time.Duration {
	return time.Duration(float64(m.tick) / m.speeds[m.speedIdx])
}

// startLoop starts a new clock loop (the old one dies at its next beat).
// While a step runs, the frame that comes back arms the new loop instead.
func (m *Model) startLoop(delay time.Duration) tea.Cmd {
	m.seq++
	if m.driver == nil || m.inflight || m.seeking || m.paused || m.ended {
		return nil
	}
	return tick(m.id, m.seq, delay)
}

func (m *Model) onTick(msg tickMsg) tea.Cmd {
	if msg.id != m.id || msg.seq != m.seq || m.paused || m.ended || m.inflight || m.seeking {
		return nil
	}
	m.inflight = true
	m.stepAt = time.Now()
	return stepCmd(m.ctx, m.driver, m.recStat, m.id, m.epoch)
}

func (m *Model) onFrame(msg frameMsg) tea.Cmd {
	if msg.id != m.id {
		return nil
	}
	if msg.feed {
		if m.paused {
			m.feedHeld = true
			return nil
		}
		m.apply(&msg.snap)
		return waitForFrame(m.ctx, m.id, m.feed)
	}
	m.inflight = false
	if msg.hasRec && msg.rec != m.rec {
		m.rec = msg.rec
		m.rev++
	}
	if m.pending != nil {
		t := *m.pending
		m.pending = nil
		return m.seekTo(t)
	}
	if msg.err != nil {
		m.ended = true
		m.rev++
		if errors.Is(msg.err, io.EOF) {
			m.setStatus("end of the source", false)
		} else if !errors.Is(msg.err, context.Canceled) {
			m.setStatus("source stopped: "+msg.err.Error(), true)
		}
		return nil
	}
	if msg.epoch == m.epoch {
		m.apply(&msg.snap)
		if !m.stepAt.IsZero() {
			m.lag.Note(msg.snap.Frame.T, m.stepAt, time.Now(), m.speeds[m.speedIdx])
		}
	}
	if r, ok := m.driver.(Releaser); ok {
		r.Release(msg.snap) // the board copied what it keeps
	}
	if m.paused {
		return nil
	}
	delay := max(m.interval()-time.Since(m.stepAt), 0)
	return tick(m.id, m.seq, delay)
}

// apply takes a snapshot onto the board and into the panes.
func (m *Model) apply(s *live.Snapshot) {
	n := len(m.b.log.entries) + m.b.log.dropped
	now := m.now()
	changed := m.b.apply(s, now)
	m.rate.add(now, len(s.Verdicts))
	if changed {
		m.alerts.idW = idWidth(m.b)
	}
	m.grid.frame(changed)
	added := len(m.b.log.entries) + m.b.log.dropped - n
	m.alerts.added(added)
	if added > 0 {
		m.applyExternal(len(m.b.log.entries) - added)
	}
	m.detail.show(m.grid.sel)
	m.rev++
}

func (m *Model) onFeedClosed(msg feedClosedMsg) tea.Cmd {
	if msg.id != m.id {
		return nil
	}
	m.ended = true
	m.setStatus("the feed ended", false)
	return nil
}

// seekTo asks the replay to seek to tick t.
func (m *Model) seekTo(t int64) tea.Cmd {
	if m.replay == nil {
		return nil
	}
	t = min(max(t, m.replay.First), m.replay.Last)
	m.lag.Reanchor()
	m.target = t
	m.epoch++
	if m.inflight || m.seeking {
		m.pending = &t
		return nil
	}
	m.seeking = true
	m.ended = false
	m.setStatus(fmt.Sprintf("seeking to %s…", clockString(m.b.start, t)), false)
	return seekCmd(m.ctx, m.replay.Seek, m.id, m.epoch, t)
}

func (m *Model) onSeek(msg seekMsg) tea.Cmd {
	if msg.id != m.id {
		return nil
	}
	m.seeking = false
	if m.pending != nil {
		t := *m.pending
		m.pending = nil
		return m.seekTo(t)
	}
	if msg.err != nil {
		m.setStatus("seek failed: "+msg.err.Error(), true)
		return m.startLoop(0)
	}
	m.b.reset()
	for i := range msg.pre {
		m.apply(&msg.pre[i])
	}
	m.grid.relayout()
	m.setStatus(fmt.Sprintf("at %s", clockString(m.b.start, msg.target)), false)
	return m.startLoop(0)
}

// seekBy seeks d ticks from the current position.
func (m *Model) seekBy(d int64) tea.Cmd {
	if m.replay == nil {
		return nil
	}
	base := m.b.t
	if m.seeking || m.pending != nil {
		base = m.target
	}
	return m.seekTo(base + d*int64(m.tick/time.Second))
}

// setStatus shows a message in the footer, beside the key help, until the
// next one (or esc); a message too long for that wraps onto lines of its
// own above the help, taken from the body.
func (m *Model) setStatus(s string, failed bool) {
	m.status, m.failed = s, failed
	m.rev++
	if h := m.footerLines(); h != m.footH {
		m.footH = h
		m.layout()
	}
}

// footerLines is the footer's height for the status at the width.
func (m *Model) footerLines() int {
	if m.status == "" || m.w <= 0 {
		return 1
	}
	sw := ansi.StringWidth(m.status)
	if sw+2+ansi.StringWidth(m.shortHelp(0)) <= m.w {
		return 1
	}
	return min(1+strings.Count(ansi.Wrap(m.status, m.w, ""), "\n")+1, maxFooterH)
}

// setTruth turns the truth overlay on or off in every pane.
func (m *Model) setTruth(on bool) {
	m.truth = on
	m.grid.truth, m.detail.truth, m.alerts.truth = on, on, on
	m.grid.rev++
	m.detail.rev++
	m.alerts.rev++
	m.rev++
}

// typed handles a key message. Runes that arrive in one read (typed fast,
// tmux send-keys, SSH batching, a paste) are one keystroke each: "jj" moves
// two cards down; a quit among them quits at once.
func (m *Model) typed(msg tea.KeyMsg) tea.Cmd {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 {
		return m.key(msg)
	}
	var cmds []tea.Cmd
	for _, r := range msg.Runes {
		one := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
		if r == ' ' {
			one.Type, one.Runes = tea.KeySpace, nil
		}
		if !m.finding && key.Matches(one, m.keys.Quit) {
			return tea.Quit
		}
		cmds = append(cmds, m.key(one))
	}
	return tea.Batch(cmds...)
}

// key handles one keystroke.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := &m.keys
	m.rev++
	if m.finding {
		return m.findKey(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
		return nil
	case key.Matches(msg, k.Close):
		switch {
		case m.showHelp:
			m.showHelp = false
		case m.side != sideNone:
			m.openSide(sideNone)
		case m.grid.squad >= 0:
			m.showSquad(-1)
			m.setStatus("", false)
		default:
			m.setStatus("", false)
		}
		return nil
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	case key.Matches(msg, k.Faster):
		return m.changeSpeed(+1)
	case key.Matches(msg, k.Slower):
		return m.changeSpeed(-1)
	case key.Matches(msg, k.SeekBack):
		return m.seekBy(-seekStep)
	case key.Matches(msg, k.SeekFwd):
		return m.seekBy(seekStep)
	case key.Matches(msg, k.SeekBackFar):
		return m.seekBy(-seekFar)
	case key.Matches(msg, k.SeekFwdFar):
		return m.seekBy(seekFar)
	case key.Matches(msg, k.Truth):
		m.setTruth(!m.truth)
		if m.truth {
			m.setStatus("truth on: ◉ hit ○ missed ✗ false ~ artefact", false)
		} else {
			m.setStatus("truth overlay off", false)
		}
	case key.Matches(msg, k.Debug):
		m.detail.debug = !m.detail.debug
		m.detail.rev++
		if m.detail.debug {
			m.setStatus("detail shows the TFT's variable selection and attention (debug: not the alert's reason)", false)
		} else {
			m.setStatus("detail shows the alert's attribution", false)
		}
	case key.Matches(msg, k.Sort):
		m.grid.sorted = !m.grid.sorted
		m.grid.relayout()
		m.detail.show(m.grid.sel)
	case key.Matches(msg, k.Filter):
		m.grid.filter = !m.grid.filter
		m.grid.relayout()
		m.detail.show(m.grid.sel)
	case key.Matches(msg, k.Log):
		if m.side == sideLog {
			m.openSide(sideNone)
		} else {
			m.openSide(sideLog)
		}
	case key.Matches(msg, k.Overview):
		if m.side == sideOverview {
			m.openSide(sideNone)
		} else {
			m.openSide(sideOverview)
		}
	case key.Matches(msg, k.Find):
		m.finding = true
		m.find = m.find[:0]
	case key.Matches(msg, k.Detail):
		m.enter()
	case key.Matches(msg, k.Ack):
		return m.ack()
	case m.side == sideLog:
		m.logKey(msg)
	case m.side == sideOverview:
		m.overviewKey(msg)
	default:
		m.gridKey(msg)
	}
	return nil
}

// gridKey moves the selection on the grid.
func (m *Model) gridKey(msg tea.KeyMsg) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.grid.move(-1, 0)
	case key.Matches(msg, k.Down):
		m.grid.move(1, 0)
	case key.Matches(msg, k.Left):
		m.grid.move(0, -1)
	case key.Matches(msg, k.Right):
		m.grid.move(0, 1)
	case key.Matches(msg, k.PageUp):
		m.grid.movePage(-1)
	case key.Matches(msg, k.PageDown):
		m.grid.movePage(1)
	case key.Matches(msg, k.First):
		m.grid.selectEnd(-1)
	case key.Matches(msg, k.Last):
		m.grid.selectEnd(1)
	default:
		return
	}
	m.detail.show(m.grid.sel)
}

// findLimit is the most runes the / prompt takes.
const findLimit = 16

// findKey edits the / prompt: runes type, backspace and ctrl+u delete,
// enter finds, esc cancels, ctrl+c quits.
func (m *Model) findKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEnter:
		m.finding = false
		m.findQuery(string(m.find))
	case tea.KeyEsc:
		m.finding = false
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyBackspace:
		if len(m.find) > 0 {
			m.find = m.find[:len(m.find)-1]
		} else {
			m.finding = false
		}
	case tea.KeyCtrlU:
		m.find = m.find[:0]
	case tea.KeyRunes, tea.KeySpace:
		for _, r := range msg.Runes {
			if len(m.find) < findLimit && r >= ' ' {
				m.find = append(m.find, r)
			}
		}
		if msg.Type == tea.KeySpace && len(msg.Runes) == 0 && len(m.find) < findLimit {
			m.find = append(m.find, ' ')
		}
	}
	return nil
}

// findQuery selects soldier q ("62"), or shows only squad q ("s07", "S7");
// an empty query shows every squad again.
func (m *Model) findQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		m.showSquad(-1)
		m.setStatus("", false)
		return
	}
	if rest, ok := strings.CutPrefix(q, "s"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && slices.ContainsFunc(m.b.soldiers, func(s soldier) bool { return s.prof.Squad == n-1 }) {
			m.showSquad(n - 1)
			m.grid.selectEnd(-1)
			m.detail.show(m.grid.sel)
			m.setStatus(fmt.Sprintf("squad S%02d · esc shows every squad", n), false)
			return
		}
	} else if n, err := strconv.Atoi(q); err == nil {
		if i := slices.IndexFunc(m.b.soldiers, func(s soldier) bool { return int64(s.prof.ID) == int64(n) }); i >= 0 {
			if !m.grid.selectIndex(i) {
				m.grid.filter = false
				m.showSquad(-1)
				m.grid.selectIndex(i)
			}
			m.detail.show(m.grid.sel)
			m.setStatus(fmt.Sprintf("soldier %d", n), false)
			return
		}
	}
	m.setStatus(fmt.Sprintf("no soldier or squad matches %q", q), true)
}

// showSquad shows only squad q (−1: every squad).
func (m *Model) showSquad(q int) {
	m.grid.squad = q
	m.grid.relayout()
	m.detail.show(m.grid.sel)
}

// logKey moves the selection in the alert log.
func (m *Model) logKey(msg tea.KeyMsg) {
	listKey(&m.keys, msg, m.alerts.h, len(m.b.log.entries), m.alerts.move)
}

// overviewKey moves the selection in the squad overview.
func (m *Model) overviewKey(msg tea.KeyMsg) {
	listKey(&m.keys, msg, m.over.h, len(m.over.rows), m.over.move)
}

// listKey moves the selection of a list h lines high holding n entries
// by the movement key msg names (a line, a page, to either end).
func listKey(k *keyMap, msg tea.KeyMsg, h, n int, move func(int)) {
	page := max(h-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.PageUp):
		move(-page)
	case key.Matches(msg, k.PageDown):
		move(page)
	case key.Matches(msg, k.First):
		move(-n)
	case key.Matches(msg, k.Last):
		move(n)
	}
}

// enter opens or closes the detail pane, in the alert log jumps to the
// selected alert's soldier, and in the squad overview shows the selected
// squad's cards alone, alerting soldiers first.
func (m *Model) enter() {
	if m.side == sideOverview {
		q := m.over.squad()
		if q < 0 {
			return
		}
		m.grid.sorted = true
		m.showSquad(q)
		m.openSide(sideNone)
		m.setStatus(fmt.Sprintf("squad S%02d, alerting first · pgup/pgdn page · o squads · esc everyone", q+1), false)
		return
	}
	if m.side == sideLog {
		e := m.alerts.entry()
		if e == nil {
			return
		}
		if !m.grid.selectIndex(e.index) {
			m.grid.filter = false
			m.grid.relayout()
			m.grid.selectIndex(e.index)
		}
		m.detail.show(m.grid.sel)
		m.openSide(sideDetail)
		return
	}
	if m.side == sideDetail {
		m.openSide(sideNone)
	} else {
		m.openSide(sideDetail)
	}
}

// ack acknowledges the selected log entry, or every alert of the selected
// soldier, and sends the acknowledgements out (WithAckLink).
func (m *Model) ack() tea.Cmd {
	if m.side == sideLog {
		var cmd tea.Cmd
		if e := m.alerts.entry(); e != nil && !e.acked {
			cmd = m.sendAcks([]alertEntry{*e})
		}
		if m.alerts.ack() {
			m.setStatus("alert acknowledged", false)
		}
		m.detail.rev++
		return cmd
	}
	if m.grid.sel < 0 {
		return nil
	}
	s := &m.b.soldiers[m.grid.sel]
	var acked []alertEntry
	for _, e := range m.b.log.entries {
		if e.soldier == s.prof.ID && !e.acked {
			acked = append(acked, e)
		}
	}
	n := m.b.log.ackSoldier(s.prof.ID)
	m.detail.rev++
	m.alerts.rev++
	m.setStatus(fmt.Sprintf("acked %d %s of soldier %d", n, plural(n, "alert", "alerts"), s.prof.ID), false)
	return m.sendAcks(acked)
}

func (m *Model) togglePause() tea.Cmd {
	m.paused = !m.paused
	if m.paused {
		if m.feed != nil {
			m.setStatus("paused this view (the battlefield runs on)", false)
		} else {
			m.setStatus("paused", false)
		}
		return nil
	}
	m.setStatus("", false)
	m.lag.Reanchor()
	if m.feed != nil {
		if m.feedHeld && !m.ended {
			m.feedHeld = false
			return waitForFrame(m.ctx, m.id, m.feed)
		}
		return nil
	}
	return m.startLoop(0)
}

func (m *Model) changeSpeed(d int) tea.Cmd {
	if m.feed != nil {
		m.setStatus("speed: set by the feed's owner", false)
		return nil
	}
	i := min(max(m.speedIdx+d, 0), len(m.speeds)-1)
	if i == m.speedIdx {
		return nil
	}
	m.speedIdx = i
	m.lag.Reanchor()
	m.setStatus(fmt.Sprintf("speed ×%g", m.speeds[i]), false)
	return m.startLoop(m.interval())
}

// openSide opens a side pane (or closes it) and lays out again.
func (m *Model) openSide(s side) {
	m.side = s
	m.detail.focus = s == sideDetail
	m.alerts.focus = s == sideLog
	m.over.focus = s == sideOverview
	m.layout()
}

// mouse selects a card on click (a click on the selected card toggles the
// detail pane), selects a log entry, and pages with the wheel.
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	y := msg.Y - headerH
	if y < 0 || y >= m.bodyH() {
		return nil
	}
	gridW := m.gridW()
	inGrid := m.side == sideNone || m.sideW > 0 && msg.X < gridW
	switch {
	case msg.Button == tea.MouseButtonWheelUp || msg.Button == tea.MouseButtonWheelDown:
		d := 1
		if msg.Button == tea.MouseButtonWheelUp {
			d = -1
		}
		if inGrid {
			m.grid.movePage(d)
			m.detail.show(m.grid.sel)
		} else if m.side == sideLog {
			m.alerts.move(d * 3)
		}
	case msg.Action != tea.MouseActionPress || msg.Button != tea.MouseButtonLeft:
		return nil
	case inGrid && !m.showHelp:
		i := m.grid.at(msg.X, y)
		if i < 0 {
			return nil
		}
		if i == m.grid.sel && m.side != sideLog {
			m.enter()
		} else {
			m.grid.selectIndex(i)
			m.detail.show(i)
		}
	case m.side == sideLog:
		if y >= 1 {
			m.alerts.sel = m.alerts.top + y - 1
			m.alerts.move(0)
		}
	}
	m.rev++
	return nil
}

// resize lays the screen out for a w×h terminal.
func (m *Model) resize(w, h int) tea.Cmd {
	m.w, m.h = w, h
	m.help.Width = w
	m.footH = m.footerLines()
	m.layout()
	return nil
}

func (m *Model) bodyH() int { return max(m.h-headerH-m.footH, 0) }

func (m *Model) gridW() int {
	if m.side != sideNone && m.sideW > 0 {
		return m.w - m.sideW - 1
	}
	return m.w
}

// layout sizes the panes: a side pane opens beside the grid on wide
// terminals and in its place on narrow ones.
func (m *Model) layout() {
	bh := m.bodyH()
	m.sideW = 0
	if m.side != sideNone && m.w >= wideW {
		m.sideW = min(max(m.w*45/100, 70), 110)
	}
	switch {
	case m.side == sideNone:
		m.grid.SetSize(m.w, bh)
	case m.sideW > 0:
		m.grid.SetSize(m.gridW(), bh)
	}
	sw := m.w
	if m.sideW > 0 {
		sw = m.sideW
	}
	m.detail.SetSize(sw, bh)
	m.alerts.SetSize(sw, bh)
	m.over.SetSize(sw, bh)
	m.detail.show(m.grid.sel)
	m.rev++
}

// View draws the screen from the panes' cached strings.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	k := viewKey{frames: m.b.frames, w: m.w, h: m.h, styles: m.st, rev: m.rev}
	if s, ok := m.viewCache.lookup(k); ok {
		return s
	}
	header := m.headerView()
	var body, right string
	switch {
	case m.showHelp:
		body = m.helpView()
	case m.side == sideNone:
		body = m.grid.View()
	case m.sideW > 0:
		body = m.grid.View()
		right = m.sideView()
	default:
		body = m.sideView()
	}
	footer := m.footerView()

	c := &m.c
	c.reset(m.w)
	c.buf = append(c.buf, header...)
	c.buf = append(c.buf, '\n')
	bh := m.bodyH()
	gw := m.gridW()
	for range bh {
		var line string
		line, body = cutLine(body)
		c.col = 0
		c.buf = append(c.buf, line...)
		if right != "" || m.sideW > 0 && !m.showHelp {
			c.col = lineWidth(line)
			c.padTo(gw)
			c.painted(m.st.Muted.paint, "│")
			var r string
			r, right = cutLine(right)
			c.buf = append(c.buf, r...)
		}
		c.buf = append(c.buf, '\n')
	}
	c.buf = append(c.buf, footer...)
	return m.viewCache.store(k, string(c.buf))
}

func (m *Model) sideView() string {
	switch m.side {
	case sideLog:
		return m.alerts.View()
	case sideOverview:
		return m.over.View()
	}
	return m.detail.View()
}

// footerView is the status message and the short key help, which always
// ends with "? more • q quit" (middle bindings are dropped to fit).
func (m *Model) footerView() string {
	k := viewKey{w: m.w, h: m.footH, styles: m.st, rev: m.statusRev()}
	if s, ok := m.footCache.lookup(k); ok {
		return s
	}
	return m.footCache.store(k, m.renderFooter())
}

// statusRev keys the footer's cache: it changes with the status text.
func (m *Model) statusRev() uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(m.status); i++ {
		h = (h ^ uint64(m.status[i])) * 1099511628211
	}
	if m.failed {
		h++
	}
	if m.finding {
		for _, r := range m.find {
			h = (h ^ uint64(r)) * 1099511628211
		}
		h ^= 1 << 63
	}
	return h
}

func (m *Model) renderFooter() string {
	if m.finding {
		hint := m.help.ShortHelpView([]key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "find")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		})
		prompt := "/" + string(m.find) + "█"
		if len(m.find) == 0 {
			prompt += m.st.Muted.Render(" soldier id, or s07 for squad 7")
		}
		return ansi.Truncate(prompt+"   "+hint, m.w, "")
	}
	style := m.st.Accent.Style
	if m.failed {
		style = m.st.Error.Style
	}
	if m.status == "" {
		return m.shortHelp(m.w)
	}
	sw := ansi.StringWidth(m.status)
	if m.footH == 1 {
		h := m.shortHelp(m.w - sw - 2)
		pad := max(m.w-sw-ansi.StringWidth(h), 2)
		return style.Render(m.status) + strings.Repeat(" ", pad) + h
	}
	lines := strings.Split(ansi.Wrap(m.status, m.w, ""), "\n")
	if len(lines) > m.footH-1 {
		lines = lines[:m.footH-1]
		lines[len(lines)-1] = ansi.Truncate(lines[len(lines)-1], m.w-1, "") + "…"
	}
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString(style.Render(l))
		sb.WriteByte('\n')
	}
	sb.WriteString(m.shortHelp(m.w))
	return sb.String()
}

// shortHelp is the one-line key help in at most w columns (w ≤ 0: the
// shortest): as many of the short bindings as fit, then "? more • q quit",
// which are never dropped.
func (m *Model) shortHelp(w int) string {
	hm := m.help
	hm.Width = 0
	mid, tail := m.keys.ShortHelp(), []key.Binding{m.keys.Help, m.keys.Quit}
	for n := len(mid); w > 0 && n > 0; n-- {
		if s := hm.ShortHelpView(append(slices.Clip(mid[:n]), tail...)); ansi.StringWidth(s) <= w {
			return s
		}
	}
	return hm.ShortHelpView(tail)
}

// helpView is the full key help.
func (m *Model) helpView() string {
	k := viewKey{w: m.w, h: m.h, styles: m.st}
	if s, ok := m.helpCache.lookup(k); ok {
		return s
	}
	var sb strings.Builder
	sb.WriteString(m.st.Title.Render("keys"))
	sb.WriteString("\n\n")
	sb.WriteString(m.help.FullHelpView(m.keys.FullHelp()))
	sb.WriteString("\n\n")
	sb.WriteString(m.st.Muted.Render(legendView(m.w)))
	return m.helpCache.store(k, fitLines(sb.String(), m.w, m.bodyH()))
}

// legend explains the symbols, shown with the full help: a label and its
// items, wrapped to the width (continuation lines indented under the items).
var legend = [...]struct {
	label string
	items []string
}{
	{"states", []string{"✓ ok", "◇ watch (out of band, not yet persistent)", "▲ alert", "? no data", "… warming up"}},
	{"truth", []string{"◉ hit", "○ missed (or not yet detected)", "✗ false alert", "~ motion artefact (a non-event)"}},
	{"charts", []string{"░ 2–98 % forecast band", "▒ 10–90 % band", "─ median", "● reading", "◆ reading out of band"}},
	{"phases", []string{"· rest", "─ patrol", "═ march", "█ contact", "░ recovery"}},
}

// legendView renders the legend for a width of w columns.
func legendView(w int) string {
	const indent, gap = 9, 3
	var sb strings.Builder
	for i, row := range legend {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(row.label)
		sb.WriteString(strings.Repeat(" ", indent-len(row.label)))
		col := indent
		for j, it := range row.items {
			iw := ansi.StringWidth(it)
			if j > 0 && col+gap+iw > w {
				sb.WriteByte('\n')
				sb.WriteString(strings.Repeat(" ", indent))
				col = indent
			} else if j > 0 {
				sb.WriteString(strings.Repeat(" ", gap))
				col += gap
			}
			sb.WriteString(it)
			col += iw
		}
	}
	return sb.String()
}

// fitLines cuts every line of s to w columns and keeps at most h lines.
func fitLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(lines, "\n")
}

// cutLine splits s at its first newline.
func cutLine(s string) (line, rest string) {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// lineWidth counts the columns of a line, skipping escape sequences.
func lineWidth(s string) int {
	w := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i++
			if i < len(s) && s[i] == '[' {
				i++
				for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
					i++
				}
			}
			i++
			continue
		}
		if s[i] < 0x80 || s[i] >= 0xC0 {
			w++
		}
		i++
	}
	return w
}

// clockString formats the simulated time of tick t.
func clockString(start time.Time, t int64) string {
	return start.Add(secondsDur(t)).Format("15:04:05")
}

// rateMeter measures frames and scores per second of wall time over windows
// of at least a second.
type rateMeter struct {
	start          time.Time
	frames, scores int
	fps, sps       float64
}

func (r *rateMeter) add(now time.Time, scores int) {
	if r.start.IsZero() {
		r.start = now
		return
	}
	r.frames++
	r.scores += scores
	if el := now.Sub(r.start); el >= time.Second {
		r.fps = float64(r.frames) / el.Seconds()
		r.sps = float64(r.scores) / el.Seconds()
		r.start, r.frames, r.scores = now, 0, 0
	}
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

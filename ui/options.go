package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// Errors of New.
var (
	// ErrNoSource: New needs exactly one of WithDriver and WithFeed.
	ErrNoSource = errors.New("dashboard needs exactly one frame source (WithDriver or WithFeed)")
	// ErrOption reports an invalid option value.
	ErrOption = errors.New("invalid dashboard option")
)

// Option configures New.
type Option func(*config)

type config struct {
	ctx      context.Context
	driver   Driver
	feed     <-chan live.Snapshot
	renderer *lipgloss.Renderer
	theme    *Theme
	styles   *Styles
	replay   *ReplayControl
	source   string
	detector string
	note     string
	tick     time.Duration
	speed    float64
	history  int
	now      func() time.Time
	truth    bool
	recName  string
	recStat  func() RecordingStat
	lag      func() live.Lag
	ackLink  AckLink
	operator string
}

// WithDriver makes the model own the battlefield's clock: its tick loop
// steps d at the chosen speed (pause and speed act on it directly).
func WithDriver(d Driver) Option { return func(c *config) { c.driver = d } }

// WithFeed makes the model watch a battlefield it does not own (a shared
// simulation, someone else's replay): it receives snapshots from ch with a
// re-armed command. Pausing freezes the view and stops draining ch, so the
// sender must never block on it (drop-oldest buffers such as engine.Broadcast).
// Closing ch ends the feed.
func WithFeed(ch <-chan live.Snapshot) Option { return func(c *config) { c.feed = ch } }

// WithContext bounds the model's commands (steps, seeks, feed waits); the
// default is context.Background.
func WithContext(ctx context.Context) Option { return func(c *config) { c.ctx = ctx } }

// WithRenderer renders the styles for r, such as the renderer of one SSH
// session (bm.MakeRenderer); the default follows the terminal on stdout.
func WithRenderer(r *lipgloss.Renderer) Option { return func(c *config) { c.renderer = r } }

// WithTheme sets the palette (default DefaultTheme).
func WithTheme(t Theme) Option { return func(c *config) { c.theme = &t } }

// WithStyles uses styles already built with NewStyles (overrides
// WithRenderer and WithTheme).
func WithStyles(s *Styles) Option { return func(c *config) { c.styles = s } }

// WithReplay adds seeking and a progress bar for a recording.
func WithReplay(rc ReplayControl) Option { return func(c *config) { c.replay = &rc } }

// WithSource describes the source in the header, e.g. "simulation seed 1"
// or "replay run.chakra.gz".
func WithSource(desc string) Option { return func(c *config) { c.source = desc } }

// WithDetector names the detector in the header, with an optional note such
// as "TFT model missing — threshold baseline".
func WithDetector(name, note string) Option {
	return func(c *config) { c.detector, c.note = name, note }
}

// WithTick sets the simulated time per frame (default: the driver's, else
// one second); at speed ×1 the clock loop steps once per tick of wall time.
func WithTick(d time.Duration) Option { return func(c *config) { c.tick = d } }

// WithSpeed sets the initial speed factor (default 1); + and − step through
// ×1, ×2, ×5, ×10 (and this value, if it is not one of them).
func WithSpeed(x float64) Option { return func(c *config) { c.speed = x } }

// WithHistory sets how many ticks per soldier the charts keep (default
// DefaultHistory, at least 64).
func WithHistory(n int) Option { return func(c *config) { c.history = n } }

// WithClock replaces the wall clock the header's frame and score rates are
// measured with (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLag gives the header the lag of the battlefield a feed comes from
// (live.Runtime.Lag of the runtime whose Run steps it): "lag N s" when a
// second or more. Without it the header shows the lag of the model's own
// clock loop, and nothing for a feed.
func WithLag(lag func() live.Lag) Option { return func(c *config) { c.lag = lag } }

// WithTruthOverlay starts with the truth overlay on.
func WithTruthOverlay(on bool) Option { return func(c *config) { c.truth = on } }

// RecordingStat is how much a recording holds so far.
type RecordingStat struct {
	Frames int64 // frames written
	Bytes  int64 // size of the file, bytes
}

// WithRecording shows that the session is being recorded to the file name:
// "● REC name size length" in the header. stat is called in the command that
// stepped the driver, right after each step (so off the Update path, and
// never while the driver writes); it may do I/O such as a stat of the file.
// An empty name shows no recording.
func WithRecording(name string, stat func() RecordingStat) Option {
	return func(c *config) {
		if name == "" {
			stat = nil
		}
		c.recName, c.recStat = name, stat
	}
}

// ProgramOptions are the tea.Program options the dashboard expects: the
// alternate screen and mouse clicks (cell motion). Use them with
// tea.NewProgram(model, ui.ProgramOptions()...).
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion()}
}

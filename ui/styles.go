package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Theme is the dashboard's palette of semantic colours. Styles turns it into
// styles for one renderer (one terminal, or one SSH session).
type Theme struct {
	Name    string
	Text    lipgloss.TerminalColor // ordinary text
	Muted   lipgloss.TerminalColor // labels, axes, secondary text
	Accent  lipgloss.TerminalColor // title, focused pane, selection marker
	OK      lipgloss.TerminalColor // readings inside the band
	Watch   lipgloss.TerminalColor // out of band, not yet an alert
	Alert   lipgloss.TerminalColor // an alert is open
	NoData  lipgloss.TerminalColor // no usable readings
	Warming lipgloss.TerminalColor // the window is still filling
	Outer   lipgloss.TerminalColor // the 2–98 % forecast band
	Inner   lipgloss.TerminalColor // the 10–90 % forecast band
	Median  lipgloss.TerminalColor // the forecast median
	Truth   lipgloss.TerminalColor // ground-truth windows (the truth overlay)
	Missed  lipgloss.TerminalColor // an event the detector missed
}

// DefaultTheme is the dashboard's palette: readable on dark and light
// terminals (adaptive colours), states told apart by hue and by symbol.
func DefaultTheme() Theme {
	return Theme{
		Name:    "default",
		Text:    lipgloss.AdaptiveColor{Light: "#1f2328", Dark: "#d0d7de"},
		Muted:   lipgloss.AdaptiveColor{Light: "#6e7781", Dark: "#7d8590"},
		Accent:  lipgloss.AdaptiveColor{Light: "#0969da", Dark: "#58a6ff"},
		OK:      lipgloss.AdaptiveColor{Light: "#1a7f37", Dark: "#3fb950"},
		Watch:   lipgloss.AdaptiveColor{Light: "#9a6700", Dark: "#d29922"},
		Alert:   lipgloss.AdaptiveColor{Light: "#cf222e", Dark: "#f85149"},
		NoData:  lipgloss.AdaptiveColor{Light: "#8250df", Dark: "#a371f7"},
		Warming: lipgloss.AdaptiveColor{Light: "#8c959f", Dark: "#6e7681"},
		Outer:   lipgloss.AdaptiveColor{Light: "#afb8c1", Dark: "#30363d"},
		Inner:   lipgloss.AdaptiveColor{Light: "#8c959f", Dark: "#484f58"},
		Median:  lipgloss.AdaptiveColor{Light: "#57606a", Dark: "#8b949e"},
		Truth:   lipgloss.AdaptiveColor{Light: "#bf3989", Dark: "#db61a2"},
		Missed:  lipgloss.AdaptiveColor{Light: "#bc4c00", Dark: "#f0883e"},
	}
}

// paint is a style reduced to the escape sequences around a run of text, so
// the hot path can colour whole card lines by appending bytes instead of
// calling lipgloss. Under a colourless profile both are empty.
type paint struct{ pre, post string }

// paintOf extracts the sequences lipgloss writes around text for s. It only
// suits styles without width, padding, margins or borders.
func paintOf(s lipgloss.Style) paint {
	const marker = "X"
	out := s.Render(marker)
	i := strings.Index(out, marker)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(marker):]}
}

// stateCount is the number of detector states the dashboard distinguishes.
const stateCount = int(detector.StateWarmingUp) + 1

// Style is one semantic style of a Theme: the lipgloss style, for text
// that needs Render's layout (several lines, widths), and its paint, the
// escape sequences it writes around text, for the hot path (card lines,
// header counts, chart cells).
type Style struct {
	lipgloss.Style
	paint paint
}

// styleOf returns s with its paint.
func styleOf(s lipgloss.Style) Style { return Style{Style: s, paint: paintOf(s)} }

// Styles are a Theme rendered for one lipgloss renderer. Build them once per
// session with NewStyles; View never creates styles.
type Styles struct {
	Theme    Theme
	Renderer *lipgloss.Renderer

	Title, Text, Muted, Accent, Bold Style
	Error                            Style
	State                            [stateCount]Style // text in a state's colour
	Outer, Inner, Median, Truth      Style
	Help                             help.Styles

	// Paints without a style of their own.
	selected [stateCount]paint // the selected card: its state's colour reversed
	missed   paint             // a truth label no alert caught
	kind     [engine.NumKinds]paint
}

// NewStyles renders theme for r (nil: lipgloss's default renderer, which
// follows the terminal on stdout and honours NO_COLOR).
func NewStyles(r *lipgloss.Renderer, theme Theme) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	ns := func() lipgloss.Style { return r.NewStyle() }
	s := &Styles{Theme: theme, Renderer: r}
	s.Text = styleOf(ns().Foreground(theme.Text))
	s.Muted = styleOf(ns().Foreground(theme.Muted))
	s.Accent = styleOf(ns().Foreground(theme.Accent))
	s.Title = styleOf(ns().Foreground(theme.Accent).Bold(true))
	s.Bold = styleOf(ns().Bold(true))
	s.Error = styleOf(ns().Foreground(theme.Alert).Bold(true))
	s.Outer = styleOf(ns().Foreground(theme.Outer))
	s.Inner = styleOf(ns().Foreground(theme.Inner))
	s.Median = styleOf(ns().Foreground(theme.Median))
	s.Truth = styleOf(ns().Foreground(theme.Truth))
	colours := [stateCount]lipgloss.TerminalColor{
		detector.StateOK: theme.OK, detector.StateWatch: theme.Watch, detector.StateAlert: theme.Alert,
		detector.StateNoData: theme.NoData, detector.StateWarmingUp: theme.Warming,
	}
	for i, c := range colours {
		st := ns().Foreground(c)
		if detector.State(i) == detector.StateAlert {
			st = st.Bold(true)
		}
		s.State[i] = styleOf(st)
		s.selected[i] = paintOf(st.Reverse(true))
	}
	s.missed = paintOf(ns().Foreground(theme.Missed).Bold(true))
	for k := range s.kind {
		s.kind[k] = s.Truth.paint
	}
	s.kind[engine.KindArtefact] = s.Muted.paint

	h := help.New().Styles
	h.ShortKey = ns().Foreground(theme.Accent)
	h.ShortDesc = ns().Foreground(theme.Muted)
	h.ShortSeparator = ns().Foreground(theme.Outer)
	h.FullKey = ns().Foreground(theme.Accent)
	h.FullDesc = ns().Foreground(theme.Text)
	h.FullSeparator = ns().Foreground(theme.Outer)
	h.Ellipsis = ns().Foreground(theme.Muted)
	s.Help = h
	return s
}

// stateSymbol is the symbol of each state, so states read without colour
// (NO_COLOR, monochrome terminals, screen readers of captures).
var stateSymbol = [stateCount]string{
	detector.StateOK:        "✓",
	detector.StateWatch:     "◇",
	detector.StateAlert:     "▲",
	detector.StateNoData:    "?",
	detector.StateWarmingUp: "…",
}

// stateRune is stateSymbol as runes.
var stateRune = [stateCount]rune{'✓', '◇', '▲', '?', '…'}

// stateWord is the short name of each state in the header and detail pane.
var stateWord = [stateCount]string{
	detector.StateOK:        "ok",
	detector.StateWatch:     "watch",
	detector.StateAlert:     "alert",
	detector.StateNoData:    "no data",
	detector.StateWarmingUp: "warming",
}

// kindShort abbreviates alert kinds for small cards.
var kindShort = [engine.NumKinds]string{
	engine.KindNone:         "",
	engine.KindTachycardia:  "tachy",
	engine.KindBradycardia:  "brady",
	engine.KindDropout:      "drop",
	engine.KindStuck:        "stuck",
	engine.KindHeatStrain:   "heat",
	engine.KindStaminaCrash: "crash",
	engine.KindArtefact:     "artef",
}

// phaseShort abbreviates phases for medium cards (at most five columns).
var phaseShort = [engine.NumPhases]string{
	engine.PhaseRest:     "rest",
	engine.PhasePatrol:   "patrl",
	engine.PhaseMarch:    "march",
	engine.PhaseContact:  "cntct",
	engine.PhaseRecovery: "recov",
}

// phaseRune draws one tick of a phase ribbon.
var phaseRune = [engine.NumPhases]rune{
	engine.PhaseRest:     '·',
	engine.PhasePatrol:   '─',
	engine.PhaseMarch:    '═',
	engine.PhaseContact:  '█',
	engine.PhaseRecovery: '░',
}

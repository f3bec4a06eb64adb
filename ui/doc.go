// Package ui is the battlefield dashboard: a Bubble Tea model that shows every
// soldier as a card with a live heart-rate sparkline, the detector's verdict
// as a colour and a symbol, a detail pane that charts each vital against the
// forecast bands and explains the latest alert, an alert log, and a truth
// overlay that marks the simulation's ground truth (hits, misses, false
// alerts).
//
// # Data flow
//
//	Driver.Step (own clock)   ─┐                           ┌─▶ board: history per soldier,
//	  live.Runtime: next frame, ├─▶ frameMsg{live.Snapshot} ─┤   alert log, truth tally
//	  score, record             │     (in a Cmd)            └─▶ panes: grid, detail, log, header
//	feed channel (SSH)         ─┘
//
// A model either owns the clock (WithDriver: its tagged tick loop steps the
// driver at ×1, ×2, ×5 or ×10 in a command, so Update never blocks and pause
// stops the clock, not the screen) or watches a feed it does not own
// (WithFeed: a re-armed waitForFrame command, as for a shared SSH battlefield).
// Either way the battlefield is a live.Runtime (package detector/live owns
// the one loop: source, scoring, recording, fan-out): the driver is the
// runtime itself, the feed one of its subscriptions. A snapshot is a frame
// (one observation per soldier, plus the ground-truth labels the scorer
// never sees) and the detector's verdicts. A replay's runtime also seeks
// (WithReplay: a progress bar and [ ] { }, with a short pre-roll of history).
//
// # Rendering
//
// Styles are built once per session from a Theme and a lipgloss renderer
// (WithRenderer for SSH sessions). Sizes are computed on resize; each pane
// caches its string keyed by (frame, size, focus, styles, revision), so View
// only copies strings when nothing changed. Cards are written whole-line into
// one byte buffer with precomputed escape sequences (each Style carries its
// lipgloss style and the paint it writes around text); sparklines (ntcharts)
// are pushed and drawn in Update and their runes copied into the cards.
// Symbols carry every state, so NO_COLOR and monochrome terminals lose
// nothing but colour. docs/ui.md lists the keys and the layout.
package ui

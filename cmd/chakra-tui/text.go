package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Text mode: the dashboard's battlefield (the same scorer, store and live
// runtime, so it scores exactly like the dashboard) printed as one line per
// second for pipes and logs. A line covers one second of wall time when
// paced (--speed > 0: ×20 gives a line per 20 ticks) and one tick at
// --speed 0, so an as-fast-as-possible run prints every tick, the same
// lines for the same seed (only fps differs).
//
// --format text prints logfmt:
//
//	time=2025-06-01T09:01:41Z tick=101 ticks=1 ok=97 watch=0 alert=3 no_data=0 warming_up=0 fps=992.0 alerts=14:bradycardia:heart_rate:17.0 [truth=14:bradycardia]
//
// --format json prints one object per line with the same fields:
//
//	{"time", "tick", "ticks", "counts": {"ok", "watch", "alert", "no_data", "warming_up"},
//	 "alerts": [{"soldier", "tick", "channel", "kind", "vital", "score"}], "fps", "truth": [{"soldier", "kind", "start", "end"}]}
//
// time and tick are the simulated time and tick of the line's last frame;
// ticks is how many frames the line covers; counts are the soldiers in each
// detector state at that frame; alerts are the alert openings over the
// line's frames, in order (channel is the alert channel, vital the vital it
// concerns — for dropout and stuck the first missing or stuck one, omitted
// when none — and score the verdict's score in band-widths, null when it
// has none); fps is frames per wall second over the last second; truth (only
// with --truth) the simulation's ground-truth labels under way at the
// line's frame, which the detector never sees.

// Text formats (--format).
const (
	formatText = "text"
	formatJSON = "json"
)

// textLine is one line of text mode.
type textLine struct {
	Time   time.Time   `json:"time"`
	Tick   int64       `json:"tick"`
	Ticks  int         `json:"ticks"`
	Counts stateCounts `json:"counts"`
	Alerts []textAlert `json:"alerts"`
	FPS    float64     `json:"fps"`
	// Truth is nil without --truth (omitted), empty with it when nothing
	// is under way.
	Truth []textLabel `json:"truth,omitzero"`
}

// stateCounts counts soldiers by detector state.
type stateCounts struct {
	OK        int `json:"ok"`
	Watch     int `json:"watch"`
	Alert     int `json:"alert"`
	NoData    int `json:"no_data"`
	WarmingUp int `json:"warming_up"`
}

// textAlert is one alert opening.
type textAlert struct {
	Soldier engine.SoldierID `json:"soldier"`
	Tick    int64            `json:"tick"`
	Channel string           `json:"channel"`
	Kind    string           `json:"kind"`
	Vital   string           `json:"vital,omitempty"`
	Check   string           `json:"check,omitempty"` // the check that opened it (detector.Check)
	Score   *float64         `json:"score"`           // band-widths; nil when not finite
}

// textLabel is one ground-truth label.
type textLabel struct {
	Soldier engine.SoldierID `json:"soldier"`
	Kind    string           `json:"kind"`
	Start   int64            `json:"start"`
	End     int64            `json:"end"`
}

// textOptions say how text mode prints.
type textOptions struct {
	format string       // formatText or formatJSON
	truth  bool         // add the ground truth
	speed  float64      // simulated seconds per wall second; 0: as fast as possible, a line per tick
	clock  engine.Clock // paces the frames and the lines (tests inject one)
}

// runTextMode runs text mode on the battlefield of cfg (or on --replay):
// the dashboard's scorer, store and recorder on a live runtime.
func runTextMode(ctx context.Context, cfg engine.Config, f *dashboardFlags, o textOptions, e env) error {
	if f.replay != "" && f.record != "" {
		return errRecordReplay
	}
	if f.replay != "" {
		if f.alerts.enabled() {
			return errSinksReplay
		}
		rp, err := openReplay(f.replay, f.rescore, f.scorer, f.model)
		if err != nil {
			return err
		}
		defer rp.r.Close()
		if rp.warning != "" {
			fmt.Fprintln(e.stderr, "warning:", rp.warning)
		}
		rt, err := live.Open(ctx, live.Config{Source: rp.r})
		if err != nil {
			return err
		}
		defer rt.Close()
		return runText(ctx, rt, o, e.stdout)
	}
	b, err := openSimBattlefield(ctx, cfg, f, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer b.Close()
	if b.note != "" {
		fmt.Fprintf(e.stderr, "detector: %s (%s)\n", b.name, b.note)
	}
	err = runText(ctx, b.rt, o, e.stdout)
	if cerr := b.Close(); cerr != nil && err == nil {
		err = cerr
	}
	fmt.Fprint(e.stderr, b.offline.String())
	if b.hub.Enabled() {
		fmt.Fprintf(e.stderr, "alert sinks: %s\n", sinkSummary(b.hub))
	}
	if b.rec != nil {
		fmt.Fprintf(e.stderr, "recorded %d frames (%v of simulated time) to %s\n", b.rec.Frames(), time.Duration(b.rec.Frames())*b.sim.Tick(), f.record)
	}
	return err
}

// runText steps rt at o.speed on o.clock and prints its lines to w until
// the source ends or ctx does (both clean ends: the pending line is
// printed).
func runText(ctx context.Context, rt *live.Runtime, o textOptions, w io.Writer) error {
	if o.clock == nil {
		o.clock = engine.WallClock{}
	}
	st := &stepper{rt: rt}
	src := engine.NewPacer(st, o.speed, engine.WithClock(o.clock))
	p := &textPrinter{w: w, opts: o}
	if o.format == formatJSON {
		p.enc = json.NewEncoder(w)
	}
	var due time.Time // when the next line is due (paced)
	rate := rateMeter{}
	for {
		_, err := src.Next(ctx)
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			return p.flush()
		}
		if err != nil {
			return err
		}
		now := o.clock.Now()
		p.add(&st.last)
		p.fps = rate.add(now)
		if o.speed > 0 && now.Before(due) {
			continue
		}
		if err := p.flush(); err != nil {
			return err
		}
		if due = due.Add(time.Second); due.Before(now) {
			due = now.Add(time.Second) // first line, or fell behind
		}
	}
}

// stepper is the runtime as an engine.Source, for the pacer: Next steps
// the runtime (read, score, record) and keeps the snapshot.
type stepper struct {
	rt   *live.Runtime
	last live.Snapshot
}

func (s *stepper) Profiles() []engine.Profile { return s.rt.Profiles() }

func (s *stepper) Next(ctx context.Context) (engine.Frame, error) {
	snap, err := s.rt.Step(ctx)
	s.last = snap
	return snap.Frame, err
}

// rateMeter measures frames per wall second over windows of at least a
// second.
type rateMeter struct {
	start time.Time
	n     int
	rate  float64
}

// add counts a frame at now and returns the rate: that of the last whole
// window, or of the window so far before the first one closes (0 when no
// wall time has passed).
func (r *rateMeter) add(now time.Time) float64 {
	if r.start.IsZero() {
		r.start = now
		return 0
	}
	r.n++
	el := now.Sub(r.start)
	switch {
	case el >= time.Second:
		r.rate = float64(r.n) / el.Seconds()
		r.start, r.n = now, 0
	case r.rate == 0 && el > 0:
		return float64(r.n) / el.Seconds()
	}
	return r.rate
}

// textPrinter accumulates a line's snapshots and prints it.
type textPrinter struct {
	w    io.Writer
	enc  *json.Encoder // nil for text
	opts textOptions
	line textLine
	last engine.Frame // the line's last frame (pending when line.Ticks > 0)
	fps  float64
}

// add takes one snapshot into the pending line.
func (p *textPrinter) add(s *live.Snapshot) {
	p.line.Ticks++
	p.line.Counts = countStates(s.Verdicts)
	p.last = s.Frame
	for i := range s.Verdicts {
		p.line.Alerts = appendOpenings(p.line.Alerts, &s.Verdicts[i])
	}
}

// flush prints the pending line, if any.
func (p *textPrinter) flush() error {
	if p.line.Ticks == 0 {
		return nil
	}
	l := p.line
	l.Time, l.Tick, l.FPS = p.last.Time, p.last.T, math.Round(p.fps*10)/10
	if l.Alerts == nil {
		l.Alerts = []textAlert{}
	}
	if p.opts.truth {
		l.Truth = make([]textLabel, 0, len(p.last.Truth))
		for _, t := range p.last.Truth {
			if t.Contains(l.Tick) {
				l.Truth = append(l.Truth, textLabel{Soldier: t.Soldier, Kind: t.Kind.String(), Start: t.Start, End: t.End})
			}
		}
	}
	p.line, p.last = textLine{}, engine.Frame{}
	var err error
	if p.enc != nil {
		err = p.enc.Encode(l)
	} else {
		_, err = io.WriteString(p.w, l.logfmt())
	}
	if err != nil {
		return fmt.Errorf("write a text line: %w", err)
	}
	return nil
}

// countStates counts the verdicts by state.
func countStates(vs []detector.Verdict) stateCounts {
	var c stateCounts
	for i := range vs {
		switch vs[i].State {
		case detector.StateOK:
			c.OK++
		case detector.StateWatch:
			c.Watch++
		case detector.StateAlert:
			c.Alert++
		case detector.StateNoData:
			c.NoData++
		case detector.StateWarmingUp:
			c.WarmingUp++
		}
	}
	return c
}

// appendOpenings appends a textAlert for the alert (the soldier's incident)
// that opened in v: its kind, the channel whose opening opened it, and the
// vital its evidence names (every missing vital of a dropout, joined by
// "+"). A channel opening inside an open incident is no new alert.
func appendOpenings(dst []textAlert, v *detector.Verdict) []textAlert {
	if !v.Alert.Opened {
		return dst
	}
	ev := &v.Alert.Evidence
	var names []string
	for _, x := range ev.Vitals() {
		names = append(names, x.String())
	}
	a := textAlert{Soldier: v.Soldier, Tick: v.T, Channel: ev.Channel.String(), Kind: v.Alert.Kind.String(),
		Vital: strings.Join(names, "+"), Check: ev.Check.String()}
	if !math.IsNaN(v.Score) && !math.IsInf(v.Score, 0) {
		s := math.Round(v.Score*100) / 100
		a.Score = &s
	}
	return append(dst, a)
}

// logfmt formats the line as logfmt, newline included; alerts are
// soldier:kind:vital:score, truth labels soldier:kind, comma-separated.
func (l *textLine) logfmt() string {
	var b strings.Builder
	c := l.Counts
	fmt.Fprintf(&b, "time=%s tick=%d ticks=%d ok=%d watch=%d alert=%d no_data=%d warming_up=%d fps=%.1f alerts=",
		l.Time.Format(time.RFC3339), l.Tick, l.Ticks, c.OK, c.Watch, c.Alert, c.NoData, c.WarmingUp, l.FPS)
	for i, a := range l.Alerts {
		if i > 0 {
			b.WriteByte(',')
		}
		score := "-"
		if a.Score != nil {
			score = strconv.FormatFloat(*a.Score, 'f', 1, 64)
		}
		fmt.Fprintf(&b, "%d:%s:%s:%s", a.Soldier, a.Kind, a.Vital, score)
	}
	if l.Truth != nil {
		b.WriteString(" truth=")
		for i, t := range l.Truth {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d:%s", t.Soldier, t.Kind)
		}
	}
	b.WriteByte('\n')
	return b.String()
}

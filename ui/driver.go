package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Driver steps a battlefield the dashboard owns: the model's tick loop calls
// Step (in a command, never inside Update) at the chosen speed. Step returns
// io.EOF when the source ends. The model never calls Step concurrently with
// itself or with a seek.
type Driver interface {
	Step(ctx context.Context) (live.Snapshot, error)
}

// Ingester is the scoring pipeline a driver feeds each frame through
// (*monitor.Monitor: store the observations, read the windows, score them).
type Ingester interface {
	Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error)
}

// Scheduler knows each squad's phase schedule ahead of time (a simulation
// does; a replay does not). A SourceDriver over a Scheduler fills
// live.Snapshot.Schedule.
type Scheduler interface {
	Squads() int
	Schedule(squad int, from, to int64, dst []engine.Segment) []engine.Segment
}

// SourceDriver drives any engine.Source through an Ingester: each Step takes
// the source's next frame (a copy the driver owns) and scores it.
type SourceDriver struct {
	mu  sync.Mutex
	src engine.Source
	in  Ingester
}

// NewSourceDriver returns a driver that steps src and scores every frame with
// in; in may be nil for an unscored view.
func NewSourceDriver(src engine.Source, in Ingester) *SourceDriver {
	return &SourceDriver{src: src, in: in}
}

// Step returns the source's next frame with its verdicts.
func (d *SourceDriver) Step(ctx context.Context) (live.Snapshot, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, err := step(ctx, d.src, d.in)
	if err != nil {
		return s, err
	}
	if sc, ok := d.src.(Scheduler); ok {
		s.Schedule = schedules(sc, s.Frame.T)
	}
	return s, nil
}

// schedules reads every squad's schedule from t to t+ScheduleHorizon.
func schedules(sc Scheduler, t int64) [][]engine.Segment {
	out := make([][]engine.Segment, sc.Squads())
	for q := range out {
		out[q] = sc.Schedule(q, t, t+live.ScheduleHorizon, nil)
	}
	return out
}

// Tick returns the source's simulated time per frame (one second unless the
// source says otherwise).
func (d *SourceDriver) Tick() time.Duration {
	if t, ok := d.src.(interface{ Tick() time.Duration }); ok {
		return t.Tick()
	}
	return time.Second
}

func step(ctx context.Context, src engine.Source, in Ingester) (live.Snapshot, error) {
	f, err := src.Next(ctx)
	if err != nil {
		return live.Snapshot{}, err
	}
	s := live.Snapshot{Frame: f}
	if in != nil {
		s.Verdicts, err = in.Ingest(ctx, f.Obs, make([]detector.Verdict, 0, len(f.Obs)))
		if err != nil {
			return live.Snapshot{}, fmt.Errorf("score tick %d: %w", f.T, err)
		}
	}
	return s, nil
}

// DefaultPreroll is how many ticks before a seek target a ReplayDriver scores
// again, so the detector's windows are full and the charts have history.
const DefaultPreroll = 60

// ReplayDriver drives a recording with seeking. A seek starts a fresh
// pipeline (the feature store and the scorer's per-soldier state only move
// forward in time) and re-scores a short pre-roll before the target.
type ReplayDriver struct {
	mu          sync.Mutex
	r           *engine.Replay
	newPipeline func() (Ingester, error)
	in          Ingester
	preroll     int64
}

// NewReplayDriver returns a driver over r; newPipeline returns a fresh
// Ingester (a new store and scorer with the recording's profiles), called
// now and at every seek.
func NewReplayDriver(r *engine.Replay, newPipeline func() (Ingester, error)) (*ReplayDriver, error) {
	in, err := newPipeline()
	if err != nil {
		return nil, fmt.Errorf("start the scoring pipeline: %w", err)
	}
	return &ReplayDriver{r: r, newPipeline: newPipeline, in: in, preroll: DefaultPreroll}, nil
}

// Step returns the recording's next frame with its verdicts.
func (d *ReplayDriver) Step(ctx context.Context) (live.Snapshot, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return step(ctx, d.r, d.in)
}

// Seek positions the replay so that the next Step returns the first frame at
// or after tick t, and returns the pre-roll: the snapshots of up to
// DefaultPreroll ticks before it, scored by a fresh pipeline.
func (d *ReplayDriver) Seek(ctx context.Context, t int64) ([]live.Snapshot, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t = min(max(t, d.r.First()), d.r.Last())
	in, err := d.newPipeline()
	if err != nil {
		return nil, fmt.Errorf("restart the scoring pipeline: %w", err)
	}
	d.in = in
	from := max(d.r.First(), t-d.preroll)
	if err := d.r.SeekTo(from); err != nil {
		return nil, fmt.Errorf("seek to tick %d: %w", from, err)
	}
	var pre []live.Snapshot
	for d.r.Pos() < t {
		s, err := step(ctx, d.r, d.in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		pre = append(pre, s)
	}
	return pre, nil
}

// Control returns the replay controls for WithReplay.
func (d *ReplayDriver) Control() ReplayControl {
	return ReplayControl{First: d.r.First(), Last: d.r.Last(), Seek: d.Seek}
}

// Tick returns the recording's simulated time per frame.
func (d *ReplayDriver) Tick() time.Duration {
	if h := d.r.Header(); h.Config != nil && h.Config.Tick > 0 {
		return h.Config.Tick
	}
	return time.Second
}

// ReplayControl lets the dashboard seek a recording and draw its progress.
// Seek is called in a command (never inside Update) and returns the
// pre-roll snapshots before the target (possibly none); the frames after it
// arrive through the driver or feed as usual.
type ReplayControl struct {
	First, Last int64 // ticks of the first and last frame
	Seek        func(ctx context.Context, t int64) ([]live.Snapshot, error)
}

package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// DefaultPreroll is how many ticks before a seek target Seek returns, so a
// screen has chart history (and a re-scoring detector full windows).
const DefaultPreroll = 60

// Tick is one replayed tick: the frame and the verdicts on it (nil when the
// tick was not scored).
type Tick struct {
	Frame    engine.Frame
	Verdicts []detector.Verdict
}

// ReplayOption configures a Replay.
type ReplayOption func(*Replay)

// WithRescore scores every frame again with a scorer from newScorer (a
// fresh one at the start and after every seek, behind its own in-memory
// store) instead of returning the recorded verdicts. It works on
// recordings without verdicts too (such as `chakra-tui sim --record`).
func WithRescore(newScorer func() (detector.Scorer, error)) ReplayOption {
	return func(r *Replay) { r.newScorer = newScorer }
}

// WithPreroll sets how many ticks before its target Seek returns (≥ 0).
func WithPreroll(ticks int64) ReplayOption {
	return func(r *Replay) { r.preroll = max(ticks, 0) }
}

// Replay reads a session back: frames with the verdicts recorded beside
// them, or re-scored (WithRescore). It is an engine.Source (pace it with an
// engine.Pacer), not safe for concurrent use.
type Replay struct {
	r       *engine.Replay
	name    string
	meta    Meta
	session bool // the file has a session record
	names   names
	last    []detector.Verdict

	newScorer func() (detector.Scorer, error)
	pipe      *pipeline
	preroll   int64
}

// Open opens the session (or plain frame recording) at path. It checks the
// whole file's structure (engine.OpenReplay) and the first tick's session
// and verdict records.
func Open(path string, opts ...ReplayOption) (*Replay, error) {
	er, err := engine.OpenReplay(path)
	if err != nil {
		return nil, err
	}
	r, err := newReplay(er, path, opts)
	if err != nil {
		er.Close()
		return nil, err
	}
	return r, nil
}

// NewReplay reads the session in rs; name identifies it in errors.
func NewReplay(rs io.ReadSeeker, name string, opts ...ReplayOption) (*Replay, error) {
	er, err := engine.NewReplay(rs, name)
	if err != nil {
		return nil, err
	}
	r, err := newReplay(er, name, opts)
	if err != nil {
		er.Close()
		return nil, err
	}
	return r, nil
}

func newReplay(er *engine.Replay, name string, opts []ReplayOption) (*Replay, error) {
	r := &Replay{r: er, name: name, names: names{}, preroll: DefaultPreroll}
	for _, o := range opts {
		o(r)
	}
	if er.Len() > 0 {
		// Read the first tick's records: the session record, and the first
		// verdict record's version.
		f, err := er.Next(context.Background())
		if err != nil {
			return nil, err
		}
		for _, a := range er.Aux() {
			switch a.Kind {
			case KindSession:
				m, err := decodeMeta(a.Payload)
				if err != nil {
					return nil, fmt.Errorf("open recording %q: tick %d: %w", name, a.T, err)
				}
				r.meta, r.session = m, true
			case KindVerdicts:
				if _, err := decodeVerdicts(a.Payload, &f, r.names, nil); err != nil {
					return nil, fmt.Errorf("open recording %q: tick %d: %w", name, a.T, err)
				}
			}
		}
		if err := er.SeekTo(er.First()); err != nil {
			return nil, err
		}
	}
	if r.newScorer != nil {
		if err := r.restart(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// pipeline is a fresh store and monitor for re-scoring.
type pipeline struct {
	store featurestore.Online
	mon   *monitor.Monitor
}

func (p *pipeline) close() {
	p.mon.Close()
	p.store.Close()
}

// restart replaces the re-scoring pipeline with a fresh one.
func (r *Replay) restart() error {
	sc, err := r.newScorer()
	if err != nil {
		return fmt.Errorf("re-score %q: %w", r.name, err)
	}
	store, err := featurestore.NewMemory()
	if err != nil {
		return fmt.Errorf("re-score %q: %w", r.name, err)
	}
	mon, err := monitor.New(store, sc)
	if err != nil {
		store.Close()
		return fmt.Errorf("re-score %q: %w", r.name, err)
	}
	if err := mon.SetProfiles(context.Background(), r.r.Profiles()); err != nil {
		mon.Close()
		store.Close()
		return fmt.Errorf("re-score %q: %w", r.name, err)
	}
	if r.pipe != nil {
		r.pipe.close()
	}
	r.pipe = &pipeline{store: store, mon: mon}
	return nil
}

// Name returns the name the replay was opened with.
func (r *Replay) Name() string { return r.name }

// Header returns the recording's header (configuration and profiles).
func (r *Replay) Header() engine.Header { return r.r.Header() }

// Profiles returns the recorded soldiers' static covariates.
func (r *Replay) Profiles() []engine.Profile { return r.r.Profiles() }

// Meta returns what produced the recorded verdicts (zero for a plain frame
// recording).
func (r *Replay) Meta() Meta { return r.meta }

// HasVerdicts reports whether the file is a session recording (with
// verdicts), as opposed to a plain frame recording.
func (r *Replay) HasVerdicts() bool { return r.session }

// Rescoring reports whether verdicts come from a fresh scorer rather than
// the file.
func (r *Replay) Rescoring() bool { return r.pipe != nil }

// Scorer returns the name of the detector behind the verdicts: the
// re-scoring scorer's, else the recorded one's.
func (r *Replay) Scorer() string {
	if r.pipe != nil {
		return r.pipe.mon.Scorer().Name()
	}
	return r.meta.Detector
}

// Truncated describes the recording's cut tail (its writer was killed), or
// returns nil when the file is whole: a cut file plays every frame of its
// complete members (engine.Replay.Truncated). Front ends show it as a
// warning.
func (r *Replay) Truncated() *engine.Truncation { return r.r.Truncated() }

// Len returns the number of frames; First and Last their first and last
// ticks (engine.Replay).
func (r *Replay) Len() int64 { return r.r.Len() }

// First returns the tick of the first frame.
func (r *Replay) First() int64 { return r.r.First() }

// Last returns the tick of the last frame.
func (r *Replay) Last() int64 { return r.r.Last() }

// Pos returns the tick of the frame Next returns next (Last()+1 at the end).
func (r *Replay) Pos() int64 { return r.r.Pos() }

// Tick returns the simulated time per frame (one second unless the header
// says otherwise).
func (r *Replay) Tick() time.Duration {
	if h := r.r.Header(); h.Config != nil && h.Config.Tick > 0 {
		return h.Config.Tick
	}
	return time.Second
}

// Next returns the next frame (io.EOF after the last); Verdicts then
// returns the verdicts on it.
func (r *Replay) Next(ctx context.Context) (engine.Frame, error) {
	r.last = nil
	f, err := r.r.Next(ctx)
	if err != nil {
		return f, err
	}
	if r.pipe != nil {
		vs, err := r.pipe.mon.Ingest(ctx, f.Obs, make([]detector.Verdict, 0, len(f.Obs)))
		if err != nil {
			return engine.Frame{}, fmt.Errorf("re-score %q: tick %d: %w", r.name, f.T, err)
		}
		r.last = vs
		return f, nil
	}
	for _, a := range r.r.Aux() {
		switch a.Kind {
		case KindVerdicts:
			if r.last != nil {
				return engine.Frame{}, fmt.Errorf("read recording %q: tick %d: %w: two verdict records", r.name, f.T, ErrCorrupt)
			}
			if a.T != f.T {
				return engine.Frame{}, fmt.Errorf("read recording %q: tick %d: %w: verdicts record for tick %d", r.name, f.T, ErrCorrupt, a.T)
			}
			vs, err := decodeVerdicts(a.Payload, &f, r.names, make([]detector.Verdict, 0, len(f.Obs)))
			if err != nil {
				return engine.Frame{}, fmt.Errorf("read recording %q: tick %d: %w", r.name, f.T, err)
			}
			r.last = vs
		case KindSession:
			if _, err := decodeMeta(a.Payload); err != nil {
				return engine.Frame{}, fmt.Errorf("read recording %q: tick %d: %w", r.name, f.T, err)
			}
		}
	}
	return f, nil
}

// Verdicts returns the verdicts on the frame Next returned last: recorded
// or re-scored, nil if it was not scored. The slice is the caller's.
func (r *Replay) Verdicts() []detector.Verdict { return r.last }

// Step returns the next tick: Next and Verdicts in one call.
func (r *Replay) Step(ctx context.Context) (Tick, error) {
	f, err := r.Next(ctx)
	if err != nil {
		return Tick{}, err
	}
	return Tick{Frame: f, Verdicts: r.last}, nil
}

// SeekTo positions the replay so that Next returns the first frame at or
// after tick t. When re-scoring, the scorer starts afresh there (Seek adds
// a pre-roll that warms it up).
func (r *Replay) SeekTo(t int64) error {
	r.last = nil
	if r.pipe != nil {
		if err := r.restart(); err != nil {
			return err
		}
	}
	return r.r.SeekTo(t)
}

// Seek positions the replay so that Next returns the first frame at or
// after tick t (clamped to the recording) and returns the ticks of the
// pre-roll before it (up to WithPreroll ticks, DefaultPreroll by default):
// history for a screen and, when re-scoring, a warm-up for the scorer.
func (r *Replay) Seek(ctx context.Context, t int64) ([]Tick, error) {
	if r.r.Len() == 0 {
		return nil, nil
	}
	t = min(max(t, r.r.First()), r.r.Last())
	from := max(r.r.First(), t-r.preroll)
	if err := r.SeekTo(from); err != nil {
		return nil, fmt.Errorf("seek to tick %d: %w", from, err)
	}
	var pre []Tick
	for r.r.Pos() < t {
		tk, err := r.Step(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		pre = append(pre, tk)
	}
	return pre, nil
}

// Close releases the file and the re-scoring pipeline.
func (r *Replay) Close() error {
	if r.pipe != nil {
		r.pipe.close()
		r.pipe = nil
	}
	return r.r.Close()
}

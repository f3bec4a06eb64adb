package session

import (
	"fmt"
	"io"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Option configures a Recorder.
type Option func(*recOptions)

type recOptions struct {
	all    bool
	engine []engine.RecorderOption
}

// WithAllExplanations keeps every verdict's variable weights and attention,
// not only those of verdicts that open an alert (a much larger file).
func WithAllExplanations() Option { return func(o *recOptions) { o.all = true } }

// WithSyncEvery starts a new gzip member every n frames (engine.WithSyncEvery):
// smaller members seek faster and compress a little worse.
func WithSyncEvery(n int) Option {
	return func(o *recOptions) { o.engine = append(o.engine, engine.WithSyncEvery(n)) }
}

// WithFlushEvery writes the recording out (closing a gzip member) after
// every d of frame time (engine.WithFlushEvery); Create defaults to
// engine.DefaultFlushEvery, d ≤ 0 turns it off.
func WithFlushEvery(d time.Duration) Option {
	return func(o *recOptions) { o.engine = append(o.engine, engine.WithFlushEvery(d)) }
}

// WithOverwrite lets Create replace an existing file (engine.WithOverwrite):
// without it an existing path is refused with engine.ErrRecordingExists.
func WithOverwrite() Option {
	return func(o *recOptions) { o.engine = append(o.engine, engine.WithOverwrite()) }
}

// Recorder writes a session: every frame with the detector's verdicts on it.
// It is not safe for concurrent use; errors are sticky (engine.Recorder).
type Recorder struct {
	rec    *engine.Recorder
	name   string
	meta   Meta
	all    bool
	buf    []byte
	aux    []engine.AuxRecord
	frames int64
}

// Create creates the session file at path, mode 0600, refusing an existing
// one unless WithOverwrite is given; hdr describes the battlefield
// (engine.NewHeader) and meta the detector. The file is written out every
// engine.DefaultFlushEvery of frame time (WithFlushEvery), so a killed
// process leaves a file that replays all but at most that many seconds of
// frames (engine.Replay).
func Create(path string, hdr engine.Header, meta Meta, opts ...Option) (*Recorder, error) {
	o := apply(opts)
	rec, err := engine.CreateRecording(path, hdr, o.engine...)
	if err != nil {
		return nil, fmt.Errorf("record session: %w", err)
	}
	return &Recorder{rec: rec, name: path, meta: meta, all: o.all}, nil
}

// NewRecorder writes a session to w; name identifies it in errors. Close
// finishes the recording but does not close w.
func NewRecorder(w io.Writer, name string, hdr engine.Header, meta Meta, opts ...Option) (*Recorder, error) {
	o := apply(opts)
	rec, err := engine.NewRecorder(w, name, hdr, o.engine...)
	if err != nil {
		return nil, fmt.Errorf("record session: %w", err)
	}
	return &Recorder{rec: rec, name: name, meta: meta, all: o.all}, nil
}

func apply(opts []Option) recOptions {
	var o recOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Write appends frame f and the verdicts on it: one per observation, in the
// frame's order, for its tick (as monitor.Ingest returns them), or nil for
// a frame nobody scored. Ticks must increase. The frame and its records are
// written as one unit: a flush never separates them.
func (r *Recorder) Write(f *engine.Frame, vs []detector.Verdict) error {
	if vs != nil {
		if err := checkVerdicts(f, vs); err != nil {
			return fmt.Errorf("record session %q: %w", r.name, err)
		}
	}
	aux := r.aux[:0]
	if r.frames == 0 {
		aux = append(aux, engine.AuxRecord{T: f.T, Kind: KindSession, Payload: encodeMeta(r.meta)})
	}
	if vs != nil {
		r.buf = appendVerdicts(r.buf[:0], f, vs, r.all)
		aux = append(aux, engine.AuxRecord{T: f.T, Kind: KindVerdicts, Payload: r.buf})
	}
	r.aux = aux
	if err := r.rec.WriteFrame(f, aux...); err != nil {
		return err
	}
	r.frames++
	return nil
}

// Frames returns the number of frames written.
func (r *Recorder) Frames() int64 { return r.frames }

// Flush writes everything recorded so far out now (engine.Recorder.Flush).
func (r *Recorder) Flush() error { return r.rec.Flush() }

// Flushed returns the number of frames already written out: what a killed
// process would keep.
func (r *Recorder) Flushed() int64 { return r.rec.Flushed() }

// Close writes the trailer and closes the file Create opened. Closing twice
// is harmless.
func (r *Recorder) Close() error { return r.rec.Close() }

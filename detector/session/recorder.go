package session

import (
	"fmt"
	"io"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Option configures a Recorder.
type Option func(*recOptions)

type recOptions struct {
	all  bool
	sync []engine.RecorderOption
}

// WithAllExplanations keeps every verdict's variable weights and attention,
// not only those of verdicts that open an alert (a much larger file).
func WithAllExplanations() Option { return func(o *recOptions) { o.all = true } }

// WithSyncEvery starts a new gzip member every n frames (engine.WithSyncEvery):
// smaller members seek faster and compress a little worse.
func WithSyncEvery(n int) Option {
	return func(o *recOptions) { o.sync = append(o.sync, engine.WithSyncEvery(n)) }
}

// Recorder writes a session: every frame with the detector's verdicts on it.
// It is not safe for concurrent use; errors are sticky (engine.Recorder).
type Recorder struct {
	rec    *engine.Recorder
	name   string
	meta   Meta
	all    bool
	buf    []byte
	frames int64
}

// Create creates (or truncates) the session file at path; hdr describes the
// battlefield (engine.NewHeader) and meta the detector.
func Create(path string, hdr engine.Header, meta Meta, opts ...Option) (*Recorder, error) {
	o := apply(opts)
	rec, err := engine.CreateRecording(path, hdr, o.sync...)
	if err != nil {
		return nil, fmt.Errorf("record session: %w", err)
	}
	return &Recorder{rec: rec, name: path, meta: meta, all: o.all}, nil
}

// NewRecorder writes a session to w; name identifies it in errors. Close
// finishes the recording but does not close w.
func NewRecorder(w io.Writer, name string, hdr engine.Header, meta Meta, opts ...Option) (*Recorder, error) {
	o := apply(opts)
	rec, err := engine.NewRecorder(w, name, hdr, o.sync...)
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
// a frame nobody scored. Ticks must increase.
func (r *Recorder) Write(f *engine.Frame, vs []detector.Verdict) error {
	if vs != nil {
		if err := checkVerdicts(f, vs); err != nil {
			return fmt.Errorf("record session %q: %w", r.name, err)
		}
	}
	if err := r.rec.WriteFrame(f); err != nil {
		return err
	}
	if r.frames == 0 {
		if err := r.rec.WriteAux(f.T, KindSession, encodeMeta(r.meta)); err != nil {
			return err
		}
	}
	r.frames++
	if vs == nil {
		return nil
	}
	r.buf = appendVerdicts(r.buf[:0], f, vs, r.all)
	return r.rec.WriteAux(f.T, KindVerdicts, r.buf)
}

// Frames returns the number of frames written.
func (r *Recorder) Frames() int64 { return r.frames }

// Close writes the trailer and closes the file Create opened. Closing twice
// is harmless.
func (r *Recorder) Close() error { return r.rec.Close() }

package monitor

import (
	"context"
	"runtime"
	"time"
)

// IngestTrace is where one Ingest call's time went, phase by phase: what
// a tick trace (--tick-trace) records of the monitor. Ingest fills it
// when its context carries it (WithTrace); untraced calls pay nothing.
// Offsets are wall time from the call's Start; CPU times are of the
// goroutine's thread while it ran a phase (zero where the platform does
// not tell).
type IngestTrace struct {
	Start time.Time
	// Ends holds the end of each phase on the caller's goroutine (see
	// Phase), as offsets from Start.
	Ends [NumPhases]time.Duration
	Rows int // rows read per soldier
	// Shards is one entry per worker of a split call (each scores the
	// chunks it takes), or one for the caller's goroutine.
	Shards []ShardTrace
	// Opened, Refined and Closed count the incidents opened (each with its
	// explanation and attribution), refined and closed by the call.
	Opened, Refined, Closed int
}

// ShardTrace is one worker's part of a traced Ingest call.
type ShardTrace struct {
	Windows int // in the chunks it took
	// Offsets from IngestTrace.Start: the worker started, scored its last
	// chunk, kept its last chunk's verdicts (Scored and Kept are Began for
	// a worker that took no chunk).
	Began, Scored, Kept time.Duration
	// CPU is its thread's CPU time from Began to Kept (the goroutine is
	// locked to its thread meanwhile, so this is the worker's own).
	CPU time.Duration
}

// Phase is a phase of Ingest on the caller's goroutine, in order.
type Phase int

// Ingest's phases.
const (
	PhaseLocked    Phase = iota // the soldiers' locks taken
	PhaseChosen                 // the rows per soldier chosen (IngestTrace.Rows)
	PhaseWritten                // the store written
	PhaseProfiled               // the profiles looked up
	PhaseRead                   // the windows read from the store
	PhaseScored                 // every shard scored (and, split, kept)
	PhaseJoined                 // kept (one shard) or the shards' closings joined
	PhasePublished              // the alert events and changes published
	NumPhases
)

var phaseNames = [NumPhases]string{"locked", "chosen", "written", "profiled", "read", "scored", "joined", "published"}

// String returns the phase's name in a tick trace.
func (p Phase) String() string { return phaseNames[p] }

type traceKey struct{}

// WithTrace returns ctx carrying tr: an Ingest under it records its
// phases into tr (overwriting it). The caller reads tr after Ingest
// returns; Ingest touches it only until then.
func WithTrace(ctx context.Context, tr *IngestTrace) context.Context {
	return context.WithValue(ctx, traceKey{}, tr)
}

// traceOf returns the trace ctx carries, or nil.
func traceOf(ctx context.Context) *IngestTrace {
	tr, _ := ctx.Value(traceKey{}).(*IngestTrace)
	return tr
}

// begin resets tr for a new call.
func (tr *IngestTrace) begin() {
	*tr = IngestTrace{Start: time.Now(), Shards: tr.Shards[:0]}
}

// mark records the end of phase p; a nil trace does nothing.
func (tr *IngestTrace) mark(p Phase) {
	if tr != nil {
		tr.Ends[p] = time.Since(tr.Start)
	}
}

// shard starts tracing a shard on the calling goroutine, which it locks
// to its thread until done is called, and returns done.
func (tr *IngestTrace) shard(st *ShardTrace, windows int) (scored, done func()) {
	runtime.LockOSThread()
	st.Windows = windows
	st.Began = time.Since(tr.Start)
	st.Scored = st.Began
	cpu0 := threadCPU()
	return func() { st.Scored = time.Since(tr.Start) }, func() {
		st.Kept = time.Since(tr.Start)
		st.CPU = threadCPU() - cpu0
		runtime.UnlockOSThread()
	}
}

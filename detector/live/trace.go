package live

import (
	"time"

	"github.com/chakra-tui/chakra-tui/detector/monitor"
)

// TickTrace is where one tick of Run went, from asking the source for its
// frame to publishing it (Config.Trace; --tick-trace). Offsets are wall
// time from Delivered.
type TickTrace struct {
	T int64
	// Delivered is when the (paced) source delivered the frame; Waited is
	// how long Run waited for it (the pacer's wait for its due time, or
	// the frame made ahead not ready yet).
	Delivered time.Time
	Waited    time.Duration
	// Scored, Recorded and Published end those parts of the step: the
	// pipeline's Ingest (with what wraps the monitor, such as the HTTP
	// API's counters), the recording tap, the fan-out.
	Scored, Recorded, Published time.Duration
	// Lag is the tick's lag (see Lag).
	Lag time.Duration
	// Ingest is the monitor's own trace of the tick's Ingest, when the
	// pipeline is a monitor or passes its context on to one (zero
	// otherwise).
	Ingest monitor.IngestTrace
}

package featurestore

import (
	"context"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Online is the online feature store: each soldier's most recent rows, read
// by the detector every tick. NewMemory is the embedded default; NewRedis is
// the store several processes share.
//
// Implementations are safe for one writer and many concurrent readers.
type Online interface {
	// WriteFrame stores the observations of one tick (typically all soldiers)
	// at once. A row whose T is not after its soldier's latest row is refused
	// with ErrOutOfOrder and the whole call writes nothing (a store that
	// takes late and repeated rows does so in LateWriter.WriteLate).
	WriteFrame(ctx context.Context, obs []engine.Observation) error
	// Window appends the last n rows of soldier id, oldest first, to dst and
	// returns it. A soldier with no rows gives an empty window and no error.
	Window(ctx context.Context, id engine.SoldierID, n int, dst []engine.Observation) ([]engine.Observation, error)
	// Windows reads the last n rows of every soldier in ids in one call: on
	// return dst[i] holds ids[i]'s rows, oldest first. dst is grown to
	// len(ids) and its inner slices are reused.
	Windows(ctx context.Context, ids []engine.SoldierID, n int, dst [][]engine.Observation) ([][]engine.Observation, error)
	// Latest returns the newest row of soldier id and whether there is one.
	Latest(ctx context.Context, id engine.SoldierID) (engine.Observation, bool, error)
	// Soldiers returns the ids of the soldiers with rows that have not
	// expired, sorted.
	Soldiers(ctx context.Context) ([]engine.SoldierID, error)
	// PutProfile stores a soldier's static covariates.
	PutProfile(ctx context.Context, p engine.Profile) error
	// Profile returns a soldier's static covariates and whether they are known.
	Profile(ctx context.Context, id engine.SoldierID) (engine.Profile, bool, error)
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// SoldierCounter is implemented by online stores that count the soldiers
// with unexpired rows without listing them (Memory): what a /metrics
// scrape asks, every few seconds, of a store that may hold 50 000.
type SoldierCounter interface {
	// CountSoldiers returns the length of what Soldiers would return.
	CountSoldiers(ctx context.Context) (int, error)
}

// LateWriter is implemented by online stores that take rows which are not
// after their soldier's latest: repeats of a stored row (a retried request)
// and late rows (two client threads, a gateway that reorders). Memory and
// the Redis store implement it with the same rules (storetest.RunOnline).
type LateWriter interface {
	// WriteLate stores row o, which WriteFrame refused or would refuse
	// because o.T is not after its soldier's latest tick L:
	//   - a stored row at o.T with the same readings (SameReadings): nothing
	//     is written, Repeat;
	//   - no stored row at o.T and L − window ≤ o.T: o is inserted among the
	//     soldier's rows in tick order (Latest still gives the row at L;
	//     windows include o), Inserted;
	//   - otherwise (a different reading at o.T; older than the window, or
	//     than the oldest row the store holds of a soldier whose rows fill
	//     its capacity) an *OutOfOrderError, nothing written.
	// A soldier without unexpired rows, or o.T after L, gives NotLate and
	// writes nothing: write o with WriteFrame. window < 0 counts as 0
	// (repeats only).
	WriteLate(ctx context.Context, o engine.Observation, window int64) (Late, error)
}

// Late is what WriteLate did with a row.
type Late uint8

const (
	// NotLate: the row is after its soldier's latest (or the soldier has no
	// rows); nothing was written.
	NotLate Late = iota
	// Repeat: the same readings were already stored at that tick; nothing
	// was written.
	Repeat
	// Inserted: the row was stored in tick order before the latest.
	Inserted
)

// String returns "not_late", "repeat" or "inserted".
func (l Late) String() string {
	switch l {
	case Repeat:
		return "repeat"
	case Inserted:
		return "inserted"
	}
	return "not_late"
}

// SameReadings reports whether a and b carry the same vital readings: the
// same vitals missing and, for the others, equal values (bit for bit, as
// stored). Ticks, phases and ambient are not compared: a retried request
// whose phase the server filled in from a later verdict is still a repeat.
func SameReadings(a, b *engine.Observation) bool {
	for v := range engine.NumVitals {
		x, okx := a.Value(engine.Vital(v))
		y, oky := b.Value(engine.Vital(v))
		if okx != oky || okx && (math.IsNaN(x) != math.IsNaN(y) || !math.IsNaN(x) && math.Float64bits(x) != math.Float64bits(y)) {
			return false
		}
	}
	return true
}

// FrameWindower is implemented by online stores that can write a frame and
// read the windows of its soldiers in one call for less than WriteFrame and
// Windows cost one after the other (the Redis store: often one round trip
// instead of two). The windows are as they stand just after the write:
// dst[i] holds the last n rows of obs[i]'s soldier, oldest first.
// written reports whether the frame was stored, so a caller can tell a
// refused write (nothing stored) from a failed read after a stored one.
type FrameWindower interface {
	WriteFrameWindows(ctx context.Context, obs []engine.Observation, n int, dst [][]engine.Observation) (_ [][]engine.Observation, written bool, err error)
}

// WriteFrameWindows writes obs to s and returns the windows of their
// soldiers (dst[i] for obs[i], the last n rows as they stand just after the
// write): in one call when s is a FrameWindower, else WriteFrame then
// Windows over ids, which must hold obs[i].Soldier at i (the caller's
// scratch). written reports whether the frame was stored.
func WriteFrameWindows(ctx context.Context, s Online, obs []engine.Observation, ids []engine.SoldierID, n int, dst [][]engine.Observation) (_ [][]engine.Observation, written bool, err error) {
	if fw, ok := s.(FrameWindower); ok {
		return fw.WriteFrameWindows(ctx, obs, n, dst)
	}
	if err := s.WriteFrame(ctx, obs); err != nil {
		return dst, false, err
	}
	dst, err = s.Windows(ctx, ids, n, dst)
	return dst, true, err
}

// Window is what the detector scores for one soldier: the static covariates
// and the most recent rows, oldest first. The last row is the observation
// being scored; its Phase and NextPhase are the known inputs.
type Window struct {
	Profile engine.Profile
	Rows    []engine.Observation
}

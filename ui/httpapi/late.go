package httpapi

import (
	"errors"
	"strconv"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// answerLate handles observation o, which the store refused as out of
// order with refused, and appends its answer (a verdict's JSON) to b:
//
//   - a repeat of a stored reading (same soldier, timestamp and readings)
//     writes nothing: the original verdict marked "repeat": true when it
//     is this server's latest for the soldier, else an unscored answer
//     marked "repeat": true;
//   - a reading at most the reorder window before the soldier's latest is
//     inserted in time order and answered unscored, marked "late": true;
//   - anything else (older than the window, other readings at a stored
//     timestamp, a store without late rows) keeps its error.
//
// A row that turns out not to be late (the soldier's rows expired between
// the two calls) is ingested once more.
func (s *Server) answerLate(b []byte, o engine.Observation, refused error) ([]byte, error) {
	b, _, err := s.answerLateAs(b, o, refused, nil)
	return b, err
}

// answerLateAs is answerLate that also says what the store did with the
// row (featurestore.NotLate: it was ingested and scored after all) and,
// when that gave a fresh verdict, stores it in *scored (if not nil).
func (s *Server) answerLateAs(b []byte, o engine.Observation, refused error, scored *detector.Verdict) ([]byte, featurestore.Late, error) {
	var ooo *featurestore.OutOfOrderError
	if !errors.As(refused, &ooo) {
		return b, 0, refused
	}
	l, err := s.m.WriteLate(ingestContext, o, int64(s.o.reorder.Seconds()))
	switch {
	case errors.Is(err, monitor.ErrLateUnsupported):
		return b, 0, refused
	case err != nil:
		return b, 0, err
	case l == featurestore.Repeat:
		s.met.lateChild[l].Inc()
		if v, ok := s.m.Latest(o.Soldier); ok && v.T == o.T {
			b = appendVerdict(b, &v, s.extras)
			return append(b[:len(b)-1], `,"repeat":true}`...), l, nil
		}
		return appendUnscored(b, &o, "repeat"), l, nil
	case l == featurestore.Inserted:
		s.met.lateChild[l].Inc()
		return appendUnscored(b, &o, "late"), l, nil
	}
	vs, err := s.Ingest(ingestContext, []engine.Observation{o}, nil)
	if err != nil {
		return b, 0, err
	}
	if scored != nil {
		*scored = vs[0]
	}
	return appendVerdict(b, &vs[0], s.extras), featurestore.NotLate, nil
}

// appendUnscored appends the answer to a reading that was stored (or
// already was) but not scored: the verdict's identifying fields, state
// "not_scored", no alert, the flag (late or repeat) and "scored": false.
func appendUnscored(b []byte, o *engine.Observation, flag string) []byte {
	b = append(b, `{"soldier_id":`...)
	b = strconv.AppendInt(b, int64(o.Soldier), 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, o.T, 10)
	b = append(b, `,"anomaly":false,"state":"not_scored","kind":"none","`...)
	b = append(b, flag...)
	return append(b, `":true,"scored":false}`...)
}

package httpapi

import (
	"net/http"
	"sync/atomic"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// The stream side of the server: observations that arrive as messages (the
// Kafka adapter in ui/kafkaio) rather than as requests go through the same
// decoder, the same rules and the same pipeline as POST /predict/batch, and
// the adapter reports its counters and health through the server's
// /metrics and /ready.

// StreamAnswer is the outcome of one message given to ObserveJSON.
type StreamAnswer struct {
	// Soldier and T identify the observation; Soldier is -1 when the
	// message was not a readable observation.
	Soldier int64
	T       int64
	// Verdict is what POST /predict answers with 200: the verdict, or for a
	// repeat the original verdict marked "repeat": true (an unscored answer
	// when this process did not score it), or for a late reading its
	// unscored answer marked "late": true. Nil when Err is set.
	Verdict []byte
	// Alert is the data of the /alerts event when this observation's
	// verdict opened an alert channel; nil otherwise.
	Alert []byte
	// Repeat: the observation was stored already (a redelivery): nothing
	// was written and nothing scored. Late: stored in time order, unscored.
	Repeat, Late bool
	// Err is why the message got no verdict: a rule it breaks (its JSON
	// error body in ErrJSON, as /predict would answer) or a failure.
	Err     error
	ErrJSON []byte
	// Retry: Err may pass (the store is unavailable, a timeout, shutting
	// down): nothing was written; try the message again later rather than
	// give up on it.
	Retry bool
}

// ObserveJSON scores messages that each hold one observation as the
// /predict JSON body, and returns one answer per message, in order,
// appended to dst. Each message is checked on its own, exactly like an item
// of POST /predict/batch (the same decoder, the same server rules, the same
// rounds per soldier, the same handling of repeats and late readings, the
// same metrics): a broken message gets its error and the others go on.
// Messages of one soldier must come in their stream order.
func (s *Server) ObserveJSON(msgs [][]byte, dst []StreamAnswer) []StreamAnswer {
	if len(msgs) == 0 {
		return dst
	}
	rs := s.pool.Get().(*reqState)
	defer s.release(rs)
	items := rs.items[:0]
	for _, m := range msgs {
		items = append(items, batchItem{})
		it := &items[len(items)-1]
		if len(m) > s.o.bodyLimit {
			it.err = newError(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "", "the message exceeds the limit of %d bytes", s.o.bodyLimit)
			continue
		}
		rs.lex.reset(m)
		rule, fatal := decodeObservation(&rs.lex, &it.f)
		if fatal == nil {
			fatal = rs.lex.end()
		}
		if fatal != nil {
			it.err = fatal
		} else {
			it.err = rule
		}
	}
	rs.items = items
	n := len(items)
	p := batchPlan{res: make([]batchResult, n), obs: make([]engine.Observation, n), round: make([]int, n), retries: n}
	s.planBatch(&p, items, s.o.now())
	s.writeBatch(rs, &p)
	for i := range p.res {
		a := StreamAnswer{Soldier: -1}
		if items[i].f.has(fSoldier) && items[i].f.has(fTimestamp) && (items[i].err == nil || items[i].err.code != codeInvalidJSON) {
			a.Soldier, a.T = items[i].f.soldier, items[i].f.ts
		}
		r := &p.res[i]
		switch {
		case r.err != nil:
			a.Err = r.err
			a.ErrJSON = appendError(nil, r.err)
			a.Retry = r.err.status == http.StatusServiceUnavailable
		case r.late != nil:
			a.Verdict = r.late
			a.Repeat = r.lateAs == featurestore.Repeat
			a.Late = r.lateAs == featurestore.Inserted
			if r.scored != nil && r.scored.Alert.Opened {
				a.Alert = s.appendAlertData(nil, r.scored)
			}
		default:
			v := &rs.vs[r.verdict]
			a.Verdict = appendVerdict(nil, v, s.extras)
			if v.Alert.Opened {
				a.Alert = s.appendAlertData(nil, v)
			}
		}
		dst = append(dst, a)
	}
	return dst
}

// StreamStats is how an ingest stream beside HTTP (the Kafka adapter)
// reports through the server: its counters and lag in /metrics, which
// exports them always (0 without a stream, so dashboards and alert rules
// find them), and its health in /ready. Its methods are safe for
// concurrent use.
type StreamStats struct {
	s   *Server
	err atomic.Pointer[error]
}

// Stream returns the server's stream statistics.
func (s *Server) Stream() *StreamStats { return &s.stream }

// Consumed counts n messages taken from the stream
// (chakra_kafka_consumed_total).
func (t *StreamStats) Consumed(n int) { t.s.met.kafkaConsumed.Add(float64(n)) }

// DeadLetter counts a message set aside with its reason
// (chakra_kafka_dead_letters_total).
func (t *StreamStats) DeadLetter() { t.s.met.kafkaDead.Inc() }

// ProduceError counts a failed produce (chakra_kafka_produce_errors_total).
func (t *StreamStats) ProduceError() { t.s.met.kafkaProduceErrors.Inc() }

// SetLag sets how many messages the stream is behind over the partitions
// this process is assigned (chakra_kafka_consumer_lag).
func (t *StreamStats) SetLag(n int64) { t.s.met.kafkaLag.Set(float64(n)) }

// SetHealth reports the stream's state: nil when it flows, else what is
// wrong, which /ready answers with 503 until the next SetHealth(nil).
func (t *StreamStats) SetHealth(err error) {
	if err == nil {
		t.err.Store(nil)
		return
	}
	t.err.Store(&err)
}

// health is the stream's last reported error, nil when healthy.
func (t *StreamStats) health() error {
	if p := t.err.Load(); p != nil {
		return *p
	}
	return nil
}

// AppendObservationJSON appends o as the JSON body POST /predict takes
// (missing readings as null): what a producer of the Kafka observation
// topic sends.
func AppendObservationJSON(b []byte, o *engine.Observation) []byte { return appendObservation(b, o) }

// ParseObservationJSON reads one observation as POST /predict takes it,
// with the decoder and field rules of /predict; absent phases and ambient
// get the package defaults (DefaultPhase, DefaultAmbient). A follower of
// the Kafka observation topic reads the frames with it.
func ParseObservationJSON(b []byte) (engine.Observation, error) {
	var l lexer
	var f obsFields
	l.reset(b)
	rule, fatal := decodeObservation(&l, &f)
	if fatal == nil {
		fatal = l.end()
	}
	if fatal != nil {
		return engine.Observation{}, fatal
	}
	if rule != nil {
		return engine.Observation{}, rule
	}
	return f.observation(obsDefaults{phase: DefaultPhase, ambient: DefaultAmbient}), nil
}

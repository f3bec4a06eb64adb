package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// ingestContext is the context of the pipeline: not the request's, so a
// client that hangs up half-way does not leave an observation written but
// not scored. Store calls are bounded by the store's own timeout.
var ingestContext = context.Background()

// predict serves POST /predict: one observation in, one verdict out.
func (s *Server) predict(w http.ResponseWriter, r *http.Request, rs *reqState) {
	if e := s.readBody(r, rs); e != nil {
		s.writeError(w, rs, e)
		return
	}
	rs.lex.reset(rs.body)
	rule, fatal := decodeObservation(&rs.lex, &rs.f)
	if fatal == nil {
		fatal = rs.lex.end()
	}
	if fatal != nil {
		s.writeError(w, rs, fatal)
		return
	}
	if rule != nil {
		s.writeError(w, rs, rule)
		return
	}
	o, e := s.prepare(&rs.f, s.o.now())
	if e != nil {
		s.writeError(w, rs, e)
		return
	}
	var v *detector.Verdict
	if s.commit != nil {
		p := &rs.pend
		if p.wake == nil {
			p.wake = make(chan struct{}, 1)
		}
		p.obs = o
		s.commit.do(p)
		if p.err != nil {
			s.late(w, rs, o, p.err)
			return
		}
		v = &p.verdict
	} else {
		rs.obs = append(rs.obs[:0], o)
		var err error
		rs.vs, err = s.Ingest(ingestContext, rs.obs, rs.vs[:0])
		if err != nil {
			s.late(w, rs, o, err)
			return
		}
		v = &rs.vs[0]
	}
	rs.out = appendVerdict(rs.out[:0], v, s.extras)
	writeJSON(w, http.StatusOK, rs.out)
}

// late answers an observation whose ingest failed with err: 200 when it is
// a repeat or a late reading (answerLate), else err's error.
func (s *Server) late(w http.ResponseWriter, rs *reqState, o engine.Observation, err error) {
	var lerr error
	rs.out, lerr = s.answerLate(rs.out[:0], o, err)
	if lerr != nil {
		s.fail(w, rs, lerr)
		return
	}
	writeJSON(w, http.StatusOK, rs.out)
}

// prepare applies the rules that need the server (reserved soldiers, the
// clock) and the defaults, and returns the observation to ingest.
func (s *Server) prepare(f *obsFields, now time.Time) (engine.Observation, *apiError) {
	id := engine.SoldierID(f.soldier)
	if s.o.reserved != nil && s.o.reserved(id) {
		return engine.Observation{}, newError(http.StatusConflict, codeSimulated, "soldier_id",
			"soldier_id %d %s", id, s.o.reservedWhy)
	}
	if limit := now.Unix() + int64(s.o.maxFuture/time.Second); f.ts > limit {
		return engine.Observation{}, newError(http.StatusUnprocessableEntity, codeFuture, "timestamp",
			"timestamp %d lies %ds after the server clock (%d); at most %v is allowed",
			f.ts, f.ts-now.Unix(), now.Unix(), s.o.maxFuture)
	}
	d := obsDefaults{phase: s.o.phase, ambient: s.o.ambient}
	if !f.has(fPhase) {
		if p, ok := s.m.NextPhase(id); ok {
			d.phase = p
		}
	}
	return f.observation(d), nil
}

// batchResult is the outcome of one item of a batch: a verdict (vs index)
// or an error.
type batchResult struct {
	verdict int
	err     *apiError
	late    []byte // a repeat's or late reading's answer (answerLate)
	lateAs  featurestore.Late
	scored  *detector.Verdict // a "late" item the store took as new after all, scored (answerLate)
}

// maxOutOfOrderRetries bounds how often one round of a batch is retried
// after the store refused an out-of-order item.
const maxOutOfOrderRetries = 16

// predictBatch serves POST /predict/batch. Each item is checked on its own:
// an item that breaks a rule gets its error and is not written, the others
// go on. Items are written in rounds of distinct soldiers (a soldier's
// second item in the batch goes in the second round, and so on); each
// round's store write is all or nothing, so an item the store refuses as
// out of order is taken out and the rest of its round retried.
func (s *Server) predictBatch(w http.ResponseWriter, r *http.Request, rs *reqState) {
	if e := s.readBody(r, rs); e != nil {
		s.writeError(w, rs, e)
		return
	}
	rs.lex.reset(rs.body)
	var e *apiError
	rs.items, e = decodeBatch(&rs.lex, rs.items[:0], s.o.maxBatch)
	if e != nil {
		s.writeError(w, rs, e)
		return
	}
	n := len(rs.items)
	p := batchPlan{res: make([]batchResult, n), obs: make([]engine.Observation, n), round: make([]int, n)}
	s.planBatch(&p, rs.items, s.o.now())
	stop := s.writeBatch(rs, &p)
	// All failed for one reason the client should retry as a whole (the
	// store is down): answer with that status.
	if stop != nil && stop.status >= 500 && allFailedWith(p.res, stop) {
		s.writeError(w, rs, stop)
		return
	}
	rs.out = s.appendBatchResults(rs.out[:0], p.res, rs.vs)
	writeJSON(w, http.StatusOK, rs.out)
}

// batchPlan is a decoded batch on its way to the store: each item's
// result so far, its observation and the round it is written in.
type batchPlan struct {
	res    []batchResult
	obs    []engine.Observation
	round  []int // how many items of the same soldier come before it
	rounds int
	// retries bounds the out-of-order retries of a round (0:
	// maxOutOfOrderRetries). A stream's redelivered batch is all repeats,
	// so ObserveJSON lets every item of a round be taken out.
	retries int
}

// planBatch fills p, whose slices have one element per item: it applies
// the server's rules to each item (an item that breaks one gets its error)
// and puts a soldier's k-th item of the batch in round k.
func (s *Server) planBatch(p *batchPlan, items []batchItem, now time.Time) {
	seen := make(map[int64]int, len(items))
	for i := range items {
		p.res[i].verdict = -1
		if items[i].err != nil {
			p.res[i].err = items[i].err
			continue
		}
		o, e := s.prepare(&items[i].f, now)
		if e != nil {
			p.res[i].err = e
			continue
		}
		p.obs[i] = o
		p.round[i] = seen[items[i].f.soldier]
		seen[items[i].f.soldier]++
		p.rounds = max(p.rounds, p.round[i]+1)
	}
}

// writeBatch writes the items of p round by round, the verdicts going to
// rs.vs. It returns the failure that ended the batch, if one did (stop):
// every item not yet written has it as its error.
func (s *Server) writeBatch(rs *reqState, p *batchPlan) (stop *apiError) {
	vs := rs.vs[:0]
	var idx []int
	for k := 0; k < p.rounds; k++ {
		idx = idx[:0]
		rs.obs = rs.obs[:0]
		for i := range p.res {
			if p.res[i].err == nil && p.round[i] == k {
				idx = append(idx, i)
				rs.obs = append(rs.obs, p.obs[i])
			}
		}
		if stop != nil {
			for _, i := range idx {
				p.res[i].err = stop
			}
			continue
		}
		vs, stop = s.writeRound(rs, p.res, idx, vs, p.retries)
	}
	rs.vs = vs
	return stop
}

// writeRound ingests one round, the observations rs.obs of the items idx,
// appending the verdicts to vs. An item the store refuses as out of order
// gets that error and the rest of the round is retried, at most
// maxRetries times (0: maxOutOfOrderRetries); any other failure, or one retry too many, is
// given to every item of the round and returned as stop.
func (s *Server) writeRound(rs *reqState, res []batchResult, idx []int, vs []detector.Verdict, maxRetries int) (_ []detector.Verdict, stop *apiError) {
	if maxRetries <= 0 {
		maxRetries = maxOutOfOrderRetries
	}
	for retry := 0; len(idx) > 0; retry++ {
		n0 := len(vs)
		var err error
		vs, err = s.Ingest(ingestContext, rs.obs, vs)
		if err == nil {
			for j, i := range idx {
				res[i].verdict = n0 + j
			}
			return vs, nil
		}
		var ooo *featurestore.OutOfOrderError
		if errors.As(err, &ooo) && retry < maxRetries {
			if j := indexOfSoldier(rs.obs, ooo.Soldier); j >= 0 {
				s.lateItem(&res[idx[j]], rs.obs[j], err)
				idx = append(idx[:j], idx[j+1:]...)
				rs.obs = append(rs.obs[:j], rs.obs[j+1:]...)
				continue
			}
		}
		ae, internal := toAPIError(err)
		if internal {
			s.logInternal(err, ae)
		}
		if errors.As(err, &ooo) {
			ae = newError(http.StatusConflict, codeBatchRefused, "timestamp",
				"not written: more than %d items of this batch were out of order", maxRetries)
		}
		for _, i := range idx {
			res[i].err = ae
		}
		return vs, ae
	}
	return vs, nil
}

// lateItem gives a batch item the store refused as out of order (err) its
// answer as a repeat or late reading, or its error.
func (s *Server) lateItem(r *batchResult, o engine.Observation, err error) {
	var v detector.Verdict
	b, l, lerr := s.answerLateAs(nil, o, err, &v)
	if lerr != nil {
		ae, internal := toAPIError(lerr)
		if internal {
			s.logInternal(lerr, ae)
		}
		r.err = ae
		return
	}
	r.late, r.lateAs = b, l
	if l == featurestore.NotLate {
		r.scored = &v
	}
}

// allFailedWith reports whether every item's error is stop.
func allFailedWith(res []batchResult, stop *apiError) bool {
	for i := range res {
		if res[i].err != stop {
			return false
		}
	}
	return true
}

// appendBatchResults appends the batch's response to b: each item's index
// and status with its verdict (vs) or error, then how many were accepted
// and rejected.
func (s *Server) appendBatchResults(b []byte, res []batchResult, vs []detector.Verdict) []byte {
	b = append(b, `{"results":[`...)
	accepted := 0
	for i := range res {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		if res[i].err != nil {
			b = append(b, `,"status":`...)
			b = strconv.AppendInt(b, int64(res[i].err.status), 10)
			b = append(b, ',')
			b = appendErrorFields(b, res[i].err)
			b = append(b, '}')
			continue
		}
		accepted++
		b = append(b, `,"status":200,"verdict":`...)
		if res[i].late != nil {
			b = append(b, res[i].late...)
			b = append(b, '}')
			continue
		}
		b = appendVerdict(b, &vs[res[i].verdict], s.extras)
		b = append(b, '}')
	}
	b = append(b, `],"accepted":`...)
	b = strconv.AppendInt(b, int64(accepted), 10)
	b = append(b, `,"rejected":`...)
	b = strconv.AppendInt(b, int64(len(res)-accepted), 10)
	return append(b, '}')
}

// indexOfSoldier returns the index of soldier id's observation in obs, or -1.
func indexOfSoldier(obs []engine.Observation, id engine.SoldierID) int {
	for j := range obs {
		if obs[j].Soldier == id {
			return j
		}
	}
	return -1
}

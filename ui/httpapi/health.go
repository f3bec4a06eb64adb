package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore"
)

// health serves GET /health: liveness with what an operator wants to see.
// It answers 200 while the process runs, "degraded" when the store does not
// answer.
func (s *Server) health(w http.ResponseWriter, r *http.Request, rs *reqState) {
	ctx, cancel := context.WithTimeout(r.Context(), s.o.storeTimeout)
	defer cancel()
	store := s.m.Store()
	pingErr := store.Ping(ctx)
	tracked := -1
	if pingErr == nil {
		if n, err := countSoldiers(ctx, store); err == nil {
			tracked = n
		} else {
			pingErr = err
		}
	}
	s.met.storeError(pingErr)
	st := s.m.Stats()
	b := append(rs.out[:0], `{"status":`...)
	switch {
	case s.closing.Load():
		b = appendString(b, "shutting_down")
	case pingErr != nil:
		b = appendString(b, "degraded")
	default:
		b = appendString(b, "ok")
	}
	b = appendKey(b, "uptime_seconds", false)
	b = strconv.AppendFloat(b, s.o.now().Sub(s.started).Seconds(), 'f', 3, 64)
	b = append(b, `,"model":{"scorer":`...)
	b = appendString(b, s.o.model.Scorer)
	b = appendKey(b, "version", false)
	b = appendString(b, s.o.model.Version)
	if s.o.model.Note != "" {
		b = appendKey(b, "note", false)
		b = appendString(b, s.o.model.Note)
	}
	if s.o.warmup > 0 {
		b = appendKey(b, "warmup_observations", false)
		b = strconv.AppendInt(b, int64(s.o.warmup), 10)
	}
	b = append(b, `},"store":{"name":`...)
	b = appendString(b, s.storeName())
	b = appendKey(b, "status", false)
	if pingErr != nil {
		b = appendString(b, storeStatus(pingErr))
	} else {
		b = appendString(b, "ok")
	}
	b = append(b, `},"soldiers_tracked":`...)
	if tracked >= 0 {
		b = strconv.AppendInt(b, int64(tracked), 10)
	} else {
		b = append(b, "null"...)
	}
	b = appendKey(b, "observations", false)
	b = strconv.AppendUint(b, st.Observations, 10)
	b = appendKey(b, "verdicts", false)
	b = strconv.AppendUint(b, st.Scored, 10)
	b = appendKey(b, "alerts", false)
	b = strconv.AppendUint(b, st.Alerts, 10)
	b = appendKey(b, "alert_subscribers", false)
	b = strconv.AppendInt(b, int64(st.Subscribers), 10)
	b = append(b, '}')
	rs.out = b
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) storeName() string {
	if s.o.storeName != "" {
		return s.o.storeName
	}
	return "memory"
}

// storeStatus names a store failure for /health and /ready.
func storeStatus(err error) string {
	switch {
	case errors.Is(err, featurestore.ErrClosed):
		return "closed"
	case isTimeout(err):
		return "timeout"
	}
	return "unavailable"
}

func isTimeout(err error) bool { return errors.Is(err, context.DeadlineExceeded) }

// ready serves GET /ready: 200 when the store answers a ping and the server
// is not shutting down, 503 otherwise.
func (s *Server) ready(w http.ResponseWriter, r *http.Request, rs *reqState) {
	if s.closing.Load() {
		s.writeError(w, rs, &apiError{status: http.StatusServiceUnavailable, code: codeShuttingDown,
			msg: "the server is shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.o.storeTimeout)
	defer cancel()
	if err := s.m.Store().Ping(ctx); err != nil {
		s.met.storeError(err)
		s.o.log.Warn("readiness check: feature store does not answer", "store", s.storeName(), "err", err)
		s.writeError(w, rs, &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable,
			msg: "not ready: the feature store (" + s.storeName() + ") is " + storeStatus(err)})
		return
	}
	s.storeBack()
	if err := s.stream.health(); err != nil {
		s.writeError(w, rs, &apiError{status: http.StatusServiceUnavailable, code: codeStreamDown,
			msg: "not ready: " + err.Error()})
		return
	}
	rs.out = append(rs.out[:0], `{"ready":true,"store":`...)
	rs.out = appendString(rs.out, s.storeName())
	rs.out = append(rs.out, '}')
	writeJSON(w, http.StatusOK, rs.out)
}

// soldiersTracked is the value of the chakra_soldiers_tracked gauge: the
// store's soldier count, asked at most once a second.
func (s *Server) soldiersTracked() float64 {
	s.tracked.mu.Lock()
	defer s.tracked.mu.Unlock()
	now := time.Now()
	if !s.tracked.at.IsZero() && now.Sub(s.tracked.at) < time.Second {
		return s.tracked.n
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.o.storeTimeout)
	defer cancel()
	n, err := countSoldiers(ctx, s.m.Store())
	if err != nil {
		s.met.storeError(err)
		return s.tracked.n
	}
	s.tracked.at, s.tracked.n = now, float64(n)
	return s.tracked.n
}

// countSoldiers counts the soldiers with unexpired rows in store (for
// /health and /metrics): without listing them when the store can
// (featurestore.SoldierCounter).
func countSoldiers(ctx context.Context, store featurestore.Online) (int, error) {
	if c, ok := store.(featurestore.SoldierCounter); ok {
		return c.CountSoldiers(ctx)
	}
	ids, err := store.Soldiers(ctx)
	return len(ids), err
}

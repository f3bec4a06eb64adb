package alertsink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// amItem is one change to post to Alertmanager: an opening (open is the
// open alert, whose pending mark it clears) or a closing (endsAt set).
type amItem struct {
	alert amAlert
	open  *openAlert
}

// amBatch is how many alerts one POST carries.
const amBatch = 256

// amSink speaks Alertmanager's v2 API: it posts openings and closings from
// its queue, posts the open alerts again every resend interval, makes
// silences from acknowledgements and polls the silences back.
type amSink struct {
	h        *Hub
	alerts   string // POST: the v2 alerts endpoint
	silences string // GET and POST: the v2 silences endpoint
	q        *queue[amItem]
	sq       *queue[silenceReq]
	kick     chan struct{} // poll soon (a new alert may match a silence)

	delivered, errors, refused, lost atomic.Uint64

	// Owned by run.
	epoch   uint64 // incremented when Alertmanager comes back after failures: it may have restarted, empty
	failing bool
	sil     silenceState
}

func newAMSink(h *Hub, u *url.URL) *amSink {
	base := strings.TrimRight(u.String(), "/")
	return &amSink{h: h, alerts: base + "/api/v2/alerts", silences: base + "/api/v2/silences",
		q: newQueue[amItem](h.o.queue), sq: newQueue[silenceReq](256), kick: make(chan struct{}, 1), epoch: 1}
}

// enqueue queues a change; an opening pushed out of a full queue is left to
// the next re-post (its alert is still open), counted as dropped.
// Called with h.mu held.
func (s *amSink) enqueue(it amItem) {
	if old, dropped := s.q.push(it); dropped && old.open != nil {
		old.open.pending = false
	}
}

// alertsChanged asks for the silences to be matched again soon.
func (s *amSink) alertsChanged() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *amSink) stats() SinkStats {
	n, dropped := s.q.len()
	return SinkStats{Sink: SinkAlertmanager, Queued: n, Delivered: s.delivered.Load(),
		Dropped: dropped + s.refused.Load() + s.lost.Load(), Errors: s.errors.Load()}
}

// run is the sink's loop: queued changes first, then re-posts, silences
// to create, and the silence poll, each on its own schedule; while
// Alertmanager fails, everything but the poll waits out one backoff.
func (s *amSink) run(ctx context.Context) {
	clk := s.h.o.clock
	o := &s.h.o
	var backoff, pollBackoff time.Duration
	var retryAt time.Time
	now := clk.Now()
	nextResend, nextPoll := now.Add(o.resend), now
	resendNow := false
	buf := make([]amItem, 0, amBatch)
	fail := func(what string, err error) {
		s.errors.Add(1)
		if !s.failing {
			o.log.Error("alertmanager: "+what+" failed; retrying with backoff", "err", err)
		}
		s.failing = true
		backoff = nextBackoff(backoff, o.backoff)
		retryAt = clk.Now().Add(backoff)
	}
	succeed := func() {
		if s.failing {
			o.log.Info("alertmanager: delivering again")
			s.failing = false
			s.epoch++        // it may have restarted and forgotten every alert
			resendNow = true // so post the open ones again
		}
		backoff, retryAt = 0, time.Time{}
	}
	for ctx.Err() == nil {
		now = clk.Now()
		ready := !now.Before(retryAt)
		if n, _ := s.q.len(); ready && n > 0 {
			var d0 uint64
			buf, d0 = s.q.peek(buf[:0], amBatch)
			perm, err := s.post(ctx, buf)
			switch {
			case err == nil:
				s.q.pop(len(buf), d0, true)
				s.delivered.Add(uint64(len(buf)))
				succeed() // first: a recovery starts the epoch these reached
				s.markPosted(buf)
			case perm:
				k := s.q.pop(len(buf), d0, false)
				s.refused.Add(uint64(k))
				s.markPosted(buf) // refused, not pending: a re-post may try again
				s.errors.Add(1)
				o.log.Error("alertmanager refused alerts; dropped", "alerts", k, "err", err)
			default:
				fail("posting alerts", err)
			}
			continue
		}
		if ready && (resendNow || !now.Before(nextResend)) {
			err := s.resend(ctx, resendNow)
			if err != nil {
				fail("re-posting open alerts", err)
				continue
			}
			succeed()
			resendNow = false
			nextResend = clk.Now().Add(o.resend)
			continue
		}
		if n, _ := s.sq.len(); ready && n > 0 {
			if err := s.createSilence(ctx); err != nil {
				fail("creating a silence", err)
				continue
			}
			succeed()
			nextPoll = clk.Now() // show it at once
			continue
		}
		if !now.Before(nextPoll) {
			if err := s.poll(ctx); err != nil {
				s.errors.Add(1)
				pollBackoff = min(max(2*pollBackoff, o.poll), maxPollBackoff)
				nextPoll = clk.Now().Add(pollBackoff)
			} else {
				pollBackoff = 0
				nextPoll = clk.Now().Add(o.poll)
			}
			continue
		}
		// Wait for the earliest of: the end of a backoff (with work
		// waiting), the next re-post, the next poll, new work.
		wake := nextPoll
		if nextResend.Before(wake) {
			wake = nextResend
		}
		qn, _ := s.q.len()
		sn, _ := s.sq.len()
		if !ready && (qn > 0 || sn > 0 || resendNow) && retryAt.Before(wake) {
			wake = retryAt
		}
		t := clk.NewTimer(wake.Sub(now))
		select {
		case <-t.C():
		case <-s.q.notify:
		case <-s.sq.notify:
		case <-s.kick:
			s.rematch()
		case <-ctx.Done():
		}
		t.Stop()
	}
}

// markPosted clears the pending mark of the openings in items and records
// the epoch they reached Alertmanager in.
func (s *amSink) markPosted(items []amItem) {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	for _, it := range items {
		if it.open != nil {
			it.open.pending = false
			it.open.epoch = s.epoch
		}
	}
}

// resend posts the open alerts whose openings were delivered: all of them
// on schedule, only those not posted since Alertmanager came back when
// recovering (onlyStale).
func (s *amSink) resend(ctx context.Context, onlyStale bool) error {
	s.h.mu.Lock()
	var out []amAlert
	var sent []*openAlert
	for _, oa := range s.h.open {
		if oa.pending || (onlyStale && oa.epoch >= s.epoch) {
			continue
		}
		out = append(out, oa.am)
		sent = append(sent, oa)
	}
	s.h.mu.Unlock()
	for i := 0; i < len(out); i += amBatch {
		items := make([]amItem, 0, amBatch)
		for _, a := range out[i:min(i+amBatch, len(out))] {
			items = append(items, amItem{alert: a})
		}
		if _, err := s.post(ctx, items); err != nil {
			return err
		}
	}
	s.h.mu.Lock()
	for _, oa := range sent {
		oa.epoch = s.epoch
	}
	s.h.mu.Unlock()
	return nil
}

// post sends items in one POST /api/v2/alerts. perm says Alertmanager
// refused them (a 4xx): sending them again would not help.
func (s *amSink) post(ctx context.Context, items []amItem) (perm bool, err error) {
	alerts := make([]amAlert, len(items))
	for i := range items {
		alerts[i] = items[i].alert
	}
	body, err := json.Marshal(alerts)
	if err != nil {
		return true, err
	}
	code, _, err := s.do(ctx, http.MethodPost, s.alerts, body)
	if err != nil {
		return false, err
	}
	if code/100 == 2 {
		return false, nil
	}
	err = fmt.Errorf("POST %s: status %d", s.alerts, code)
	return code/100 == 4 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests, err
}

// do makes one request and returns the status and up to 4 MiB of the
// answer.
func (s *amSink) do(ctx context.Context, method, u string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.h.o.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read the answer: %w", method, u, err)
	}
	return resp.StatusCode, b, nil
}

// SoldierKind are the two labels an acknowledgement's silence matches.
func soldierKindMatchers(soldier engine.SoldierID, kind engine.AnomalyKind) []amMatcher {
	return []amMatcher{
		{Name: "soldier", Value: fmt.Sprint(int64(soldier)), IsEqual: true},
		{Name: "kind", Value: kind.String(), IsEqual: true},
	}
}

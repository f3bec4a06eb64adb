package alertsink

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// Headers of a webhook delivery.
const (
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256 of the body
	// under the shared secret (absent without a secret).
	HeaderSignature = "X-Chakra-Signature"
	// HeaderAlertID carries the alert's id, the same on every retry: a
	// receiver that has seen it already has the alert.
	HeaderAlertID = "X-Chakra-Alert-Id"
)

// Sign returns the X-Chakra-Signature value of body under secret:
// "sha256=" followed by the hex HMAC-SHA256.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig (an X-Chakra-Signature value) is body's
// signature under secret, in time independent of where they differ.
func Verify(secret, body []byte, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(Sign(secret, body)))
}

// whItem is one webhook delivery: the alert's id and the JSON body.
type whItem struct {
	id   string
	body []byte
}

// webhookSink posts each alert opening to one URL.
type webhookSink struct {
	h      *Hub
	url    string
	secret []byte
	q      *queue[whItem]

	delivered, errors, refused, lost atomic.Uint64
}

func newWebhookSink(h *Hub, u *url.URL) *webhookSink {
	return &webhookSink{h: h, url: u.String(), secret: []byte(h.o.secret), q: newQueue[whItem](h.o.queue)}
}

// enqueue queues the alert event ev under id: its body is the event's
// data on GET /alerts.
func (w *webhookSink) enqueue(id string, ev *monitor.AlertEvent) {
	w.q.push(whItem{id: id, body: httpapi.AppendAlertEventJSON(nil, ev, w.h.o.scorer)})
}

func (w *webhookSink) stats() SinkStats {
	n, dropped := w.q.len()
	return SinkStats{Sink: SinkWebhook, Queued: n, Delivered: w.delivered.Load(),
		Dropped: dropped + w.refused.Load() + w.lost.Load(), Errors: w.errors.Load()}
}

// run delivers the queue, head of line, until ctx ends.
func (w *webhookSink) run(ctx context.Context) {
	clk := w.h.o.clock
	var backoff time.Duration
	var retryAt time.Time
	buf := make([]whItem, 0, 1)
	for {
		if ctx.Err() != nil {
			return
		}
		var d0 uint64
		buf, d0 = w.q.peek(buf[:0], 1)
		if len(buf) == 0 {
			select {
			case <-w.q.notify:
			case <-ctx.Done():
				return
			}
			continue
		}
		if wait := retryAt.Sub(clk.Now()); wait > 0 {
			if !sleep(ctx, clk, wait) {
				return
			}
			continue
		}
		it := buf[0]
		retry, after, err := w.post(ctx, it)
		switch {
		case err == nil:
			w.q.pop(1, d0, true)
			w.delivered.Add(1)
			backoff, retryAt = 0, time.Time{}
		case retry:
			w.errors.Add(1)
			backoff = nextBackoff(backoff, w.h.o.backoff)
			retryAt = clk.Now().Add(max(backoff, min(after, w.h.o.backoff[1])))
			w.h.o.log.Warn("alert webhook: delivery failed; retrying", "alert", it.id, "err", err, "retry_in", retryAt.Sub(clk.Now()))
		default:
			w.errors.Add(1)
			if w.q.pop(1, d0, false) == 1 {
				w.refused.Add(1)
			}
			backoff, retryAt = 0, time.Time{}
			w.h.o.log.Error("alert webhook: the receiver refused an alert; dropped", "alert", it.id, "err", err)
		}
	}
}

// post sends one delivery. retry says whether a failure is worth another
// attempt (the network, 408, 429, 5xx), after the receiver's Retry-After.
func (w *webhookSink) post(ctx context.Context, it whItem) (retry bool, after time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(it.body))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAlertID, it.id)
	if len(w.secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(w.secret, it.body))
	}
	resp, err := w.h.o.client.Do(req)
	if err != nil {
		return true, 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return false, 0, nil
	}
	err = fmt.Errorf("POST %s: %s", w.url, resp.Status)
	switch c := resp.StatusCode; {
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return true, after, err
	}
	return false, 0, err
}

// nextBackoff doubles b within bounds [first, longest].
func nextBackoff(b time.Duration, bounds [2]time.Duration) time.Duration {
	if b == 0 {
		return bounds[0]
	}
	return min(2*b, bounds[1])
}

// sleep waits d on clk; false when ctx ended first.
func sleep(ctx context.Context, clk Clock, d time.Duration) bool {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

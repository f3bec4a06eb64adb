package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
)

// alertBuffer is how many alert events a slow stream client may fall
// behind by before it loses the oldest.
const alertBuffer = 256

// alerts serves GET /alerts: a server-sent-events stream of alert openings
// (one per incident, see detector.Alert),
//
//	id: 1
//	event: alert
//	data: {verdict JSON; its "alerts" list marks the channels that opened,
//	       "alert": the alert's record, monitor.AlertJSON}
//
// Every time in it is unix seconds, with a simulated battlefield too (its
// ticks count from its start time, see monitor.WithEpoch).
// with a comment line every heartbeat interval. The stream ends when the
// client goes away, the monitor closes, or the server shuts down (after an
// "event: shutdown").
func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	sub := s.m.SubscribeAlerts(alertBuffer)
	defer sub.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // tell proxies not to buffer the stream
	w.WriteHeader(http.StatusOK)

	var buf []byte
	send := func(b []byte) bool {
		// The server's write timeout would cut a long stream: extend the
		// deadline for each write instead.
		_ = rc.SetWriteDeadline(time.Now().Add(s.o.timeouts.Write))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	buf = append(buf[:0], ": chakra-tui alert stream; one event per alert opening\nretry: 2000\n\n"...)
	if !send(buf) {
		return
	}
	hb := time.NewTicker(s.o.heartbeat)
	defer hb.Stop()
	var id, dropped uint64
	for {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				send([]byte("event: shutdown\ndata: {}\n\n"))
				return
			}
			id++
			buf = buf[:0]
			if d := sub.Dropped(); d != dropped {
				buf = append(buf, ": dropped "...)
				buf = strconv.AppendUint(buf, d-dropped, 10)
				buf = append(buf, " events: this client fell behind\n"...)
				dropped = d
			}
			buf = append(buf, "id: "...)
			buf = strconv.AppendUint(buf, id, 10)
			buf = append(buf, "\nevent: alert\ndata: "...)
			buf = appendAlertEvent(buf, &ev, s.extras) // as appendAlertData
			buf = append(buf, "\n\n"...)
			if !send(buf) {
				return
			}
		case t := <-hb.C:
			buf = append(buf[:0], ": heartbeat "...)
			buf = strconv.AppendInt(buf, t.Unix(), 10)
			buf = append(buf, "\n\n"...)
			if !send(buf) {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.done:
			send([]byte("event: shutdown\ndata: {}\n\n"))
			return
		}
	}
}

// appendAlertEvent appends the data of one alert event: the verdict that
// opened it with its times in unix seconds, and the alert's record.
func appendAlertEvent(b []byte, ev *monitor.AlertEvent, x verdictExtras) []byte {
	v := ev.Verdict
	if off := ev.OpenedAt - v.Alert.Since; off != 0 {
		v.T += off
		for i := range v.Channels {
			if v.Channels[i].Open {
				v.Channels[i].Since += off
			}
		}
	}
	b = appendVerdict(b, &v, x)
	b = append(b[:len(b)-1], `,"alert":`...)
	b = append(b, monitor.AlertJSON(&ev.Verdict, ev.OpenedAt)...)
	return append(b, '}')
}

// appendAlertData appends the data of the alert event of verdict v, one
// whose alert opened (v.Alert.Opened: the verdicts monitor.Ingest
// publishes as events): the "data:" of /alerts and the value of the Kafka
// alert topic's messages, so the two never differ.
func (s *Server) appendAlertData(b []byte, v *detector.Verdict) []byte {
	ev := monitor.AlertEvent{Verdict: *v, OpenedAt: s.m.Unix(v.Soldier, v.Alert.Since)}
	return appendAlertEvent(b, &ev, s.extras)
}

// Package httpapi serves the monitor over HTTP for programs: the prototype's
// POST /predict contract, a batch endpoint, health and readiness, Prometheus
// metrics, each soldier's window and latest verdict, and a server-sent-events
// stream of alert openings.
//
// Data flow of one POST /predict:
//
//	body (≤ 1 MiB, application/json) → decodeObservation (strict, no
//	reflection, integers exact, every rule a 4xx naming the field) → engine.Observation
//	(timestamp in unix seconds as the tick T) → monitor.Ingest (store write
//	all-or-nothing, window read, score) → verdict → appendVerdict (a
//	hand-written JSON encoder into a pooled buffer)
//
// Errors reach clients as a JSON object {"error", "code", "field"}; the
// feature store's and the detector's sentinel errors are mapped to status
// codes with errors.Is, and anything unexpected becomes 500 "internal
// error" with the cause logged, never shown.
//
// Server.Serve runs an http.Server with read-header, write and idle
// timeouts, a body read deadline per request (a body too slow gets 408)
// and a cap on connections (connlimit.go: beyond it, health checks get a
// reserved connection and the rest 503), and shuts it down gracefully
// (in-flight requests finish, alert streams end) when its context ends;
// requests still running at the deadline are cut off and counted in
// Serve's error. Bodies are read into pooled buffers that grow with what
// arrives, never to a declared length ahead of the bytes. Reference is the do-nothing handler
// the load benchmark measures the server against: it decodes and encodes
// the same JSON and does nothing else.
//
// Units: timestamps are unix seconds; heart rate bpm; stamina 0–100; core
// temperature °C; SpO2 %; ambient °C; durations in the metrics are seconds.
package httpapi

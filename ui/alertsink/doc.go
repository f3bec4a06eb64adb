// Package alertsink delivers the detector's alerts to the people who act
// on them: a Prometheus Alertmanager (its v2 API) and any HTTP webhook.
//
// A Hub subscribes to a monitor's alert changes (monitor.AlertChange: the
// openings and closings of soldiers' incidents), keeps the set of open
// alerts, and hands each
// change to every configured sink through a bounded queue of its own, so
// delivery never blocks scoring: a sink that is down lets its alerts wait
// (the oldest dropped only past the bound, and counted), and delivers them
// when it returns.
//
//	monitor ──AlertChange──▶ Hub ──▶ queue ──▶ Alertmanager  POST /api/v2/alerts (open, re-post, resolve)
//	                          │                               POST/GET /api/v2/silences (acknowledgements)
//	                          └────▶ queue ──▶ webhook       POST the /alerts JSON, signed, retried
//
// Alertmanager: each incident that opens becomes one Alertmanager alert
// with the labels and annotations toAlertmanager maps from the detector's
// alert record (monitor.AlertRecord; alert.go is the one place that does),
// startsAt its opened_at. While it stays
// open the whole set of open alerts is posted again every resend interval
// (and at once after Alertmanager comes back, since it keeps alerts in
// memory only), without endsAt, so Alertmanager's resolve_timeout never
// expires it; when it closes it is posted with endsAt. Alertmanager
// deduplicates by labels, so a re-post is not a second alert. A dashboard
// acknowledgement becomes a silence on the soldier and kind; the silences
// are polled (with backoff while Alertmanager is down) and those matching
// an alert are shown as acknowledgements (Hub.SubscribeAcks).
//
// Webhook: each incident that opens is posted once, as the same JSON as its
// GET /alerts event, with X-Chakra-Alert-Id (the record's id, stable per
// incident, for the receiver's idempotency) and X-Chakra-Signature: sha256=<hex of
// HMAC-SHA256(secret, body)>. Network errors, 408, 429 and 5xx are retried
// with exponential backoff, head of line; any other answer but 2xx drops
// the alert (counted as an error and a drop).
//
// All waiting goes through a Clock, so tests drive it without sleeping.
package alertsink

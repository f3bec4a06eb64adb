package alertsink

import "github.com/prometheus/client_golang/prometheus"

// Metric descriptions of the sinks, labelled sink="alertmanager"|"webhook";
// both label values are always exported, at 0 for a sink not configured.
var (
	queueDesc = prometheus.NewDesc("chakra_alert_sink_queue",
		"Alerts waiting in a sink's queue (Alertmanager: openings and closings; webhook: openings).", []string{"sink"}, nil)
	deliveredDesc = prometheus.NewDesc("chakra_alert_sink_delivered_total",
		"Alerts a sink delivered (Alertmanager: openings and closings, not the re-posts of open alerts; webhook: openings).", []string{"sink"}, nil)
	droppedDesc = prometheus.NewDesc("chakra_alert_sink_dropped_total",
		"Alerts a sink gave up: pushed out of its full queue (oldest first), refused by the receiver (4xx), or lost before queueing.", []string{"sink"}, nil)
	errorsDesc = prometheus.NewDesc("chakra_alert_sink_errors_total",
		"Failed requests to a sink (every attempt; Alertmanager's silence polls included).", []string{"sink"}, nil)
)

// Collector returns the sinks' metrics for a Prometheus registry:
// chakra_alert_sink_queue, chakra_alert_sink_delivered_total,
// chakra_alert_sink_dropped_total and chakra_alert_sink_errors_total.
func (h *Hub) Collector() prometheus.Collector { return collector{h} }

type collector struct{ h *Hub }

func (collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDesc
	ch <- deliveredDesc
	ch <- droppedDesc
	ch <- errorsDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.h.Stats() {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(st.Queued), st.Sink)
		ch <- prometheus.MustNewConstMetric(deliveredDesc, prometheus.CounterValue, float64(st.Delivered), st.Sink)
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(st.Dropped), st.Sink)
		ch <- prometheus.MustNewConstMetric(errorsDesc, prometheus.CounterValue, float64(st.Errors), st.Sink)
	}
}

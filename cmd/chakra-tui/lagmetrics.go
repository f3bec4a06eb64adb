package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// lagCollector exports the built-in battlefield's tick lag (live.Lag) on
// /metrics.
type lagCollector struct {
	lag                 func() live.Lag
	tick, last, max, hi *prometheus.Desc
}

func newLagCollector(lag func() live.Lag) *lagCollector {
	return &lagCollector{lag: lag,
		tick: prometheus.NewDesc("chakra_simulation_tick", "The last tick of the built-in battlefield that was scored and published.", nil, nil),
		last: prometheus.NewDesc("chakra_tick_lag_seconds", "How long after it was due (at --speed, from the first tick) the last tick of the built-in battlefield was scored and published; it grows without bound when the pipeline cannot keep up.", nil, nil),
		max:  prometheus.NewDesc("chakra_tick_lag_max_seconds", "The largest tick lag since the built-in battlefield started.", nil, nil),
		hi:   prometheus.NewDesc("chakra_tick_lag_distribution_seconds", "Tick lags of the built-in battlefield.", nil, nil)}
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tick
	ch <- c.last
	ch <- c.max
	ch <- c.hi
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	l := c.lag()
	ch <- prometheus.MustNewConstMetric(c.tick, prometheus.GaugeValue, float64(l.Tick))
	ch <- prometheus.MustNewConstMetric(c.last, prometheus.GaugeValue, l.Last.Seconds())
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, l.Max.Seconds())
	b := make(map[float64]uint64, len(live.LagBuckets))
	for i, ub := range live.LagBuckets {
		b[ub] = l.Buckets[i]
	}
	ch <- prometheus.MustNewConstHistogram(c.hi, l.Count, l.Sum.Seconds(), b)
}

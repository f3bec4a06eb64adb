package httpapi

import (
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// route names an endpoint in the metrics; unknown paths share "other" so
// the label set stays bounded.
type route uint8

const (
	routePredict route = iota
	routeBatch
	routeHealth
	routeReady
	routeMetrics
	routeAlerts
	routeSoldier
	routeOther
	numRoutes
)

var routeNames = [numRoutes]string{"predict", "predict_batch", "health", "ready", "metrics", "alerts", "soldier", "other"}

// metrics are the server's Prometheus metrics on its own registry.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	verdicts    *prometheus.CounterVec
	alerts      *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	late        *prometheus.CounterVec
	lateChild   [3]prometheus.Counter // by featurestore.Late: Repeat, Inserted

	// The ingest stream's (StreamStats), exported always.
	kafkaLag           prometheus.Gauge
	kafkaConsumed      prometheus.Counter
	kafkaDead          prometheus.Counter
	kafkaProduceErrors prometheus.Counter

	// Children resolved once, so the hot path neither hashes labels nor
	// allocates.
	reqChild     [numRoutes][600]atomic.Pointer[prometheus.Counter]
	durChild     [numRoutes]prometheus.Observer
	verdictChild [5][engine.NumKinds]atomic.Pointer[prometheus.Counter]
	alertChild   [engine.NumKinds]prometheus.Counter
}

// latencyBuckets are the upper bounds of the request-duration histogram, s.
var latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// storeErrorKinds label store errors.
var storeErrorKinds = []string{"unavailable", "timeout", "closed", "corrupt"}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chakra_http_requests_total",
		Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chakra_http_request_duration_seconds",
		Help:    "Time from the request's arrival at the handler to the end of the response, by route (alert streams not included).",
		Buckets: latencyBuckets,
	}, []string{"route"})
	m.verdicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chakra_verdicts_total",
		Help: "Verdicts produced (HTTP and the built-in simulation), by detector state and alert kind.",
	}, []string{"state", "kind"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chakra_alerts_opened_total",
		Help: "Alert openings, one per alert channel that opened, by alert kind.",
	}, []string{"kind"})
	m.storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chakra_store_errors_total",
		Help: "Online feature store calls that failed, by kind of failure.",
	}, []string{"kind"})
	for r := range numRoutes {
		if r != routeAlerts { // a stream's duration is its client's business
			m.durChild[r] = m.duration.WithLabelValues(routeNames[r])
		}
	}
	for k := range engine.AnomalyKind(engine.NumKinds) {
		if k.IsEvent() {
			m.alertChild[k] = m.alerts.WithLabelValues(k.String())
		}
	}
	for _, k := range storeErrorKinds {
		m.storeErrors.WithLabelValues(k)
	}
	m.late = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chakra_late_readings_total",
		Help: "Readings not after their soldier's latest that were answered 200: repeats (nothing written) and late ones (stored in time order, not scored).",
	}, []string{"outcome"})
	m.lateChild[featurestore.Repeat] = m.late.WithLabelValues("repeat")
	m.lateChild[featurestore.Inserted] = m.late.WithLabelValues("late")
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chakra_model_info",
		Help: "The scorer behind the verdicts (value always 1).",
	}, []string{"scorer", "version"})
	info.WithLabelValues(s.o.model.Scorer, s.o.model.Version).Set(1)
	soldiers := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chakra_soldiers_tracked",
		Help: "Soldiers with unexpired rows in the online store (refreshed at most once a second).",
	}, s.soldiersTracked)
	subscribers := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chakra_alert_subscribers",
		Help: "Open alert streams (GET /alerts and in-process subscribers).",
	}, func() float64 { return float64(s.m.Stats().Subscribers) })
	observations := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "chakra_observations_total",
		Help: "Observations written to the online store by this process.",
	}, func() float64 { return float64(s.m.Stats().Observations) })
	m.kafkaLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "chakra_kafka_consumer_lag",
		Help: "Messages the Kafka consumer is behind, summed over the partitions assigned to this process (0 without --kafka-brokers).",
	})
	m.kafkaConsumed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "chakra_kafka_consumed_total",
		Help: "Messages taken from the Kafka observation topic (redeliveries included).",
	})
	m.kafkaDead = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "chakra_kafka_dead_letters_total",
		Help: "Messages sent to the dead-letter topic with the reason they could not be scored.",
	})
	m.kafkaProduceErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "chakra_kafka_produce_errors_total",
		Help: "Failed Kafka produces or transaction ends (verdicts, alerts, dead letters); the batch is consumed again.",
	})
	m.reg.MustRegister(m.kafkaLag, m.kafkaConsumed, m.kafkaDead, m.kafkaProduceErrors)
	m.reg.MustRegister(m.requests, m.duration, m.verdicts, m.alerts, m.storeErrors, m.late, info, soldiers, subscribers,
		observations, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// request counts one finished request.
func (m *metrics) request(r route, code int, d time.Duration) {
	if code < 100 || code >= 600 {
		code = 599
	}
	p := &m.reqChild[r][code]
	c := p.Load()
	if c == nil {
		cc := m.requests.WithLabelValues(routeNames[r], strconv.Itoa(code))
		p.Store(&cc)
		c = &cc
	}
	(*c).Inc()
	if o := m.durChild[r]; o != nil {
		o.Observe(d.Seconds())
	}
}

// countVerdicts counts verdicts and their alert openings: one add per
// label pair a call saw rather than one per verdict (a tick of the
// built-in battlefield at scale is 50 000 verdicts).
func (m *metrics) countVerdicts(vs []detector.Verdict) {
	var n [len(m.verdictChild)][engine.NumKinds]uint64
	var opened [engine.NumKinds]uint64
	for i := range vs {
		v := &vs[i]
		st, k := int(v.State), int(v.Kind)
		if st >= len(m.verdictChild) || k >= engine.NumKinds {
			continue
		}
		n[st][k]++
		for j := range v.Channels {
			if ch := &v.Channels[j]; ch.Opened && int(ch.Kind) < engine.NumKinds {
				opened[ch.Kind]++
			}
		}
	}
	for st := range n {
		for k, c := range n[st] {
			if c > 0 {
				m.verdictCounter(detector.State(st), engine.AnomalyKind(k)).Add(float64(c))
			}
		}
	}
	for k, c := range opened {
		if c > 0 && m.alertChild[k] != nil {
			m.alertChild[k].Add(float64(c))
		}
	}
}

// verdictCounter returns the verdict counter of a state and kind (in
// range), made at its first use.
func (m *metrics) verdictCounter(st detector.State, k engine.AnomalyKind) prometheus.Counter {
	p := &m.verdictChild[st][k]
	if c := p.Load(); c != nil {
		return *c
	}
	c := m.verdicts.WithLabelValues(st.String(), k.String())
	p.Store(&c)
	return c
}

// storeError counts a failed store call, if err is one.
func (m *metrics) storeError(err error) {
	var kind string
	switch {
	case err == nil, errors.Is(err, featurestore.ErrOutOfOrder), errors.Is(err, featurestore.ErrOutOfRange),
		errors.Is(err, featurestore.ErrInvalid):
		return
	case errors.Is(err, featurestore.ErrUnavailable):
		kind = "unavailable"
	case errors.Is(err, featurestore.ErrClosed):
		kind = "closed"
	case errors.Is(err, featurestore.ErrCorrupt):
		kind = "corrupt"
	case isTimeout(err):
		kind = "timeout"
	default:
		return // not the store's (e.g. the scorer's): counted as a 500
	}
	m.storeErrors.WithLabelValues(kind).Inc()
}

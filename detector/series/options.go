package series

import "math"

// Option configures the detectors of this package; each detector uses the
// fields that concern it and ignores the rest.
type Option func(*config)

type config struct {
	window     int     // ZScore: rolling window, rows
	minSamples int     // ZScore: values needed before scoring
	stdFloor   float64 // ZScore: smallest std, relative to max(1, |mean|)
	short      int     // Likelihood: rows in the short-term average
	long       int     // Likelihood: averages in the long-run distribution
	learn      int     // Likelihood: averages collected before scoring; 0 = from the stream's probation
	sigmaFloor float64 // Likelihood: smallest std of the averages, raw units
	alarm      Alarm
}

func defaults() config {
	return config{
		window:     6400,
		minSamples: 2,
		stdFloor:   1e-9,
		short:      10,
		long:       8640,
		sigmaFloor: 0.05,
		alarm:      Alarm{On: 0.5, Off: 0.375},
	}
}

func build(opts []Option) config {
	c := defaults()
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithWindow sets ZScore's rolling window in rows (default 6400, as NAB's
// windowed-Gaussian baseline).
func WithWindow(n int) Option { return func(c *config) { c.window = max(2, n) } }

// WithShortWindow sets how many raw scores Likelihood averages (default 10).
func WithShortWindow(n int) Option { return func(c *config) { c.short = max(1, n) } }

// WithLongWindow sets how many past averages form Likelihood's long-run
// distribution (default 8640, 30 days of 5-minute rows).
func WithLongWindow(n int) Option { return func(c *config) { c.long = max(2, n) } }

// WithLearning sets how many averages Likelihood collects before it scores;
// the default is the stream's probationary period.
func WithLearning(n int) Option { return func(c *config) { c.learn = max(1, n) } }

// WithSigmaFloor sets the smallest standard deviation Likelihood assumes for
// the averages, in raw-score units (default 0.05).
func WithSigmaFloor(s float64) Option { return func(c *config) { c.sigmaFloor = s } }

// WithoutAlarm makes a detector never alert nor cap its scores, for use
// inside an Ensemble, which alerts for its members.
func WithoutAlarm() Option {
	return func(c *config) { c.alarm = Alarm{On: math.Inf(1), Off: math.Inf(1)} }
}

// WithRefractory sets how many rows after an alert opens no new one can
// (default 0).
func WithRefractory(n int) Option { return func(c *config) { c.alarm.Refractory = max(0, n) } }

// WithAlarm sets the alert hysteresis: open at score ≥ on, re-arm when the
// score drops below off (default 0.5 and 0.375: an alert opens at
// p ≤ 1e-5 and re-arms once p > 1e-3).
func WithAlarm(on, off float64) Option {
	return func(c *config) { c.alarm.On, c.alarm.Off = on, min(on, off) }
}

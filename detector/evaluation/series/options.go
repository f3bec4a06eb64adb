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

	hrShort, hrLong int     // HR: rows in the level and in the baseline
	hrWarmup        int     // HR: baseline values needed before scoring
	hrMinRise       float64 // HR: smallest rise that alerts, bpm
	hrSpreadFloor   float64 // HR: smallest spread σ, bpm
	hrK             float64 // HR: threshold on z; 0 = from faPerHour
	faPerHour       float64 // HR: target false alerts per hour
	hrRefractory    int     // HR: rows after an opening without a new one
	hrMaxFreeze     int     // HR: longest baseline freeze while alerting, rows
	robustWindow    int     // RobustZ: rows of the median and MAD
	robustK         float64 // RobustZ: threshold on z
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

		hrShort:       20,
		hrLong:        300,
		hrWarmup:      200,
		hrMinRise:     3,
		hrSpreadFloor: 1,
		faPerHour:     1,
		hrRefractory:  120,
		hrMaxFreeze:   300,
		robustWindow:  300,
		robustK:       4,
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

// WithFalseAlertsPerHour sets the rate of false alerts per hour the HR
// detector is calibrated for (default 1); it picks the threshold K through
// HRThreshold unless WithHRThreshold sets K.
func WithFalseAlertsPerHour(r float64) Option { return func(c *config) { c.faPerHour = r } }

// WithHRThreshold sets the HR detector's threshold K on z = rise/spread
// directly (0 = from the false-alert rate).
func WithHRThreshold(k float64) Option { return func(c *config) { c.hrK = k } }

// WithHRWindows sets the HR detector's level and baseline windows, in rows
// (default 20 and 300: seconds at 1 Hz).
func WithHRWindows(short, long int) Option {
	return func(c *config) { c.hrShort, c.hrLong = max(1, short), max(2, long) }
}

// WithHRWarmup sets how many values the HR detector's baseline holds
// before it scores (default 200; at most the baseline window is reached).
func WithHRWarmup(n int) Option { return func(c *config) { c.hrWarmup = max(1, n) } }

// WithMaxFreeze sets the longest the HR detector's baseline stays frozen
// while an alert is open, in rows (default 300); after that it learns the
// new level.
func WithMaxFreeze(n int) Option { return func(c *config) { c.hrMaxFreeze = max(0, n) } }

// WithMinRise sets the smallest rise above the baseline, in bpm, that the
// HR detector alerts on (default 3).
func WithMinRise(bpm float64) Option { return func(c *config) { c.hrMinRise = bpm } }

// WithHRRefractory sets how many rows after an HR alert opens no new one
// can (default 120).
func WithHRRefractory(n int) Option { return func(c *config) { c.hrRefractory = max(0, n) } }

// WithRobustZ sets the RobustZ detector's window in rows (default 300) and
// its alert threshold on z (default 4).
func WithRobustZ(window int, k float64) Option {
	return func(c *config) { c.robustWindow, c.robustK = max(2, window), k }
}

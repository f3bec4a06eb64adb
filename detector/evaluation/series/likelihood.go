package series

import (
	"math"
	"time"
)

// Likelihood is an anomaly-likelihood post-processor in the spirit of
// Numenta's (Ahmad, Lavin, Purdy & Agha 2017): rather than thresholding a
// raw anomaly measure directly, it asks how unusual the recent level of the
// raw measure is for this stream. With m the mean of the last S raw scores
// and μ, σ the mean and standard deviation of the previous such averages
// over a long window (σ at least a floor), the row's tail probability is
// p = Q((m − μ)/σ) and its score Surprise(ln p). Until it has collected its
// learning period of averages (by default the stream's probationary
// period) it scores 0. Rows without a raw score carry the previous score.
// While an alert stays open its later rows report at most the alarm's
// closing level (Alarm.Filter), so an incident's score peaks once.
type Likelihood struct {
	raw   RawScorer
	cfg   config
	short *rolling
	hist  *rolling
	learn int
	last  float64
	alarm Alarm
}

// NewLikelihood wraps a raw scorer for the stream described by info.
func NewLikelihood(raw RawScorer, info Info, opts ...Option) *Likelihood {
	c := build(opts)
	learn := c.learn
	if learn == 0 {
		learn = max(info.Probation(), 2)
	}
	return &Likelihood{raw: raw, cfg: c, short: newRolling(c.short), hist: newRolling(c.long), learn: learn, alarm: c.alarm}
}

// LikelihoodFactory wraps the raw scorers made by newRaw; name is the
// factory's name (e.g. "zscore+likelihood").
func LikelihoodFactory(name string, newRaw func(Info) (RawScorer, error), opts ...Option) Factory {
	return Factory{Name: name, New: func(info Info) (Detector, error) {
		r, err := newRaw(info)
		if err != nil {
			return nil, err
		}
		return NewLikelihood(r, info, opts...), nil
	}}
}

// Primer is implemented by raw scorers that can give the post-processor
// raw scores of rows they have already seen, such as a model's out-of-sample
// scores on held-out training rows. Prime returns them once, then nil.
type Primer interface {
	Prime() []float64
}

// Observe implements Detector.
func (l *Likelihood) Observe(t time.Time, x float64, ok bool) (float64, bool) {
	raw, valid := l.raw.ObserveRaw(t, x, ok)
	if p, isPrimer := l.raw.(Primer); isPrimer {
		for _, r := range p.Prime() {
			l.short.push(r)
			l.hist.push(l.short.mean())
		}
	}
	if !valid {
		return l.last, false
	}
	l.short.push(raw)
	m := l.short.mean()
	score := 0.0
	if l.hist.n() >= l.learn {
		sigma := math.Max(l.hist.std(), l.cfg.sigmaFloor)
		score = Surprise(LogUpperTail((m - l.hist.mean()) / sigma))
	}
	l.hist.push(m)
	score, alert := l.alarm.Filter(score)
	l.last = score
	return score, alert
}

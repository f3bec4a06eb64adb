package detector

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/chakra-tui/chakra-tui/engine"
)

// The phase-aware z-score ("phasez") is the best simple baseline given the
// inputs the TFT gets: the soldier's profile and the known phase schedule.
// Per vital it expects, in profile-normalised units,
//
//	x̂ = mean[fitness, previous phase, phase, time since the change] + offset
//
// where the cell means and spreads are learned from normal runs
// (PhaseZFitter) and offset is the soldier's own running mean residual,
// adapting slowly (phaseZTau). Stamina is the exception: its level is the
// integral of every past exertion, not a function of the phase, so for it
// the cell holds the change per tick and x̂ = the previous cleaned reading
// + that change (phaseZChange). The band is x̂ ± z·sd of the cell, with z
// at the 2 % and 98 % normal quantiles, so Out is how far the reading lies
// outside it in band-widths, and the shared alert state machine does the
// rest. Normalised units: heart rate as a fraction of heart-rate reserve
// (HR − HR0)/(HRmax − HR0); stamina in points; core temperature above the
// soldier's resting Tc0 in °C; SpO2 in %.

// phaseZBuckets are the upper ends of the time-since-phase-change buckets,
// in ticks (seconds); the last bucket is everything longer (and a soldier
// whose last change the scorer has not seen).
var phaseZBuckets = [...]int64{10, 20, 40, 60, 90, 120, 180, 300, 600, 1200}

// PhaseZBuckets is the number of time-since-change buckets.
const PhaseZBuckets = len(phaseZBuckets) + 1

// phaseZFitAll is the fitness index of the cells pooled over fitness.
const phaseZFitAll = engine.NumFitness

// phaseZMinCount is the fewest samples a cell needs to be used, and
// phaseZMinEpisodes the fewest soldier-episodes (a soldier's stretch
// between two phase changes) they come from, so that a rare transition
// seen in one or two squads does not set the expectation for every squad;
// with fewer the lookup falls back to the cell pooled over fitness, then to
// the phase's steady state.
const (
	phaseZMinCount    = 200
	phaseZMinEpisodes = 10
)

// phaseZTau is the adaptation time of the per-soldier offset per vital, in
// readings: slow, so an anomaly of minutes is not learned as the soldier's
// normal. (Stamina, modelled by its change, has no offset.)
var phaseZTau = [engine.NumVitals]float64{300, 0, 300, 300}

// phaseZClip bounds what a residual teaches the offset, in OffsetSDs.
const phaseZClip = 4

// phaseZChange marks the vitals modelled by their change per tick instead
// of their level.
var phaseZChange = [engine.NumVitals]bool{engine.Stamina: true}

// PhaseZCell holds the expectation of one (fitness, previous phase, phase,
// time since change) cell, per vital in normalised units.
type PhaseZCell struct {
	N        int                       `json:"n"`
	Episodes int                       `json:"episodes"` // soldier-episodes the samples come from
	Mean     [engine.NumVitals]float64 `json:"mean"`     // median of the normalised reading
	SD       [engine.NumVitals]float64 `json:"sd"`       // 1.4826·MAD of the residual after the soldier's offset
}

// PhaseZModel is the fitted expectation table of the phase-aware z-score,
// indexed by phaseZIndex.
type PhaseZModel struct {
	Cells []PhaseZCell `json:"cells"`
	// OffsetSD is the spread (1.4826·MAD) of the soldiers' offsets at the
	// end of their runs, per vital: how far a normal soldier sits from the
	// cell means. A residual teaches the offset at most phaseZClip of it, so
	// a soldier already unwell when the monitor starts is not learned as
	// normal (only by up to that much).
	OffsetSD [engine.NumVitals]float64 `json:"offset_sd"`
	// SoldierHours is how much normal data the table was fitted on.
	SoldierHours float64 `json:"soldier_hours"`
}

// phaseZIndex is the index of a cell in PhaseZModel.Cells; fit may be
// phaseZFitAll (pooled over fitness) and prev phaseZAnyPrev (pooled over
// the phase before the change).
func phaseZIndex(fit int, prev, cur engine.Phase, bucket int) int {
	return ((fit*(engine.NumPhases+1)+int(prev))*engine.NumPhases+int(cur))*PhaseZBuckets + bucket
}

// phaseZAnyPrev is the previous-phase index of the cells pooled over it.
const phaseZAnyPrev = engine.Phase(engine.NumPhases)

const phaseZCells = (engine.NumFitness + 1) * (engine.NumPhases + 1) * engine.NumPhases * PhaseZBuckets

// phaseZKeys are the cells a sample belongs to, most specific first: the
// order in which the lookup falls back.
func phaseZKeys(fit int, prev, cur engine.Phase, bucket int) [5]int {
	return [5]int{
		phaseZIndex(fit, prev, cur, bucket), phaseZIndex(phaseZFitAll, prev, cur, bucket),
		phaseZIndex(fit, phaseZAnyPrev, cur, bucket), phaseZIndex(phaseZFitAll, phaseZAnyPrev, cur, bucket),
		phaseZIndex(phaseZFitAll, phaseZAnyPrev, cur, PhaseZBuckets-1),
	}
}

func phaseZBucket(since int64) int {
	for i, hi := range phaseZBuckets {
		if since < hi {
			return i
		}
	}
	return len(phaseZBuckets)
}

// cell returns the most specific cell with enough data (phaseZKeys: this
// fitness, then pooled over fitness, then pooled over the previous phase
// too, then the phase long after any change), else nil.
func (m *PhaseZModel) cell(fit engine.FitnessClass, prev, cur engine.Phase, bucket int) *PhaseZCell {
	f := int(fit)
	if f >= engine.NumFitness {
		f = int(engine.FitnessAverage)
	}
	for _, k := range phaseZKeys(f, prev, cur, bucket) {
		if c := &m.Cells[k]; c.N >= phaseZMinCount && c.Episodes >= phaseZMinEpisodes {
			return c
		}
	}
	return nil
}

// phaseZNorm converts reading x of vital v to normalised units for profile
// p; phaseZScale is the size of one normalised unit in the vital's unit.
func phaseZNorm(v int, x float64, p *engine.Profile) float64 {
	switch engine.Vital(v) {
	case engine.HeartRate:
		return (x - p.RestingHR) / phaseZScale(v, p)
	case engine.CoreTemp:
		return x - p.BaseCoreTemp
	}
	return x
}

func phaseZDenorm(v int, z float64, p *engine.Profile) float64 {
	switch engine.Vital(v) {
	case engine.HeartRate:
		return p.RestingHR + z*phaseZScale(v, p)
	case engine.CoreTemp:
		return z + p.BaseCoreTemp
	}
	return z
}

func phaseZScale(v int, p *engine.Profile) float64 {
	if engine.Vital(v) == engine.HeartRate {
		return max(p.HRMax-p.RestingHR, 40) // the engine's own floor on the reserve
	}
	return 1
}

// phaseTrack follows a soldier's phase: the phase before the last change
// and the ticks since it.
type phaseTrack struct {
	started   bool
	cur, prev engine.Phase
	since     int64
	lastT     int64
}

// at returns (prev, bucket) for a row at tick t in phase p, without
// updating the track.
func (tr *phaseTrack) at(t int64, p engine.Phase) (engine.Phase, int) {
	switch {
	case !tr.started:
		return p, PhaseZBuckets - 1
	case p != tr.cur:
		return tr.cur, 0
	}
	return tr.prev, phaseZBucket(tr.since + (t - tr.lastT))
}

// step moves the track to a row at tick t in phase p.
func (tr *phaseTrack) step(t int64, p engine.Phase) {
	switch {
	case !tr.started:
		tr.started, tr.cur, tr.prev, tr.since = true, p, p, 1<<40
	case p != tr.cur:
		tr.prev, tr.cur, tr.since = tr.cur, p, 0
	default:
		tr.since += t - tr.lastT
	}
	tr.lastT = t
}

// offset is the per-soldier running mean residual of one vital: a plain
// mean over the first tau readings, then an exponential one.
type offset struct {
	mean float64
	n    float64
}

func (o *offset) add(e, tau float64) {
	o.n = min(o.n+1, tau)
	o.mean += (e - o.mean) / o.n
}

// phasez is the phase-aware z-score forecaster.
type phasez struct {
	m     *PhaseZModel
	floor [engine.NumVitals]float64
}

// phasezSeries is one soldier's state.
type phasezSeries struct {
	p   engine.Profile
	tr  phaseTrack
	off [engine.NumVitals]offset
}

// PhaseZWarmup is the number of rows the phase-aware z-score learns a
// soldier's offsets from before it scores.
const PhaseZWarmup = 30

// NewPhaseZ returns the phase- and profile-aware z-score baseline
// ("phasez") on the fitted table m (see PhaseZFitter). Its open levels
// default to 1 band-width; calibrate them with training.Calibrate. It
// returns ErrConfig when m is nil or not a table of this build's shape.
func NewPhaseZ(m *PhaseZModel, opts ...Option) (Scorer, error) {
	if m == nil || len(m.Cells) != phaseZCells {
		return nil, fmt.Errorf("%w: phasez: no fitted table of %d cells", ErrConfig, phaseZCells)
	}
	o := buildOptions(opts)
	z := &phasez{m: m, floor: DefaultNoiseFloor()}
	if o.floor != nil {
		z.floor = *o.floor
	}
	return newBaselineCore("phasez", z, z.floor, &o)
}

func (z *phasez) warmup() int                            { return PhaseZWarmup }
func (z *phasez) imputes() bool                          { return true }
func (z *phasez) historyRows() int                       { return histCap }
func (z *phasez) drift(engine.Phase, int) (int, float64) { return 0, 0 }

func (z *phasez) newSeries(p *engine.Profile) any { return &phasezSeries{p: *p} }

func (z *phasez) resetSeries(state any) {
	s := state.(*phasezSeries)
	*s = phasezSeries{p: s.p}
}

// push learns the soldier's offsets from the cleaned row's readings that
// were not imputed (an imputed value is the forecast, or an anomaly held
// out).
func (z *phasez) push(s *soldier, r *row) {
	ps := s.series.(*phasezSeries)
	ps.tr.step(r.t, r.phase)
	c := z.m.cell(ps.p.Fitness, ps.tr.prev, ps.tr.cur, phaseZBucket(ps.tr.since))
	if c == nil {
		return
	}
	for v := range engine.NumVitals {
		if phaseZChange[v] || r.imputed.Has(engine.Vital(v)) || math.IsNaN(r.values[v]) {
			continue
		}
		ps.off[v].add(z.clip(v, phaseZNorm(v, r.values[v], &ps.p)-c.Mean[v], &ps.off[v]), phaseZTau[v])
	}
}

// clip bounds what residual e of vital v teaches offset o: while o is still
// a plain mean (its first tau readings), to ±phaseZClip offset spreads
// around 0, so a soldier unwell from the start is not learned as normal;
// after that, to ±phaseZClip spreads around o itself, so the offset still
// follows a slow legitimate change (cooling for minutes after heat strain)
// at a bounded pace. No bound without a spread.
func (z *phasez) clip(v int, e float64, o *offset) float64 {
	c := phaseZClip * z.m.OffsetSD[v]
	if !(c > 0) {
		return e
	}
	centre := 0.0
	if o.n >= phaseZTau[v] {
		centre = o.mean
	}
	return min(max(e, centre-c), centre+c)
}

func (z *phasez) forecast(jobs []*job) {
	for _, j := range jobs {
		ps := j.s.series.(*phasezSeries)
		prev, b := ps.tr.at(j.obs.T, j.obs.Phase)
		c := z.m.cell(ps.p.Fitness, prev, j.obs.Phase, b)
		for v := range engine.NumVitals {
			// A spread of 0 (stamina saturated at 100 at rest) is fine:
			// the noise floor widens the band.
			var base float64 // what the cell's mean is relative to
			switch {
			case c == nil:
				j.fc[v] = vitalForecast{}
				continue
			case phaseZChange[v]:
				base = j.s.hist.value(0, v)
			case ps.off[v].n == 0:
				j.fc[v] = vitalForecast{}
				continue
			default:
				base = ps.off[v].mean
			}
			if math.IsNaN(base) {
				j.fc[v] = vitalForecast{}
				continue
			}
			mean, sd := c.Mean[v]+base, c.SD[v]
			fc := vitalForecast{ok: true}
			for q := range fc.q {
				if phaseZChange[v] {
					fc.q[q] = mean + normalZ[q]*sd
				} else {
					fc.q[q] = phaseZDenorm(v, mean+normalZ[q]*sd, &ps.p)
				}
			}
			fc.setBand(z.floor[v])
			j.fc[v] = fc
		}
	}
}

// PhaseZFitter learns a PhaseZModel from normal runs: every soldier of
// every run gets a track (Track), fed its observations in tick order; Fit
// then computes the cell medians, replays each track's offsets against
// them, and takes each cell's spread from the residuals. Tracks may be fed
// concurrently, each from one goroutine.
type PhaseZFitter struct {
	mu     sync.Mutex
	tracks []*PhaseZTrack
}

// PhaseZTrack is one soldier's normal readings for a PhaseZFitter.
type PhaseZTrack struct {
	p       engine.Profile
	tr      phaseTrack
	episode int32
	last    [engine.NumVitals]float64 // the previous reading (NaN: none)
	rows    []phaseZSample
}

type phaseZSample struct {
	episode   int32 // phase changes of the track before this sample
	prev, cur engine.Phase
	bucket    uint8
	missing   engine.Mask
	z         [engine.NumVitals]float32 // normalised readings
}

// Track returns a new track for a soldier with profile p.
func (f *PhaseZFitter) Track(p engine.Profile) *PhaseZTrack {
	t := &PhaseZTrack{p: p}
	for v := range t.last {
		t.last[v] = math.NaN()
	}
	f.mu.Lock()
	f.tracks = append(f.tracks, t)
	f.mu.Unlock()
	return t
}

// Add appends the soldier's observation o (the next tick).
func (t *PhaseZTrack) Add(o *engine.Observation) {
	if t.tr.started && o.Phase != t.tr.cur {
		t.episode++
	}
	t.tr.step(o.T, o.Phase)
	s := phaseZSample{episode: t.episode, prev: t.tr.prev, cur: t.tr.cur, bucket: uint8(phaseZBucket(t.tr.since))}
	for v := range engine.NumVitals {
		x := o.Values[v]
		if o.Missing.Has(engine.Vital(v)) || math.IsNaN(x) {
			s.missing = s.missing.With(engine.Vital(v))
			continue
		}
		prev := t.last[v]
		t.last[v] = x
		if phaseZChange[v] {
			if math.IsNaN(prev) {
				s.missing = s.missing.With(engine.Vital(v))
				continue
			}
			x -= prev
		}
		s.z[v] = float32(phaseZNorm(v, x, &t.p))
	}
	t.rows = append(t.rows, s)
}

// Fit returns the fitted table. It returns ErrConfig when no track has a
// reading.
func (f *PhaseZFitter) Fit() (*PhaseZModel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := &PhaseZModel{Cells: make([]PhaseZCell, phaseZCells)}
	vals := make([][engine.NumVitals][]float64, phaseZCells)
	ticks := f.fitMeans(m, vals)
	if ticks == 0 {
		return nil, fmt.Errorf("%w: phasez: fit on no readings", ErrConfig)
	}
	f.fitSpreads(m, vals)
	m.SoldierHours = float64(ticks) / 3600
	return m, nil
}

// eachSample visits every recorded sample with the cells it belongs to
// (keys[4], the fallback of lookups only, is -1: the last bucket's samples
// are in keys[3]).
func (f *PhaseZFitter) eachSample(visit func(t *PhaseZTrack, s *phaseZSample, keys [5]int)) {
	for _, t := range f.tracks {
		fit := min(int(t.p.Fitness), engine.NumFitness-1)
		for i := range t.rows {
			s := &t.rows[i]
			keys := phaseZKeys(fit, s.prev, s.cur, int(s.bucket))
			keys[4] = -1
			visit(t, s, keys)
		}
	}
}

// fitMeans is the first pass: each cell's sample and episode counts and
// median normalised reading. It returns the number of samples and leaves
// vals empty (its backing arrays are reused by fitSpreads).
func (f *PhaseZFitter) fitMeans(m *PhaseZModel, vals [][engine.NumVitals][]float64) (ticks int) {
	type episodeID struct {
		t *PhaseZTrack
		e int32
	}
	lastEp := make([]episodeID, phaseZCells)
	f.eachSample(func(t *PhaseZTrack, s *phaseZSample, keys [5]int) {
		ticks++
		for _, k := range keys {
			if k < 0 {
				continue
			}
			m.Cells[k].N++
			if id := (episodeID{t, s.episode}); lastEp[k] != id {
				lastEp[k] = id
				m.Cells[k].Episodes++
			}
			for v := range engine.NumVitals {
				if !s.missing.Has(engine.Vital(v)) {
					vals[k][v] = append(vals[k][v], float64(s.z[v]))
				}
			}
		}
	})
	for k := range vals {
		for v := range engine.NumVitals {
			m.Cells[k].Mean[v] = median(vals[k][v])
			vals[k][v] = vals[k][v][:0]
		}
	}
	return ticks
}

// fitSpreads is the second pass: it replays each soldier's offsets as the
// scorer learns them, collects the residuals (before the update) per cell,
// and sets each cell's spread and the spread of the soldiers' final
// offsets.
func (f *PhaseZFitter) fitSpreads(m *PhaseZModel, vals [][engine.NumVitals][]float64) {
	var off [engine.NumVitals]offset
	var last *PhaseZTrack
	var ends [engine.NumVitals][]float64 // each soldier's offset at the end of its run
	end := func() {
		for v := range engine.NumVitals {
			if off[v].n > 0 {
				ends[v] = append(ends[v], off[v].mean)
			}
		}
	}
	add := func(keys [5]int, v int, e float64) {
		for _, k := range keys {
			if k >= 0 {
				vals[k][v] = append(vals[k][v], e)
			}
		}
	}
	f.eachSample(func(t *PhaseZTrack, s *phaseZSample, keys [5]int) {
		if t != last {
			if last != nil {
				end()
			}
			off, last = [engine.NumVitals]offset{}, t
		}
		c := m.cell(t.p.Fitness, s.prev, s.cur, int(s.bucket))
		if c == nil {
			return
		}
		for v := range engine.NumVitals {
			if s.missing.Has(engine.Vital(v)) {
				continue
			}
			e := float64(s.z[v]) - c.Mean[v]
			switch {
			case phaseZChange[v]:
				add(keys, v, e)
				continue
			case off[v].n >= PhaseZWarmup:
				add(keys, v, e-off[v].mean)
			}
			off[v].add(e, phaseZTau[v])
		}
	})
	end()
	for v := range engine.NumVitals {
		m.OffsetSD[v] = mad(ends[v])
	}
	for k := range vals {
		for v := range engine.NumVitals {
			m.Cells[k].SD[v] = mad(vals[k][v])
		}
	}
}

// mad returns 1.4826 times the median absolute deviation of xs (the
// standard deviation of a normal sample), reordering and overwriting xs.
func mad(r []float64) float64 {
	med := median(r)
	for i := range r {
		r[i] = math.Abs(r[i] - med)
	}
	return 1.4826 * median(r)
}

// median returns the median of xs (sorting it), or 0 if it is empty (a
// cell without readings of a vital: too few to be used, see
// phaseZMinCount).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

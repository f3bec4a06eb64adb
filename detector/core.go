package detector

import (
	"fmt"
	"math"
	"sync"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// histCap is the most cleaned rows the core keeps per soldier; the rolling
// baselines read at most this many. A forecaster that needs fewer says so
// (historyRows), and its soldiers keep only those: the TFT's are its drift
// horizon.
const histCap = 128

// row is one cleaned row of a soldier's history: the readings the models
// are fed, with imputed values where the reading was missing, stuck, or
// inside an open alert.
type row struct {
	t         int64
	values    [engine.NumVitals]float64 // never NaN once the history has a value
	imputed   engine.Mask               // values replaced by a forecast or carried forward
	held      engine.Mask               // imputed for a stretch: missing, stuck or inside an open alert
	missing   engine.Mask               // vitals without a reading
	phase     engine.Phase
	nextPhase engine.Phase
	ambient   float64
	// dmed is the forecast median change for this row (median minus the
	// previous cleaned value); NaN without a forecast.
	dmed [engine.NumVitals]float64
}

// history is a fixed ring of a soldier's last cleaned rows (its size: the
// core's history length). It holds full rows (rows), or, for a compact
// core (WithCompactState), rows rounded to float32 (small): one of the two
// is nil. Read it through value, dmed and imputed, which answer in float64
// either way.
type history struct {
	rows  []row
	small []smallRow
	start int // index of the oldest row
	n     int
}

// smallRow is what the core reads back of a cleaned row (value, dmed,
// imputed), rounded to float32 once when it is stored: 36 bytes instead of
// a row's 88. The scoring computes with it in float64, as tft's compact
// stream does with its ring.
type smallRow struct {
	values  [engine.NumVitals]float32
	dmed    [engine.NumVitals]float32
	imputed engine.Mask
}

// newHistory returns an empty history of n rows, rounded to float32 when
// small.
func newHistory(n int, small bool) history {
	if small {
		return history{small: make([]smallRow, n)}
	}
	return history{rows: make([]row, n)}
}

func (h *history) reset() { h.start, h.n = 0, 0 }

// size is how many rows the history holds when full.
func (h *history) size() int { return len(h.rows) + len(h.small) }

func (h *history) push(r *row) {
	k := h.start
	if h.n < h.size() {
		k = (h.start + h.n) % h.size()
		h.n++
	} else {
		h.start = (h.start + 1) % h.size()
	}
	if h.small == nil {
		h.rows[k] = *r
		return
	}
	sr := &h.small[k]
	for v := range engine.NumVitals {
		sr.values[v], sr.dmed[v] = float32(r.values[v]), float32(r.dmed[v])
	}
	sr.imputed = r.imputed
}

// slot returns the index of the i-th row counting back from the newest.
func (h *history) slot(i int) int { return (h.start + h.n - 1 - i) % h.size() }

// at returns the i-th row counting back from the newest (0 = newest) of a
// full-precision history; it panics on a compact one, which keeps no rows
// (a programmer error: read value, dmed and imputed).
func (h *history) at(i int) *row { return &h.rows[h.slot(i)] }

// value returns vital v's cleaned value in the i-th row back from the newest.
func (h *history) value(i, v int) float64 {
	if h.small == nil {
		return h.rows[h.slot(i)].values[v]
	}
	return float64(h.small[h.slot(i)].values[v])
}

// values returns the cleaned values of the i-th row back from the newest.
func (h *history) values(i int) [engine.NumVitals]float64 {
	if h.small == nil {
		return h.rows[h.slot(i)].values
	}
	var x [engine.NumVitals]float64
	for v, y := range h.small[h.slot(i)].values {
		x[v] = float64(y)
	}
	return x
}

// dmed returns vital v's forecast median change in the i-th row back from
// the newest (NaN without a forecast).
func (h *history) dmed(i, v int) float64 {
	if h.small == nil {
		return h.rows[h.slot(i)].dmed[v]
	}
	return float64(h.small[h.slot(i)].dmed[v])
}

// imputed returns the vitals imputed in the i-th row back from the newest.
func (h *history) imputed(i int) engine.Mask {
	if h.small == nil {
		return h.rows[h.slot(i)].imputed
	}
	return h.small[h.slot(i)].imputed
}

// vitalForecast is what a forecaster says about one vital of the row being
// scored: its quantiles and the band the score is measured against.
type vitalForecast struct {
	ok     bool
	q      Quantiles
	lo, hi float64 // the band; a reading inside it scores 0
	width  float64 // band-width unit of Out (already floored)
}

// setBand sets the band from the outer quantiles (0.02 and 0.98), widened
// symmetrically to at least floor (the sensor-noise floor), and the
// band-width unit to its width.
func (f *vitalForecast) setBand(floor float64) {
	lo, hi := f.q[0], f.q[NumQuantiles-1]
	if w := hi - lo; w < floor {
		c := (lo + hi) / 2
		lo, hi = c-floor/2, c+floor/2
	}
	f.lo, f.hi, f.width = lo, hi, hi-lo
}

// job is one soldier's row to forecast.
type job struct {
	s   *soldier
	obs *engine.Observation // the row being scored (its known inputs)
	fc  [engine.NumVitals]vitalForecast
	ex  *Explanation
	// width0 is each vital's band width before the soldier's band scale
	// stretched it (forecasters that adapt set it; see dispersion).
	width0 [engine.NumVitals]float64
	// in is the alert state machine's input, allMissing whether the row
	// had no reading (set by measure).
	in         stepInput
	allMissing bool
	// quiet is set for rows scored only to catch a soldier up, whose
	// verdicts nobody sees: no attribution is computed for them.
	quiet bool
	// high holds the vitals scored one-sided whose reading lies above the
	// band by more than the impute level: not out of band, but imputed
	// like an out-of-band reading (set by measure).
	high engine.Mask
	// seen is what the phase check saw when it judged the reported phase
	// wrong (seen.act is ActivityNone otherwise); raw what it saw at this
	// row (when looked, seePhases), squad whether the soldier's squad
	// disagreed with its phase too.
	seen              phaseSeen
	raw               phaseSeen
	looked, rawOK     bool
	squadDisagreement bool
	// While the reported phase is judged wrong, obs points to phased: the
	// row with the phase the activity shows; reported is the phase the
	// row came with.
	phased   engine.Observation
	reported engine.Phase
	// slot numbers the job's squad within its call (see squadSlots).
	slot int32
	// hotter is set when core temperature was judged against a hotter
	// phase's half-band than the reported phase's (heatHalf); reportedOut
	// is then its Out against the reported phase's, which the squad-wide
	// rule counts.
	hotter      bool
	reportedOut float64
}

// preparer is a forecaster that can do, during a series' warm-up, part of
// the work of its first forecast (the TFT's variable selection of each row
// as it comes): prepare is called each tick with the jobs whose series are
// still warming up. It must change no forecast's bits, and not keep the
// jobs.
type preparer interface {
	prepare(jobs []*job)
}

// forecaster is what a scorer plugs into the shared core.
type forecaster interface {
	// warmup is the number of cleaned rows a series needs before the
	// forecaster can forecast its next row.
	warmup() int
	// newSeries returns the forecaster's per-soldier state, or nil.
	newSeries(p *engine.Profile) any
	// resetSeries clears a series state for a new run.
	resetSeries(state any)
	// push appends a cleaned row to the soldier's series state (the core
	// has already appended it to s.hist).
	push(s *soldier, r *row)
	// forecast fills fc (and may fill ex) of every job. Every job's series
	// has at least warmup rows. It must not keep the jobs.
	forecast(jobs []*job)
	// imputes reports whether rows inside an open alert feed the model the
	// forecast median instead of the readings.
	imputes() bool
	// historyRows is how many cleaned rows of a soldier the forecaster and
	// the drift check read, at least 2, warmup and the drift horizon, and
	// at most histCap.
	historyRows() int
	// drift returns the drift check's horizon in ticks and its half-band
	// for vital v in a row in phase p (0 ticks: no drift check; a
	// non-positive or infinite half-band: measured but not scored).
	drift(p engine.Phase, v int) (ticks int, half float64)
}

// attributor is implemented by forecasters that can say which inputs moved
// a forecast: attribute returns the attribution of the bound (or median)
// named by ev of job j's forecast, computed before j's row is fed back.
// The core calls it only when an incident opens.
type attributor interface {
	attribute(j *job, ev *Evidence) *Attribution
}

// soldier is the core's state for one soldier.
type soldier struct {
	id engine.SoldierID
	// heatReported is the heat CUSUM as the reported phase's half-band
	// gives it, kept while core temperature is judged against a hotter
	// phase's (heatHalf), for the squad-wide count; otherwise heatSum.
	heatReported float32
	profile      engine.Profile
	lastT        int64
	started      bool
	wrongPh      bool         // the phase check judges the reported phase wrong (phasecheck.go)
	seenAct      Activity     // what the stamina showed when it did
	lastPh       engine.Phase // the phase reported at the last row the phase check judged
	phSquad      bool         // the disagreement being counted was shared by the squad
	phLearn      bool         // personal was allocated by the phase check (dropped with its disagreement)
	hist         history
	alerts       alertState
	stuck        [engine.NumVitals]stuckVital
	glitch       [engine.NumVitals]glitchVital
	open         [engine.NumVitals]int // ticks each physiological channel has been open
	oob          [engine.NumVitals]int // consecutive readings beyond the impute level
	gap          [engine.NumVitals]int // consecutive ticks each measured vital has been missing
	// sinceHeld counts the rows since any vital was last held on the
	// forecast (missing, stuck, or inside an open alert).
	sinceHeld int
	// heatSum is the core temperature drift's cumulative sum (heatCusum).
	heatSum float64
	// measured holds the vitals this soldier's sensors have reported at
	// least once since the series started. A vital never reported is not
	// measured by its kit (the prototype's clients send only heart rate and
	// stamina): it is imputed for the model but raises no dropout.
	measured engine.Mask
	disp     dispersion // the per-soldier band scale (forecasters that adapt)
	// age counts the rows since the series started; while it is below
	// startTrendAge, coreTrend follows core temperature (prior.go).
	age       int32
	phRun     int16 // seconds the reported phase has disagreed with the stamina (while wrongPh: agreed)
	restRun   int16 // seconds the stamina has recovered at rest's rate (phasecheck.go)
	coreTrend trend
	// personal is the personal heart-rate baseline (personal.go),
	// allocated the first time the soldier's phase is guessed, or while
	// the phase check disagrees with the reported phase (phLearn).
	personal *personalHR
	series   any // the forecaster's state
	scratch  row // the row being cleaned
}

// core is the machinery every scorer shares: per-soldier history, the stuck
// trackers, batching, scoring against the band, the alert state machine,
// and imputation while an alert is open.
type core struct {
	name   string
	f      forecaster
	cfg    AlertConfig
	glitch GlitchConfig
	prior  bool                      // judge vitals without a forecast against the population prior
	floor  [engine.NumVitals]float64 // sensor-noise floor of the band width
	adapt  bool                      // the forecaster stretches bands per soldier (dispersion)
	hist   int                       // cleaned rows kept per soldier (forecaster.historyRows)
	small  bool                      // histories in float32 (the forecaster's compactHistory)
	// personalK is the personal heart-rate check's K (personal.go).
	personalK float64
	// phaseHold is the phase check's hold in seconds (0: no check).
	phaseHold int16

	mu       sync.RWMutex // guards soldiers (the map; each soldier is its scoring call's)
	soldiers map[engine.SoldierID]*soldier
	pool     sync.Pool // *batch
}

// batch is the per-call workspace of Score.
type batch struct {
	jobs    []job
	ready   []*job
	warming []*job // the jobs not ready, for a preparer
	// Per squad of the call, indexed by the jobs' slots (squadSlots):
	// squad counts the excursions (squadWide), phases the soldiers the
	// phase check saw, and saw disagree (seePhases).
	slots  int
	slotOf map[int]int32 // squad → slot, for a call whose squads are not in order
	squad  []squadCount
	phases [][2]int
}

// squadSlots numbers the squads of b's jobs 0, 1, … in the order they
// first come, in each job's slot, and sets b.slots to how many there are.
// A call whose squads come in order (a frame's chunk) needs no map.
func (b *batch) squadSlots() {
	b.slots = 0
	for i := range b.jobs {
		j := &b.jobs[i]
		switch {
		case i > 0 && j.s.profile.Squad == b.jobs[i-1].s.profile.Squad:
			j.slot = b.jobs[i-1].slot
		case i > 0 && j.s.profile.Squad < b.jobs[i-1].s.profile.Squad:
			b.squadSlotsByMap()
			return
		default:
			j.slot = int32(b.slots)
			b.slots++
		}
	}
}

// squadSlotsByMap is squadSlots for squads in any order.
func (b *batch) squadSlotsByMap() {
	if b.slotOf == nil {
		b.slotOf = map[int]int32{}
	}
	clear(b.slotOf)
	b.slots = 0
	for i := range b.jobs {
		j := &b.jobs[i]
		k, ok := b.slotOf[j.s.profile.Squad]
		if !ok {
			k = int32(b.slots)
			b.slotOf[j.s.profile.Squad] = k
			b.slots++
		}
		j.slot = k
	}
}

func newCore(name string, f forecaster, cfg AlertConfig, floor [engine.NumVitals]float64, glitch *GlitchConfig, o *options) (*core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &core{name: name, f: f, cfg: cfg, glitch: DefaultGlitchConfig(), floor: floor, soldiers: map[engine.SoldierID]*soldier{}}
	c.prior = o.prior == nil || *o.prior
	c.personalK = DefaultPersonalK
	if o.personalK != 0 {
		if !(o.personalK > 0) || math.IsInf(o.personalK, 1) {
			return nil, fmt.Errorf("%w: personal check K %g (want > 0)", ErrConfig, o.personalK)
		}
		c.personalK = o.personalK
	}
	var err error
	if c.phaseHold, err = phaseHoldOf(o); err != nil {
		return nil, err
	}
	if glitch != nil {
		if err := glitch.Validate(); err != nil {
			return nil, err
		}
		c.glitch = *glitch
	}
	if a, ok := f.(interface{ adaptsBand() bool }); ok {
		c.adapt = a.adaptsBand()
	}
	if a, ok := f.(interface{ compactHistory() bool }); ok {
		c.small = a.compactHistory()
	}
	if c.hist = f.historyRows(); c.hist < max(2, f.warmup()) || c.hist > histCap {
		return nil, fmt.Errorf("%w: the %s forecaster keeps %d rows of history (want 2 to %d)", ErrConfig, name, c.hist, histCap)
	}
	c.pool.New = func() any { return &batch{} }
	return c, nil
}

// Name returns the scorer's short identifier.
func (c *core) Name() string { return c.name }

// AlertConfig returns the alert configuration the scorer runs with.
func (c *core) AlertConfig() AlertConfig { return c.cfg }

// Reset forgets every soldier's state, as for a new run.
func (c *core) Reset() {
	c.mu.Lock()
	clear(c.soldiers)
	c.mu.Unlock()
}

func (c *core) soldierFor(w *featurestore.Window) (*soldier, error) {
	if len(w.Rows) == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrWindow)
	}
	id := w.Rows[len(w.Rows)-1].Soldier
	if w.Profile.ID != 0 && w.Profile.ID != id {
		return nil, fmt.Errorf("%w: profile of soldier %d with rows of soldier %d", ErrWindow, w.Profile.ID, id)
	}
	// Nearly every call finds its soldier with the same profile: under
	// the read lock, so that the workers scoring one tick's chunks side
	// by side (50 000 look-ups a tick at scale) do not queue on it.
	c.mu.RLock()
	s, ok := c.soldiers[id]
	same := ok && (w.Profile.ID == 0 || w.Profile == s.profile)
	c.mu.RUnlock()
	if same {
		return s, nil
	}
	c.mu.Lock()
	s, ok = c.soldiers[id]
	if !ok {
		p := w.Profile
		if p.ID == 0 {
			p = engine.DefaultProfile(id)
		}
		s = &soldier{id: id, profile: p, hist: newHistory(c.hist, c.small), series: c.f.newSeries(&p)}
		c.soldiers[id] = s
	} else if w.Profile.ID != 0 && w.Profile != s.profile {
		// New static covariates (PUT /soldiers/{id} after the first
		// readings): the series restarts from the window with them.
		s.profile = w.Profile
		s.series = c.f.newSeries(&s.profile)
		s.started = false
	}
	c.mu.Unlock()
	return s, nil
}

// Score scores the last row of each window; see Scorer.
func (c *core) Score(ws []featurestore.Window, dst []Verdict) ([]Verdict, error) {
	b := c.pool.Get().(*batch)
	defer c.pool.Put(b)
	if cap(b.jobs) < len(ws) {
		b.jobs = make([]job, len(ws))
	}
	b.jobs = b.jobs[:len(ws)]
	b.ready = b.ready[:0]
	base := len(dst)
	for i := range ws {
		w := &ws[i]
		s, err := c.soldierFor(w)
		if err != nil {
			return dst[:base], fmt.Errorf("score window %d: %w", i, err)
		}
		c.catchUp(s, w)
		dst = append(dst, Verdict{})
		j := &b.jobs[i]
		*j = job{s: s, obs: &w.Rows[len(w.Rows)-1]}
		if s.hist.n >= c.f.warmup() {
			b.ready = append(b.ready, j)
		}
	}
	for i := range b.jobs {
		b.jobs[i].ex = &dst[base+i].Explanation // dst no longer grows
	}
	b.squadSlots()
	if c.phaseHold > 0 {
		c.seePhases(b)
	}
	if len(b.ready) > 0 {
		c.f.forecast(b.ready)
	}
	if p, ok := c.f.(preparer); ok && len(b.ready) < len(b.jobs) {
		b.warming = b.warming[:0]
		for i := range b.jobs {
			if j := &b.jobs[i]; j.s.hist.n < c.f.warmup() {
				b.warming = append(b.warming, j)
			}
		}
		p.prepare(b.warming)
		clear(b.warming)
	}
	for i := range b.jobs {
		c.measure(&b.jobs[i], &dst[base+i])
	}
	c.squadWide(b, dst[base:])
	for i := range b.jobs {
		c.settle(&b.jobs[i], &dst[base+i])
		b.jobs[i] = job{}
	}
	return dst, nil
}

// catchUp brings a soldier's state to the row before the window's last: it
// replays the window's rows the soldier has not seen (after a missed tick),
// or restarts the soldier from the window when the rows do not continue its
// history (a new run, or a gap longer than the window).
func (c *core) catchUp(s *soldier, w *featurestore.Window) {
	last := w.Rows[len(w.Rows)-1].T
	if s.started && last == s.lastT+1 {
		return
	}
	rows := w.Rows[:len(w.Rows)-1]
	if s.started && last > s.lastT && len(rows) > 0 && rows[0].T <= s.lastT+1 {
		// A short gap: score the missed rows, dropping their verdicts.
		var v Verdict
		for i := range rows {
			if rows[i].T <= s.lastT {
				continue
			}
			j := job{s: s, obs: &rows[i], ex: &v.Explanation, quiet: true}
			if c.phaseHold > 0 {
				c.checkPhase(&j)
			}
			if s.hist.n >= c.f.warmup() {
				jp := &j
				c.f.forecast([]*job{jp})
			}
			c.finish(&j, &v)
		}
		return
	}
	// Restart: feed the window's earlier rows without alerting.
	s.hist.reset()
	s.alerts.reset()
	s.open = [engine.NumVitals]int{}
	s.oob = [engine.NumVitals]int{}
	s.gap = [engine.NumVitals]int{}
	s.sinceHeld = 0
	s.heatSum, s.heatReported = 0, 0
	s.measured = 0
	s.age = 0
	s.coreTrend.reset()
	s.disp.reset()
	s.personal, s.phLearn, s.restRun = nil, false, 0
	s.wrongPh, s.seenAct, s.phRun, s.lastPh, s.phSquad = false, ActivityNone, 0, 0, false
	for v := range s.stuck {
		s.stuck[v].reset()
		s.glitch[v].reset()
	}
	c.f.resetSeries(s.series)
	s.started = true
	s.lastT = last - 1
	for i := range rows {
		o := &rows[i]
		r := &s.scratch
		c.cleanRow(s, o, r, nil, 0)
		r.dmed = nanVitals
		s.measured |= reported(o)
		for v := range engine.NumVitals {
			miss := o.Missing.Has(engine.Vital(v)) || math.IsNaN(o.Values[v])
			s.stuck[v].update(&c.cfg.Stuck, engine.Vital(v), o.Values[v], miss)
			s.glitch[v].update(&c.glitch, engine.Vital(v), o.Values[v], math.NaN(), miss)
		}
		s.hist.push(r)
		c.f.push(s, r)
	}
}

// cleanRow builds the row fed to the models from observation o: readings
// where present and trusted, otherwise the forecast median (if fc has one)
// or the last cleaned value.
func (c *core) cleanRow(s *soldier, o *engine.Observation, r *row, fc *[engine.NumVitals]vitalForecast, impute engine.Mask) {
	*r = row{t: o.T, phase: o.Phase, nextPhase: o.NextPhase, ambient: o.Ambient, missing: o.Missing}
	for v := range engine.NumVitals {
		x := o.Values[v]
		if o.Missing.Has(engine.Vital(v)) || math.IsNaN(x) || impute.Has(engine.Vital(v)) {
			r.imputed = r.imputed.With(engine.Vital(v))
			switch {
			case fc != nil && fc[v].ok && !math.IsNaN(fc[v].q[2]):
				x = fc[v].q[2]
			case s.hist.n > 0:
				x = s.hist.value(0, v)
			default:
				x = math.NaN()
			}
		}
		r.values[v] = x
	}
}

// finish scores one job: Out per vital, stuck judgement, the alert state
// machine, the verdict, and the cleaned row appended to the history.
func (c *core) finish(j *job, vd *Verdict) {
	c.measure(j, vd)
	c.settle(j, vd)
}

// measure is the first half of finish: the verdict's readings, forecasts
// and Out, and the state machine's input in j.in.
func (c *core) measure(j *job, vd *Verdict) {
	s, o := j.s, j.obs
	vd.Soldier, vd.T, vd.Phase, vd.NextPhase = s.id, o.T, o.Phase, o.NextPhase
	if j.seen.act != ActivityNone {
		// The verdict names the phase reported, not the one the
		// forecaster was given instead (phasecheck.go).
		vd.Phase, vd.NextPhase, vd.PhaseSeen = j.reported, j.reported, j.seen.act
	}
	s.measured |= reported(o)
	j.in = stepInput{t: o.T}
	j.allMissing = c.scoreVitals(j, vd, &j.in)
}

// settle is the second half of finish: the alert state machine, the
// verdict's state and the cleaned row fed back.
func (c *core) settle(j *job, vd *Verdict) {
	s, in, allMissing := j.s, &j.in, j.allMissing
	s.alerts.step(&c.cfg, in, &vd.Channels, &vd.Alert)
	if s.personal != nil {
		s.personal.track(vd.Channels[engine.HeartRate].Open)
	}
	if ch := vd.Alert.Evidence.Check; (vd.Alert.Opened || vd.Alert.Refined) && !j.quiet && ch != CheckPrior && ch != CheckPersonal {
		if at, ok := c.f.(attributor); ok && j.fc[vd.Alert.Evidence.Vital].ok {
			vd.Alert.Attribution = at.attribute(j, &vd.Alert.Evidence)
			s.alerts.inc.Attribution = vd.Alert.Attribution
		}
	}
	alerting := summarise(vd)
	impute, held := c.imputeMasks(s, vd, in, j.high)
	if c.adapt {
		c.learnDispersion(j, vd, in, held)
	}
	c.feedBack(j, vd, impute, held)

	switch {
	case alerting:
		vd.State = StateAlert
	case allMissing:
		vd.State = StateNoData
	case !j.fc[0].ok && !j.fc[1].ok && !j.fc[2].ok && !j.fc[3].ok && !in.prior:
		vd.State = StateWarmingUp
	case c.watching(s, in):
		vd.State = StateWatch
	default:
		vd.State = StateOK
	}
}

// scoreVitals fills each vital's verdict for job j (reading, forecast, Out
// with the drift check, stuck judgement), the verdict's Score and the
// vital it explains, and the alert state machine's input in; it reports
// whether every reading was missing.
func (c *core) scoreVitals(j *job, vd *Verdict, in *stepInput) (allMissing bool) {
	s, o := j.s, j.obs
	allMissing = true
	best := -1.0
	for v := range engine.NumVitals {
		vital := engine.Vital(v)
		x := o.Values[v]
		miss := o.Missing.Has(vital) || math.IsNaN(x)
		if miss {
			if s.measured.Has(vital) {
				in.missing = in.missing.With(vital)
			}
		} else {
			allMissing = false
		}
		vv := &vd.Vitals[v]
		vv.Observed, vv.Missing = x, miss
		fc := &j.fc[v]
		if fc.ok {
			vv.Forecast = fc.q
		} else {
			vv.Forecast = nanQuantiles
		}
		in.out[v] = math.NaN()
		vv.Drift = math.NaN()
		med := math.NaN()
		if fc.ok {
			med = fc.q[2]
		}
		if s.glitch[v].update(&c.glitch, vital, x, med, miss) && !miss {
			vv.Suspect = true
			in.suspect = in.suspect.With(vital)
		}
		if !fc.ok && !miss && !vv.Suspect && c.prior {
			lo, hi := populationBand(&s.profile, o.Phase, o.Ambient, vital)
			if vital == engine.HeartRate {
				lo = priorLowHR(&s.profile, o.Ambient, lo)
			}
			vv.Prior = true
			vv.Forecast = Quantiles{lo, math.NaN(), math.NaN(), math.NaN(), hi}
			vv.Out = outside(x, lo, hi, priorUnit[v])
			in.ev[v] = Evidence{Check: CheckPrior, Vital: vital, Value: x, Expected: math.NaN(), Lo: lo, Hi: hi, Out: vv.Out, Unit: priorUnit[v]}
			in.out[v] = 0
			if vv.Out != 0 {
				in.out[v] = math.Copysign(c.cfg.Open[v]+math.Abs(vv.Out), vv.Out)
			}
			in.prior = true
			if a := math.Abs(vv.Out); a > best {
				best = a
				vd.Explanation.Vital = vital
			}
		}
		if fc.ok && !miss && !vv.Suspect && !s.glitch[v].anchoring() {
			vv.Out = outside(x, fc.lo, fc.hi, fc.width)
			in.ev[v] = Evidence{Check: CheckBand, Vital: vital, Value: x, Expected: fc.q[2], Lo: fc.lo, Hi: fc.hi, Out: vv.Out, Unit: fc.width}
			if n, h := c.f.drift(o.Phase, v); n > 0 {
				rh, band := h, vv.Out // the reported phase's half-band, the band's Out
				if vital == engine.CoreTemp {
					h = c.heatHalf(j, h)
				}
				if d, ok := driftOf(s, v, n, robustReading(s, v, x), fc.q[2]); ok {
					vv.Drift = d
					// The half-band stretches with the soldier's band
					// scale: the drift is a sum of one-step errors, and a
					// wearer who scatters k times the training data's
					// one-step errors scatters k times its sums.
					if w0 := j.width0[v]; w0 > 0 && fc.width > w0 {
						h *= fc.width / w0
						rh *= fc.width / w0
					}
					if h > 0 && !math.IsInf(h, 0) && d > h {
						if od := (d - h) / (2 * h); od > math.Abs(vv.Out) {
							vv.Out = od
							in.ev[v] = Evidence{Check: CheckDrift, Vital: vital, Value: d, Expected: 0, Lo: -h, Hi: h, Out: od, Unit: 2 * h, Ticks: n}
						}
					}
					if vital == engine.CoreTemp && h > 0 && !math.IsInf(h, 0) {
						s.heatSum = max(0, s.heatSum+d/h-heatCusumRef)
						if od := s.heatSum / heatCusumScale; od > math.Abs(vv.Out) {
							vv.Out = od
							// The evidence is the sum itself, against the
							// sum at which it opens: the drift of this one
							// tick may lie inside its half-band.
							lim := c.cfg.Open[engine.CoreTemp] * heatCusumScale
							in.ev[v] = Evidence{Check: CheckCusum, Vital: vital, Value: s.heatSum, Expected: 0, Lo: -lim, Hi: lim, Out: od, Unit: heatCusumScale, Ticks: n}
						}
					}
					if vital == engine.CoreTemp {
						c.reportedHeat(j, d, rh, band)
					}
				} else if vital == engine.CoreTemp {
					// No drift: the squad-wide rule counts the band's Out.
					s.heatSum, s.heatReported, j.hotter = 0, 0, false
				}
			}
			if vital == engine.Stamina && vv.Out > 0 {
				// One-sided: stamina above its band is a recovery faster
				// than forecast (after a crash or a collapse, stamina
				// climbs back for a minute or more), never an anomaly;
				// scored, it opened "stamina crash" alerts after events.
				// It is still imputed like an out-of-band reading: fed
				// to the model, one high reading would anchor the next
				// forecast above the soldier and the next reading would
				// fall far below its band.
				if vv.Out > c.cfg.ImputeLevel {
					j.high = j.high.With(vital)
				}
				vv.Out = 0
				in.ev[v].Out = 0
			}
			in.out[v] = vv.Out
			if a := math.Abs(vv.Out); a > best {
				best = a
				vd.Explanation.Vital = vital
			}
		}
		// A heart rate whose phase was guessed is also judged, once the
		// soldier's own baseline is warm, against that baseline and the
		// union prior (personal.go); the more severe judgement counts.
		// So is one whose reported phase the phase check judges wrong
		// (phasecheck.go), and its evidence says what was seen.
		// Once allocated, the baseline learns from every reading, so it
		// is warm when it is needed.
		if vital == engine.HeartRate && !miss && !vv.Suspect {
			if o.PhaseGuessed || j.seen.act != ActivityNone {
				c.personalCheck(j, vd, in, x, &best)
			} else if s.personal != nil {
				s.personal.observe(o.T, x, o.Values[engine.Stamina])
			}
		}
		if vital == engine.HeartRate && j.seen.act != ActivityNone {
			in.ev[v].Seen, in.ev[v].SeenRate = j.seen.act, float32(j.seen.rate)
		}
		if vital == engine.CoreTemp && c.prior && c.f.warmup() > 0 && s.age < startTrendAge {
			c.startTrend(s, o, vv, in, x, miss)
		}
		stuck, frozen := s.stuck[v].update(&c.cfg.Stuck, vital, x, miss)
		in.run[v], in.val[v] = s.stuck[v].run, x
		vv.Stuck = stuck
		if stuck {
			in.stuck = in.stuck.With(vital)
		}
		if frozen {
			in.frozen = in.frozen.With(vital)
		}
	}
	vd.Score = max(best, 0)
	// Silent: no reading at all (so every vital the kit measures is
	// missing, and a sensor dead from the first tick counts too).
	in.silent = allMissing
	return allMissing
}

// startTrend follows a young series' core temperature trend and, until
// the drift check has a value, judges it against the steepest rise
// plausible in the phase (prior.go): a slope above it counts as out of
// band like a reading outside the population prior.
func (c *core) startTrend(s *soldier, o *engine.Observation, vv *VitalVerdict, in *stepInput, x float64, miss bool) {
	if miss || vv.Suspect {
		return
	}
	s.coreTrend.add(o.T, x)
	if !math.IsNaN(vv.Drift) {
		return
	}
	sl, ok := s.coreTrend.slope()
	if !ok {
		return
	}
	if out := startTrendOut(sl, o.Phase); out > 0 {
		if out > vv.Out {
			vv.Out = out
		}
		lvl := c.cfg.Open[engine.CoreTemp] + out
		if math.IsNaN(in.out[engine.CoreTemp]) || lvl > in.out[engine.CoreTemp] {
			in.out[engine.CoreTemp] = lvl
			lim := startTrendMax[min(int(o.Phase), engine.NumPhases-1)]
			in.ev[engine.CoreTemp] = Evidence{Check: CheckTrend, Vital: engine.CoreTemp, Value: sl * 60, Expected: 0,
				Lo: -lim, Hi: lim, Out: out, Unit: startTrendUnit, Ticks: int(s.coreTrend.n)}
		}
	}
}

// imputeMasks counts how long each vital's alert has been open and its
// readings out of band, and returns the vitals whose reading the cleaned
// row replaces (impute) and those held on the forecast (held: the drift
// check waits after them).
func (c *core) imputeMasks(s *soldier, vd *Verdict, in *stepInput, high engine.Mask) (impute, held engine.Mask) {
	for v := range engine.NumVitals {
		vital := engine.Vital(v)
		open := vd.Channels[v].Open
		if open {
			s.open[v]++
		} else {
			s.open[v] = 0
		}
		if math.Abs(in.out[v]) > c.cfg.ImputeLevel || high.Has(vital) { // NaN compares false
			s.oob[v]++
		} else {
			s.oob[v] = 0
		}
		// Inside an open alert impute for up to MaxImpute ticks; outside
		// one, an out-of-band reading is imputed only while it could still
		// be the start of an alert (M ticks), so a forecast that missed a
		// legitimate change re-anchors instead of running away.
		inAlert := open && (c.cfg.MaxImpute == 0 || s.open[v] <= c.cfg.MaxImpute)
		wild := !open && s.oob[v] > 0 && s.oob[v] <= c.wildTicks()
		if in.stuck.Has(vital) || in.suspect.Has(vital) || (c.f.imputes() && (inAlert || wild)) {
			impute = impute.With(vital)
		}
		// A vital its kit does not measure is not in in.missing, so it is
		// never held: it has no readings for the forecast to stand in for.
		// A short gap (a burst of lost readings, shorter than a dropout)
		// is imputed but not held: a few forecast values do not bias the
		// drift check, and with 2 % of readings lost in bursts a hold
		// after every gap would keep the check waiting for ever.
		if in.missing.Has(vital) || in.suspect.Has(vital) {
			s.gap[v]++
		} else {
			s.gap[v] = 0
		}
		// A long gap in one vital other than core temperature (a partial
		// dropout, a long motion artefact in the heart rate) does not hold
		// the drift check either: the forecast leans on the other vitals,
		// but a held heart rate or SpO2 that tracks its forecast biases the
		// expected core temperature far less than an open alert (a stamina
		// crash) does, and the field world's partial dropouts and
		// artefacts would otherwise keep the check waiting most of a march.
		longGap := s.gap[v] >= c.cfg.dropoutTicks() && (vital == engine.CoreTemp || in.silent)
		if in.stuck.Has(vital) || longGap || (c.f.imputes() && inAlert) {
			held = held.With(vital)
		}
	}
	return impute, held
}

// learnDispersion teaches the soldier's band scale from the readings of
// job j that cannot be the anomaly.
func (c *core) learnDispersion(j *job, vd *Verdict, in *stepInput, held engine.Mask) {
	s, o := j.s, j.obs
	for v := range engine.NumVitals {
		vital := engine.Vital(v)
		if j.fc[v].ok && !vd.Vitals[v].Missing && !vd.Channels[v].Open && s.open[v] == 0 &&
			!in.stuck.Has(vital) && !in.suspect.Has(vital) && !held.Has(vital) && !s.glitch[v].anchoring() {
			s.disp.learn(v, o.Values[v], j.fc[v].q[2], j.width0[v], seed(v, s.glitch[v].raw2))
		}
	}
}

// feedBack appends job j's cleaned row (readings in impute replaced) to the
// soldier's history and its forecaster, and flags the imputed vitals in
// the verdict.
func (c *core) feedBack(j *job, vd *Verdict, impute, held engine.Mask) {
	s, o := j.s, j.obs
	r := &s.scratch // a local would escape through the forecaster interface
	c.cleanRow(s, o, r, &j.fc, impute)
	r.held = held
	if held != 0 {
		s.sinceHeld = 0
	} else {
		s.sinceHeld++
	}
	for v := range engine.NumVitals {
		r.dmed[v] = math.NaN()
		if j.fc[v].ok && s.hist.n > 0 {
			r.dmed[v] = j.fc[v].q[2] - s.hist.value(0, v)
		}
	}
	for v := range engine.NumVitals {
		vd.Vitals[v].Imputed = r.imputed.Has(engine.Vital(v))
	}
	s.hist.push(r)
	c.f.push(s, r)
	s.lastT = o.T
	if s.age < startTrendAge {
		s.age++
	}
}

// wildTicks is how many consecutive out-of-band readings outside an alert
// are imputed.
func (c *core) wildTicks() int {
	if c.cfg.WildTicks > 0 {
		return c.cfg.WildTicks
	}
	return c.cfg.M
}

// watching reports whether any channel has out-of-band ticks that have not
// (yet) opened an alert.
func (c *core) watching(s *soldier, in *stepInput) bool {
	for v := range engine.NumVitals {
		if !math.IsNaN(in.out[v]) && math.Abs(in.out[v]) > c.cfg.Open[v] {
			return true
		}
	}
	return in.missing != 0 || in.stuck != 0 || in.suspect != 0
}

// reported returns the vitals o has readings for.
func reported(o *engine.Observation) engine.Mask {
	var m engine.Mask
	for v := range engine.NumVitals {
		if !o.Missing.Has(engine.Vital(v)) && !math.IsNaN(o.Values[v]) {
			m = m.With(engine.Vital(v))
		}
	}
	return m
}

var (
	nanQuantiles = Quantiles{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	nanVitals    = [engine.NumVitals]float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
)

// The heat CUSUM: heat strain keeps the core temperature's drift above its
// half-band for minutes, while a normal excursion of the drift (a phase
// change the forecast met late) is over in about one horizon. The
// cumulative sum S = max(0, S + Drift/half − heatCusumRef) gathers that
// evidence (Page's CUSUM on the drift in half-bands), and S/heatCusumScale
// is scored like the drift's Out. It restarts whenever the drift has no
// value (the check waiting after a held row).
const (
	heatCusumRef   = 1.0
	heatCusumScale = 60.0
)

// driftCooldown is how many drift horizons after the last held row the
// drift check waits. Anomaly windows of one soldier are at least five
// minutes apart in the simulation, so waiting three one-minute horizons
// rarely costs a detection.
const driftCooldown = 3

// driftOf returns the drift of vital v over the last n ticks: how far the
// reading x has moved from the cleaned value n ticks ago beyond the sum of
// the forecast median changes in between (the last one being med − the
// previous cleaned value). One-step forecast errors from sensor noise
// cancel in the sum; a slow drift the one-step band cannot see (heat
// strain: 0.1–0.2 °C per minute under 0.015 °C of noise) accumulates.
// The sum is the sum of the one-step errors of the cleaned rows, so a
// single imputed out-of-band reading adds nothing. But there is no drift
// until driftCooldown horizons after any vital was last held on the
// forecast (an open alert, a dropout, a stuck sensor): the cleaned values
// there followed the forecast, not the soldier, and the model's forecast of
// each vital leans on the others — a stamina still recovering from a crash
// biases the expected core temperature for minutes. Nor is there a drift
// while the horizon reaches back over a reading of v that re-anchored the
// forecast (after a believed step or a gap): its jump is fed unscored and
// is no one-step error of the soldier's — after a long motion artefact
// was believed it alone is a heart-rate "drift" of tens of bpm.
func driftOf(s *soldier, v, n int, x, med float64) (float64, bool) {
	if s.hist.n < n || n > s.hist.size() {
		return 0, false
	}
	if s.sinceHeld < driftCooldown*n || s.glitch[v].sinceAnchor < n {
		return 0, false
	}
	sum := med - s.hist.value(0, v)
	for i := 0; i < n-1; i++ {
		d := s.hist.dmed(i, v)
		if math.IsNaN(d) {
			return 0, false
		}
		sum += d
	}
	return x - s.hist.value(n-1, v) - sum, true
}

// robustReading returns the median of reading x and the two cleaned values
// before it: what the drift check compares, so that one wild reading
// (heavy-tailed sensor noise) does not count as a drift. Over a 60-tick
// horizon the one tick of lag it adds to a real drift is negligible.
func robustReading(s *soldier, v int, x float64) float64 {
	if s.hist.n < 2 {
		return x
	}
	a, b := s.hist.value(0, v), s.hist.value(1, v)
	return max(min(x, a), min(max(x, a), b))
}

// outside returns how far x lies outside [lo, hi] in units of width:
// positive above, negative below, 0 inside.
func outside(x, lo, hi, width float64) float64 {
	switch {
	case x > hi:
		return (x - hi) / width
	case x < lo:
		return (x - lo) / width
	}
	return 0
}

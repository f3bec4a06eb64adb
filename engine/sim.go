package engine

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"
)

// Sim is the seeded battlefield simulation: a discrete-event clock over
// squads with phase schedules, soldiers with physiology, and injected
// anomalies with ground-truth labels. It steps on request: Step for the hot
// path (reusing the caller's frame), Next for the Source interface (a
// copied frame). A Pacer runs it against wall time.
//
// A Sim is not safe for concurrent use: one goroutine steps it and asks it
// about the schedule.
type Sim struct {
	cfg      Config
	dt       int64        // tick, seconds
	dtf      float64      // the same as a float
	end      int64        // first tick not produced (MaxInt64: no end)
	next     int64        // tick of the next frame
	profiles []Profile    // the true profiles the physiology uses
	given    []Profile    // the profiles a scorer is given (World.Profile*Error)
	world    *sensorWorld // nil in the clean world
	sol      []soldier
	anom     []anomaly
	squads   []squad
	scheds   []*schedule
	q        eventQueue
	labels   []Label // every label opened so far, in start order

	noise                   noiseSource
	effort, anomRng, artRng *rand.Rand

	mixCum   [NumKinds]float64 // cumulative mix weights
	gapMean  float64           // mean gap between a soldier's windows, s
	gapMin   float64           // minimum gap, s
	artMean  float64           // mean time between a soldier's artefacts, s (0: none)
	arPhi    float64           // AR(1) coefficient of the HR fluctuation per tick
	arInnov  float64           // its innovation sd factor, √(1−φ²)
	effPhi   float64           // AR(1) coefficient of squad effort
	effInnov float64
	kTcUp    float64
	kTcDown  float64
	scratch  Frame // Next's step buffer
}

// squad is one squad's per-tick state.
type squad struct {
	plan, next Phase   // the plan's phase at this tick and the next (known inputs)
	phase      Phase   // the phase actually under way (the plan's in the clean world)
	effort     float64 // shared effort fluctuation, fraction of HRR
	intensity  float64 // this tick's %HRR demand
	stamina    float64 // this tick's stamina rate, points per minute
	tcRise     float64
	spo2Drop   float64
}

// SimOption configures NewSim.
type SimOption func(*simOptions)

type simOptions struct{ profiles []Profile }

// WithProfiles replaces the generated profiles. ps must hold Config.Soldiers
// profiles with strictly increasing positive ids and squads in
// [0, Config.Squads()).
func WithProfiles(ps []Profile) SimOption {
	return func(o *simOptions) { o.profiles = append([]Profile(nil), ps...) }
}

// NewSim returns a simulation of cfg at tick 0. Every random draw derives
// from cfg.Seed through streams per purpose (profiles, individual factors,
// schedules per squad, squad effort, noise, anomalies, artefacts).
func NewSim(cfg Config, opts ...SimOption) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o simOptions
	for _, opt := range opts {
		opt(&o)
	}
	s := &Sim{cfg: cfg, dt: cfg.TickSeconds(), end: math.MaxInt64}
	s.dtf = float64(s.dt)
	if cfg.Duration > 0 {
		s.end = int64(math.Ceil(cfg.Duration.Seconds()/s.dtf)) * s.dt
	}
	s.profiles = o.profiles
	if s.profiles == nil {
		s.profiles = GenerateProfiles(cfg.Soldiers, cfg.SquadSize, cfg.Seed)
	} else if err := checkProfiles(s.profiles, cfg); err != nil {
		return nil, err
	}
	s.given = misreport(s.profiles, cfg.World, cfg.Seed)
	s.noise = noiseSource{newPCG(cfg.Seed, streamNoise, 0)}
	s.effort = newStream(cfg.Seed, streamEffort, 0)
	s.anomRng = newStream(cfg.Seed, streamAnomaly, 0)
	s.artRng = newStream(cfg.Seed, streamArtefact, 0)
	s.arPhi = math.Exp(-s.dtf / hrARTau)
	s.arInnov = math.Sqrt(1 - s.arPhi*s.arPhi)
	s.effPhi = math.Exp(-s.dtf / effortTau)
	s.effInnov = math.Sqrt(1 - s.effPhi*s.effPhi)
	s.kTcUp, s.kTcDown = lag(tcTauUp, s.dtf), lag(tcTauDown, s.dtf)

	nsq := cfg.Squads()
	s.world = newSensorWorld(cfg, len(s.profiles), nsq, s.dtf)
	s.squads = make([]squad, nsq)
	s.scheds = make([]*schedule, nsq)
	for q := range s.scheds {
		s.scheds[q] = newSchedule(cfg.Seed, q, s.dt)
		s.q.push(event{t: s.scheds[q].nextChange(), kind: evPhase, idx: int32(q)})
		s.squads[q].phase = s.scheds[q].segs[0].Phase
		s.squads[q].plan = s.squads[q].phase
		s.squads[q].prepare()
	}

	heat := heatLoad(s.Ambient(0))
	ind := newStream(cfg.Seed, streamIndividual, 0)
	s.sol = make([]soldier, len(s.profiles))
	s.anom = make([]anomaly, len(s.profiles))
	for i, p := range s.profiles {
		s.sol[i] = newSoldier(p, s.dtf, ind)
		s.sol[i].settle(&s.squads[p.Squad], heat)
		s.anom[i].artStart, s.anom[i].artEnd = -1, -1
		s.anom[i].nextStart = math.MaxInt64
	}

	s.prepareAnomalies()
	s.q.push(event{t: 0, kind: evTick})
	return s, nil
}

func checkProfiles(ps []Profile, cfg Config) error {
	if len(ps) != cfg.Soldiers {
		return fmt.Errorf("%w: %d profiles for %d soldiers", ErrInvalidConfig, len(ps), cfg.Soldiers)
	}
	for i, p := range ps {
		if p.ID <= 0 || (i > 0 && p.ID <= ps[i-1].ID) {
			return fmt.Errorf("%w: profile %d: ids must be positive and strictly increasing (got %d)", ErrInvalidConfig, i, p.ID)
		}
		if p.Squad < 0 || p.Squad >= cfg.Squads() {
			return fmt.Errorf("%w: profile of soldier %d: squad %d outside [0, %d)", ErrInvalidConfig, p.ID, p.Squad, cfg.Squads())
		}
		if !(p.RestingHR >= 30 && p.RestingHR <= 120 && p.HRMax > p.RestingHR && p.HRMax <= 240) {
			return fmt.Errorf("%w: profile of soldier %d: resting HR %v and HRmax %v are implausible", ErrInvalidConfig, p.ID, p.RestingHR, p.HRMax)
		}
		if !(p.BaseCoreTemp >= 35.5 && p.BaseCoreTemp <= 38) {
			return fmt.Errorf("%w: profile of soldier %d: resting core temperature %v is implausible", ErrInvalidConfig, p.ID, p.BaseCoreTemp)
		}
	}
	return nil
}

// prepareAnomalies sets the renewal process of anomaly windows: each soldier
// alternates gaps and windows; a window's mean length D follows from the mix
// and the mean gap G = D(1−p)/p makes the long-run fraction of soldier-ticks
// inside windows the poison rate p. Gaps are a minimum (5 min, or G/2 if
// that is shorter) plus an exponential draw, so windows never overlap and a
// tail has time to fade. The process runs from three mean cycles before
// tick 0 so that tick 0 is already in its steady state (a window that
// straddles tick 0 starts at 0); otherwise every soldier would start in a
// fresh gap and short runs would fall short of p. Artefacts are a Poisson
// process per soldier.
func (s *Sim) prepareAnomalies() {
	var acc float64
	for k, w := range s.cfg.Mix {
		acc += w
		s.mixCum[k] = acc
	}
	if p := s.cfg.PoisonRate; p > 0 {
		d := s.cfg.Mix.meanDuration()
		s.gapMean = d * (1 - p) / p
		s.gapMin = min(minGapSeconds, s.gapMean/2)
		warm := s.ticksFrom(3 * (d + s.gapMean))
		starting := s.startAnomalous()
		for i := range s.sol {
			if starting != nil && starting[i] {
				continue
			}
			t := -warm
			for {
				start := t + s.ticksFrom(s.gap())
				kind, span := s.drawWindow()
				if end := start + span; end > 0 {
					a := &s.anom[i]
					a.presetKind, a.presetSpan = kind, end-max(start, 0)
					// In a world with soldiers unwell at the start, a window
					// under way before tick 0 is at full strength there.
					a.full = start < 0 && starting != nil
					s.queueStart(i, max(start, 0))
					break
				}
				t = start + span
			}
		}
	}
	if r := s.cfg.ArtefactRate; r > 0 {
		s.artMean = 3600 / r
		if s.world != nil {
			s.artMean /= s.world.artFactor // the fastest rate; artefact thins it by phase
		}
		for i := range s.sol {
			s.q.push(event{t: s.ticksFrom(s.artRng.ExpFloat64() * s.artMean), kind: evArtefact, idx: int32(i)})
		}
	}
}

// startAnomalous picks the soldiers (World.StartAnomalous of them, at
// random) whose first window is already under way at full strength at
// tick 0, draws each one's window from the mix and queues its start at 0.
// It returns which soldiers it picked (nil: none).
func (s *Sim) startAnomalous() []bool {
	if s.world == nil || s.world.w.StartAnomalous == 0 {
		return nil
	}
	r := newStream(s.cfg.Seed, streamStartAnomaly, 0)
	n := len(s.sol)
	k := int(math.Round(s.world.w.StartAnomalous * float64(n)))
	picked := make([]bool, n)
	for _, i := range r.Perm(n)[:k] {
		picked[i] = true
		u := r.Float64() * s.mixCum[NumKinds-1]
		kind := KindTachycardia
		for j := range s.mixCum {
			if s.cfg.Mix[j] > 0 && u < s.mixCum[j] {
				kind = AnomalyKind(j)
				break
			}
		}
		d := kindDuration[kind]
		a := &s.anom[i]
		a.presetKind, a.presetSpan, a.full = kind, s.ticksFrom(uniform(r, d[0], d[1])), true
		s.queueStart(i, 0)
	}
	return picked
}

// queueStart queues the start of soldier i's next window at tick t.
func (s *Sim) queueStart(i int, t int64) {
	s.anom[i].nextStart = t
	s.q.push(event{t: t, kind: evAnomalyStart, idx: int32(i)})
}

// gap draws the time between two windows of one soldier, seconds.
func (s *Sim) gap() float64 { return s.gapMin + s.anomRng.ExpFloat64()*(s.gapMean-s.gapMin) }

// drawWindow draws a window's kind from the mix and its length in seconds
// (a whole number of ticks).
func (s *Sim) drawWindow() (AnomalyKind, int64) {
	u := s.anomRng.Float64() * s.mixCum[NumKinds-1]
	kind := KindTachycardia
	for k := range s.mixCum {
		if s.cfg.Mix[k] > 0 && u < s.mixCum[k] {
			kind = AnomalyKind(k)
			break
		}
	}
	r := kindDuration[kind]
	return kind, s.ticksFrom(uniform(s.anomRng, r[0], r[1]))
}

// ticksFrom rounds a span of seconds to a whole number of ticks, at least
// one, and returns it in seconds.
func (s *Sim) ticksFrom(seconds float64) int64 {
	n := int64(math.Round(seconds / s.dtf))
	return max(n, 1) * s.dt
}

// Config returns the simulation's configuration.
func (s *Sim) Config() Config { return s.cfg }

// Profiles returns the soldiers' static covariates as a scorer is given
// them, sorted by id: in a world with profile errors (World.ProfileHRError,
// ProfileAgeError) resting HR, age and HRmax are off from the true ones the
// physiology uses. The slice is the caller's.
func (s *Sim) Profiles() []Profile { return append([]Profile(nil), s.given...) }

// Squads returns the number of squads.
func (s *Sim) Squads() int { return len(s.squads) }

// T returns the tick of the next frame.
func (s *Sim) T() int64 { return s.next }

// Tick returns the simulated time between frames.
func (s *Sim) Tick() time.Duration { return s.cfg.Tick }

// TimeAt returns the simulated wall-clock time of tick t.
func (s *Sim) TimeAt(t int64) time.Time { return s.cfg.Start.Add(time.Duration(t) * time.Second) }

// PhaseAt returns squad's planned phase at tick t; the schedule is known
// ahead, so t may be in the future. In a world with schedule drift
// (World.ScheduleJitter, UnplannedContact) the phase actually under way may
// differ: the plan is what a scorer knows. It panics if squad is out of
// range.
func (s *Sim) PhaseAt(squad int, t int64) Phase { return s.scheds[squad].at(t) }

// Schedule appends squad's schedule segments overlapping ticks [from, to] to
// dst and returns it.
func (s *Sim) Schedule(squad int, from, to int64, dst []Segment) []Segment {
	return s.scheds[squad].between(from, to, dst)
}

// Ambient returns the ambient temperature at tick t, °C (known ahead). The
// time of day is read on Config.Start's own clock (its location).
func (s *Sim) Ambient(t int64) float64 {
	h, m, sec := s.cfg.Start.Clock()
	sod := int64(h*3600+m*60+sec) + t
	return ambientAt(s.cfg.AmbientMean, s.cfg.AmbientSwing, sod%86400)
}

// Labels returns every label opened so far (windows and artefacts), in order
// of their start. The slice is the caller's.
func (s *Sim) Labels() []Label { return append([]Label(nil), s.labels...) }

// Next returns the next frame as a value the caller owns. It returns io.EOF
// after Config.Duration and ctx.Err() if ctx is done.
func (s *Sim) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if err := s.Step(&s.scratch); err != nil {
		return Frame{}, err
	}
	return s.scratch.Clone(), nil
}

// Step advances the clock by one tick and writes its frame into dst, reusing
// dst's slices (no allocation once they have grown to size). The frame stays
// valid until dst is stepped again; use Frame.Clone to keep it. It returns
// io.EOF after Config.Duration.
func (s *Sim) Step(dst *Frame) error {
	if s.next >= s.end {
		return io.EOF
	}
	for {
		ev := s.q.pop()
		switch ev.kind {
		case evPhase:
			s.phaseChange(ev)
		case evAnomalyStart:
			s.anomalyStart(ev)
		case evAnomalyEnd:
			s.anomalyEnd(ev)
		case evArtefact:
			s.artefact(ev)
		case evTick:
			s.tick(ev.t, dst)
			s.next = ev.t + s.dt
			s.q.push(event{t: s.next, kind: evTick})
			return nil
		}
	}
}

func (s *Sim) phaseChange(ev event) {
	sc := s.scheds[ev.idx]
	sc.cur++
	sq := &s.squads[ev.idx]
	sq.plan = sc.segs[sc.cur].Phase
	if s.world == nil || s.world.actual == nil {
		sq.phase = sq.plan
	}
	s.q.push(event{t: sc.nextChange(), kind: evPhase, idx: ev.idx})
}

func (s *Sim) anomalyStart(ev event) {
	a := &s.anom[ev.idx]
	kind, span := a.presetKind, a.presetSpan
	if kind == KindNone {
		kind, span = s.drawWindow()
	}
	a.presetKind = KindNone
	lbl := Label{Soldier: s.profiles[ev.idx].ID, Start: ev.t, End: ev.t + span - s.dt, Kind: kind}
	a.start(lbl, s.dtf, s.anomRng)
	if kind == KindHeatStrain {
		// Cap the total rise at heatRiseMax. A whole window already rises at
		// least heatRiseMin (heatRateMin over the shortest window); one cut
		// short at tick 0 keeps its rate.
		n := float64(span / s.dt)
		a.rate = min(a.rate*n, heatRiseMax) / n
		if a.full {
			a.off[CoreTemp] = a.rate * n / 2 // already halfway up at tick 0
		}
	}
	s.sol[ev.idx].active = true
	s.labels = append(s.labels, lbl)
	s.q.push(event{t: ev.t + span, kind: evAnomalyEnd, idx: ev.idx})
}

func (s *Sim) anomalyEnd(ev event) {
	s.anom[ev.idx].end(s.dtf)
	s.queueStart(int(ev.idx), ev.t+s.ticksFrom(s.gap()))
}

func (s *Sim) artefact(ev event) {
	a := &s.anom[ev.idx]
	if sw := s.world; sw != nil && (!sw.w.oneTickArtefacts() || sw.artFactor > 1) {
		s.fieldArtefact(ev, a)
	} else {
		s.cleanArtefact(ev, a)
	}
	s.q.push(event{t: ev.t + s.ticksFrom(s.artRng.ExpFloat64()*s.artMean), kind: evArtefact, idx: ev.idx})
}

// cleanArtefact starts a one-tick artefact of the clean world.
func (s *Sim) cleanArtefact(ev event, a *anomaly) {
	spike := uniform(s.artRng, artefactUpMin, artefactUpMax)
	if s.artRng.Float64() < 0.2 {
		spike = -uniform(s.artRng, artefactDownMin, artefactDownMax)
	}
	if a.label.Kind == KindNone && !a.tail {
		a.artStart, a.artEnd, a.spike = ev.t, ev.t, spike
		s.sol[ev.idx].active = true
		s.labels = append(s.labels, Label{Soldier: s.profiles[ev.idx].ID, Start: ev.t, End: ev.t, Kind: KindArtefact})
	}
}

// fieldArtefact starts an artefact of the sensor world: the Poisson process
// runs at the fastest rate and is thinned to the squad's actual phase
// (World.ArtefactExertion in march and contact); a kept artefact lasts a
// heavy-tailed number of ticks and is a jump, a dip or a cadence lock.
func (s *Sim) fieldArtefact(ev event, a *anomaly) {
	sw := s.world
	p := s.squads[s.sol[ev.idx].squad].phase
	if sw.artFactor > 1 {
		f := 1.0
		if exertion(p) {
			f = sw.artFactor
		}
		if sw.shape.Float64()*sw.artFactor >= f {
			return
		}
	}
	if a.label.Kind != KindNone || a.tail || a.artEnd >= ev.t {
		return
	}
	var span int64
	if sw.w.oneTickArtefacts() {
		span = s.dt
		a.lock = false
		a.spike = uniform(sw.shape, artefactUpMin, artefactUpMax)
		if sw.shape.Float64() < 0.2 {
			a.spike = -uniform(sw.shape, artefactDownMin, artefactDownMax)
		}
	} else {
		span = sw.artefact(a, p, s.dtf)
	}
	// A lasting artefact ends before the soldier's next window starts, so
	// labels never overlap and the label is final from its first tick.
	a.artStart, a.artEnd = ev.t, min(ev.t+span, a.nextStart)-s.dt
	s.sol[ev.idx].active = true
	s.labels = append(s.labels, Label{Soldier: s.profiles[ev.idx].ID, Start: a.artStart, End: a.artEnd, Kind: KindArtefact})
}

// prepare sets the squad's per-tick demands from its phase and effort.
func (sq *squad) prepare() {
	pp := &phaseTable[sq.phase]
	sq.intensity = pp.intensity + sq.effort
	sq.stamina = pp.stamina
	sq.tcRise = pp.tcRise
	sq.spo2Drop = pp.spo2Drop
}

// tick computes the frame of tick t into dst.
func (s *Sim) tick(t int64, dst *Frame) {
	amb := s.Ambient(t)
	heat := heatLoad(amb)
	s.advanceSquads(t)
	s.startFrame(t, dst)

	// Per soldier, inline: the hot loop. Moving the latent state and the
	// observation into methods cost 2–3 % more instructions per
	// soldier-tick (measured with cachegrind), so they stay here.
	noise := s.noise
	arPhi, arInnov := s.arPhi, s.arInnov
	kTcUp, kTcDown := s.kTcUp, s.kTcDown
	for i := range s.sol {
		so := &s.sol[i]
		sq := &s.squads[so.squad]

		// Heart rate: first-order lag toward the target, faster up than down.
		target := so.hrTarget(sq.intensity)
		k := so.kDown
		if target > so.hr {
			k = so.kUp
		}
		so.hr += (target - so.hr) * k
		so.ar = arPhi*so.ar + arInnov*hrARSD*(1+sq.intensity)*noise.norm()

		// Stamina: drains with work, recovers at rest (slower near full).
		if sq.stamina < 0 {
			so.stamina += sq.stamina * so.drain
		} else {
			so.stamina += sq.stamina * so.recovery * 2 * (1 - so.stamina/100)
		}
		so.stamina = clamp(so.stamina, 0, 100)

		// Core temperature: lag toward what work and heat ask for.
		tcT := so.tcTarget(sq.tcRise, heat)
		if tcT > so.tc {
			so.tc += (tcT - so.tc) * kTcUp
		} else {
			so.tc += (tcT - so.tc) * kTcDown
		}

		e := [NumVitals]float64{noise.norm(), noise.norm(), noise.norm(), noise.norm()}
		sw := s.world
		if sw != nil && sw.tnoise != nil {
			sw.noise(&e)
		}
		x := [NumVitals]float64{
			HeartRate: so.hr + so.ar + hrWhiteSD*e[HeartRate],
			Stamina:   so.stamina + staminaSD*e[Stamina],
			CoreTemp:  so.tc + tcSD*e[CoreTemp],
			SpO2:      so.spo2 - sq.spo2Drop + spo2SD*e[SpO2],
		}
		if sw != nil && sw.dev != nil {
			sw.deviceError(i, &x)
		}
		var a *anomaly
		if so.active {
			a = &s.anom[i]
			if a.lock && a.artStart <= t && t <= a.artEnd {
				sw.wander(a)
			}
			a.offsets(t, so.hr, &x)
		}

		o := &dst.Obs[i]
		o.Soldier = so.id
		o.T = t
		o.Values = [NumVitals]float64{
			HeartRate: clamp(math.Round(x[HeartRate]), 25, 240),
			Stamina:   clamp(round1(x[Stamina]), 0, 100),
			CoreTemp:  clamp(round2(x[CoreTemp]), 34, 43),
			SpO2:      clamp(math.Round(x[SpO2]), 50, 100),
		}
		o.Missing = 0
		o.Phase = sq.plan
		o.NextPhase = sq.next
		o.Ambient = amb

		if a != nil {
			a.sensor(o)
			if a.label.Kind != KindNone {
				dst.Truth = append(dst.Truth, a.label)
			} else if a.artStart <= t && t <= a.artEnd {
				dst.Truth = append(dst.Truth, Label{Soldier: o.Soldier, Start: a.artStart, End: a.artEnd, Kind: KindArtefact})
			}
			so.active = a.busy(t)
		}
		if sw != nil && sw.lost != nil {
			sw.lose(i, t, s.dtf, o)
		}
	}
}

// advanceSquads moves every squad to tick t: the phase it announces next,
// its phase (if the world drives phases), its effort (AR(1)) and the
// per-phase values its soldiers share.
func (s *Sim) advanceSquads(t int64) {
	for q := range s.squads {
		sq := &s.squads[q]
		sc := s.scheds[q]
		sq.next = sq.plan
		if t+s.dt >= sc.nextChange() {
			sq.next = sc.segs[sc.cur+1].Phase
		}
		if s.world != nil && s.world.actual != nil {
			sq.phase = s.world.phase(q, sc, t, s.dtf)
		}
		sq.effort = s.effPhi*sq.effort + s.effInnov*phaseTable[sq.phase].effortSD*s.effort.NormFloat64()
		sq.prepare()
	}
}

// startFrame sets dst's tick and time to t's and sizes it for one
// observation per soldier and no labels yet, reusing its slices.
func (s *Sim) startFrame(t int64, dst *Frame) {
	n := len(s.sol)
	dst.T = t
	dst.Time = s.TimeAt(t)
	if cap(dst.Obs) < n {
		dst.Obs = make([]Observation, n)
	}
	dst.Obs = dst.Obs[:n]
	dst.Truth = dst.Truth[:0]
}

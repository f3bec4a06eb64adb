package engine

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidConfig is wrapped by every error Config.Validate and ParseMix
// return.
var ErrInvalidConfig = errors.New("invalid simulation config")

// DefaultStart is the simulated wall-clock time of tick 0 unless a Config
// says otherwise: a fixed instant, never the machine's clock, so the same
// seed gives the same frames.
var DefaultStart = time.Date(2025, time.June, 1, 9, 0, 0, 0, time.UTC)

// Config describes one simulated battlefield. The zero value is not valid;
// start from DefaultConfig.
type Config struct {
	Soldiers  int    // number of soldiers, ≥ 1
	SquadSize int    // soldiers per squad, ≥ 1; the last squad may be smaller
	Seed      uint64 // every random draw derives from it
	// Tick is the simulated time between frames: a whole number of seconds,
	// at least one. Observation.T counts simulated seconds, so it advances by
	// Tick/time.Second per frame.
	Tick time.Duration
	// Start is the simulated wall-clock time of tick 0 (never the machine's
	// clock). It sets the time of day of the ambient temperature profile.
	Start time.Time
	// Duration ends the simulation: Next and Step return io.EOF once the
	// next tick would be at or after Start+Duration. Zero means no end.
	Duration time.Duration
	// PoisonRate is the target fraction of soldier-ticks inside anomaly
	// event windows, 0 ≤ PoisonRate < 0.5. Artefacts do not count.
	PoisonRate float64
	// Mix weighs the anomaly kinds drawn for event windows.
	Mix Mix
	// ArtefactRate is the mean number of motion artefacts per soldier-hour
	// (labelled KindArtefact, a non-event), ≥ 0: one-tick spikes in the
	// clean world; World sets their duration, shape and rate by phase.
	ArtefactRate float64
	// AmbientMean is the day's mean ambient temperature, °C; AmbientSwing is
	// half the day-night range, °C (coolest at 03:00, warmest at 15:00).
	AmbientMean, AmbientSwing float64
	// World is the sensor world: artefacts, noise, lost readings, schedule
	// drift, soldiers unwell at the start and profile errors (CleanWorld:
	// none of that).
	World World
}

// DefaultConfig returns the prototype's battlefield: 100 soldiers in squads
// of 10, one-second ticks, 5 % poison rate with every kind equally likely,
// one artefact per soldier-hour, a 22 °C day swinging ±4 °C, seed 1, no end,
// in the DefaultWorldName sensor world.
func DefaultConfig() Config {
	w, err := WorldPreset(DefaultWorldName)
	if err != nil {
		panic("engine: DefaultWorldName is not a preset") // a programmer error
	}
	return Config{
		Soldiers: 100, SquadSize: 10, Seed: 1, Tick: time.Second, Start: DefaultStart,
		PoisonRate: 0.05, Mix: DefaultMix(), ArtefactRate: 1,
		AmbientMean: 22, AmbientSwing: 4, World: w,
	}
}

// maxSoldiers bounds Config.Soldiers: ids are int32 and a frame must fit in
// memory.
const maxSoldiers = 10_000_000

// Squads returns the number of squads, ⌈Soldiers/SquadSize⌉.
func (c Config) Squads() int {
	if c.SquadSize <= 0 {
		return 0
	}
	return (c.Soldiers + c.SquadSize - 1) / c.SquadSize
}

// TickSeconds returns Tick in whole seconds.
func (c Config) TickSeconds() int64 { return int64(c.Tick / time.Second) }

// Validate reports the first thing wrong with c, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...)
	}
	switch {
	case c.Soldiers < 1:
		return bad("soldiers must be at least 1 (got %d)", c.Soldiers)
	case c.Soldiers > maxSoldiers:
		return bad("soldiers must be at most %d (got %d)", maxSoldiers, c.Soldiers)
	case c.SquadSize < 1:
		return bad("squad size must be at least 1 (got %d)", c.SquadSize)
	case c.Tick < time.Second || c.Tick%time.Second != 0:
		return bad("tick must be a whole number of seconds, at least 1s (got %v)", c.Tick)
	case c.Start.IsZero():
		return bad("start time must be set")
	case c.Duration < 0:
		return bad("duration must not be negative (got %v)", c.Duration)
	case !(c.PoisonRate >= 0 && c.PoisonRate < 0.5):
		return bad("poison rate must be in [0, 0.5) (got %v)", c.PoisonRate)
	case !(c.ArtefactRate >= 0 && c.ArtefactRate <= 3600):
		return bad("artefact rate must be in [0, 3600] per soldier-hour (got %v)", c.ArtefactRate)
	case math.IsNaN(c.AmbientMean) || c.AmbientMean < -40 || c.AmbientMean > 55:
		return bad("ambient mean must be in [-40, 55] °C (got %v)", c.AmbientMean)
	case math.IsNaN(c.AmbientSwing) || c.AmbientSwing < 0 || c.AmbientSwing > 20:
		return bad("ambient swing must be in [0, 20] °C (got %v)", c.AmbientSwing)
	}
	if err := c.Mix.validate(); err != nil {
		return err
	}
	if c.PoisonRate > 0 && c.Mix.total() == 0 {
		return bad("poison rate %v needs at least one anomaly kind with a positive weight in the mix", c.PoisonRate)
	}
	return c.World.validate(c.Tick)
}

// Mix weighs the event kinds drawn for anomaly windows, indexed by
// AnomalyKind. Only event kinds (AnomalyKind.IsEvent) may have weight.
type Mix [NumKinds]float64

// DefaultMix weighs every event kind equally.
func DefaultMix() Mix {
	var m Mix
	for k := range m {
		if AnomalyKind(k).IsEvent() {
			m[k] = 1
		}
	}
	return m
}

func (m Mix) total() float64 {
	var s float64
	for _, w := range m {
		s += w
	}
	return s
}

func (m Mix) validate() error {
	for k, w := range m {
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0) || w < 0:
			return fmt.Errorf("%w: mix weight of %s must be a finite number ≥ 0 (got %v)", ErrInvalidConfig, AnomalyKind(k), w)
		case w > 0 && !AnomalyKind(k).IsEvent():
			return fmt.Errorf("%w: %s cannot be in the mix (artefacts have their own rate)", ErrInvalidConfig, AnomalyKind(k))
		}
	}
	return nil
}

// String formats the mix as ParseMix reads it, listing every event kind in
// kind order: "tachycardia=1,bradycardia=1,…".
func (m Mix) String() string {
	var b strings.Builder
	for k, w := range m {
		if !AnomalyKind(k).IsEvent() {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(AnomalyKind(k).String())
		b.WriteByte('=')
		b.WriteString(strconv.FormatFloat(w, 'g', -1, 64))
	}
	return b.String()
}

// ParseMix reads a mix such as "tachycardia=2,dropout=1": comma-separated
// kind=weight pairs; kinds not listed get weight 0. A bare kind name means
// weight 1. The empty string gives DefaultMix.
func ParseMix(s string) (Mix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultMix(), nil
	}
	var m Mix
	seen := map[AnomalyKind]bool{}
	for part := range strings.SplitSeq(s, ",") {
		name, val, hasVal := strings.Cut(strings.TrimSpace(part), "=")
		k, err := ParseKind(strings.TrimSpace(name))
		if err != nil {
			return Mix{}, fmt.Errorf("%w: mix %q: %v (want one of %s)", ErrInvalidConfig, s, err, eventKindList())
		}
		if seen[k] {
			return Mix{}, fmt.Errorf("%w: mix %q names %s twice", ErrInvalidConfig, s, k)
		}
		seen[k] = true
		w := 1.0
		if hasVal {
			w, err = strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return Mix{}, fmt.Errorf("%w: mix %q: weight of %s: %v", ErrInvalidConfig, s, k, err)
			}
		}
		m[k] = w
	}
	if err := m.validate(); err != nil {
		return Mix{}, err
	}
	return m, nil
}

func eventKindList() string {
	var names []string
	for k := range AnomalyKind(NumKinds) {
		if k.IsEvent() {
			names = append(names, k.String())
		}
	}
	return strings.Join(names, ", ")
}

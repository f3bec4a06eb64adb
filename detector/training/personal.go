package training

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// PersonalCalibration is what CalibratePersonal measured: the K chosen and
// the false-alert rate of every K of the grid.
type PersonalCalibration struct {
	K            float64 // the smallest K of the grid at which it and every larger K stay within TargetFA
	TargetFA     float64 // false alerts per soldier-hour
	Seeds        []uint64
	SoldierHours float64 // hours of heart-rate readings the check judged (after its warm-up)
	Grid         []PersonalRate
}

// PersonalRate is the personal check's false-alert rate at one K.
type PersonalRate struct {
	K        float64
	Alerts   int
	PerHour  float64 // alerts per soldier-hour
	Soldiers int     // soldiers with at least one alert
}

// DefaultPersonalGrid is the K grid CalibratePersonal searches.
func DefaultPersonalGrid() []float64 {
	return []float64{3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 30, 40}
}

// CalibratePersonal chooses the personal heart-rate check's K
// (detector.PersonalCalibratedK; detector.DefaultPersonalK adds a margin) in the monitor's unit: on normal runs (no
// anomaly windows; motion artefacts as configured), every soldier's heart
// rate is replayed through the check as if its phase had never been
// reported (detector.PersonalOpenings, with the persistence and
// hysteresis of alerts), and each alert counts as false. K is the smallest
// value of grid (default DefaultPersonalGrid) at which it and every larger
// K give at most target false alerts per soldier-hour of judged readings.
// The check needs no forecast, so no scorer runs: the simulated heart rate
// does not depend on what the scorer is told.
//
// Without useStamina the replay is that of a kit without stamina (no
// activity gate).
func CalibratePersonal(ctx context.Context, runs RunConfig, alerts detector.AlertConfig, target float64, grid []float64, useStamina bool) (PersonalCalibration, error) {
	if err := runs.Validate("calibrate the personal check"); err != nil {
		return PersonalCalibration{}, err
	}
	if runs.PoisonRate != 0 {
		return PersonalCalibration{}, fmt.Errorf("%w: calibrate the personal check on normal runs (poison rate %g, want 0)", detector.ErrConfig, runs.PoisonRate)
	}
	if !(target > 0) {
		return PersonalCalibration{}, fmt.Errorf("%w: target %g false alerts per soldier-hour (want > 0)", detector.ErrConfig, target)
	}
	if err := alerts.Validate(); err != nil {
		return PersonalCalibration{}, err
	}
	if len(grid) == 0 {
		grid = DefaultPersonalGrid()
	}
	grid = slices.Clone(grid)
	slices.Sort(grid)
	type runCounts struct {
		alerts, soldiers []int
		judged           int64 // readings judged
	}
	per := make([]runCounts, len(runs.Seeds))
	err := runs.ForEachRun(ctx, func(ctx context.Context, i int, seed uint64) error {
		src, name, err := runs.Source(i, seed)
		if err != nil {
			return err
		}
		index := map[engine.SoldierID]int{}
		var ts [][]int64
		var hr, st [][]float64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			f, err := src.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			for _, o := range f.Obs {
				k, ok := index[o.Soldier]
				if !ok {
					k = len(ts)
					index[o.Soldier] = k
					ts, hr, st = append(ts, nil), append(hr, nil), append(st, nil)
				}
				x, _ := o.Value(engine.HeartRate)
				y, _ := o.Value(engine.Stamina)
				ts[k] = append(ts[k], o.T)
				hr[k] = append(hr[k], x)
				st[k] = append(st[k], y)
			}
		}
		rc := runCounts{alerts: make([]int, len(grid)), soldiers: make([]int, len(grid))}
		for s := range ts {
			for g, k := range grid {
				stamina := st[s]
				if !useStamina {
					stamina = nil
				}
				n, j := detector.PersonalOpenings(&alerts, k, ts[s], hr[s], stamina)
				rc.alerts[g] += n
				if n > 0 {
					rc.soldiers[g]++
				}
				if g == 0 {
					rc.judged += int64(j)
				}
			}
		}
		per[i] = rc
		return nil
	})
	if err != nil {
		return PersonalCalibration{}, err
	}
	cal := PersonalCalibration{TargetFA: target, Seeds: append([]uint64(nil), runs.Seeds...), K: math.NaN()}
	var judged int64
	for _, rc := range per {
		judged += rc.judged
	}
	cal.SoldierHours = float64(judged) * runs.EngineConfig(0).Tick.Seconds() / 3600
	for g, k := range grid {
		r := PersonalRate{K: k}
		for _, rc := range per {
			r.Alerts += rc.alerts[g]
			r.Soldiers += rc.soldiers[g]
		}
		r.PerHour = float64(r.Alerts) / cal.SoldierHours
		cal.Grid = append(cal.Grid, r)
	}
	for g := len(cal.Grid) - 1; g >= 0 && cal.Grid[g].PerHour <= target; g-- {
		cal.K = cal.Grid[g].K
	}
	if math.IsNaN(cal.K) {
		return cal, fmt.Errorf("%w: no K up to %g keeps the personal check within %g false alerts per soldier-hour", detector.ErrConfig, grid[len(grid)-1], target)
	}
	return cal, nil
}

package detector

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/engine/actes"
)

// TestRealHeartRateACTES runs the embedded model over real heart rates: the
// 18 ACTES graded cycle tests (about 6.4 hours at 1 Hz: seated rest, a ramp
// to exhaustion, recovery), nothing pathological in them. The model learned
// on simulated soldiers, whose beat-to-beat spread at rest is a quarter of
// these seated adolescents'. With fixed bands that spread opens a
// heart-rate alert every few minutes; the per-soldier band scale (seeded
// from the wearer's scatter before the first forecast), the glitch check
// and re-anchoring after a believed step must bring it down to at most one.
// The activity phase is unknown to the wearable, so every row says rest.
// Under the race detector only each test's first five minutes are scored.
func TestRealHeartRateACTES(t *testing.T) {
	path := "../" + actes.DefaultPath
	subjects, err := actes.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("ACTES data not present at", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	limit := 1 << 30
	if raceEnabled {
		limit = 300 // the first five minutes: seated rest, where fixed bands fail most
	}
	run := func(adapt bool) (alerts int, hours float64) {
		var seconds int
		for _, sub := range subjects {
			hr, _, _ := sub.HeartRate()
			hr = hr[:min(len(hr), limit)]
			s := &series{p: engine.DefaultProfile(1)}
			for i, x := range hr {
				o := engine.Observation{Soldier: 1, T: int64(i), Phase: engine.PhaseRest, NextPhase: engine.PhaseRest, Ambient: 20}
				for v := range engine.Vital(engine.NumVitals) {
					if v != engine.HeartRate { // a heart-rate strap measures nothing else
						o.SetMissing(v)
					}
				}
				o.Values[engine.HeartRate] = x
				s.obs = append(s.obs, o)
			}
			sc, err := Default(WithAdaptiveBands(adapt))
			if err != nil {
				t.Fatal(err)
			}
			alerts += len(opened(feed(t, sc, s, 64), ChannelHeartRate))
			seconds += len(hr)
		}
		return alerts, float64(seconds) / 3600
	}
	fixed, hours := run(false)
	adaptive, _ := run(true)
	t.Logf("ACTES, %.1f hours of real heart rate: heart-rate alerts %d with fixed bands, %d with the per-soldier band scale",
		hours, fixed, adaptive)
	if adaptive > 1 || adaptive*3 > fixed {
		t.Errorf("%d heart-rate alerts with the band scale (fixed bands: %d): want at most 1 and a third of fixed", adaptive, fixed)
	}
}

package detector_test

import (
	"fmt"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// A scorer keeps each soldier's alert state between calls: feed it every
// tick's window in order. The fixed-threshold baseline needs no model.
func ExampleScorer() {
	sc, err := detector.NewThreshold()
	if err != nil {
		panic(err)
	}
	p := engine.DefaultProfile(1)
	var rows []engine.Observation
	var vs []detector.Verdict
	for t := range int64(5) {
		hr := 80.0
		if t >= 2 {
			hr = 195 // above the rule table's 180 bpm
		}
		rows = append(rows, engine.Observation{Soldier: 1, T: t, Phase: engine.PhasePatrol,
			Values: [engine.NumVitals]float64{hr, 96, 37.3, 98}})
		vs, err = sc.Score([]featurestore.Window{{Profile: p, Rows: rows}}, vs[:0])
		if err != nil {
			panic(err)
		}
		v := vs[0]
		hrv := v.Vitals[engine.HeartRate]
		fmt.Printf("t=%d HR %.0f (band %.0f–%.0f): %s %s, %.1f band-widths out, opened=%v\n",
			t, hrv.Observed, hrv.Forecast[0], hrv.Forecast[4], v.State, v.Kind, v.Score, v.OpenedAny())
	}
	// Output:
	// t=0 HR 80 (band 40–180): ok none, 0.0 band-widths out, opened=false
	// t=1 HR 80 (band 40–180): ok none, 0.0 band-widths out, opened=false
	// t=2 HR 195 (band 40–180): watch none, 1.5 band-widths out, opened=false
	// t=3 HR 195 (band 40–180): alert tachycardia, 1.5 band-widths out, opened=true
	// t=4 HR 195 (band 40–180): alert tachycardia, 1.5 band-widths out, opened=false
}

// Explain turns a verdict into the line an alert log shows.
func ExampleExplain() {
	sc, err := detector.NewThreshold()
	if err != nil {
		panic(err)
	}
	p := engine.DefaultProfile(3)
	var rows []engine.Observation
	var vs []detector.Verdict
	for t := range int64(3) {
		rows = append(rows, engine.Observation{Soldier: 3, T: t, Phase: engine.PhaseContact, NextPhase: engine.PhaseContact,
			Values: [engine.NumVitals]float64{36, 80, 37.4, 97}})
		if vs, err = sc.Score([]featurestore.Window{{Profile: p, Rows: rows}}, vs[:0]); err != nil {
			panic(err)
		}
	}
	fmt.Println(detector.Explain(&vs[0]))
	// Output:
	// bradycardia: heart_rate 36 bpm below expected 40–180 bpm by 0.4 band-widths · band check · contact
}

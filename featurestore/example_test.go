package featurestore_test

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// obsAt is a made-up observation of soldier id at tick t.
func obsAt(id engine.SoldierID, t int64) engine.Observation {
	return engine.Observation{Soldier: id, T: t, Values: [engine.NumVitals]float64{70 + float64(t), 95, 37.1, 98},
		Phase: engine.PhasePatrol, NextPhase: engine.PhasePatrol, Ambient: 21}
}

func ExampleNewMemory() {
	ctx := context.Background()
	store, err := featurestore.NewMemory(featurestore.WithCapacity(64))
	if err != nil {
		panic(err)
	}
	defer store.Close()
	for t := int64(0); t < 5; t++ {
		frame := []engine.Observation{obsAt(1, t), obsAt(2, t)}
		if t == 4 {
			frame[1].SetMissing(engine.HeartRate) // missing is explicit
		}
		if err := store.WriteFrame(ctx, frame); err != nil {
			panic(err)
		}
	}
	w, _ := store.Window(ctx, 2, 3, nil)
	for _, o := range w {
		hr, ok := o.Value(engine.HeartRate)
		fmt.Printf("tick %d heart rate %v present %v\n", o.T, hr, ok)
	}
	err = store.WriteFrame(ctx, []engine.Observation{obsAt(1, 3)})
	fmt.Println(err)
	// Output:
	// tick 2 heart rate 72 present true
	// tick 3 heart rate 73 present true
	// tick 4 heart rate NaN present false
	// soldier 1: row at tick 3 is not after tick 4: row out of order
}

func ExampleMemory_Windows() {
	ctx := context.Background()
	store, _ := featurestore.NewMemory()
	for t := int64(0); t < 40; t++ {
		_ = store.WriteFrame(ctx, []engine.Observation{obsAt(1, t), obsAt(2, t), obsAt(3, t)})
	}
	// One read for the whole batch; reuse ws every tick to avoid allocating.
	var ws [][]engine.Observation
	ws, _ = store.Windows(ctx, []engine.SoldierID{3, 1, 9}, 31, ws)
	for i, w := range ws {
		if len(w) == 0 {
			fmt.Printf("window %d: no rows\n", i)
			continue
		}
		fmt.Printf("window %d: soldier %d, %d rows, ticks %d–%d\n", i, w[0].Soldier, len(w), w[0].T, w[len(w)-1].T)
	}
	// Output:
	// window 0: soldier 3, 31 rows, ticks 9–39
	// window 1: soldier 1, 31 rows, ticks 9–39
	// window 2: no rows
}

func ExampleNewBuilder() {
	b, err := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: 4, Horizon: 1})
	if err != nil {
		panic(err)
	}
	b.StartRun([]engine.Profile{engine.DefaultProfile(1)}, nil, time.Time{})
	for t := int64(0); t < 8; t++ {
		if t == 5 {
			continue // a missing tick: with MaxGap 0 it splits the series
		}
		_ = b.Add(obsAt(1, t))
	}
	set, err := b.Build()
	if err != nil {
		panic(err)
	}
	for _, ex := range set.All() {
		fmt.Printf("at tick %d: inputs %d–%d, target %d\n", ex.T, ex.Inputs[0].T, ex.Inputs[len(ex.Inputs)-1].T, ex.Targets[0].T)
	}
	// Output:
	// at tick 3: inputs 0–3, target 4
}

func ExampleValid() {
	fmt.Println(featurestore.Valid(engine.HeartRate, 190))
	fmt.Println(featurestore.Valid(engine.SpO2, 104))
	fmt.Println(featurestore.Valid(engine.CoreTemp, math.NaN()))
	// Output:
	// <nil>
	// spo2 104 % outside the valid range 0–100 %: value out of range
	// core_temp NaN is not a finite number (valid 25–45 °C): value out of range
}

// CountSoldiers answers what len(Soldiers) would, without the list: what a
// /metrics scrape of a store holding 50 000 soldiers asks.
func ExampleMemory_CountSoldiers() {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store, err := featurestore.NewMemory(featurestore.WithTTL(time.Minute), featurestore.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	defer store.Close()
	store.WriteFrame(ctx, []engine.Observation{obsAt(1, 0), obsAt(2, 0), obsAt(3, 0)})
	now = now.Add(40 * time.Second)
	store.WriteFrame(ctx, []engine.Observation{obsAt(1, 1)})
	n, _ := store.CountSoldiers(ctx)
	fmt.Println(n, "soldiers tracked")
	now = now.Add(30 * time.Second) // soldiers 2 and 3 expire
	n, _ = store.CountSoldiers(ctx)
	fmt.Println(n, "soldier tracked")
	// Output:
	// 3 soldiers tracked
	// 1 soldier tracked
}

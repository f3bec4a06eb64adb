package tft_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/chakra-tui/chakra-tui/detector/tft"
)

// A univariate series with a known future input: forecast y one step
// ahead from the last 8 steps, knowing whether the next step is "busy".
func Example() {
	cfg := tft.DefaultConfig()
	cfg.Hidden, cfg.Heads, cfg.InputSize = 8, 2, 4
	cfg.EncoderLen = 8
	cfg.Static = []tft.Variable{tft.Real("level")}
	cfg.Encoder = []tft.Variable{tft.Real("y"), tft.Categorical("busy", 2)}
	cfg.Decoder = []tft.Variable{tft.Categorical("busy", 2)}
	cfg.Targets = []string{"y"}

	// Training windows: y = level + busy + noise.
	rng := rand.New(rand.NewPCG(1, 2))
	window := func() tft.Example {
		level := rng.NormFloat64()
		ex := tft.Example{Input: tft.Input{Static: []float64{level}}}
		for range cfg.EncoderLen {
			busy := float64(rng.IntN(2))
			ex.Encoder = append(ex.Encoder, level+busy+0.1*rng.NormFloat64(), busy)
		}
		busy := float64(rng.IntN(2))
		ex.Decoder = []float64{busy}
		ex.Target = []float64{level + busy + 0.1*rng.NormFloat64()}
		return ex
	}
	var train, val tft.Examples
	for range 160 {
		train = append(train, window())
	}
	for range 64 {
		val = append(val, window())
	}

	m, err := tft.New(cfg, 1)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	before, _ := m.Loss(ctx, val, 1)
	res, err := tft.Train(ctx, m, train, val, tft.TrainConfig{Epochs: 10, BatchSize: 16, LearningRate: 1e-2, Workers: 2, Seed: 1}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("validation loss reduced:", res.BestValLoss < before/2)

	// Save with the caller's metadata, and load it back.
	var file bytes.Buffer
	if err := tft.Save(&file, m, []byte(`{"note":"example"}`)); err != nil {
		panic(err)
	}
	m, meta, err := tft.Decode(file.Bytes())
	if err != nil {
		panic(err)
	}
	fmt.Println("metadata:", string(meta))

	// Score a sliding window incrementally.
	s, _ := m.NewStream([]float64{0.5})
	for i := range cfg.EncoderLen {
		busy := float64(i % 2)
		_ = s.Push([]float64{0.5 + busy, busy})
	}
	ws, f := m.NewWorkspace(), m.NewForecast()
	if err := s.Forecast(ws, []float64{1}, f); err != nil { // the next step is busy
		panic(err)
	}
	band := f.Band(0, 0) // quantiles 0.02 … 0.98, ascending
	fmt.Println("quantile levels:", len(band))
	fmt.Println("median forecast near 1.5:", math.Abs(f.At(0, 0, 2)-1.5) < 0.3)
	fmt.Println("attention positions:", len(f.AttentionRow(0)))
	// Output:
	// validation loss reduced: true
	// metadata: {"note":"example"}
	// quantile levels: 5
	// median forecast near 1.5: true
	// attention positions: 9
}

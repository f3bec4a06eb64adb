package parquet_test

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
)

// A Sink writes what a session ingests as a run; OpenRunIn reads it back.
func ExampleSink() {
	dir, _ := os.MkdirTemp("", "runs")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	bucket := parquet.Dir(dir)
	sink, err := parquet.NewSink(bucket, parquet.SinkConfig{Run: "session-1"}, []engine.Profile{engine.DefaultProfile(1)})
	if err != nil {
		panic(err)
	}
	for t := int64(0); t < 60; t++ {
		sink.Observe([]engine.Observation{{Soldier: 1, T: t, Values: [engine.NumVitals]float64{70, 95, 37, 98}, Ambient: 20}})
	}
	sink.Labels([]engine.Label{{Soldier: 1, Start: 30, End: 40, Kind: engine.KindTachycardia}})
	if err := sink.Close(ctx); err != nil {
		panic(err)
	}
	run, err := parquet.OpenRunIn(ctx, bucket, "session-1")
	if err != nil {
		panic(err)
	}
	defer run.Close()
	first, last, _ := run.Ticks()
	rows, _ := run.Observations(math.MinInt64, math.MaxInt64, nil)
	fmt.Println(len(rows), "rows, ticks", first, "to", last, "labels", run.Labels())
	// Output: 60 rows, ticks 0 to 59 labels [{1 30 40 tachycardia}]
}

package session

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

var sinkTick Tick

// benchTicks is two minutes of a 100-soldier battlefield scored by the
// z-score baseline.
func benchTicks(b *testing.B) ([]Tick, engine.Config, []engine.Profile) {
	cfg := testConfig(100, 2*time.Minute, 1)
	cfg.SquadSize = 10
	ticks, profiles := live(b, cfg, zscore)
	return ticks, cfg, profiles
}

// BenchmarkWrite100 records one tick of 100 soldiers (frame and verdicts).
func BenchmarkWrite100(b *testing.B) { benchWrite(b) }

func benchWrite(b *testing.B) {
	ticks, cfg, profiles := benchTicks(b)
	cw := &countWriter{}
	rec, err := NewRecorder(cw, "bench", engine.NewHeader(profiles, &cfg), Meta{Detector: "zscore"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tk := ticks[i%len(ticks)]
		tk.Frame.T = int64(i) // ticks must increase
		for j := range tk.Verdicts {
			tk.Verdicts[j].T = tk.Frame.T
		}
		if err := rec.Write(&tk.Frame, tk.Verdicts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rec.Close()
	b.ReportMetric(float64(cw.n)/float64(b.N), "file-bytes/tick")
}

// BenchmarkReplay100 replays one tick of 100 soldiers with its verdicts.
func BenchmarkReplay100(b *testing.B) { benchReplay(b) }

func benchReplay(b *testing.B) {
	ticks, cfg, profiles := benchTicks(b)
	data := record(b, cfg, profiles, ticks)
	r, err := NewReplay(bytes.NewReader(data), "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tk, err := r.Step(ctx)
		if err == io.EOF {
			if err := r.SeekTo(r.First()); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		sinkTick = tk
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

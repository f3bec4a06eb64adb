package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime/metrics"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
)

// tickTracer writes --tick-trace: one JSON line per tick of the built-in
// battlefield with where its time went (live.TickTrace), the process's CPU
// time since the tick before and what the Go runtime did meanwhile (GC
// cycles, the collector's CPU by class, mutex waits, bytes allocated).
// Times are milliseconds.
type tickTracer struct {
	f       *os.File
	w       *bufio.Writer
	enc     *json.Encoder
	samples []metrics.Sample
	prev    []float64
	cpu     time.Duration
	line    tickLine
}

// The runtime metrics a tick line reports, as differences from the tick
// before (all but the live heap).
var traceMetrics = []string{
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/mark/assist:cpu-seconds",
	"/cpu/classes/gc/mark/dedicated:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/cpu/classes/gc/pause:cpu-seconds",
	"/sync/mutex/wait/total:seconds",
	"/gc/heap/allocs:bytes",
	"/gc/heap/live:bytes",
}

// tickLine is one line of the trace.
type tickLine struct {
	T      int64   `json:"t"`
	Lag    float64 `json:"lag"`
	Waited float64 `json:"wait"` // for the frame (pacer, frame made ahead)
	// The monitor's phases on the tick's goroutine (monitor.Phase order).
	Phases [monitor.NumPhases]float64 `json:"phases"`
	Shards []shardLine                `json:"shards"`
	API    float64                    `json:"api"` // Ingest's wrapper (the HTTP API's counters)
	Record float64                    `json:"record"`
	Fanout float64                    `json:"fanout"`
	Total  float64                    `json:"total"` // delivered → published
	CPU    float64                    `json:"cpu"`   // process CPU since the tick before
	// Runtime metrics since the tick before.
	GC        float64 `json:"gc"`
	Assist    float64 `json:"assist"`
	Dedicated float64 `json:"dedicated"`
	Idle      float64 `json:"idle"`
	Pause     float64 `json:"pause"`
	MutexWait float64 `json:"mutex"`
	AllocMB   float64 `json:"alloc_mb"`
	LiveMB    float64 `json:"live_mb"`
	Rows      int     `json:"rows"`
	Opened    int     `json:"opened"`
	Refined   int     `json:"refined"`
	Closed    int     `json:"closed"`
}

// shardLine is one shard of a tick line.
type shardLine struct {
	N      int     `json:"n"`
	Began  float64 `json:"began"` // offsets from Ingest's start
	Scored float64 `json:"scored"`
	Kept   float64 `json:"kept"`
	CPU    float64 `json:"cpu"` // its thread's
}

// openTickTrace creates path (refusing an existing file) for a tick trace.
func openTickTrace(path string) (*tickTracer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("tick trace: %w", err)
	}
	t := &tickTracer{f: f, w: bufio.NewWriter(f)}
	t.enc = json.NewEncoder(t.w)
	for _, name := range traceMetrics {
		t.samples = append(t.samples, metrics.Sample{Name: name})
	}
	t.prev = make([]float64, len(traceMetrics))
	t.read()
	t.cpu = processCPU()
	return t, nil
}

// read reads the runtime metrics, returning their differences from the
// last read.
func (t *tickTracer) read() []float64 {
	metrics.Read(t.samples)
	d := make([]float64, len(t.samples))
	for i, s := range t.samples {
		var v float64
		switch s.Value.Kind() {
		case metrics.KindUint64:
			v = float64(s.Value.Uint64())
		case metrics.KindFloat64:
			v = s.Value.Float64()
		}
		d[i], t.prev[i] = v-t.prev[i], v
	}
	return d
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// trace writes one tick's line (live.Config.Trace).
func (t *tickTracer) trace(tr *live.TickTrace) {
	in := &tr.Ingest
	l := &t.line
	*l = tickLine{T: tr.T, Lag: ms(tr.Lag), Waited: ms(tr.Waited), Shards: l.Shards[:0], Rows: in.Rows,
		Opened: in.Opened, Refined: in.Refined, Closed: in.Closed}
	var prev time.Duration
	for p, end := range in.Ends {
		l.Phases[p] = ms(end - prev)
		prev = end
	}
	for _, s := range in.Shards {
		l.Shards = append(l.Shards, shardLine{N: s.Windows, Began: ms(s.Began), Scored: ms(s.Scored), Kept: ms(s.Kept), CPU: ms(s.CPU)})
	}
	l.API = ms(tr.Scored - in.Start.Sub(tr.Delivered) - in.Ends[monitor.PhasePublished])
	l.Record, l.Fanout, l.Total = ms(tr.Recorded-tr.Scored), ms(tr.Published-tr.Recorded), ms(tr.Published)
	cpu := processCPU()
	l.CPU, t.cpu = ms(cpu-t.cpu), cpu
	d := t.read()
	l.GC, l.Assist, l.Dedicated, l.Idle, l.Pause = d[0], d[1]*1000, d[2]*1000, d[3]*1000, d[4]*1000
	l.MutexWait, l.AllocMB, l.LiveMB = d[5]*1000, d[6]/(1<<20), t.prev[7]/(1<<20)
	_ = t.enc.Encode(l)
}

// Close flushes and closes the trace.
func (t *tickTracer) Close() error {
	err := t.w.Flush()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	return err
}

package parquet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// TestSimulatedRun records a short simulation to Parquet and checks the
// whole offline path on realistic data: labels and profiles survive, the
// training set keeps the point-in-time rule and leaves labelled windows out
// on request, and Materialize fills an online store.
func TestSimulatedRun(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Seed, cfg.Duration = 20, 7, 20*time.Minute
	cfg.PoisonRate = 0.2
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sim")
	ctx := context.Background()
	frames, err := Record(ctx, sim, dir)
	if err != nil {
		t.Fatal(err)
	}
	if frames != 20*60 {
		t.Fatalf("%d frames recorded", frames)
	}
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !slices.Equal(r.Profiles(), sim.Profiles()) {
		t.Fatal("profiles differ from the simulation's")
	}
	if !r.Start().Equal(cfg.Start) {
		t.Fatalf("start %v, want %v", r.Start(), cfg.Start)
	}
	// Every label active during the run was recorded.
	var events int
	for _, l := range r.Labels() {
		if l.Kind.IsEvent() {
			events++
		}
	}
	if events == 0 {
		t.Fatal("no event labels in a run with a 20 % poison rate")
	}
	missing := 0
	err = r.Scan(math.MinInt64, math.MaxInt64, func(o *engine.Observation) error {
		if err := featurestore.CheckTick(o.T); err != nil {
			return err
		}
		for v := range engine.Vital(engine.NumVitals) {
			if o.Missing.Has(v) {
				missing++
			} else if err := featurestore.Valid(v, o.Values[v]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("simulated reading outside its valid range: %v", err)
	}
	t.Logf("%d rows, %d labels (%d events), %d missing readings", r.NumRows(), len(r.Labels()), events, missing)

	b, _ := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: 31, Horizon: 1, SkipLabelled: true})
	if err := r.AddTo(b); err != nil {
		t.Fatal(err)
	}
	ts, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckPointInTime(t, ts)
	if ts.Len() == 0 || ts.Len() >= 20*(1200-31) {
		t.Fatalf("%d examples; want some, fewer than all", ts.Len())
	}
	for _, ex := range ts.All() {
		for _, o := range append(slices.Clone(ex.Inputs), ex.Targets...) {
			if k := ts.KindAt(ex.Run, ex.Soldier, o.T); k.IsEvent() {
				t.Fatalf("example at %d includes tick %d of a %v event", ex.T, o.T, k)
			}
		}
	}

	store, _ := featurestore.NewMemory()
	if err := Materialize(ctx, store, r, 31); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.Soldiers(ctx)
	if len(ids) != 20 {
		t.Fatalf("%d soldiers materialized", len(ids))
	}
	w, _ := store.Window(ctx, ids[0], 31, nil)
	if len(w) != 31 || w[30].T != 1199 {
		t.Fatalf("materialized window: %d rows ending at %d", len(w), w[len(w)-1].T)
	}
	if err := store.WriteFrame(ctx, w[30:]); !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("rewrite of the last row: %v", err)
	}
}

// TestRecordFromReplay converts an engine recording (engine.Replay is an
// engine.Source) to Parquet: the same rows and labels as recording the
// simulation directly.
func TestRecordFromReplay(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Seed, cfg.Duration, cfg.PoisonRate = 8, 11, 5*time.Minute, 0.2
	ctx := context.Background()
	dir := t.TempDir()

	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Record(ctx, sim, filepath.Join(dir, "direct")); err != nil {
		t.Fatal(err)
	}

	sim, _ = engine.NewSim(cfg)
	var buf bytes.Buffer
	rec, err := engine.NewRecorder(&buf, "test", engine.NewHeader(sim.Profiles(), &cfg))
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := sim.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.WriteFrame(&f); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	replay, err := engine.NewReplay(bytes.NewReader(buf.Bytes()), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Close()
	if _, err := Record(ctx, replay, filepath.Join(dir, "replayed")); err != nil {
		t.Fatal(err)
	}

	a, err := OpenRun(filepath.Join(dir, "direct"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenRun(filepath.Join(dir, "replayed"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ra, _ := a.Observations(math.MinInt64, math.MaxInt64, nil)
	rb, _ := b.Observations(math.MinInt64, math.MaxInt64, nil)
	storetest.CheckRows(t, rb, ra)
	if !slices.Equal(a.Labels(), b.Labels()) || !slices.Equal(a.Profiles(), b.Profiles()) || !a.Start().Equal(b.Start()) {
		t.Fatal("labels, profiles or start differ between the direct and the replayed recording")
	}
}

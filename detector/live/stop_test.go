package live

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// heldPipeline is a pipeline whose Ingest, once armed, is held half-way
// until the test releases it, then stops as the monitor does between
// chunks: with the context's error when the context has ended. It notes
// what happened, in order, in log.
type heldPipeline struct {
	held, release chan struct{}
	mu            sync.Mutex
	log           []string
}

func newHeldPipeline() *heldPipeline {
	return &heldPipeline{held: make(chan struct{}), release: make(chan struct{})}
}

func (p *heldPipeline) note(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, s)
}

func (p *heldPipeline) events() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

func (p *heldPipeline) Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
	p.note("ingest")
	close(p.held)
	<-p.release
	if err := ctx.Err(); err != nil {
		p.note("stopped")
		return dst, err
	}
	p.note("scored")
	return dst, nil
}

// countRecorder counts the ticks written to it.
type countRecorder struct{ n int }

func (r *countRecorder) Write(*engine.Frame, []detector.Verdict) error { r.n++; return nil }

// TestCloseStopsTheStep: Close ends the context of the step in progress
// (the scoring stops, the tick is neither recorded nor published) and
// returns only once the step has returned, so the caller may close the
// recorder and the store behind it; a later step fails without scoring.
func TestCloseStopsTheStep(t *testing.T) {
	p := newHeldPipeline()
	rec := &countRecorder{}
	rt, err := Open(context.Background(), Config{Source: &ticks{n: 10}, Pipeline: p, Record: rec, Backlog: 4})
	if err != nil {
		t.Fatal(err)
	}
	sub := rt.Subscribe()
	defer sub.Close()
	rt.stopping = func() { close(p.release) } // Close has ended the step's context
	stepped := make(chan error, 1)
	go func() {
		_, err := rt.Step(context.Background())
		stepped <- err
	}()
	<-p.held
	rt.Close()
	p.note("closed")
	if err := <-stepped; !errors.Is(err, context.Canceled) {
		t.Fatalf("Step during Close: %v, want context.Canceled", err)
	}
	if got, want := p.events(), []string{"ingest", "stopped", "closed"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q: Close must stop the step and wait for it", got, want)
	}
	if rt.Published() != 0 || rec.n != 0 {
		t.Errorf("the stopped tick: %d published, %d recorded, want none", rt.Published(), rec.n)
	}
	if s, ok := <-sub.C(); ok {
		t.Errorf("a viewer received tick %d of a stopped step", s.Frame.T)
	}
	if _, err := rt.Step(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("Step after Close: %v, want context.Canceled", err)
	}
	if got := p.events(); len(got) != 3 {
		t.Errorf("Step after Close reached the pipeline: %q", got)
	}
}

// TestRunStopsMidTick: Run's context ending while a tick is scored stops
// that tick unpublished and unrecorded, and Run returns nil.
func TestRunStopsMidTick(t *testing.T) {
	p := newHeldPipeline()
	rec := &countRecorder{}
	rt := open(t, Config{Source: &ticks{n: 10}, Pipeline: p, Record: rec, Clock: newFakeClock()})
	sub := rt.Subscribe()
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	<-p.held
	cancel()
	close(p.release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v, want nil", err)
	}
	if got, want := p.events(), []string{"ingest", "stopped"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if rt.Published() != 0 || rec.n != 0 {
		t.Errorf("the stopped tick: %d published, %d recorded, want none", rt.Published(), rec.n)
	}
	if s, ok := <-sub.C(); ok {
		t.Errorf("a viewer received tick %d of a stopped run", s.Frame.T)
	}
}

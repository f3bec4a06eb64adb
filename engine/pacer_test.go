package engine

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

// fakeClock advances only when slept on (or by hand).
type fakeClock struct {
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// ticks is a Source of empty frames at the given ticks.
type ticks struct {
	ts []int64
	i  int
}

func (s *ticks) Profiles() []Profile { return nil }

func (s *ticks) Next(ctx context.Context) (Frame, error) {
	if s.i == len(s.ts) {
		return Frame{}, io.EOF
	}
	s.i++
	return Frame{T: s.ts[s.i-1]}, nil
}

func drain(t *testing.T, p *Pacer) {
	t.Helper()
	for {
		if _, err := p.Next(context.Background()); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return
		}
	}
}

func TestPacerSpeed(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	p := NewPacer(&ticks{ts: []int64{0, 1, 2, 3, 5}}, 10, WithClock(clock))
	drain(t, p)
	want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}
	if !slices.Equal(clock.slept, want) {
		t.Fatalf("slept %v, want %v", clock.slept, want)
	}
}

func TestPacerAsFastAsPossible(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	drain(t, NewPacer(&ticks{ts: []int64{0, 1, 2, 3}}, 0, WithClock(clock)))
	if len(clock.slept) != 0 {
		t.Fatalf("speed 0 slept %v", clock.slept)
	}
}

func TestPacerSetSpeedSeekAndLag(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	p := NewPacer(&ticks{ts: []int64{0, 1, 2, 3, 500, 501, 10, 11, 12}}, 1, WithClock(clock))
	ctx := context.Background()
	next := func() { p.Next(ctx) }
	next()
	next() // waits 1 s
	p.SetSpeed(4)
	next()                                     // waits 250 ms
	clock.now = clock.now.Add(5 * time.Second) // the consumer was slow
	next()                                     // behind by more than a second: no burst, re-anchor
	next()                                     // a jump forward (seek): no wait
	next()                                     // 250 ms
	next()                                     // backward (seek): no wait
	next()                                     // 250 ms
	p.Reanchor()
	next() // no wait
	want := []time.Duration{time.Second, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
	if !slices.Equal(clock.slept, want) {
		t.Fatalf("slept %v, want %v", clock.slept, want)
	}
	if p.Speed() != 4 {
		t.Fatalf("speed %v", p.Speed())
	}
}

// With a catch-up of 10 s, a consumer 5 s late gets the late frames at once
// until it is back on pace, and the pace keeps its anchor; with the
// default (1 s) the delay is forgiven and the next frame waits its whole
// period from the late one.
func TestPacerCatchUp(t *testing.T) {
	half := 500 * time.Millisecond
	for _, c := range []struct {
		name string
		opts []PacerOption
		want []time.Duration
	}{
		// Tick 2 re-anchors the pace at 6 s: ticks 3… wait half a second each.
		{"default", nil, []time.Duration{time.Second, half, half, half, half, half, half, half, half, half, half}},
		// Tick k comes at 6 + (k−2)/2 s, due at k s: late until tick 10, which
		// is on time; ticks 11 and 12 wait.
		{"10 s", []PacerOption{WithCatchUp(10 * time.Second)}, []time.Duration{time.Second, half, half}},
	} {
		clock := &fakeClock{now: time.Unix(0, 0)}
		p := NewPacer(&ticks{ts: []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, 1, append([]PacerOption{WithClock(clock)}, c.opts...)...)
		ctx := context.Background()
		p.Next(ctx)                                // tick 0 anchors the pace at 0 s
		p.Next(ctx)                                // tick 1 waits 1 s
		clock.now = clock.now.Add(5 * time.Second) // the consumer was slow: tick 2 comes at 6 s
		for range 11 {
			p.Next(ctx)
			clock.now = clock.now.Add(half) // then each tick costs half its period
		}
		if !slices.Equal(clock.slept, c.want) {
			t.Errorf("%s: slept %v, want %v", c.name, clock.slept, c.want)
		}
	}
}

func TestPacerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := NewPacer(&ticks{ts: []int64{0, 1}}, 0.001) // the second frame is due in 1000 s
	if _, err := p.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := p.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

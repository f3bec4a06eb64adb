package engine

import (
	"context"
	"math"
	"sync"
	"time"
)

// Clock is the wall clock a Pacer waits on. Tests inject a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

// WallClock is the machine's clock.
type WallClock struct{}

// Now returns time.Now().
func (WallClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (WallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Pacing limits.
const (
	// DefaultCatchUp is how far behind wall time a Pacer may fall before it
	// gives up catching up (re-anchors) instead of delivering a burst of
	// frames (see WithCatchUp).
	DefaultCatchUp = time.Second
	// maxJump is the largest forward step in simulated seconds taken as
	// ordinary progress; a larger one (or any backward step) is a seek, and
	// the Pacer re-anchors instead of waiting for it.
	maxJump = 60
)

// Pacer is a Source that delivers another source's frames in step with wall
// time: a frame at tick T is returned no earlier than (T − T0)/speed after
// the frame T0 that anchored the pace. Speed ≤ 0 or +Inf means as fast as
// the source allows. SetSpeed may be called from any goroutine while another
// calls Next.
type Pacer struct {
	src   Source
	clock Clock

	mu       sync.Mutex
	speed    float64
	anchored bool
	wall0    time.Time // wall time of the anchor frame
	t0       int64     // its tick
	last     int64     // tick of the last frame delivered
	catchUp  time.Duration
}

// PacerOption configures NewPacer.
type PacerOption func(*Pacer)

// WithClock makes the Pacer wait on c instead of the wall clock.
func WithClock(c Clock) PacerOption { return func(p *Pacer) { p.clock = c } }

// WithCatchUp sets how far behind its pace the Pacer may fall and still
// catch up, delivering the frames that are late without waiting until it
// is back on pace (default DefaultCatchUp). Further behind, it forgives the
// delay: the late frame anchors the pace afresh. A consumer whose ticks
// cost less than their period on average but vary (a large battlefield's
// scoring) needs more than the default: with one second, a slow stretch
// past it is forgiven, and the pace from the new anchor then makes the
// consumer wait on its faster ticks instead of working the delay off.
func WithCatchUp(d time.Duration) PacerOption { return func(p *Pacer) { p.catchUp = d } }

// NewPacer paces src at speed simulated seconds per wall second.
func NewPacer(src Source, speed float64, opts ...PacerOption) *Pacer {
	p := &Pacer{src: src, clock: WallClock{}, speed: speed, catchUp: DefaultCatchUp}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Profiles returns the source's profiles.
func (p *Pacer) Profiles() []Profile { return p.src.Profiles() }

// Speed returns the current speed factor.
func (p *Pacer) Speed() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.speed
}

// SetSpeed changes the speed factor from the last frame delivered on.
func (p *Pacer) SetSpeed(speed float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.speed = speed
	if p.anchored {
		p.wall0, p.t0 = p.clock.Now(), p.last
	}
}

// Reanchor makes the next frame set the pace afresh, as after a seek or a
// pause.
func (p *Pacer) Reanchor() {
	p.mu.Lock()
	p.anchored = false
	p.mu.Unlock()
}

// Next returns the source's next frame when it is due.
func (p *Pacer) Next(ctx context.Context) (Frame, error) {
	f, err := p.src.Next(ctx)
	if err != nil {
		return f, err
	}
	if wait := p.due(f.T); wait > 0 {
		if err := p.clock.Sleep(ctx, wait); err != nil {
			return Frame{}, err
		}
	}
	return f, nil
}

// due returns how long to wait before delivering the frame at tick t.
func (p *Pacer) due(t int64) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	fast := p.speed <= 0 || math.IsInf(p.speed, 1) || math.IsNaN(p.speed)
	if fast || !p.anchored || t < p.last || t-p.last > maxJump {
		p.anchored, p.wall0, p.t0, p.last = !fast, now, t, t
		return 0
	}
	p.last = t
	at := p.wall0.Add(time.Duration(float64(t-p.t0) / p.speed * float64(time.Second)))
	wait := at.Sub(now)
	if wait < -p.catchUp {
		p.wall0, p.t0 = now, t
		return 0
	}
	return wait
}

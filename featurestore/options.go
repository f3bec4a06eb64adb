package featurestore

import (
	"fmt"
	"strings"
	"time"
)

// Defaults of the online stores.
const (
	// DefaultCapacity is the number of rows kept per soldier.
	DefaultCapacity = 256
	// DefaultTTL is how long a soldier that stopped reporting is kept.
	DefaultTTL = time.Hour
	// DefaultPrefix starts every Redis key of a store.
	DefaultPrefix = "chakra:"
	// DefaultTimeout bounds every Redis call.
	DefaultTimeout = 2 * time.Second
)

// options configure NewMemory and NewRedis. Options that do not apply to a
// store are ignored by it (their doc says which).
type options struct {
	capacity int
	ttl      time.Duration
	clock    func() time.Time
	prefix   string
	timeout  time.Duration
	cache    bool
	err      error
}

func defaultOptions() options {
	return options{capacity: DefaultCapacity, ttl: DefaultTTL, clock: time.Now,
		prefix: DefaultPrefix, timeout: DefaultTimeout, cache: true}
}

func (o *options) apply(opts []Option) error {
	for _, opt := range opts {
		opt(o)
	}
	return o.err
}

// Option configures an online store.
type Option func(*options)

// WithCapacity sets the number of rows kept per soldier (default
// DefaultCapacity); a window is never longer. n must be in [1, 65536].
func WithCapacity(n int) Option {
	return func(o *options) {
		if n < 1 || n > 1<<16 {
			o.err = fmt.Errorf("capacity %d not in [1, 65536]: %w", n, ErrInvalid)
			return
		}
		o.capacity = n
	}
}

// WithTTL sets how long a soldier's rows live after its last write (default
// DefaultTTL); 0 keeps them forever. An expired soldier has no rows, is not
// listed by Soldiers, and its next write starts afresh (any tick accepted).
// Profiles do not expire. Redis counts in whole milliseconds.
func WithTTL(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.err = fmt.Errorf("ttl %v is negative: %w", d, ErrInvalid)
			return
		}
		o.ttl = d
	}
}

// WithClock sets the clock the in-memory store measures TTLs with (default
// time.Now); tests inject a fake one. Redis uses its own server clock and
// ignores it.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now == nil {
			o.err = fmt.Errorf("nil clock: %w", ErrInvalid)
			return
		}
		o.clock = now
	}
}

// WithPrefix sets the prefix of every Redis key (default DefaultPrefix), so
// that one Redis can hold several deployments. It must not contain spaces.
// The in-memory store ignores it.
func WithPrefix(p string) Option {
	return func(o *options) {
		if strings.ContainsAny(p, " \t\r\n") {
			o.err = fmt.Errorf("key prefix %q contains white space: %w", p, ErrInvalid)
			return
		}
		o.prefix = p
	}
}

// WithTimeout bounds every Redis call, dialling included (default
// DefaultTimeout): an unreachable or stalled Redis yields ErrUnavailable after
// at most about this long. The in-memory store ignores it.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.err = fmt.Errorf("timeout %v not positive: %w", d, ErrInvalid)
			return
		}
		o.timeout = d
	}
}

// WithCache turns the Redis store's local row cache on or off (default on).
// With the cache, a window read still asks Redis for the soldier's latest
// sequence number every time, but fetches only rows it has not seen; without
// it, every read transfers whole windows. The in-memory store ignores it.
func WithCache(on bool) Option {
	return func(o *options) { o.cache = on }
}

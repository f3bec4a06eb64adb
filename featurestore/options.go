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

// Config is an online store's configuration: the defaults with the options
// applied. NewMemory and the adapters in subpackages (featurestore/redis)
// build theirs with NewConfig; a store ignores the fields that do not apply
// to it (the options' docs say which).
type Config struct {
	Capacity int              // rows kept per soldier (WithCapacity)
	TTL      time.Duration    // 0: rows never expire (WithTTL)
	Clock    func() time.Time // the in-memory store's clock (WithClock)
	Prefix   string           // of every Redis key (WithPrefix)
	Timeout  time.Duration    // bound of every Redis call (WithTimeout)
	Cache    bool             // the Redis store's local row cache (WithCache)
}

// NewConfig returns the defaults with opts applied in order, or the error of
// the last invalid option (matching ErrInvalid).
func NewConfig(opts ...Option) (Config, error) {
	o := options{Config: Config{Capacity: DefaultCapacity, TTL: DefaultTTL, Clock: time.Now,
		Prefix: DefaultPrefix, Timeout: DefaultTimeout, Cache: true}}
	for _, opt := range opts {
		opt(&o)
	}
	return o.Config, o.err
}

// options is what an Option sets: the configuration and the error of an
// invalid option.
type options struct {
	Config
	err error
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
		o.Capacity = n
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
		o.TTL = d
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
		o.Clock = now
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
		o.Prefix = p
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
		o.Timeout = d
	}
}

// WithCache turns the Redis store's local row cache on or off (default on).
// With the cache, a window read still asks Redis for the soldier's latest
// sequence number every time, but fetches only rows it has not seen; without
// it, every read transfers whole windows. The in-memory store ignores it.
func WithCache(on bool) Option {
	return func(o *options) { o.Cache = on }
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
	"github.com/chakra-tui/chakra-tui/featurestore/s3"
)

// offlineFlags are --offline and its knobs, shared by every mode that sees
// frames.
type offlineFlags struct {
	dest   string
	flush  time.Duration
	buffer int
}

// addOfflineFlags registers --offline, --offline-flush and --offline-buffer.
func addOfflineFlags(c *command) *offlineFlags {
	f := &offlineFlags{}
	c.fs.StringVar(&f.dest, "offline", "", "write the session to the offline store as a Parquet run: a new directory (one per session) under this directory, or under s3://bucket/prefix (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or MINIO_ROOT_USER/MINIO_ROOT_PASSWORD, endpoint from AWS_ENDPOINT_URL); `chakra-tui runs ls` lists them")
	c.example("offline", "runs/")
	c.fs.DurationVar(&f.flush, "offline-flush", parquet.DefaultFlush, "with --offline: write a part of the run at least this often (what a killed process loses at most)")
	c.example("offline-flush", "5s")
	c.fs.IntVar(&f.buffer, "offline-buffer", parquet.DefaultMaxBuffered, "with --offline: rows held in memory while the offline store does not take writes; rows beyond are dropped and counted")
	c.example("offline-buffer", "1000000")
	return f
}

// offlineRun describes the run a session writes.
type offlineRun struct {
	source   string           // "simulation", "http", "ssh", …
	cfg      *engine.Config   // the simulation's, if any
	start    time.Time        // wall clock of tick 0 (zero: unknown)
	profiles []engine.Profile // known at start
}

// open starts the run (nil, nil without --offline, or when the mode was
// built without the flags).
func (f *offlineFlags) open(ctx context.Context, r offlineRun, log *slog.Logger) (*parquet.Sink, error) {
	if f == nil || f.dest == "" {
		return nil, nil
	}
	if f.flush <= 0 {
		return nil, fmt.Errorf("--offline-flush %v: want > 0", f.flush)
	}
	if f.buffer < 1 {
		return nil, fmt.Errorf("--offline-buffer %d: want ≥ 1", f.buffer)
	}
	b, err := openBucket(ctx, f.dest)
	if err != nil {
		return nil, fmt.Errorf("--offline: %w", err)
	}
	meta := map[string]string{parquet.MetaSource: r.source}
	name := time.Now().UTC().Format("20060102T150405.000Z") + "-" + r.source
	if r.cfg != nil {
		meta[parquet.MetaSeed] = strconv.FormatUint(r.cfg.Seed, 10)
		if js, err := json.Marshal(r.cfg); err == nil {
			meta[parquet.MetaConfig] = string(js)
		}
		name += "-seed" + strconv.FormatUint(r.cfg.Seed, 10)
		r.start = r.cfg.Start
	}
	if log == nil {
		log = slog.Default()
	}
	s, err := parquet.NewSink(b, parquet.SinkConfig{Run: name, Start: r.start, Meta: meta, Flush: f.flush, MaxBuffered: f.buffer, Logger: log}, r.profiles)
	if err != nil {
		return nil, fmt.Errorf("--offline: %w", err)
	}
	return s, nil
}

// closeOffline writes what the sink holds (waiting up to a minute for an
// unavailable store) and says where the run went.
func closeOffline(s *parquet.Sink, w io.Writer) error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Close(ctx)
	st := s.Stats()
	fmt.Fprintf(w, "offline: %d rows in %d parts to %s/%s", st.Written, st.Parts, strings.TrimSuffix(s.Bucket().String(), "/"), s.Run())
	if st.Dropped > 0 {
		fmt.Fprintf(w, " (%d rows dropped)", st.Dropped)
	}
	fmt.Fprintln(w)
	return err
}

// openBucket opens a --offline or --runs destination: a directory, or
// s3://bucket/prefix.
func openBucket(ctx context.Context, spec string) (parquet.Bucket, error) {
	if strings.HasPrefix(spec, "s3://") {
		return openS3(ctx, spec)
	}
	if err := os.MkdirAll(spec, 0o755); err != nil {
		return nil, err
	}
	return parquet.Dir(spec), nil
}

// openS3 opens s3://bucket/prefix with the endpoint and credentials of the
// environment (featurestore/s3.ConfigFromEnv).
func openS3(ctx context.Context, spec string) (parquet.Bucket, error) {
	cfg, err := s3.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return s3.Open(ctx, spec, cfg)
}

// storedRun is a run of the offline store opened for training or
// evaluation: what training.StoredRun needs, and what describes it.
type storedRun struct {
	training.StoredRun
	soldiers int
	span     time.Duration  // last tick − first tick + 1 s
	cfg      *engine.Config // the simulation's, when it was one
}

// openStoredRuns resolves --runs: each item is a run, or a directory (or
// s3:// prefix) of runs, taken in name order. Every run must be whole
// (chakra-tui runs show names what is damaged).
func openStoredRuns(ctx context.Context, list string) ([]storedRun, error) {
	var out []storedRun
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		b, err := openRunsBucket(ctx, item)
		if err != nil {
			return nil, fmt.Errorf("--runs %s: %w", item, err)
		}
		names, err := runNames(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("--runs %s: %w", item, err)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("--runs %s: no runs there", item)
		}
		for _, name := range names {
			sr, err := describeRun(ctx, b, name)
			if err != nil {
				return nil, fmt.Errorf("--runs %s: %w (chakra-tui runs show says what is readable)", item, err)
			}
			out = append(out, sr)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--runs: no runs listed")
	}
	return out, nil
}

// describeRun opens run name of b once to describe it; its Open opens it
// again for each pass.
func describeRun(ctx context.Context, b parquet.Bucket, name string) (storedRun, error) {
	r, err := parquet.OpenRunIn(ctx, b, name)
	if err != nil {
		return storedRun{}, err
	}
	defer r.Close()
	label := strings.TrimSuffix(b.String(), "/")
	if name != "" {
		label += "/" + name
	}
	sr := storedRun{soldiers: len(r.Profiles())}
	sr.Name = label
	if first, last, ok := r.Ticks(); ok {
		sr.span = time.Duration(last-first+1) * time.Second
	}
	if s, ok := r.Meta(parquet.MetaSeed); ok {
		if sr.Seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			return storedRun{}, fmt.Errorf("run %s: seed %q: %w", label, s, err)
		}
	}
	if js, ok := r.Meta(parquet.MetaConfig); ok {
		var c engine.Config
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			return storedRun{}, fmt.Errorf("run %s: simulation config: %w", label, err)
		}
		sr.cfg = &c
	}
	sr.Open = func() (engine.Source, error) {
		r, err := parquet.OpenRunIn(ctx, b, name)
		if err != nil {
			return nil, err
		}
		return &closingSource{Source: r.Source(math.MinInt64, math.MaxInt64), close: r.Close}, nil
	}
	return sr, nil
}

// closingSource closes its run when the frames end.
type closingSource struct {
	engine.Source
	close func() error
}

func (s *closingSource) Next(ctx context.Context) (engine.Frame, error) {
	f, err := s.Source.Next(ctx)
	if err != nil && s.close != nil {
		s.close()
		s.close = nil
	}
	return f, err
}

// offlineCollectors are the offline writer's metrics on /metrics.
func offlineCollectors(s *parquet.Sink) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chakra_offline_buffered_rows",
			Help: "Rows accepted for the offline store (--offline) and not yet acknowledged by it."},
			func() float64 { return float64(s.Stats().Buffered) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chakra_offline_dropped_rows_total",
			Help: "Rows the offline writer dropped: its buffer was full while the offline store did not take writes."},
			func() float64 { return float64(s.Stats().Dropped) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chakra_offline_written_rows_total",
			Help: "Rows the offline store acknowledged."},
			func() float64 { return float64(s.Stats().Written) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chakra_offline_failing",
			Help: "1 while the offline store refuses writes (the writer buffers and retries)."},
			func() float64 {
				if s.Stats().Failing {
					return 1
				}
				return 0
			}),
	}
}

// materializeAtStart loads the online store from the runs under spec as of
// asOf (RFC 3339, or "" for their end).
func materializeAtStart(ctx context.Context, store featurestore.Online, spec, asOf string, log *slog.Logger) error {
	var at time.Time
	if asOf != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, asOf); err != nil {
			return fmt.Errorf("--as-of %q: want RFC 3339 such as 2025-06-01T10:00:00Z", asOf)
		}
	}
	b, err := openRunsBucket(ctx, spec)
	if err != nil {
		return err
	}
	names, err := runNames(ctx, b)
	if err != nil {
		return err
	}
	var runs []*parquet.Run
	defer func() {
		for _, r := range runs {
			r.Close()
		}
	}()
	for _, n := range names {
		r, err := parquet.OpenRunIn(ctx, b, n)
		if err != nil {
			return fmt.Errorf("%w (chakra-tui runs show says what is readable)", err)
		}
		runs = append(runs, r)
	}
	t0 := time.Now()
	soldiers, rows, err := parquet.MaterializeRuns(ctx, store, runs, monitor.DefaultWindowRows, at)
	if err != nil {
		return err
	}
	log.Info("materialized the online store from the offline store", "runs", len(runs), "from", b.String(), "as_of", asOf,
		"soldiers", soldiers, "rows", rows, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

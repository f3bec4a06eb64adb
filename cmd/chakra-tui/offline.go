package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
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

// open starts the run (nil, nil without --offline).
func (f *offlineFlags) open(ctx context.Context, r offlineRun, log *slog.Logger) (*parquet.Sink, error) {
	if f.dest == "" {
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

package s3

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
	"github.com/chakra-tui/chakra-tui/featurestore/s3/miniotest"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

func envOf(kv []string) func(string) string {
	m := map[string]string{}
	for _, e := range kv {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	c, err := ConfigFromEnv(envOf([]string{"AWS_ENDPOINT_URL=http://127.0.0.1:9000", "MINIO_ROOT_USER=u", "MINIO_ROOT_PASSWORD=p"}))
	if err != nil || c.Endpoint != "127.0.0.1:9000" || c.Secure || c.AccessKey != "u" || c.SecretKey != "p" {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = ConfigFromEnv(envOf([]string{"AWS_ACCESS_KEY_ID=a", "AWS_SECRET_ACCESS_KEY=b", "MINIO_ROOT_USER=u"}))
	if err != nil || c.Endpoint != "s3.amazonaws.com" || !c.Secure || c.AccessKey != "a" || c.SecretKey != "b" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"ftp://x", "http://", "http://host/path"} {
		if _, err := ConfigFromEnv(envOf([]string{"AWS_ENDPOINT_URL=" + bad})); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
	for spec, want := range map[string][2]string{"s3://b": {"b", ""}, "s3://b/p/q/": {"b", "p/q"}} {
		b, p, err := ParseURL(spec)
		if err != nil || b != want[0] || p != want[1] {
			t.Errorf("ParseURL(%q) = %q %q %v", spec, b, p, err)
		}
	}
	for _, bad := range []string{"b/p", "s3://", "s3:///p"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

func ExampleParseURL() {
	bucket, prefix, _ := ParseURL("s3://chakra-runs/field/2025")
	fmt.Println(bucket, prefix)
	// Output: chakra-runs field/2025
}

func open(t *testing.T, srv *miniotest.Server, spec string) *Bucket {
	t.Helper()
	cfg, err := ConfigFromEnv(envOf(srv.Env()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 2 * time.Second
	b, err := Open(context.Background(), spec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBucketRun writes a run through a Sink to MinIO and reads it back.
func TestBucketRun(t *testing.T) {
	srv := miniotest.Start(t)
	b := open(t, srv, "s3://runs/field/day1")
	ctx := context.Background()
	g := storetest.NewGen(5)
	profiles := g.Profiles(6)
	frames := g.Frames(6, 90, 0)
	clk := &clock{t: time.Unix(1e9, 0)}
	s, err := parquet.NewSink(b, parquet.SinkConfig{Run: "r1", Start: frames[0].Time, Flush: 10 * time.Second, Clock: clk.now}, profiles)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		s.Observe(f.Obs)
		clk.add(time.Second)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	names, err := b.List(ctx, "")
	if err != nil || len(names) != 2+int(s.Stats().Parts) || names[0] != "r1/labels.parquet" {
		t.Fatalf("list: %v, %v", names, err)
	}
	r, err := parquet.OpenRunIn(ctx, b, "r1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Observations(math.MinInt64, math.MaxInt64, nil)
	if err != nil || len(got) != 540 {
		t.Fatalf("%d rows, %v", len(got), err)
	}
	for i, f := range frames {
		for j := range f.Obs {
			if !storetest.SameObs(got[i*6+j], f.Obs[j]) {
				t.Fatalf("tick %d soldier %d differs", f.T, j)
			}
		}
	}
	if b.String() != "s3://runs/field/day1" {
		t.Fatalf("String %q", b.String())
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestOutage kills MinIO while a session writes: the session goes on, the
// sink buffers within its bound (dropping and counting the excess), and
// once MinIO is back every buffered row is written; the run holds exactly
// the rows acknowledged.
func TestOutage(t *testing.T) {
	srv := miniotest.Start(t)
	b := open(t, srv, "s3://runs")
	ctx := context.Background()
	g := storetest.NewGen(8)
	profiles := g.Profiles(10)
	frames := g.Frames(10, 300, 0)
	clk := &clock{t: time.Unix(1e9, 0)}
	s, err := parquet.NewSink(b, parquet.SinkConfig{Run: "outage", Flush: 5 * time.Second, Clock: clk.now,
		MaxBuffered: 1000, Retry: 20 * time.Millisecond}, profiles)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(what string, ok func(parquet.SinkStats) bool) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); !ok(s.Stats()); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %+v", what, s.Stats())
			}
		}
	}
	offer := func(fs []engine.Frame) {
		for _, f := range fs {
			s.Observe(f.Obs)
			clk.add(time.Second)
		}
	}
	offer(frames[:100])
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	offer(frames[100:105]) // sealed into a part that cannot be written
	wait("failing", func(st parquet.SinkStats) bool { return st.Failing })
	offer(frames[105:220]) // 1 200 rows offered in all, bound 1 000: the last 200 are dropped
	st := s.Stats()
	if st.Buffered != 1000 || st.Dropped != 200 || st.Written != 1000 {
		t.Fatalf("during the outage: %+v", st)
	}
	srv.Restart()
	wait("recovered", func(st parquet.SinkStats) bool { return st.Buffered == 0 && !st.Failing })
	offer(frames[220:])
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st = s.Stats()
	if st.Written != 2800 || st.Dropped != 200 {
		t.Fatalf("at the end: %+v", st)
	}
	r, err := parquet.OpenRunIn(ctx, b, "outage")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Observations(math.MinInt64, math.MaxInt64, nil)
	if err != nil || int64(len(got)) != st.Written {
		t.Fatalf("the run holds %d rows (%v), %d acknowledged", len(got), err, st.Written)
	}
	k := 0
	for i, f := range frames {
		if i >= 200 && i < 220 {
			continue // dropped
		}
		for j := range f.Obs {
			if !storetest.SameObs(got[k], f.Obs[j]) {
				t.Fatalf("row %d (tick %d soldier %d) differs", k, f.T, f.Obs[j].Soldier)
			}
			k++
		}
	}
}

// FuzzParseURL: any string either parses into a bucket without separators
// and a prefix without outer slashes, or is refused; never a panic.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"s3://b/p", "s3://", "s3:///x", "s3://b//p//", "http://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		b, p, err := ParseURL(spec)
		if err != nil {
			return
		}
		if b == "" || strings.Contains(b, "/") || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
			t.Fatalf("ParseURL(%q) = %q, %q", spec, b, p)
		}
	})
}

// FuzzConfigFromEnv: any endpoint is refused or gives a host.
func FuzzConfigFromEnv(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:9000", "minio:9000", "https://", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ep string) {
		c, err := ConfigFromEnv(envOf([]string{"AWS_ENDPOINT_URL=" + ep}))
		if err == nil && c.Endpoint == "" {
			t.Fatalf("endpoint %q: no host", ep)
		}
	})
}

package kafkaio

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/redis"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

const topic = "vitals"

// outputs are the topics a consumer of topic writes.
var outputs = []string{topic + ".verdicts", topic + ".alerts", topic + ".dead"}

// newCluster starts an in-process Kafka cluster holding the observation
// topic and the outputs with partitions partitions each.
func newCluster(t testing.TB, partitions int32, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(partitions, append([]string{topic}, outputs...)...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// replica is one --headless process: a store, a monitor, the API and the
// Kafka consumer running until stopped.
type replica struct {
	name  string
	store featurestore.Online
	mon   *monitor.Monitor
	api   *httpapi.Server
	c     *Consumer
	stop  context.CancelFunc
	done  chan error
	once  sync.Once
	err   error // what Run returned
}

// scorerWarmup builds the TFT on the embedded model (the product's
// default; it scores from the store's window alone, so its warm-up shows
// whether a soldier's window went on) and its warm-up.
func scorerWarmup(t testing.TB) (detector.Scorer, int) {
	t.Helper()
	sc, err := detector.NewTFT()
	if err != nil {
		t.Fatal(err)
	}
	twin, _ := detector.NewTFT()
	w, err := httpapi.MeasureWarmup(twin, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return sc, w
}

// startReplica starts a replica on the cluster at addrs with the store at
// storeURL ("" for memory); crash (may be nil) is its crashAfterProduce.
func startReplica(t testing.TB, name string, addrs []string, storeURL string, crash func() bool) *replica {
	t.Helper()
	var store featurestore.Online
	var err error
	if storeURL == "" {
		store, err = featurestore.NewMemory()
	} else {
		store, err = redis.New(storeURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	sc, warm := scorerWarmup(t)
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(mon, httpapi.WithWarmup(warm))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConsumer(Config{Brokers: addrs, Topic: topic, Group: "chakra", TransactionalID: "chakra-" + name,
		TransactionTimeout: 3 * time.Second, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		HealthEvery: 50 * time.Millisecond}, api, api.Stream())
	if err != nil {
		t.Fatal(err)
	}
	c.crashAfterProduce = crash
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, store: store, mon: mon, api: api, c: c, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(func() {
		r.kill()
		mon.Close()
		store.Close()
	})
	return r
}

// kill stops the replica's loop and closes its client (it leaves the
// group); what it produced without committing stays in its open
// transaction, which the broker aborts after the transaction timeout.
func (r *replica) kill() {
	r.once.Do(func() {
		r.stop()
		r.err = <-r.done
		r.c.Close()
	})
}

// get answers a request to the replica's HTTP API.
func (r *replica) get(path string) (int, string) {
	rec := httptest.NewRecorder()
	r.api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// produceObs writes observations of soldiers 1..soldiers at timestamps
// [from, to), tick by tick, keyed by soldier id.
func produceObs(t testing.TB, addrs []string, soldiers int, from, to int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for ts := from; ts < to; ts++ {
		for id := 1; id <= soldiers; id++ {
			recs = append(recs, obsRecord(id, ts))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// produceRaw writes one message as it is.
func produceRaw(t testing.TB, addrs []string, key, value string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: []byte(value)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// obsRecord is soldier id's observation at ts: a steady heart rate with a
// small deterministic wobble.
func obsRecord(id int, ts int64) *kgo.Record {
	hr := 70 + float64((ts+int64(id))%7) - 3
	v := fmt.Sprintf(`{"soldier_id":%d,"timestamp":%d,"heart_rate":%g,"stamina":%g,"core_temp":37,"spo2":98}`, id, ts, hr, 95+0.1*float64(ts%5))
	return &kgo.Record{Key: []byte(strconv.Itoa(id)), Value: []byte(v)}
}

// verdict is what the tests read of a verdict message.
type verdict struct {
	Soldier int64  `json:"soldier_id"`
	T       int64  `json:"timestamp"`
	State   string `json:"state"`
	Basis   string `json:"basis"` // "population" (or "none") while warming up, then "model"
	Repeat  bool   `json:"repeat"`
}

// readTopic reads topic from its start to its last stable offset as a
// read_committed consumer does (aborted transactions' records left out).
func readTopic(t testing.TB, addrs []string, name string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(name), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	pos := map[int32]int64{}
	var out []*kgo.Record
	for {
		behind := 0
		for p, end := range want {
			if pos[p] < end {
				behind++
			}
		}
		if behind == 0 {
			return out
		}
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: %d partitions not read to their end within 60 s (at %v, ends %v)", name, behind, pos, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			pos[r.Partition] = r.Offset + 1
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
}

// verdicts decodes verdict messages.
func verdicts(t testing.TB, recs []*kgo.Record) []verdict {
	t.Helper()
	out := make([]verdict, 0, len(recs))
	for _, r := range recs {
		var v verdict
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("verdict %q: %v", r.Value, err)
		}
		if string(r.Key) != strconv.FormatInt(v.Soldier, 10) {
			t.Fatalf("verdict of soldier %d keyed %q", v.Soldier, r.Key)
		}
		out = append(out, v)
	}
	return out
}

// waitFor polls cond every 20 ms until it holds, failing after limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback port free at the time of the call.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// metric returns the value of an unlabelled metric on the replica's
// /metrics.
func (r *replica) metric(t testing.TB, name string) float64 {
	t.Helper()
	_, body := r.get("/metrics")
	for _, line := range splitLines(body) {
		if len(line) > len(name)+1 && line[:len(name)+1] == name+" " {
			v, err := strconv.ParseFloat(line[len(name)+1:], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

// committed returns how many observations the group "chakra" has
// committed over the partitions of the observation topic.
func committed(t testing.TB, addrs []string) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := kadm.NewClient(cl).FetchOffsets(ctx, "chakra")
	if err != nil {
		return -1 // the coordinator is busy (a rebalance): ask again
	}
	n := 0
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At > 0 {
			n += int(o.At)
		}
	})
	return n
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaSimToHeadless runs the demo of docs/kafka.md on an in-process
// cluster: `--headless --kafka-brokers` creates the topics and consumes,
// `sim --kafka-brokers` publishes a seeded battlefield, and every
// observation gets exactly one verdict in the verdict topic; the Kafka
// metrics and /ready say so.
func TestKafkaSimToHeadless(t *testing.T) {
	cl, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	brokers := strings.Join(cl.ListenAddrs(), ",")
	url, stop := startHeadless(t, "--scorer", "threshold", "--kafka-brokers", brokers, "--kafka-topic", "vitals",
		"--kafka-group", "chakra", "--kafka-partitions", "6", "--kafka-txn-id", "test-0")
	const soldiers, ticks = 10, 90
	out, _, err := simRun(t, "sim", "--kafka-brokers", brokers, "--kafka-topic", "vitals", "--soldiers", strconv.Itoa(soldiers),
		"--duration", strconv.Itoa(ticks)+"s", "--speed", "0", "--seed", "2", "--poison-rate", "0.4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "published 90 frames, 900 observations") {
		t.Fatalf("sim printed %q", out)
	}
	metric := func(name string) float64 {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		t.Fatalf("/metrics has no %s", name)
		return 0
	}
	deadline := time.Now().Add(60 * time.Second)
	for metric("chakra_kafka_consumed_total") < soldiers*ticks || metric("chakra_kafka_consumer_lag") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("consumed %v of %d within 60 s", metric("chakra_kafka_consumed_total"), soldiers*ticks)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(url + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/ready %d with Kafka flowing", resp.StatusCode)
	}
	if d := metric("chakra_kafka_dead_letters_total"); d != 0 {
		t.Fatalf("%v dead letters from the simulation", d)
	}
	for groupCommitted(t, cl.ListenAddrs(), "chakra", "vitals") < soldiers*ticks {
		if time.Now().After(deadline) {
			t.Fatalf("the group committed %d of %d within 60 s", groupCommitted(t, cl.ListenAddrs(), "chakra", "vitals"), soldiers*ticks)
		}
		time.Sleep(20 * time.Millisecond)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	vs := readCommitted(t, cl.ListenAddrs(), "vitals.verdicts")
	seen := map[[2]int64]int{}
	for _, r := range vs {
		var v struct {
			Soldier int64 `json:"soldier_id"`
			T       int64 `json:"timestamp"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		seen[[2]int64{v.Soldier, v.T}]++
	}
	if len(vs) != soldiers*ticks || len(seen) != soldiers*ticks {
		t.Fatalf("%d verdicts for %d distinct observations, want %d of each", len(vs), len(seen), soldiers*ticks)
	}
	if truth := readCommitted(t, cl.ListenAddrs(), "vitals.truth"); len(truth) == 0 {
		t.Fatal("no ground truth published")
	}
}

// readCommitted reads topic from its start to its last stable offset as
// a read_committed consumer.
func readCommitted(t *testing.T, addrs []string, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[int32]int64{}
	var out []*kgo.Record
	for {
		done := true
		ends.Each(func(o kadm.ListedOffset) {
			if pos[o.Partition] < o.Offset {
				done = false
			}
		})
		if done {
			return out
		}
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: not to its end within 60 s", topic)
		}
		fs.EachRecord(func(r *kgo.Record) {
			pos[r.Partition] = r.Offset + 1
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
}

// groupCommitted returns how many messages of topic the group has
// committed, -1 while its coordinator does not answer.
func groupCommitted(t *testing.T, addrs []string, group, topic string) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := kadm.NewClient(cl).FetchOffsets(ctx, group)
	if err != nil {
		return -1
	}
	n := 0
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At > 0 {
			n += int(o.At)
		}
	})
	return n
}

// TestKafkaFlags: each mode has its Kafka flags, with an example and a
// variable in --help; bad values are refused with a clear error; text
// mode does not follow a cluster.
func TestKafkaFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"headless", "--help"}, []string{"kafka-brokers", "kafka-topic", "kafka-group", "kafka-verdicts", "kafka-partitions", "kafka-txn-id"}},
		{[]string{"sim", "--help"}, []string{"kafka-brokers", "kafka-topic", "kafka-partitions", "speed"}},
		{[]string{"--help"}, []string{"kafka-brokers", "kafka-topic", "kafka-verdicts"}},
	} {
		_, stderr, _ := simRun(t, tc.args...)
		for _, name := range tc.want {
			if !strings.Contains(stderr, "e.g. --"+name+" ") || !strings.Contains(stderr, envName(name)) {
				t.Errorf("%v lacks an example or variable for --%s", tc.args, name)
			}
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--headless", "--kafka-brokers", "nohost"}, "HOST:PORT"},
		{[]string{"--headless", "--kafka-brokers", "127.0.0.1:99999"}, "not 1–65535"},
		{[]string{"--headless", "--kafka-brokers", "127.0.0.1:9092", "--kafka-partitions", "-1"}, "--kafka-partitions"},
		{[]string{"sim", "--kafka-brokers", "127.0.0.1:9092", "--speed", "-1"}, "--speed"},
		{[]string{"sim", "--kafka-brokers", "127.0.0.1:9092", "--record", "x.gz"}, "pick one"},
		{[]string{"--text", "--kafka-brokers", "127.0.0.1:9092"}, "dashboard"},
	} {
		_, _, err := simRun(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

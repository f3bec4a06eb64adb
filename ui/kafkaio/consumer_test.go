package kafkaio

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
)

// TestReplicasShareAndSurviveAKill: three replicas in one group share 12
// partitions over one Redis; one dies between producing a batch's
// verdicts and committing it. Its partitions move, the observations it
// had consumed are consumed again (repeats to the store: not scored
// twice), every observation has exactly one verdict in the verdict topic
// as a read_committed reader sees it, and the moved soldiers go on from
// their windows in Redis instead of warming up again.
func TestReplicasShareAndSurviveAKill(t *testing.T) {
	rs := redistest.Start(t)
	cl := newCluster(t, 12)
	addrs := cl.ListenAddrs()
	// Ticks [0, half) before the kill, [half, ticks) during it, [ticks,
	// after) once a's partitions have moved.
	const soldiers, half, ticks, after = 24, 70, 120, 140
	_, warm := scorerWarmup(t)
	if warm >= half {
		t.Fatalf("the z-score warm-up (%d) must end before the kill at tick %d", warm, half)
	}

	var armed atomic.Bool
	var crashed atomic.Bool
	crash := func() bool {
		if armed.Load() {
			crashed.Store(true)
			return true
		}
		return false
	}
	reps := []*replica{
		startReplica(t, "a", addrs, rs.URL(), crash),
		startReplica(t, "b", addrs, rs.URL(), nil),
		startReplica(t, "c", addrs, rs.URL(), nil),
	}
	// Each replica must own partitions before the stream starts, so the
	// one that dies has some to hand over.
	waitFor(t, 60*time.Second, "every replica assigned partitions", func() bool {
		for _, r := range reps {
			if !r.assigned() {
				return false
			}
		}
		return true
	})

	produceObs(t, addrs, soldiers, 0, half)
	first := soldiers * half
	waitFor(t, 60*time.Second, "the first half committed", func() bool { return committed(t, addrs) == first })
	consumedA := reps[0].metric(t, "chakra_kafka_consumed_total")
	if consumedA == 0 {
		t.Fatal("replica a consumed nothing before the kill")
	}

	armed.Store(true)
	produceObs(t, addrs, soldiers, half, ticks)
	waitFor(t, 60*time.Second, "replica a dies mid-stream", crashed.Load)
	reps[0].kill()
	if reps[0].err != errCrashed {
		t.Fatalf("replica a ended with %v, want the test crash", reps[0].err)
	}
	waitFor(t, 90*time.Second, "b and c to commit what a left", func() bool { return committed(t, addrs) == soldiers*ticks })
	produceObs(t, addrs, soldiers, ticks, after)
	total := soldiers * after
	waitFor(t, 60*time.Second, "b and c to commit the rest", func() bool { return committed(t, addrs) == total })
	for _, r := range reps[1:] {
		r.kill()
	}

	vs := verdicts(t, readTopic(t, addrs, topic+".verdicts"))
	type key struct{ s, t int64 }
	count := map[key]int{}
	repeats := 0
	states := map[string]int{}
	for _, v := range vs {
		states[v.State+"/"+v.Basis]++
		count[key{v.Soldier, v.T}]++
		if v.Repeat {
			repeats++
		}
		if v.State != "not_scored" && v.Basis != "model" && v.T >= int64(warm) {
			t.Errorf("soldier %d at %d is warming up again: its window did not go on from Redis", v.Soldier, v.T)
		}
		if v.T >= ticks && (v.Repeat || v.State == "not_scored") {
			t.Errorf("soldier %d at %d after the move: %+v, want a scored verdict", v.Soldier, v.T, v)
		}
	}
	for id := int64(1); id <= soldiers; id++ {
		for ts := int64(0); ts < after; ts++ {
			if n := count[key{id, ts}]; n != 1 {
				t.Errorf("soldier %d at %d: %d verdicts, want exactly 1", id, ts, n)
			}
		}
	}
	if len(vs) != total {
		t.Errorf("%d verdicts for %d observations", len(vs), total)
	}
	if repeats == 0 {
		t.Error("no redelivered observation was recognised as a repeat: the kill did not land between produce and commit")
	}
	t.Logf("states %v", states)
	t.Logf("%d observations, %d verdicts, %d of them redeliveries answered as repeats; a consumed %v before the kill", total, len(vs), repeats, consumedA)
	var dead int
	for _, r := range reps {
		dead += int(r.metric(t, "chakra_kafka_dead_letters_total"))
	}
	if dead != 0 {
		t.Errorf("%d dead letters from well-formed observations", dead)
	}
}

// assigned reports whether the replica's consumer owns partitions.
func (r *replica) assigned() bool {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	return r.c.owned > 0
}

// TestMalformedDeadLettered: messages that are not observations go to the
// dead-letter topic with their reason; the partition goes on, and the
// observations around them get their verdicts.
func TestMalformedDeadLettered(t *testing.T) {
	cl := newCluster(t, 1)
	addrs := cl.ListenAddrs()
	r := startReplica(t, "a", addrs, "", nil)
	produceObs(t, addrs, 1, 0, 3)
	produceRaw(t, addrs, "1", `{"soldier_id": 1, "timestamp": 3`)
	produceRaw(t, addrs, "1", `{"soldier_id": 1, "timestamp": 3, "heart_rate": 900, "stamina": 90}`)
	produceRaw(t, addrs, "1", `not json at all`)
	produceObs(t, addrs, 1, 3, 6)
	waitFor(t, 30*time.Second, "six verdicts and three dead letters", func() bool {
		return r.metric(t, "chakra_kafka_consumed_total") == 9 && r.metric(t, "chakra_kafka_consumer_lag") == 0 &&
			r.metric(t, "chakra_kafka_dead_letters_total") == 3
	})
	r.kill()
	vs := verdicts(t, readTopic(t, addrs, topic+".verdicts"))
	if len(vs) != 6 {
		t.Fatalf("%d verdicts, want 6", len(vs))
	}
	for i, v := range vs {
		if v.T != int64(i) || v.Repeat {
			t.Fatalf("verdict %d: %+v", i, v)
		}
	}
	dead := readTopic(t, addrs, topic+".dead")
	codes := []string{"invalid_json", "out_of_range", "invalid_json"}
	if len(dead) != 3 {
		t.Fatalf("%d dead letters, want 3", len(dead))
	}
	for i, d := range dead {
		var reason struct{ Code, Error string }
		var source string
		for _, h := range d.Headers {
			switch h.Key {
			case "reason":
				if err := json.Unmarshal(h.Value, &reason); err != nil {
					t.Fatalf("dead letter %d: reason %q: %v", i, h.Value, err)
				}
			case "source":
				source = string(h.Value)
			}
		}
		if reason.Code != codes[i] || reason.Error == "" || source == "" || string(d.Key) != "1" {
			t.Errorf("dead letter %d (%q): reason %+v, source %q, key %q; want code %s", i, d.Value, reason, source, d.Key, codes[i])
		}
	}
}

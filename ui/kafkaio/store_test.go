package kafkaio

import (
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
)

// TestStoreOutageRetries: while Redis is down the poll that could not be
// written is retried, not dead-lettered and not committed, and /ready
// answers 503; once Redis is back the observations get their verdicts,
// exactly one each.
func TestStoreOutageRetries(t *testing.T) {
	rs := redistest.Start(t)
	cl := newCluster(t, 2)
	addrs := cl.ListenAddrs()
	r := startReplica(t, "a", addrs, rs.URL(), nil)
	const soldiers = 4
	produceObs(t, addrs, soldiers, 0, 5)
	waitFor(t, 30*time.Second, "the first five ticks committed", func() bool { return committed(t, addrs) == soldiers*5 })

	rs.Stop()
	produceObs(t, addrs, soldiers, 5, 10)
	waitFor(t, 30*time.Second, "/ready 503 with the store down", func() bool {
		code, _ := r.get("/ready")
		return code == 503
	})
	waitFor(t, 30*time.Second, "the consumer retrying the poll", func() bool {
		r.c.mu.Lock()
		defer r.c.mu.Unlock()
		return r.c.loopErr != nil && strings.Contains(r.c.loopErr.Error(), "wait for the feature store")
	})
	if n := committed(t, addrs); n != soldiers*5 {
		t.Fatalf("%d committed while the store is down, want %d", n, soldiers*5)
	}
	if err := rs.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "all ten ticks committed after the store came back", func() bool { return committed(t, addrs) == soldiers*10 })
	waitFor(t, 30*time.Second, "/ready 200 again", func() bool {
		code, _ := r.get("/ready")
		return code == 200
	})
	r.kill()
	if d := r.metric(t, "chakra_kafka_dead_letters_total"); d != 0 {
		t.Fatalf("%v dead letters through a store outage", d)
	}
	vs := verdicts(t, readTopic(t, addrs, topic+".verdicts"))
	count := map[[2]int64]int{}
	for _, v := range vs {
		count[[2]int64{v.Soldier, v.T}]++
	}
	if len(vs) != soldiers*10 || len(count) != soldiers*10 {
		t.Fatalf("%d verdicts for %d distinct observations, want %d", len(vs), len(count), soldiers*10)
	}
}

package kafkaio

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestBrokerRestart: while the broker is down the replica answers /ready
// with 503 and keeps trying; once it is back (same port, same data) the
// stream goes on where it was committed, every observation with exactly
// one verdict.
func TestBrokerRestart(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SyncWrites()}
	c1, err := kfake.NewCluster(append(opts, kfake.SeedTopics(4, append([]string{topic}, outputs...)...))...)
	if err != nil {
		t.Fatal(err)
	}
	addrs := c1.ListenAddrs()
	r := startReplica(t, "a", addrs, "", nil)
	const soldiers = 4
	produceObs(t, addrs, soldiers, 0, 10)
	waitFor(t, 30*time.Second, "the first ten ticks committed", func() bool { return committed(t, addrs) == soldiers*10 })
	if code, body := r.get("/ready"); code != 200 {
		t.Fatalf("/ready %d %s with the broker up", code, body)
	}

	c1.Close()
	waitFor(t, 30*time.Second, "/ready 503 with the broker down", func() bool {
		code, _ := r.get("/ready")
		return code == 503
	})
	_, body := r.get("/ready")
	t.Logf("broker down: /ready %s", body)

	c2, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitFor(t, 30*time.Second, "/ready 200 with the broker back", func() bool {
		code, _ := r.get("/ready")
		return code == 200
	})
	produceObs(t, addrs, soldiers, 10, 20)
	waitFor(t, 60*time.Second, "all twenty ticks committed", func() bool { return committed(t, addrs) == soldiers*20 })
	r.kill()
	vs := verdicts(t, readTopic(t, addrs, topic+".verdicts"))
	type key struct{ s, t int64 }
	count := map[key]int{}
	for _, v := range vs {
		count[key{v.Soldier, v.T}]++
	}
	for id := int64(1); id <= soldiers; id++ {
		for ts := int64(0); ts < 20; ts++ {
			if n := count[key{id, ts}]; n != 1 {
				t.Errorf("soldier %d at %d: %d verdicts, want 1", id, ts, n)
			}
		}
	}
	if len(vs) != soldiers*20 {
		t.Errorf("%d verdicts for %d observations", len(vs), soldiers*20)
	}
}

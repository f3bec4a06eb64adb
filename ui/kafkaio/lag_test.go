package kafkaio

import (
	"context"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// gatedScorer holds its first call until the gate opens.
type gatedScorer struct {
	*httpapi.Server
	entered, gate chan struct{}
}

func (g *gatedScorer) ObserveJSON(msgs [][]byte, dst []httpapi.StreamAnswer) []httpapi.StreamAnswer {
	select {
	case g.entered <- struct{}{}:
		<-g.gate
	default:
	}
	return g.Server.ObserveJSON(msgs, dst)
}

// TestLagCountsWhatIsNotScored: the lag counts the poll being scored as
// behind (not only what is left to fetch), and falls to 0 once everything
// is committed; a poll holds at most MaxPollRecords messages.
func TestLagCountsWhatIsNotScored(t *testing.T) {
	cl := newCluster(t, 1)
	addrs := cl.ListenAddrs()
	store, _ := featurestore.NewMemory()
	defer store.Close()
	sc, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, sc)
	defer mon.Close()
	api, err := httpapi.New(mon)
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedScorer{Server: api, entered: make(chan struct{}), gate: make(chan struct{})}
	produceObs(t, addrs, 5, 0, 10) // 50 messages in one partition
	c, err := NewConsumer(Config{Brokers: addrs, Topic: topic, Group: "chakra", TransactionalID: "lag", MaxPollRecords: 20,
		HealthEvery: 50 * time.Millisecond}, g, api.Stream())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-g.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("no poll within 30 s")
	}
	r := &replica{api: api}
	if lag, consumed := r.metric(t, "chakra_kafka_consumer_lag"), r.metric(t, "chakra_kafka_consumed_total"); lag != 50 || consumed < 1 || consumed > 20 {
		t.Fatalf("while the first poll is scored: lag %v, consumed %v; want 50 and at most 20", lag, consumed)
	}
	close(g.gate)
	waitFor(t, 30*time.Second, "all 50 committed and the lag 0", func() bool {
		return committed(t, addrs) == 50 && r.metric(t, "chakra_kafka_consumer_lag") == 0
	})
}

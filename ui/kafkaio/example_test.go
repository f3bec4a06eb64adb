package kafkaio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
	"github.com/chakra-tui/chakra-tui/ui/kafkaio"
)

// A replica: the HTTP API over a monitor scores what the consumer takes
// from the topic "vitals"; the verdict appears on "vitals.verdicts".
func Example() {
	cluster, _ := kfake.NewCluster(kfake.NumBrokers(1))
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	store, _ := featurestore.NewMemory()
	defer store.Close()
	sc, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, sc)
	defer mon.Close()
	api, _ := httpapi.New(mon)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, _ := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics("vitals.verdicts"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	// The topics exist before anything is produced (the consumer would
	// create them too, with Config.Partitions, but beside this producer).
	if err := kafkaio.EnsureTopics(ctx, cl, 3, "vitals", "vitals.verdicts", "vitals.alerts", "vitals.dead"); err != nil {
		fmt.Println(err)
		return
	}

	c, err := kafkaio.NewConsumer(kafkaio.Config{Brokers: brokers, Topic: "vitals", Group: "chakra"}, api, api.Stream())
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	obs := `{"soldier_id": 7, "timestamp": 1700000000, "heart_rate": 72, "stamina": 95, "core_temp": 37.1, "spo2": 98}`
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "vitals", Key: []byte("7"), Value: []byte(obs)}).FirstErr(); err != nil {
		fmt.Println(err)
		return
	}
	for ctx.Err() == nil {
		recs := cl.PollFetches(ctx).Records()
		if len(recs) == 0 {
			continue
		}
		var v struct {
			Soldier int    `json:"soldier_id"`
			State   string `json:"state"`
		}
		_ = json.Unmarshal(recs[0].Value, &v)
		fmt.Printf("key %s: soldier %d is %s\n", recs[0].Key, v.Soldier, v.State)
		break
	}
	cancel()
	<-done
	c.Close()
	// Output: key 7: soldier 7 is ok
}

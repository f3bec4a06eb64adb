package kafkaio

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chakra-tui/chakra-tui/engine"
)

// TestFollowerAssemblesFrames: the dashboard's source on a cluster turns
// the observation, verdict and truth topics back into frames, one per
// timestamp, each observation with the cluster's verdict on it.
func TestFollowerAssemblesFrames(t *testing.T) {
	cl := newCluster(t, 3, kfake.AllowAutoTopicCreation())
	addrs := cl.ListenAddrs()
	r := startReplica(t, "a", addrs, "", nil)
	const soldiers, ticks = 5, 12
	produceObs(t, addrs, soldiers, 100, 100+ticks)
	pcl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer pcl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	truth := &kgo.Record{Topic: topic + ".truth", Key: []byte("3"), Value: []byte(`{"soldier_id":3,"kind":"tachycardia","start":104,"end":106}`)}
	if err := pcl.ProduceSync(ctx, truth).FirstErr(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "every observation committed", func() bool { return committed(t, addrs) == soldiers*ticks })
	_ = r

	f, err := NewFollower(ctx, FollowerConfig{Brokers: addrs, Topic: topic, FromStart: true, Grace: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := len(f.Profiles()); n != soldiers {
		t.Fatalf("roster of %d, want %d", n, soldiers)
	}
	// The first timestamp (100) may be cut short when following live: the
	// frames start at 101, tick 0. The last one waits for a later second.
	for ts := int64(101); ts < 100+ticks-2; ts++ {
		fr, err := f.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vs := f.Verdicts()
		tick := ts - 101
		if fr.T != tick || fr.Time.Unix() != ts || len(fr.Obs) != soldiers || len(vs) != soldiers {
			t.Fatalf("frame at %d: tick %d time %v, %d observations, %d verdicts", ts, fr.T, fr.Time, len(fr.Obs), len(vs))
		}
		for i, o := range fr.Obs {
			if o.Soldier != engine.SoldierID(i+1) || o.T != tick || vs[i].Soldier != o.Soldier || vs[i].T != tick {
				t.Fatalf("frame at %d, soldier %d: observation %+v, verdict soldier %d T %d", ts, i+1, o, vs[i].Soldier, vs[i].T)
			}
		}
		inTruth := ts >= 104 && ts <= 106
		if got := len(fr.Truth) == 1 && fr.Truth[0].Soldier == 3 && fr.Truth[0].Kind == engine.KindTachycardia; got != inTruth {
			t.Fatalf("frame at %d: truth %+v", ts, fr.Truth)
		}
	}
}

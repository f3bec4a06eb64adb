package alertsink

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui/alertsink/amtest"
)

// BenchmarkDeliverThousand measures how long 1 000 alerts opening in one
// tick take to reach a real Alertmanager and a webhook receiver (loopback),
// from the tick to the last delivery: the seconds/1000 metric.
func BenchmarkDeliverThousand(b *testing.B) {
	am := amtest.Start(b, "")
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer hook.Close()
	const n = 1000
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		f := newFeed()
		h, err := New(WithAlertmanager(am.URL()), WithWebhook(hook.URL, "k"), WithFlush(0), WithResend(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		h.Start(context.Background(), f)
		t0 := time.Now()
		for id := range engine.SoldierID(n) {
			f.b.Publish(opening(id+1, int64(1000*i+1), engine.KindTachycardia))
		}
		for stat(h, SinkAlertmanager).Delivered < n || stat(h, SinkWebhook).Delivered < n {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(t0)
		h.Close()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "seconds/1000")
}

// quietScorer opens nothing: the steady state of a battlefield, where
// ticks without alerts are almost all of them.
type quietScorer struct{}

func (quietScorer) Name() string { return "quiet" }

func (quietScorer) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	for _, w := range ws {
		o := w.Rows[len(w.Rows)-1]
		dst = append(dst, verdict(o.Soldier, o.T))
	}
	return dst, nil
}

// BenchmarkTick100 is one tick of 100 soldiers through the monitor, with
// no sink and with both sinks attached (to a receiver that answers at
// once): what the sinks add to scoring.
func BenchmarkTick100(b *testing.B) {
	b.Run("no-sinks", func(b *testing.B) { benchTick(b, false) })
	b.Run("both-sinks", func(b *testing.B) { benchTick(b, true) })
}

var sinkVerdicts []detector.Verdict

func benchTick(b *testing.B, sinks bool) {
	store, err := featurestore.NewMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	mon, err := monitor.New(store, quietScorer{})
	if err != nil {
		b.Fatal(err)
	}
	defer mon.Close()
	if sinks {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				_, _ = w.Write([]byte("[]"))
			}
		}))
		defer srv.Close()
		h, err := New(WithAlertmanager(srv.URL), WithWebhook(srv.URL+"/hook", "k"), WithFlush(0))
		if err != nil {
			b.Fatal(err)
		}
		h.Start(context.Background(), mon)
		defer h.Close()
	}
	ctx := context.Background()
	obs := tickOf(100, 0)
	vs := make([]detector.Verdict, 0, 100)
	b.ReportAllocs()
	var t int64
	for b.Loop() {
		for i := range obs {
			obs[i].T = t
		}
		t++
		vs, err = mon.Ingest(ctx, obs, vs[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	sinkVerdicts = vs
}

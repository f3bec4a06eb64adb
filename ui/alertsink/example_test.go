package alertsink_test

import (
	"context"
	"fmt"
	"log"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui/alertsink"
)

// A webhook receiver checks X-Chakra-Signature over the raw body.
func ExampleVerify() {
	secret := []byte("s3cret")
	body := []byte(`{"soldier_id":21,"kind":"bradycardia"}`)
	sig := alertsink.Sign(secret, body) // what chakra-tui sends
	fmt.Println(sig)
	fmt.Println(alertsink.Verify(secret, body, sig), alertsink.Verify([]byte("guess"), body, sig))
	// Output:
	// sha256=8a1e7dd38ceb6cda5c12a1f65372fbff99f7aa98caa9bc3f6695a94d9e9964e2
	// true false
}

// A hub on a monitor: every alert the monitor opens from now on goes to
// the Alertmanager and the webhook, through queues that never hold up
// Ingest.
func ExampleHub() {
	store, _ := featurestore.NewMemory()
	scorer, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, scorer)
	defer mon.Close()
	hub, err := alertsink.New(
		alertsink.WithAlertmanager("http://127.0.0.1:9093"),
		alertsink.WithWebhook("http://127.0.0.1:9095/hook", "s3cret"),
		alertsink.WithFlush(0))
	if err != nil {
		log.Fatal(err)
	}
	hub.Start(context.Background(), mon)
	defer hub.Close()
	// ... mon.Ingest(ctx, tick, nil) as the battlefield runs ...
	for _, st := range hub.Stats() {
		fmt.Println(st.Sink, st.Delivered, st.Dropped)
	}
	// Output:
	// alertmanager 0 0
	// webhook 0 0
}

package sshserve

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui"
)

// BenchmarkPublish20 publishes one snapshot to 20 viewers whose buffers
// are full (the drop-oldest path: the costliest for the publisher).
func BenchmarkPublish20(b *testing.B) { benchPublish(b, 20) }

func benchPublish(b *testing.B, viewers int) {
	f := newFeed[ui.Snapshot](DefaultBacklog)
	for range viewers {
		f.subscribe(DefaultBuffer)
	}
	s := ui.Snapshot{Frame: engine.Frame{Obs: make([]engine.Observation, 100)}}
	for range DefaultBuffer {
		f.publish(s)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		f.publish(s)
	}
}

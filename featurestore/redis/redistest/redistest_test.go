package redistest

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/featurestore/redisserver"
)

// TestStartStopsAtCleanup: the server answers during the test and is gone
// once the test's cleanups have run.
func TestStartStopsAtCleanup(t *testing.T) {
	var addr string
	t.Run("inner", func(t *testing.T) {
		s := Start(t)
		addr = s.Addr()
		if err := redisserver.Ping(addr); err != nil {
			t.Fatalf("PING during the test: %v", err)
		}
	})
	if redisserver.Ping(addr) == nil {
		t.Fatal("redis-server still answers after the test that started it ended")
	}
}

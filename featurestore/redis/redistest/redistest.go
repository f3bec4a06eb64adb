package redistest

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/featurestore/redisserver"
)

// Start starts redis-server on a free loopback port (bound to 127.0.0.1,
// saving off) for one test or benchmark and stops it when that ends, also
// on failure. A missing binary fails t with redisserver.ErrNotInstalled.
func Start(t testing.TB) *redisserver.Server {
	t.Helper()
	s, err := redisserver.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

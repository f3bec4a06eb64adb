package engine

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind (a Broadcast, a
// Pacer and a Sim start none of their own).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

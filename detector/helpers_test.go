package detector

import (
	"math"
	"testing"
)

// near fails t when got is further than 1e-9 from want.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

package cputime

import (
	"runtime"
	"testing"
)

// TestThreadAdvancesWithWork: the clock never goes back, and work done on
// the thread moves it forward.
func TestThreadAdvancesWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	a := Thread()
	x := 1.0
	for i := range 20_000_000 {
		x = x*1.0000001 + float64(i&1)
	}
	b := Thread()
	if b <= a {
		t.Fatalf("thread CPU time %v after %v (work result %g)", b, a, x)
	}
}

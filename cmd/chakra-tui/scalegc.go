package main

import "runtime/debug"

// scaleGCPercent is the GOGC of a process that runs a built-in simulation
// of more than scaleSoldiers soldiers, when the environment sets none. The
// heap of such a process is almost all long-lived per-soldier state and
// little garbage comes in a tick, so the collector's default of letting
// the heap grow to twice the live heap before it runs would only double
// the RSS (≈ 1.9 GB instead of ≈ 1.2 GB at 50 000 soldiers, docs/scale.md);
// at 25 the heap may grow by a quarter, and a collection every few ticks
// costs little CPU.
const scaleGCPercent = 25

// scaleGC sets GOGC to scaleGCPercent for a built-in simulation of n
// soldiers, when n is more than scaleSoldiers and gogcEnv (the GOGC
// environment variable) is empty, and reports whether it did.
func scaleGC(n int, gogcEnv string) bool {
	if n <= scaleSoldiers || gogcEnv != "" {
		return false
	}
	debug.SetGCPercent(scaleGCPercent)
	return true
}

package main

import "runtime/debug"

// scaleGCPercent is the GOGC of a process that runs a built-in simulation
// of more than scaleSoldiers soldiers, when the environment sets none. The
// heap of such a process is almost all long-lived per-soldier state and
// little garbage comes in a tick, so the collector's default of letting
// the heap grow to twice the live heap before it runs would only double
// the RSS (≈ 1.9 GB instead of ≈ 1.2 GB at 50 000 soldiers in the first
// round, docs/scale.md). At 20 the heap may grow by a fifth: 954 MB peak
// over 10 minutes at 50 000 soldiers, where 25 reached 1 007 MB, for
// 0.8 % of the CPU in the collector's mark workers.
const scaleGCPercent = 20

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

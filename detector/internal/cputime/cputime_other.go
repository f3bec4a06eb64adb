//go:build !linux

// Package cputime reads the CPU time of the calling OS thread, for the
// benchmarks that lock themselves to a thread and report what their own
// work cost, not the time other processes took the core.
package cputime

import "time"

var start = time.Now()

// Thread falls back to the wall time since the program started where the
// thread's CPU clock is not read.
func Thread() time.Duration { return time.Since(start) }

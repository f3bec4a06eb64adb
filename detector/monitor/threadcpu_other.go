//go:build !linux

package monitor

import "time"

// threadCPU returns zero: only Linux tells a thread's CPU time here.
func threadCPU() time.Duration { return 0 }

//go:build !unix

package main

import "time"

// processCPU returns zero: the tick trace's CPU column needs a Unix.
func processCPU() time.Duration { return 0 }

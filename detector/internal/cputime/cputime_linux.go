// Package cputime reads the CPU time of the calling OS thread, for the
// benchmarks that lock themselves to a thread and report what their own
// work cost, not the time other processes took the core.
package cputime

import (
	"syscall"
	"time"
	"unsafe"
)

// Thread is the CPU time the calling OS thread has used
// (CLOCK_THREAD_CPUTIME_ID), or 0 if the clock cannot be read.
func Thread() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

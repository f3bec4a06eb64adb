//go:build amd64 && !purego

package autodiff

import "unsafe"

// prefetch issues PREFETCHT0 for each 64-byte line of the n bytes at p
// (prefetch_amd64.s).
//
//go:noescape
func prefetch(p unsafe.Pointer, n int)

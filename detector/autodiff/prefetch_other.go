//go:build !amd64 || purego

package autodiff

import "unsafe"

// prefetch does nothing where there is no prefetch kernel.
func prefetch(p unsafe.Pointer, n int) {}

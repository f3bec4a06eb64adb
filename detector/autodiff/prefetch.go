package autodiff

import "unsafe"

// Prefetch asks the processor to bring the memory of x into its caches
// ahead of use (one PREFETCHT0 per 64-byte line on amd64; nothing on other
// architectures or with the build tag purego). It reads and changes
// nothing, so it cannot change a result, only when the data arrive: a
// caller that is about to compute on state scattered over a large heap
// (the TFT streams of tens of thousands of soldiers) prefetches the next
// batch's state while it computes the current one.
func Prefetch[E any](x []E) {
	if len(x) == 0 {
		return
	}
	prefetch(unsafe.Pointer(unsafe.SliceData(x)), len(x)*int(unsafe.Sizeof(x[0])))
}

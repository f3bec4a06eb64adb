package autodiff_test

import (
	"fmt"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// Prefetch the next block of rows while the current one is summed: the
// result is the same with or without it.
func ExamplePrefetch() {
	x := make([]float64, 4096)
	for i := range x {
		x[i] = 1
	}
	sum := 0.0
	const block = 512
	for lo := 0; lo < len(x); lo += block {
		if next := lo + block; next < len(x) {
			autodiff.Prefetch(x[next:min(next+block, len(x))])
		}
		for _, v := range x[lo : lo+block] {
			sum += v
		}
	}
	fmt.Println(sum)
	// Output: 4096
}

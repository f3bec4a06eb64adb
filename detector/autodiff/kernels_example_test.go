package autodiff_test

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

func ExampleExpSlice() {
	x := []float64{0, 1, -1, math.Ln2, -800, 2}
	y := make([]float64, len(x))
	autodiff.ExpSlice(y, x)
	for i, v := range y {
		fmt.Printf("exp(%.4g) = %.6g (Exp: %v)\n", x[i], v, v == autodiff.Exp(x[i]))
	}
	// Output:
	// exp(0) = 1 (Exp: true)
	// exp(1) = 2.71828 (Exp: true)
	// exp(-1) = 0.367879 (Exp: true)
	// exp(0.6931) = 2 (Exp: true)
	// exp(-800) = 0 (Exp: true)
	// exp(2) = 7.38906 (Exp: true)
}

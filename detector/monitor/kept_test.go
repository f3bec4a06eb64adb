package monitor

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"
	"unsafe"

	"github.com/chakra-tui/chakra-tui/detector"
)

// A kept verdict gives back every field of the verdict it keeps, bit for
// bit: random verdicts (every field set, a field kept forgets shows), and
// explanations whose last values are -0 or NaN.
func TestKeptRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	var k kept
	for i := range 200 {
		x, ok := quick.Value(reflect.TypeFor[detector.Verdict](), r)
		if !ok {
			t.Fatal("quick.Value: no random verdict")
		}
		v := x.Interface().(detector.Verdict)
		ex := &v.Explanation
		switch i % 4 {
		case 0: // a TFT verdict: the arrays used up to their lengths
			ex.NumVars, ex.AttentionLen = 11, 30
			clear(ex.VarWeights[11:])
			clear(ex.Attention[30:])
		case 1: // a baseline's: no explanation
			ex.VarWeights, ex.Attention = [detector.MaxVars]float64{}, [detector.MaxEncoder]float64{}
		case 2:
			ex.VarWeights[detector.MaxVars-1] = math.Copysign(0, -1)
			ex.Attention[detector.MaxEncoder-1] = math.NaN()
		}
		k.keep(&v)
		got := k.verdict()
		if a, b := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", v); a != b {
			t.Fatalf("verdict %d: kept gives back\n%s\nwant\n%s", i, a, b)
		}
		for j := range ex.VarWeights {
			if math.Float64bits(got.Explanation.VarWeights[j]) != math.Float64bits(ex.VarWeights[j]) {
				t.Fatalf("verdict %d: weight %d is %v, want %v", i, j, got.Explanation.VarWeights[j], ex.VarWeights[j])
			}
		}
		for j := range ex.Attention {
			if math.Float64bits(got.Explanation.Attention[j]) != math.Float64bits(ex.Attention[j]) {
				t.Fatalf("verdict %d: attention %d is %v, want %v", i, j, got.Explanation.Attention[j], ex.Attention[j])
			}
		}
	}
}

// The latest verdict of a soldier scored by the TFT (11 selection weights,
// 30 attention values) takes at least 256 bytes less than a whole verdict
// (952 against 1 240 when this was written).
func TestKeptSmaller(t *testing.T) {
	var v detector.Verdict
	v.Explanation.NumVars, v.Explanation.AttentionLen = 11, 30
	for i := range 11 {
		v.Explanation.VarWeights[i] = 0.1
	}
	for i := range 30 {
		v.Explanation.Attention[i] = 1.0 / 30
	}
	var k kept
	k.keep(&v)
	got, whole := unsafe.Sizeof(k)+uintptr(cap(k.weights))*8, unsafe.Sizeof(v)
	if got+256 > whole {
		t.Errorf("a kept TFT verdict takes %d B, a verdict %d B: want at least 256 B less", got, whole)
	}
	t.Logf("kept %d B (%d B of weights), verdict %d B", got, cap(k.weights)*8, whole)
}

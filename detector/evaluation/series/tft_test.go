package series

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// smallTFT is a tiny, fast configuration for tests: 600 rows fit on the
// first 90, refit at rows 180 and 360.
var smallTFT = TFTConfig{EncoderLen: 8, Hidden: 8, Epochs: 3, RefitEpochs: 1, RefitWindow: 200, Seed: 3}

// TestTFTNoLookAhead changes rows from k on, on both sides of the fit and
// refit points, and checks every earlier score is unchanged.
func TestTFTNoLookAhead(t *testing.T) {
	base := mustRead(t, nabCSV(600, 500, 11))
	for _, f := range []Factory{TFTFactory(smallTFT)} {
		want, err := Run(base, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{90, 200} { // the row after the fit; between refits
			changed := mustRead(t, nabCSV(600, 500, 11))
			rng := rand.New(rand.NewPCG(uint64(k), 5))
			for i := k; i < changed.Rows(); i++ {
				changed.Values[0][i] = 50 + 40*rng.NormFloat64()
			}
			got, err := Run(changed, f)
			if err != nil {
				t.Fatal(err)
			}
			for i := range k {
				if got.Score[i] != want.Score[i] || got.Alert[i] != want.Alert[i] {
					t.Fatalf("%s: row %d changed (%v → %v) after changing rows from %d", f.Name, i, want.Score[i], got.Score[i], k)
				}
			}
		}
	}
}

func TestTFTScores(t *testing.T) {
	tab := shiftCSV(t, 600, 450, 520, 12)
	raw := newTFTRaw(smallTFT.withDefaults(), Info{Name: "t", Rows: tab.Rows()})
	var rawAt []float64
	for i := range tab.Rows() {
		r, _ := raw.ObserveRaw(tab.Times[i], tab.Values[0][i], true)
		rawAt = append(rawAt, r)
	}
	if raw.err != nil || len(raw.fits) != 3 {
		t.Fatalf("fits %d, err %v; want the fit at row 90 and refits at 180 and 360", len(raw.fits), raw.err)
	}
	if !(rawAt[450] > 1) {
		t.Errorf("raw score at the shift %v, want well outside the band", rawAt[450])
	}
	s, err := Run(tab, TFTFactory(smallTFT))
	if err != nil {
		t.Fatal(err)
	}
	hit := false
	for i := 450; i < 460; i++ {
		hit = hit || s.Alert[i]
	}
	if !hit {
		t.Errorf("no alert in the first rows of the shift: %v", s.Score[448:460])
	}
	for i, x := range s.Score {
		if !(x >= 0 && x <= 1) {
			t.Fatalf("row %d: score %v", i, x)
		}
	}
}

// TestTFTShortAndGappy covers a file too short to fit (no TFT scores, no
// error) and missing values and gaps after the fit.
func TestTFTShortAndGappy(t *testing.T) {
	short := mustRead(t, nabCSV(40, -1, 1))
	if _, err := Run(short, TFTFactory(smallTFT)); err != nil {
		t.Errorf("short file: %v", err)
	}
	tab := mustRead(t, nabCSV(400, -1, 2))
	for i := 150; i < 160; i++ {
		tab.Values[0][i] = math.NaN()
	}
	for i := 200; i < tab.Rows(); i++ {
		tab.Times[i] = tab.Times[i].Add(6 * time.Hour)
	}
	s, err := Run(tab, TFTFactory(smallTFT))
	if err != nil {
		t.Fatal(err)
	}
	for i := 150; i < 160; i++ {
		if s.Alert[i] {
			t.Errorf("alert on missing row %d", i)
		}
	}
}

package nab

import (
	"math"
	"testing"
)

// TestHalfOfCorpus pins the out-of-sample split of the real corpus (it
// must never move: published figures depend on it) and checks that the two
// halves of a corpus partition its files and add up to its score.
func TestHalfOfCorpus(t *testing.T) {
	labels, files := loadNAB(t)
	var n, w [2]int
	for _, k := range labels.Files() {
		n[HalfOf(k)]++
		w[HalfOf(k)] += len(labels[k])
	}
	if n != [2]int{28, 30} || w != [2]int{50, 66} {
		t.Errorf("halves: %v files, %v windows; want [28 30] and [50 66]", n, w)
	}
	for name, want := range map[string]int{"realKnownCause/nyc_taxi.csv": 1, "realTweets/Twitter_volume_PFE.csv": 0, "artificialNoAnomaly/art_flatline.csv": 1} {
		if got := HalfOf(name); got != want {
			t.Errorf("HalfOf(%s) = %d, want %d", name, got, want)
		}
	}
	c := &Corpus{}
	for i, nf := range files {
		f, err := NewFile(nf.key, nf.times, nf.wins)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Add(f, detectAt(f.Rows, f.Rows/3, f.Rows/2+i%7)); err != nil {
			t.Fatal(err)
		}
	}
	h0, h1 := c.Half(0), c.Half(1)
	if len(h0.files)+len(h1.files) != len(c.files) || h0.NumWindows() != 50 || h1.NumWindows() != 66 {
		t.Fatalf("halves hold %d+%d files, %d+%d windows", len(h0.files), len(h1.files), h0.NumWindows(), h1.NumWindows())
	}
	for _, p := range Profiles() {
		all, a, b := c.ScoreAt(p, 0.5).Total.Raw, h0.ScoreAt(p, 0.5).Total.Raw, h1.ScoreAt(p, 0.5).Total.Raw
		if math.Abs(all-a-b) > 1e-9 {
			t.Errorf("%s: corpus raw %v, halves %v + %v", p.Name, all, a, b)
		}
	}
}

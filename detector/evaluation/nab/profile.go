package nab

import "math"

// Profile is an application profile: the weights NAB gives to a detected
// window (A_TP), to each false positive (A_FP) and to a missed window
// (A_FN). All three are positive; the rules apply the signs.
type Profile struct {
	Name string  `json:"name"`
	TP   float64 `json:"a_tp"`
	FP   float64 `json:"a_fp"`
	FN   float64 `json:"a_fn"`
}

// NAB's three application profiles (config/profiles.json).
var (
	// Standard weighs a missed window like a detected one, and a false
	// positive at 0.11 of either.
	Standard = Profile{Name: "standard", TP: 1, FP: 0.11, FN: 1}
	// RewardLowFP doubles the cost of each false positive.
	RewardLowFP = Profile{Name: "reward_low_FP_rate", TP: 1, FP: 0.22, FN: 1}
	// RewardLowFN doubles the cost of a missed window.
	RewardLowFN = Profile{Name: "reward_low_FN_rate", TP: 1, FP: 0.11, FN: 2}
)

// Profiles returns NAB's three profiles in the order NAB reports them.
func Profiles() []Profile { return []Profile{Standard, RewardLowFP, RewardLowFN} }

// Null is the raw score of a detector that never fires on a corpus with
// the given number of windows: every window missed.
func (p Profile) Null(windows int) float64 { return -float64(windows) * p.FN }

// Perfect is the raw score of a detector that fires exactly at the first
// row of every window and nowhere else.
func (p Profile) Perfect(windows int) float64 { return float64(windows) * p.TP }

// Normalise maps a raw score onto NAB's 0..100 scale, where the null
// detector scores 0 and the perfect one 100. It returns NaN when there are
// no windows (the scale is undefined).
func (p Profile) Normalise(raw float64, windows int) float64 {
	if windows == 0 {
		return math.NaN()
	}
	null, perfect := p.Null(windows), p.Perfect(windows)
	return 100 * (raw - null) / (perfect - null)
}

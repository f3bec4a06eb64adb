// Package nab scores anomaly detectors by the rules of the Numenta Anomaly
// Benchmark (NAB v1.1): labelled anomaly windows, a probationary period,
// sigmoid-weighted rewards and costs, three application profiles, a
// corpus-wide threshold sweep and normalisation against the null and perfect
// detectors.
//
// Data flow: LoadLabels reads combined_windows.json into Labels; NewFile maps
// one data file's windows from timestamps to row ranges; a Corpus collects
// every file with its per-row anomaly scores; Corpus.ScoreAt scores the
// corpus at a fixed threshold (a row is a detection when its score is at or
// above it) and Corpus.Optimise sweeps every distinct score for the best
// one. Results are raw (the weighted sum) and normalised to 0..100:
//
//	normalised = 100 · (S − S_null) / (S_perfect − S_null)
//	S_perfect  = windows · A_TP,   S_null = −windows · A_FN
//
// The rules, in rows (not time):
//
//   - Probation: the first min(⌊0.15·N⌋, 750) rows of a file of N rows are
//     neither rewarded nor penalised.
//   - σ(y) = 2/(1+e^{5y}) − 1, and σ(y) = −1 for y ≥ 3.
//   - Inside a window [l, r] of W = r−l+1 rows, a detection at row i has
//     y = −(r−i+1)/W and is worth A_TP·σ(y)/σ(−1); only the best (earliest)
//     detection of a window counts. A window with no detection costs −A_FN.
//   - A detection outside every window is a false positive and each one
//     counts: A_FP·σ((i−r')/(W'−1)) after a window [l', r'] of W' rows, and
//     −A_FP before the first window.
//
// The threshold the sweep finds is tuned on the very data it scores
// (in-sample), as NAB does; Result says which kind of threshold it used.
package nab

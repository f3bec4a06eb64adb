package nab

import "hash/fnv"

// HalfOf returns the half (0 or 1) a file belongs to in the out-of-sample
// protocol: the low bit of the 32-bit FNV-1a hash of its name (the labels'
// key, e.g. "realKnownCause/nyc_taxi.csv"). It is fixed by the name alone,
// so every detector, seed and setting sees the same split.
func HalfOf(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() & 1)
}

// Subset returns a corpus holding the files of c for which keep(name) is
// true, with the same scores (not copied).
func (c *Corpus) Subset(keep func(name string) bool) *Corpus {
	out := &Corpus{}
	for i, f := range c.files {
		if keep(f.Name) {
			out.files = append(out.files, f)
			out.scores = append(out.scores, c.scores[i])
		}
	}
	return out
}

// Half returns the files of c in half h (HalfOf).
func (c *Corpus) Half(h int) *Corpus {
	return c.Subset(func(name string) bool { return HalfOf(name) == h })
}

//go:build race

package detector

// raceEnabled: the race detector slows the TFT tens of times; long
// real-data runs shorten under it.
const raceEnabled = true

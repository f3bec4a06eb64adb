package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"testing"
	"time"
)

// hashFrames feeds every field of the frames and the profiles a scorer is
// given into a SHA-256.
func hashFrames(h hash.Hash, frames []Frame, profiles []Profile) {
	var b [8]byte
	u := func(x uint64) { binary.LittleEndian.PutUint64(b[:], x); h.Write(b[:]) }
	fl := func(x float64) { u(math.Float64bits(x)) }
	for _, p := range profiles {
		u(uint64(p.ID))
		u(uint64(p.Squad))
		u(uint64(p.Fitness))
		for _, x := range []float64{p.Age, p.RestingHR, p.HRMax, p.Mass, p.Acclimatised, p.BaseCoreTemp} {
			fl(x)
		}
	}
	for _, f := range frames {
		u(uint64(f.T))
		u(uint64(f.Time.UnixNano()))
		for _, o := range f.Obs {
			u(uint64(o.Soldier))
			u(uint64(o.T))
			for _, x := range o.Values {
				if math.IsNaN(x) {
					x = math.NaN() // one NaN pattern
				}
				fl(x)
			}
			u(uint64(o.Missing))
			u(uint64(o.Phase))
			u(uint64(o.NextPhase))
			fl(o.Ambient)
		}
		for _, l := range f.Truth {
			u(uint64(l.Soldier))
			u(uint64(l.Start))
			u(uint64(l.End))
			u(uint64(l.Kind))
		}
	}
}

// TestCleanWorldMatchesMain pins the clean world to the frames main produced
// before the sensor world existed (hashes computed on main at a43b80d): the
// clean preset must stay today's world byte for byte.
func TestCleanWorldMatchesMain(t *testing.T) {
	cases := []struct {
		name string
		cfg  func() Config
		want string
	}{
		{"default 40 soldiers 1h seed 1", func() Config { return worldConfig(40, time.Hour, 1, CleanWorld()) }, "81e10aa938d51cdd07b3c73d2abe6f6d960f142ebadff0936c69ff3329156665"},
		{"poison 0.2 artefacts 6 seed 11", func() Config {
			c := worldConfig(30, 90*time.Minute, 11, CleanWorld())
			c.PoisonRate, c.ArtefactRate = 0.2, 6
			return c
		}, "6e9593fa984c24940440ff9cbd1c9e20a365df0c8464b6bc16c85495c8f6bf5e"},
		{"tick 2s ambient 32 seed 5", func() Config {
			c := worldConfig(25, time.Hour, 5, CleanWorld())
			c.Tick, c.AmbientMean = 2*time.Second, 32
			return c
		}, "9b29e60afea07b25467197e474dcf43b67bcef09c1a091f7017bcfd75ce63954"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frames, s := runAll(t, tc.cfg())
			h := sha256.New()
			hashFrames(h, frames, s.Profiles())
			got := hex.EncodeToString(h.Sum(nil))
			if got != tc.want {
				t.Errorf("clean world frames hash %s, want %s (main's)", got, tc.want)
			}
		})
	}
}

package redis

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

func TestRowPacking(t *testing.T) {
	g := storetest.NewGen(30)
	for i := range 50 {
		o := g.Obs(engine.SoldierID(i+1), int64(i)*1e9-7)
		b := appendRow(nil, &o)
		if len(b) != rowSize {
			t.Fatalf("packed row of %d bytes", len(b))
		}
		var back engine.Observation
		decodeRow(b, o.Soldier, &back)
		if !storetest.SameObs(back, o) {
			t.Fatalf("round trip %+v → %+v", o, back)
		}
	}
}

func TestProfilePacking(t *testing.T) {
	for _, p := range storetest.NewGen(31).Profiles(10) {
		p.Squad = -3 // signed fields survive
		back, err := decodeProfile(appendProfile(nil, &p))
		if err != nil || back != p {
			t.Fatalf("round trip %+v → %+v, %v", p, back, err)
		}
	}
}

// FuzzDecodeProfile: bytes from Redis are outside input.
func FuzzDecodeProfile(f *testing.F) {
	p := engine.DefaultProfile(7)
	f.Add(appendProfile(nil, &p))
	f.Add([]byte{})
	f.Add(make([]byte, profileSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeProfile(b)
		if err != nil {
			if !errors.Is(err, featurestore.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if again := appendProfile(nil, &p); string(again) != string(b) {
			t.Fatalf("decode/encode changed the bytes")
		}
	})
}

// FuzzParseGroupHeader: a window reply from Redis is outside input; a bad
// one must give ErrCorrupt, never a panic or an out-of-range slice.
func FuzzParseGroupHeader(f *testing.F) {
	good := func(x ...float64) []byte {
		var b []byte
		for _, v := range x {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(good(3, 0, 0, 0, 0, 0, 0, 0, 0), 0)
	f.Add(good(1, 5, 10, 3, 1, 1e12, 256, 0, 51), rowSize)
	f.Add(good(2, 5, 10, 3, 3, 1e12, 256, 0, 102), 6*rowSize)
	f.Add(good(math.NaN(), 1, 1, 1, 1, 1, 1, 1, 1), 100)
	f.Fuzz(func(t *testing.T, b []byte, dataLen int) {
		size, h, err := parseGroupHeader(b)
		if err != nil {
			if !errors.Is(err, featurestore.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if size < 1 || h.count > h.k || h.k > h.cap || (h.epoch != 0 && uint64(h.k) > h.seq) || (h.epoch == 0 && h.k != 0) {
			t.Fatalf("accepted inconsistent header %d×%+v", size, h)
		}
		data := make([]byte, max(0, min(dataLen, 1<<16)))
		for p := range size {
			hp := h
			hp.off += p * rowSize
			if hp.fits(len(data)) {
				for i := range hp.count {
					var o engine.Observation
					decodeRow(hp.row(data, i), 1, &o)
				}
			}
		}
	})
}

package redis

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Binary layouts shared by the Redis store and its Lua scripts. All numbers
// are little-endian.
//
// A row (rowSize bytes):
//
//	0   int64    T
//	8   float64  heart rate, stamina, core temperature, SpO2 (NaN if missing)
//	40  float64  ambient
//	48  uint8    missing mask
//	49  uint8    phase
//	50  uint8    next phase
//
// A profile (profileSize bytes): version byte 1, int32 ID, int32 squad,
// uint8 fitness, then float64 age, resting HR, HR max, mass, acclimatisation,
// resting core temperature.
const (
	rowSize     = 51
	profileSize = 1 + 4 + 4 + 1 + 6*8
	// groupHeaderSize is the header of one group of soldiers in a window
	// reply: float64 soldiers in the group, epoch, last sequence number,
	// window length k, rows in the reply, last write (server ms), capacity,
	// offset and stride of the rows.
	groupHeaderSize = 72
)

// appendRow appends the packed form of o to b.
func appendRow(b []byte, o *engine.Observation) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(o.T))
	for _, x := range o.Values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(o.Ambient))
	ph := byte(o.Phase)
	if o.PhaseGuessed {
		ph |= phaseGuessedBit
	}
	return append(b, byte(o.Missing), ph, byte(o.NextPhase))
}

// phaseGuessedBit marks, in a packed row's phase byte, an observation
// whose phase was guessed (engine.Observation.PhaseGuessed); phases are
// numbered far below it.
const phaseGuessedBit = 0x80

// decodeRow unpacks one row of soldier id; b holds at least rowSize bytes.
func decodeRow(b []byte, id engine.SoldierID, o *engine.Observation) {
	_ = b[rowSize-1]
	o.Soldier = id
	o.T = int64(binary.LittleEndian.Uint64(b))
	for v := range o.Values {
		o.Values[v] = math.Float64frombits(binary.LittleEndian.Uint64(b[8+8*v:]))
	}
	o.Ambient = math.Float64frombits(binary.LittleEndian.Uint64(b[40:]))
	o.Missing = engine.Mask(b[48])
	o.Phase = engine.Phase(b[49] &^ phaseGuessedBit)
	o.PhaseGuessed = b[49]&phaseGuessedBit != 0
	o.NextPhase = engine.Phase(b[50])
}

// appendProfile appends the packed form of p to b.
func appendProfile(b []byte, p *engine.Profile) []byte {
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(p.ID))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(p.Squad)))
	b = append(b, byte(p.Fitness))
	for _, x := range [...]float64{p.Age, p.RestingHR, p.HRMax, p.Mass, p.Acclimatised, p.BaseCoreTemp} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// decodeProfile unpacks a profile stored by appendProfile.
func decodeProfile(b []byte) (engine.Profile, error) {
	if len(b) != profileSize || b[0] != 1 {
		return engine.Profile{}, fmt.Errorf("profile of %d bytes, version %d: %w", len(b), firstByte(b), featurestore.ErrCorrupt)
	}
	f := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[10+8*i:])) }
	p := engine.Profile{
		ID:      engine.SoldierID(int32(binary.LittleEndian.Uint32(b[1:]))),
		Squad:   int(int32(binary.LittleEndian.Uint32(b[5:]))),
		Fitness: engine.FitnessClass(b[9]),
		Age:     f(0), RestingHR: f(1), HRMax: f(2), Mass: f(3), Acclimatised: f(4), BaseCoreTemp: f(5),
	}
	if p.Fitness >= engine.NumFitness {
		return engine.Profile{}, fmt.Errorf("profile of soldier %d: fitness class %d: %w", p.ID, p.Fitness, featurestore.ErrCorrupt)
	}
	return p, nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// windowHeader is the per-soldier header of a window reply from Redis.
type windowHeader struct {
	epoch  uint64  // incarnation of the soldier's ring; 0: no live rows
	seq    uint64  // sequence number of the soldier's newest row
	k      int     // window length Redis settled on: min(n, capacity, seq)
	count  int     // rows that follow: seq−count+1 … seq
	seen   float64 // server time of the soldier's last write, ms
	cap    int     // the soldier's ring capacity in Redis
	off    int     // byte offset of the first row in the reply's row data
	stride int     // bytes from one of the soldier's rows to the next
}

// fits reports whether the header's rows lie within n bytes of row data.
func (h *windowHeader) fits(n int) bool {
	return h.count == 0 || (h.off >= 0 && h.stride >= rowSize && h.off+(h.count-1)*h.stride+rowSize <= n)
}

// row returns the header's i-th row in data; fits must hold.
func (h *windowHeader) row(data []byte, i int) []byte {
	return data[h.off+i*h.stride:][:rowSize]
}

// maxExact is the largest integer every float64 below it represents exactly.
const maxExact = 1 << 53

// readDoubles decodes len(x) little-endian doubles from b, each a whole
// number in [0, 2^53).
func readDoubles(b []byte, x []float64) error {
	if len(b) < 8*len(x) {
		return fmt.Errorf("reply truncated at %d bytes, want %d: %w", len(b), 8*len(x), featurestore.ErrCorrupt)
	}
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		if !(x[i] >= 0 && x[i] < maxExact) || x[i] != math.Trunc(x[i]) {
			return fmt.Errorf("reply field %d is %g: %w", i, x[i], featurestore.ErrCorrupt)
		}
	}
	return nil
}

// parseGroupHeader decodes one group header of a window reply (b holds at
// least groupHeaderSize bytes) and checks it for consistency. h describes
// the group's first soldier; the p-th has its rows p·rowSize further on.
func parseGroupHeader(b []byte) (size int, h windowHeader, err error) {
	var x [groupHeaderSize / 8]float64
	if err := readDoubles(b, x[:]); err != nil {
		return 0, h, fmt.Errorf("group header: %w", err)
	}
	size = int(min(x[0], 1<<20))
	h = windowHeader{epoch: uint64(x[1]), seq: uint64(x[2]), k: int(min(x[3], 1<<20)), count: int(min(x[4], 1<<20)),
		seen: x[5], cap: int(min(x[6], 1<<20)), off: int(min(x[7], 1<<40)), stride: int(min(x[8], 1<<40))}
	switch {
	case size < 1 || size > blockSize,
		h.epoch == 0 && (h.seq != 0 || h.k != 0 || h.count != 0 || h.cap != 0),
		h.epoch != 0 && (h.k < 1 || h.cap < 1 || h.cap > 1<<16 || h.k > h.cap || uint64(h.k) > h.seq || h.count > h.k),
		h.count > 0 && h.stride != size*rowSize:
		return 0, h, fmt.Errorf("group header %d×%+v inconsistent: %w", size, h, featurestore.ErrCorrupt)
	}
	return size, h, nil
}

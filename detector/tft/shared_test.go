package tft

import (
	"math/rand/v2"
	"testing"
)

// occlusions returns base followed by the windows an attribution forecasts:
// each encoder variable held at its oldest value, then each block of three
// steps replaced by the row before it, then one window with other static
// values and one with a fresh random row.
func occlusions(c *Config, base Input, rng *rand.Rand) []Input {
	T, V := c.EncoderLen, len(c.Encoder)
	ins := []Input{base}
	for v := range V {
		e := append([]float64(nil), base.Encoder...)
		for k := range T {
			e[k*V+v] = base.Encoder[v]
		}
		ins = append(ins, Input{Static: base.Static, Encoder: e, Decoder: base.Decoder})
	}
	for k0 := 0; k0 < T; k0 += 3 {
		e := append([]float64(nil), base.Encoder...)
		src := base.Encoder[max(k0-1, 0)*V : (max(k0-1, 0)+1)*V]
		for k := k0; k < min(k0+3, T); k++ {
			copy(e[k*V:(k+1)*V], src)
		}
		ins = append(ins, Input{Static: base.Static, Encoder: e, Decoder: base.Decoder})
	}
	other := randomExample(c, rng)
	ins = append(ins, Input{Static: other.Static, Encoder: base.Encoder, Decoder: base.Decoder})
	e := append([]float64(nil), base.Encoder...)
	copy(e[(T/2)*V:(T/2+1)*V], other.Encoder[:V])
	return append(ins, Input{Static: base.Static, Encoder: e, Decoder: base.Decoder})
}

// TestForecastSharedMatchesBatch: ForecastShared gives ForecastBatch's
// forecasts bit for bit on occlusion batches of every size around the
// chunk boundaries, from windows with and without repeated rows.
func TestForecastSharedMatchesBatch(t *testing.T) {
	cfgs := testConfigs()
	big := benchConfig()
	big.Hidden, big.Heads, big.EncoderLen = 16, 2, 30
	cfgs["bench"] = big
	for name, c := range cfgs {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 9)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, 5))
			ser := randomSeries(&m.cfg, 2*m.cfg.EncoderLen, rng)
			// Repeated rows in the base window too (a stuck reading).
			copy(ser.rows[m.cfg.EncoderLen+2], ser.rows[m.cfg.EncoderLen+1])
			ws, wsBatch := m.NewWorkspace(), m.NewWorkspace()
			for _, tick := range []int{m.cfg.EncoderLen - 1, 2*m.cfg.EncoderLen - 1} {
				all := occlusions(&m.cfg, ser.window(&m.cfg, tick), rng)
				for len(all) <= 2*sharedChunkWindows { // several chunks
					all = append(all, all[1:]...)
				}
				for _, n := range []int{1, 2, chunkWindows, sharedChunkWindows, sharedChunkWindows + 1, 2 * sharedChunkWindows, len(all)} {
					ins := all[:min(n, len(all))]
					got, want := m.NewForecasts(len(ins)), m.NewForecasts(len(ins))
					if err := m.ForecastShared(ws, ins, got); err != nil {
						t.Fatal(err)
					}
					if err := m.ForecastBatch(wsBatch, ins, want); err != nil {
						t.Fatal(err)
					}
					for i := range ins {
						compareForecasts(t, "shared", &got[i], &want[i], 0)
					}
				}
			}
		})
	}
}

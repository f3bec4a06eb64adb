package tft

// Cost counts the multiply-adds (the products in matrix and vector
// products, which dominate the work) of one forecast on the inference path.
type Cost struct {
	// Window is a full window through Forecast or ForecastBatch.
	Window int
	// StreamStep is one Stream forecast after one Push: the variable
	// selection of the newest row, the decoder rows and everything after
	// the variable selection.
	StreamStep int
}

// Cost returns the multiply-adds per forecast of m.
func (m *Model) Cost() Cost {
	c := &m.cfg
	H, Te, Td, T := c.Hidden, c.EncoderLen, c.DecoderLen, c.Steps()
	dk := H / c.Heads
	vsnRow := func(f *foldedVSN) int {
		n := 0
		for _, v := range f.vars {
			if !v.cat {
				n += f.d + f.d*2*H + H
				if f.n > 1 {
					n += f.hf + f.n
				}
			}
		}
		if f.n > 1 {
			n += f.hf*2*f.n + f.n*H
		}
		return n
	}
	grn := 3 * H * H // fc1, then fc2 and the GLU layer folded into one H → 2H map
	encRow := vsnRow(&m.fold.enc) + 4*H*H
	decRow := 4 * H * H
	if len(c.Decoder) > 0 {
		decRow += vsnRow(&m.fold.dec)
	}
	static := 4*grn + (m.fold.enc.hf+m.fold.dec.hf)*H + H*H
	if len(c.Static) > 0 {
		static += vsnRow(&m.fold.static)
	}
	core := T*H*4*H + // LSTM recurrences
		T*(2*H*H+grn+H*dk) + // gated skip, enrichment, V
		Td*(H*H+H*H+c.Heads*T*H+T*dk+dk*H+2*H*H+grn+2*H*H+H*c.Outputs()) // Q, W_k·q, scores, attention, tail, head
	return Cost{
		Window:     static + Te*encRow + Td*decRow + core,
		StreamStep: encRow + Td*decRow + core,
	}
}

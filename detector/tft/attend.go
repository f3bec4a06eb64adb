package tft

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// Inference computes the attention scores without projecting the keys:
// q_h·k_{p,h} = q_h·(e_p·W_k,h + b_k,h) = e_p·(W_k,h·q_h) + b_k,h·q_h,
// where e_p is the enriched vector of position p. For a decoder of one step
// this needs H·Heads multiply-adds per position instead of H·H for the key
// projection. (The tape computes keys as the formula reads; both agree to
// rounding.)

// foldedAttention holds the key weights rearranged for that trick.
type foldedAttention struct {
	wkT []float64 // [Heads × Dk × H]: row c of head h is column h·Dk+c of W_k
	bk  []float64 // [H]
}

func (m *Model) foldAttention() foldedAttention {
	H, heads := m.cfg.Hidden, m.cfg.Heads
	dk := H / heads
	wk := m.sl(m.lay.k.w, H*H)
	f := foldedAttention{wkT: make([]float64, H*H), bk: m.sl(m.lay.k.b, H)}
	for h := range heads {
		for c := range dk {
			row := f.wkT[(h*dk+c)*H : (h*dk+c+1)*H]
			for i := range H {
				row[i] = wk[i*H+h*dk+c]
			}
		}
	}
	return f
}

// attend computes, for each decoder row of a chunk of B windows, the
// head-mean attention w.avg and its output w.att from the queries w.q, the
// enriched positions w.enriched and the values w.v.
func (m *Model) attend(w *work, B int) {
	c := &m.cfg
	H, heads, Te, Td := c.Hidden, c.Heads, c.EncoderLen, c.DecoderLen
	T := Te + Td
	dk := H / heads
	fa := &m.fold.attn
	scale := 1 / math.Sqrt(float64(dk))
	invH := 1 / float64(heads)
	U := w.u[:H*heads] // column h = W_k,h·q_h
	uh := w.uh[:H]     // one column
	S := w.s[:T*heads] // scores [T × heads]
	for i := range Td {
		last := Te + i
		for b := range B {
			r := i*B + b
			q := w.q[r*H : (r+1)*H]
			cb := w.cb[:heads]
			for h := range heads {
				qh := q[h*dk : (h+1)*dk]
				clear(uh)
				autodiff.MatVecAcc(uh, qh, fa.wkT[h*dk*H:(h+1)*dk*H])
				for k, v := range uh {
					U[k*heads+h] = v
				}
				s := 0.0
				for k, v := range qh {
					s += fa.bk[h*dk+k] * v
				}
				cb[h] = s
			}
			n := last + 1
			for p := range n {
				copy(S[p*heads:(p+1)*heads], cb)
			}
			autodiff.MatMulAccStrided(S, heads, w.enriched[b*H:], B*H, U, n, H, heads)
			ar := w.avg[r*T : (r+1)*T]
			clear(ar)
			// Each head's softmax over the positions: S − max, then the
			// exponentials of all heads in one vector pass.
			for h := range heads {
				mx := math.Inf(-1)
				for p := range n {
					v := S[p*heads+h] * scale
					S[p*heads+h] = v
					mx = max(mx, v)
				}
				for p := range n {
					S[p*heads+h] -= mx
				}
			}
			autodiff.ExpSlice(S[:n*heads], S[:n*heads])
			for h := range heads {
				sum := 0.0
				for p := range n {
					sum += S[p*heads+h]
				}
				k := invH / sum
				for p := range n {
					ar[p] += S[p*heads+h] * k
				}
			}
			or := w.att[r*dk : (r+1)*dk]
			clear(or)
			for p := range n {
				a := ar[p]
				vr := w.v[(p*B+b)*dk : (p*B+b+1)*dk]
				for k := range or {
					or[k] += a * vr[k]
				}
			}
		}
	}
}

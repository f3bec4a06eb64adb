package autodiff

import "math"

// AttentionShape describes an interpretable multi-head attention over a
// batch of B sequences of T = Te + Td positions, stored time-major (the row
// of position p of sequence b is p·B + b). The queries are the Td decoder
// positions; query i (at position Te+i) may look at positions 0…Te+i.
// Each head has Dk query/key dimensions; the value projection, of width Dv,
// is shared by all heads.
type AttentionShape struct {
	B, Te, Td int
	Heads, Dk int
	Dv        int
}

// T is Te + Td.
func (s AttentionShape) T() int { return s.Te + s.Td }

// AttentionForward computes, for each query row (i·B + b), the per-head
// attention probabilities softmax(q_h·k_hᵀ/√Dk) under the causal mask, their
// mean over heads avg, and out = avg·V. q is [Td·B × Heads·Dk], k is
// [T·B × Heads·Dk], v is [T·B × Dv]; probs is [Td·B·Heads × T] (may be nil
// when no backward pass follows; then scratch of length T is used per head),
// avg is [Td·B × T], out is [Td·B × Dv]. Masked positions get 0.
func AttentionForward(out, avg, probs, scratch, q, k, v []float64, s AttentionShape) {
	T := s.T()
	hk := s.Heads * s.Dk
	scale := 1 / math.Sqrt(float64(s.Dk))
	invH := 1 / float64(s.Heads)
	for i := range s.Td {
		last := s.Te + i // last visible position
		for b := range s.B {
			row := i*s.B + b
			qr := q[row*hk : row*hk+hk]
			ar := avg[row*T : row*T+T]
			clear(ar)
			for h := range s.Heads {
				var pr []float64
				if probs != nil {
					pr = probs[(row*s.Heads+h)*T : (row*s.Heads+h)*T+T]
				} else {
					pr = scratch[:T]
				}
				qh := qr[h*s.Dk : h*s.Dk+s.Dk]
				mx := math.Inf(-1)
				for p := 0; p <= last; p++ {
					kr := k[(p*s.B+b)*hk+h*s.Dk : (p*s.B+b)*hk+h*s.Dk+s.Dk]
					d := 0.0
					for c, x := range qh {
						d += x * kr[c]
					}
					d *= scale
					pr[p] = d
					if d > mx {
						mx = d
					}
				}
				sum := 0.0
				for p := 0; p <= last; p++ {
					e := expScale(expParts(max(pr[p]-mx, -700)))
					pr[p] = e
					sum += e
				}
				is := 1 / sum
				for p := 0; p <= last; p++ {
					pr[p] *= is
					ar[p] += pr[p] * invH
				}
				clear(pr[last+1:])
			}
			or := out[row*s.Dv : row*s.Dv+s.Dv]
			clear(or)
			for p := 0; p <= last; p++ {
				a := ar[p]
				vr := v[(p*s.B+b)*s.Dv : (p*s.B+b)*s.Dv+s.Dv]
				for c := range or {
					or[c] += a * vr[c]
				}
			}
		}
	}
}

// AttentionBackward adds the gradients of AttentionForward to dq, dk and
// dv, from dout and the saved probs and avg. scratch needs length T.
func AttentionBackward(dq, dk, dv, dout, q, k, v, probs, avg, scratch []float64, s AttentionShape) {
	T := s.T()
	hk := s.Heads * s.Dk
	scale := 1 / math.Sqrt(float64(s.Dk))
	invH := 1 / float64(s.Heads)
	davg := scratch[:T]
	for i := range s.Td {
		last := s.Te + i
		for b := range s.B {
			row := i*s.B + b
			g := dout[row*s.Dv : row*s.Dv+s.Dv]
			ar := avg[row*T : row*T+T]
			for p := 0; p <= last; p++ {
				vr := v[(p*s.B+b)*s.Dv : (p*s.B+b)*s.Dv+s.Dv]
				dvr := dv[(p*s.B+b)*s.Dv : (p*s.B+b)*s.Dv+s.Dv]
				d := 0.0
				a := ar[p]
				for c, gc := range g {
					d += gc * vr[c]
					dvr[c] += a * gc
				}
				davg[p] = d * invH
			}
			qr := q[row*hk : row*hk+hk]
			dqr := dq[row*hk : row*hk+hk]
			for h := range s.Heads {
				pr := probs[(row*s.Heads+h)*T : (row*s.Heads+h)*T+T]
				dot := 0.0
				for p := 0; p <= last; p++ {
					dot += pr[p] * davg[p]
				}
				qh := qr[h*s.Dk : h*s.Dk+s.Dk]
				dqh := dqr[h*s.Dk : h*s.Dk+s.Dk]
				for p := 0; p <= last; p++ {
					ds := pr[p] * (davg[p] - dot) * scale
					if ds == 0 {
						continue
					}
					off := (p*s.B+b)*hk + h*s.Dk
					kr := k[off : off+s.Dk]
					dkr := dk[off : off+s.Dk]
					for c := range qh {
						dqh[c] += ds * kr[c]
						dkr[c] += ds * qh[c]
					}
				}
			}
		}
	}
}

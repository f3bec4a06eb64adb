package session

import (
	"errors"
	"testing"
)

// FuzzDecodeVerdicts feeds arbitrary payloads to the decoder: it must never
// panic, must fail only with ErrCorrupt or ErrVersion, and whatever it
// accepts must encode and decode back to the same verdicts.
func FuzzDecodeVerdicts(f *testing.F) {
	fr, vs := synthetic()
	f.Add(appendVerdicts(nil, &fr, vs, true))
	f.Add(appendVerdicts(nil, &fr, vs, false))
	f.Add([]byte(`[1,[0,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0]]]`))
	f.Add([]byte(`[2]`))
	f.Add(appendVerdictsVersion(nil, &fr, vs, true, 1))
	f.Add([]byte(`[2,[0,0,2,1,0,[[0,0],[0,0],[0,0],[0,0]],[],[0],[3,40,1,1,0,0,0,0,171,124,118,131,3.1,12,["q98",131,3,40.5,["a"],[0.5],[1,2]]]]]`))
	f.Add([]byte(`[3,[0,0,2,1,0,[[0,0],[0,0],[0,0],[0,0]],[],[0],[3,40,1,1,0,0,0,0,171,124,118,131,3.1,12,4,-1.25,["q98",131,3,40.5,["a"],[0.5],[1,2]]],4]]`))
	f.Add([]byte(`[3,[0,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0],1]]`))
	f.Add([]byte(`[1,[0,0,0,0,1e999,[[31,1,2,3,4,5,6,7,8],[0,0],[0,0],[0,0]],[[5,3,6,-1]],[1,["a\u00e9"],[0.5],[]]]]`))
	f.Fuzz(func(t *testing.T, p []byte) {
		fr, _ := synthetic()
		got, err := decodeVerdicts(p, &fr, names{}, nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		if err := checkVerdicts(&fr, got); err != nil {
			t.Fatalf("decoded verdicts fail the writer's check: %v", err)
		}
		again, err := decodeVerdicts(appendVerdicts(nil, &fr, got, true), &fr, names{}, nil)
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		for i := range got {
			want := Rounded(got[i], true)
			if d := verdictDiff(&want, &again[i]); d != "" {
				t.Fatal(d)
			}
		}
	})
}

package engine

import "testing"

// FuzzParseMix: --mix comes from the command line and the environment. Any
// string either parses into a valid mix that formats and parses back to
// itself, or gives an ErrInvalidConfig; it never panics.
func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"", "tachycardia=2,dropout=1", "stuck", "heat_strain=0.5, stamina_crash = 3",
		"artefact=1", "tachycardia=1,tachycardia=2", "dropout=NaN", "bradycardia=-1", "=,", "dropout=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMix(s)
		if err != nil {
			return
		}
		if err := m.validate(); err != nil {
			t.Fatalf("ParseMix(%q) returned an invalid mix: %v", s, err)
		}
		back, err := ParseMix(m.String())
		if err != nil {
			t.Fatalf("ParseMix(%q).String() = %q does not parse: %v", s, m.String(), err)
		}
		if back != m {
			t.Fatalf("round trip of %q: %v, then %v", s, m, back)
		}
	})
}

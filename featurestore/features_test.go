package featurestore

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

func TestFeatureTable(t *testing.T) {
	fs := Features()
	seen := map[string]bool{}
	for i, f := range fs {
		if seen[f.Name] {
			t.Errorf("feature %q defined twice", f.Name)
		}
		seen[f.Name] = true
		if !(f.Min < f.Max) || f.Unit == "" || f.Doc == "" {
			t.Errorf("feature %+v incomplete", f)
		}
		if i < engine.NumVitals && (f.Name != engine.Vital(i).String() || f.Kind != Observed) {
			t.Errorf("feature %d is %q, want vital %v", i, f.Name, engine.Vital(i))
		}
	}
	for _, name := range []string{"phase", "next_phase", "ambient", "time_of_day", "age", "psi", "delta_heart_rate", "std_spo2"} {
		if _, ok := FeatureByName(name); !ok {
			t.Errorf("feature %q missing", name)
		}
	}
	fs[0].Max = -1 // a copy: the table must not change
	if VitalFeature(engine.HeartRate).Max != 300 {
		t.Fatal("Features returned the table itself")
	}
}

func TestValid(t *testing.T) {
	for _, c := range []struct {
		v    engine.Vital
		x    float64
		want error
	}{
		{engine.HeartRate, 190, nil},
		{engine.HeartRate, 0, nil},
		{engine.HeartRate, -1, ErrOutOfRange},
		{engine.HeartRate, 301, ErrOutOfRange},
		{engine.Stamina, 100, nil},
		{engine.Stamina, 100.5, ErrOutOfRange},
		{engine.CoreTemp, 37, nil},
		{engine.CoreTemp, 98.6, ErrOutOfRange}, // Fahrenheit
		{engine.SpO2, 104, ErrOutOfRange},
		{engine.SpO2, math.NaN(), ErrOutOfRange},
		{engine.SpO2, math.Inf(1), ErrOutOfRange},
		{engine.Vital(7), 1, ErrInvalid},
	} {
		err := Valid(c.v, c.x)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Valid(%v, %g) = %v; want %v", c.v, c.x, err, c.want)
		}
		var re *RangeError
		if c.want == ErrOutOfRange && (!errors.As(err, &re) || re.Feature != c.v.String()) {
			t.Errorf("Valid(%v, %g): no *RangeError", c.v, c.x)
		}
	}
}

func TestValidateObservation(t *testing.T) {
	good := engine.Observation{Soldier: 1, T: 5, Values: [4]float64{80, 90, 37, 98}, Ambient: 20}
	good.SetMissing(engine.SpO2)
	if err := ValidateObservation(&good); err != nil {
		t.Fatalf("good observation: %v", err)
	}
	for name, mutate := range map[string]func(o *engine.Observation){
		"missing but valued":   func(o *engine.Observation) { o.Values[engine.SpO2] = 97 },
		"NaN without bit":      func(o *engine.Observation) { o.Values[engine.HeartRate] = math.NaN() },
		"impossible reading":   func(o *engine.Observation) { o.Values[engine.Stamina] = -3 },
		"unknown phase":        func(o *engine.Observation) { o.NextPhase = 9 },
		"ambient out of range": func(o *engine.Observation) { o.Ambient = 80 },
		"tick too large":       func(o *engine.Observation) { o.T = 1 << 60 },
	} {
		o := good
		mutate(&o)
		if err := ValidateObservation(&o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDerive(t *testing.T) {
	p := engine.Profile{RestingHR: 60, BaseCoreTemp: 37}
	rows := []engine.Observation{
		{T: 0, Values: [4]float64{60, 100, 37.0, 98}},
		{T: 1, Values: [4]float64{70, 99, 37.2, 97}},
		{T: 3, Values: [4]float64{90, 97, 37.6, 96}},
		{T: 4, Values: [4]float64{100, 96, 38.0, 95}},
	}
	rows[1].SetMissing(engine.SpO2)
	d := Derive(&p, rows, 3, nil)
	if len(d) != 4 {
		t.Fatalf("%d rows", len(d))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }
	checks := []struct {
		got, want float64
		what      string
	}{
		{d[0].Delta[engine.HeartRate], math.NaN(), "no previous row"},
		{d[1].Delta[engine.HeartRate], 10, "delta"},
		{d[2].Delta[engine.HeartRate], 10, "delta over a 2-second gap is per second"},
		{d[2].Delta[engine.SpO2], math.NaN(), "delta from a missing reading"},
		{d[1].Mean[engine.SpO2], 98, "mean of present readings"},
		{d[2].Mean[engine.HeartRate], (60 + 70 + 90) / 3.0, "mean over the span"},
		{d[3].Mean[engine.HeartRate], (70 + 90 + 100) / 3.0, "mean slides"},
		{d[1].Std[engine.HeartRate], 5, "population std"},
		{d[0].Std[engine.HeartRate], 0, "std of one reading"},
		{d[3].PSI, engine.PSI(38.0, 100, 37, 60), "PSI"},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s: got %g, want %g", c.what, c.got, c.want)
		}
	}
	// Causality: poisoning the rows after i changes nothing at i.
	poisoned := append([]engine.Observation(nil), rows...)
	poisoned[3].Values = [4]float64{1e6, 1e6, 1e6, 1e6}
	bits := func(d DerivedRow) (out []uint64) {
		for _, a := range [][4]float64{d.Delta, d.Mean, d.Std, {d.PSI}} {
			for _, x := range a {
				out = append(out, math.Float64bits(x))
			}
		}
		return out
	}
	for i := 0; i < 3; i++ {
		if !slices.Equal(bits(DeriveAt(&p, rows, i, 3)), bits(DeriveAt(&p, poisoned, i, 3))) {
			t.Fatalf("DeriveAt(%d) read a later row", i)
		}
	}
	if slices.Equal(bits(DeriveAt(&p, rows, 3, 3)), bits(DeriveAt(&p, poisoned, 3, 3))) {
		t.Fatal("vacuous: the poison does not change row 3 either")
	}
	if a := testing.AllocsPerRun(100, func() { d = Derive(&p, rows, 3, d) }); a != 0 {
		t.Fatalf("Derive allocates %.1f times with a large enough dst", a)
	}
}

func TestTimeOfDay(t *testing.T) {
	start := time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC)
	if h := TimeOfDay(start, 0); h != 23.5 {
		t.Fatalf("TimeOfDay(start, 0) = %g", h)
	}
	if h := TimeOfDay(start, 3600); h != 0.5 {
		t.Fatalf("TimeOfDay past midnight = %g", h)
	}
}

package storetest

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Frames is an engine.Source over prepared frames: Next hands them out in
// order, then io.EOF. Use it by pointer.
type Frames struct {
	profiles []engine.Profile
	frames   []engine.Frame
}

// NewFrames returns a source of frames (not copied) of soldiers with the
// given profiles.
func NewFrames(profiles []engine.Profile, frames []engine.Frame) *Frames {
	return &Frames{profiles: profiles, frames: frames}
}

// Profiles implements engine.Source.
func (s *Frames) Profiles() []engine.Profile { return s.profiles }

// Next implements engine.Source.
func (s *Frames) Next(ctx context.Context) (engine.Frame, error) {
	if err := ctx.Err(); err != nil {
		return engine.Frame{}, err
	}
	if len(s.frames) == 0 {
		return engine.Frame{}, io.EOF
	}
	f := s.frames[0]
	s.frames = s.frames[1:]
	return f, nil
}

// BuildFrom builds the training set of spec from frames straight from a
// source (no disk), failing t on any error.
func BuildFrom(t testing.TB, spec featurestore.TrainingSpec, profiles []engine.Profile, frames []engine.Frame) *featurestore.TrainingSet {
	t.Helper()
	b, err := featurestore.NewBuilder(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddSource(context.Background(), NewFrames(profiles, slices.Clone(frames))); err != nil {
		t.Fatal(err)
	}
	ts, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// CheckPointInTime checks the leakage rule on every example of ts: inputs
// end at the example's tick and cannot be extended, targets are exactly the
// following ticks.
func CheckPointInTime(t testing.TB, ts *featurestore.TrainingSet) {
	t.Helper()
	spec := ts.Spec()
	for i, ex := range ts.All() {
		if len(ex.Inputs) != spec.Inputs || cap(ex.Inputs) != len(ex.Inputs) || len(ex.Targets) != spec.Horizon {
			t.Fatalf("example %d: %d inputs (cap %d), %d targets", i, len(ex.Inputs), cap(ex.Inputs), len(ex.Targets))
		}
		last := ex.Inputs[len(ex.Inputs)-1]
		if last.T != ex.T {
			t.Fatalf("example %d: last input at tick %d, example at %d", i, last.T, ex.T)
		}
		step := ts.Step(ex.Run)
		for j, o := range ex.Inputs {
			if o.T > ex.T || o.Soldier != ex.Soldier || (j > 0 && o.T != ex.Inputs[j-1].T+step) {
				t.Fatalf("example %d (soldier %d, tick %d): input %d is soldier %d tick %d", i, ex.Soldier, ex.T, j, o.Soldier, o.T)
			}
		}
		for j, o := range ex.Targets {
			if o.T != ex.T+int64(j+1)*step || o.Soldier != ex.Soldier {
				t.Fatalf("example %d (tick %d): target %d is soldier %d tick %d", i, ex.T, j, o.Soldier, o.T)
			}
		}
	}
}

package parquet

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// TestTrainingSetSameFromParquet: frames straight from a source and the same
// frames recorded to Parquet give identical sets.
func TestTrainingSetSameFromParquet(t *testing.T) {
	dir, profiles, frames, _ := testRun(t, 5, 150, WithRowGroupRows(90))
	spec := featurestore.TrainingSpec{Inputs: 31, Horizon: 1, SkipLabelled: true}
	mem := storetest.BuildFrom(t, spec, profiles, frames)
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := featurestore.NewBuilder(spec)
	if err := r.AddTo(b); err != nil {
		t.Fatal(err)
	}
	disk, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if mem.Len() != disk.Len() || mem.Len() == 0 {
		t.Fatalf("%d examples from memory, %d from Parquet", mem.Len(), disk.Len())
	}
	for i := range mem.Len() {
		x, y := mem.Example(i), disk.Example(i)
		if x.T != y.T || x.Soldier != y.Soldier || x.Profile != y.Profile {
			t.Fatalf("example %d differs", i)
		}
		storetest.CheckRows(t, y.Inputs, x.Inputs)
		storetest.CheckRows(t, y.Targets, x.Targets)
	}
}

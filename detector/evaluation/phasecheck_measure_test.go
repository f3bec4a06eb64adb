package evaluation

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

var (
	phaseFaults = flag.String("phasecheck-faults", ",rest,contact,march,stale:5m", "faults TestPhaseCheckMeasure compares (empty item: phases right)")
	phaseHolds  = flag.String("phasecheck-holds", "30s,1m,90s,2m,3m", "holds TestPhaseCheckMeasure compares")
)

var phaseMeasure = flag.String("phasecheck-measure", "",
	"seeds (e.g. 9101-9112) on which TestPhaseCheckMeasure prints how the phase check's hold trades false flags against cover (slow; docs/realhr.md)")

// TestPhaseCheckMeasure measures the phase check on the z-score's core
// (cheap; the check reads only the stamina history, which every core
// keeps alike): per hold, the soldier-ticks flagged with correct phases
// (they must be 0), and with misreported phases the share of the
// mismatched soldier-ticks flagged and the ticks flagged where the
// reported phase was right.
func TestPhaseCheckMeasure(t *testing.T) {
	if *phaseMeasure == "" {
		t.Skip("give -phasecheck-measure SEEDS")
	}
	seeds, err := parseSeedList(*phaseMeasure)
	if err != nil {
		t.Fatal(err)
	}
	w := engine.DefaultConfig().World
	runs := training.RunConfig{Seeds: seeds, Soldiers: 100, Duration: time.Hour, PoisonRate: 0.05, Artefacts: 1, Workers: 2, World: &w}
	faults := strings.Split(*phaseFaults, ",")
	var holds []time.Duration
	for _, h := range strings.Split(*phaseHolds, ",") {
		d, err := time.ParseDuration(h)
		if err != nil {
			t.Fatal(err)
		}
		holds = append(holds, d)
	}
	type tally struct {
		right, rightFlag, wrong, wrongFlag, mismatch, mismatchFlag int
		why                                                        map[string]int // right-phase flags by phase and activity
	}
	res := make([][][]tally, len(seeds))
	err = runs.ForEachRun(context.Background(), func(ctx context.Context, i int, seed uint64) error {
		var scs []detector.Scorer
		for _, f := range faults {
			for _, h := range holds {
				sc, err := detector.NewZScore(detector.WithPhaseCheck(h))
				if err != nil {
					return err
				}
				if f != "" {
					pf, err := ParsePhaseFault(f)
					if err != nil {
						return err
					}
					sc = MisreportPhase(sc, pf)
				}
				scs = append(scs, sc)
			}
		}
		src, name, err := runs.Source(i, seed)
		if err != nil {
			return err
		}
		res[i] = make([][]tally, len(faults))
		for f := range faults {
			res[i][f] = make([]tally, len(holds))
		}
		// The reported phase per scorer is what MisreportPhase gives;
		// recompute it here from the fault (rest/contact/march constant,
		// stale from the true phase's log).
		logs := map[engine.SoldierID]*phaseLog{}
		return training.DriveSource(ctx, src, name, scs, func(fr *engine.Frame, vs [][]detector.Verdict) error {
			for _, o := range fr.Obs {
				l := logs[o.Soldier]
				if l == nil {
					l = &phaseLog{}
					logs[o.Soldier] = l
				}
				l.add(o.T, o.Phase)
			}
			for d := range vs {
				f, h := d/len(holds), d%len(holds)
				tl := &res[i][f][h]
				for k := range vs[d] {
					v := &vs[d][k]
					truth := v.Phase
					rep := truth
					switch faults[f] {
					case "":
					case "stale:5m":
						rep = logs[v.Soldier].at(v.T - 300)
					default:
						rep, _ = engine.ParsePhase(faults[f])
					}
					flagged := v.PhaseSeen != detector.ActivityNone
					switch {
					case rep == truth:
						tl.right++
						if flagged {
							tl.rightFlag++
							if tl.why == nil {
								tl.why = map[string]int{}
							}
							tl.why[fmt.Sprintf("%v/%v", truth, v.PhaseSeen)]++
							if tl.rightFlag == 1 && faults[f] == "" {
								fmt.Printf("seed %d hold %v: first right-phase flag soldier %d t %d %v/%v\n", seed, holds[h], v.Soldier, v.T, truth, v.PhaseSeen)
							}
						}
					default:
						tl.wrong++
						if flagged {
							tl.wrongFlag++
						}
						if mismatchMatters(rep, truth) {
							tl.mismatch++
							if flagged {
								tl.mismatchFlag++
							}
						}
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for f, name := range faults {
		if name == "" {
			name = "correct"
		}
		for h, hold := range holds {
			var s tally
			for i := range seeds {
				r := res[i][f][h]
				s.right += r.right
				s.rightFlag += r.rightFlag
				s.wrong += r.wrong
				s.wrongFlag += r.wrongFlag
				s.mismatch += r.mismatch
				s.mismatchFlag += r.mismatchFlag
				for k, n := range r.why {
					if s.why == nil {
						s.why = map[string]int{}
					}
					s.why[k] += n
				}
			}
			fmt.Printf("%-9s hold %4v: right-phase ticks flagged %d of %d; wrong-phase ticks flagged %d of %d (%.3f); rest↔work mismatches flagged %d of %d (%.3f)\n",
				name, hold, s.rightFlag, s.right, s.wrongFlag, s.wrong, ratio(s.wrongFlag, s.wrong), s.mismatchFlag, s.mismatch, ratio(s.mismatchFlag, s.mismatch))
			if len(s.why) > 0 {
				fmt.Printf("    right-phase flags by phase/activity: %v\n", s.why)
			}
		}
	}
}

// mismatchMatters reports whether reported phase rep for true phase truth
// is one of the mismatches the check is for: a resting phase reported
// for march or contact, or march or contact reported for a resting phase.
func mismatchMatters(rep, truth engine.Phase) bool {
	resting := func(p engine.Phase) bool { return p == engine.PhaseRest || p == engine.PhaseRecovery }
	working := func(p engine.Phase) bool { return p == engine.PhaseMarch || p == engine.PhaseContact }
	return resting(rep) && working(truth) || working(rep) && resting(truth)
}

// parseSeedList reads "9101-9112" or "9101,9102".
func parseSeedList(s string) ([]uint64, error) {
	var lo, hi uint64
	if n, _ := fmt.Sscanf(s, "%d-%d", &lo, &hi); n == 2 && hi >= lo {
		out := make([]uint64, 0, hi-lo+1)
		for x := lo; x <= hi; x++ {
			out = append(out, x)
		}
		return out, nil
	}
	var x uint64
	if n, _ := fmt.Sscanf(s, "%d", &x); n == 1 {
		return []uint64{x}, nil
	}
	return nil, fmt.Errorf("seeds %q: want LO-HI or one seed", s)
}

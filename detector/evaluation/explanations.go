package evaluation

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

// The explanation report (chakra-tui eval --explanations): over held-out
// seeds, how well the alerts of one scorer explain themselves.
//
//   - An alert is an incident opening (detector.Alert.Opened). It is true
//     when it opens within [Start, End+Grace] of an event (a label whose
//     kind IsEvent) of its soldier; it is matched to the event of its own
//     kind if there is one, else to the one that started first.
//   - It names the event's vital when its evidence's vital is the event's:
//     heart rate for tachycardia and bradycardia, core temperature for heat
//     strain, stamina for a stamina crash; for a dropout the evidence is a
//     dropout check naming every vital; for a stuck sensor it is a stuck
//     check (the label does not say which vital froze).
//   - Its attribution's time peak (the block of past ticks that moved the
//     forecast most, taken at the block's middle tick) lies inside the
//     event when Start ≤ tick ≤ End; counted for events of at least
//     PeakMinTicks ticks and alerts with an attribution.
//   - A sentence prints its reading inside its range when the printed
//     reading, parsed back, lies within the printed range (band, drift and
//     prior checks).
//   - A doubled opening is an incident that opens DoubledTicks or fewer
//     ticks after the previous opening of the same soldier, with the same
//     kind.
//   - The top input is the attribution's variable with the largest |value|.

var nan = math.NaN()

// PeakMinTicks is the shortest event whose alerts' time peaks are judged.
const PeakMinTicks = 10

// DoubledTicks is the gap within which a second opening of the same kind
// for the same soldier is a doubled opening.
const DoubledTicks = 5

// ExplanationReport is the result of Explanations.
type ExplanationReport struct {
	Detector  string   `json:"detector"`
	Seeds     []uint64 `json:"seeds"`
	Soldiers  int      `json:"soldiers"`
	DurationS float64  `json:"duration_s"`
	Grace     int64    `json:"grace_ticks"`

	Alerts     int `json:"alerts"`
	TrueAlerts int `json:"true_alerts"`
	NamesVital int `json:"names_vital"` // of the true alerts
	// NamesVitalAtOpening counts the true alerts whose evidence at
	// opening, before any refinement, names the event's vital.
	NamesVitalAtOpening int `json:"names_vital_at_opening"`
	Refined             int `json:"refined"`     // incidents refined to a more urgent kind
	PeakJudged          int `json:"peak_judged"` // true alerts on events ≥ PeakMinTicks with an attribution
	PeakInside          int `json:"peak_inside"` // of PeakJudged
	// PastPeakInside counts the alerts whose peak among the past ticks
	// alone (without the scored reading) lies inside the event.
	PastPeakInside int               `json:"past_peak_inside"`
	InsideRange    int               `json:"inside_range"`  // sentences printing the reading inside the range
	Doubled        int               `json:"doubled"`       // doubled openings
	Attributed     int               `json:"attributed"`    // alerts with an attribution
	TopShareMax    float64           `json:"top_share_max"` // the largest share of all attributed alerts one input tops
	TopShareName   string            `json:"top_share_input"`
	Kinds          []ExplanationKind `json:"kinds"`
}

// ExplanationKind is the report's row for one alert kind.
type ExplanationKind struct {
	Kind           string         `json:"kind"`
	Alerts         int            `json:"alerts"`
	TrueAlerts     int            `json:"true_alerts"`
	NamesVital     int            `json:"names_vital"`
	PeakJudged     int            `json:"peak_judged"`
	PeakInside     int            `json:"peak_inside"`
	PastPeakInside int            `json:"past_peak_inside"`
	Checks         map[string]int `json:"checks"`
	TopInputs      map[string]int `json:"top_inputs"` // attributed alerts by their top input
}

// Explanations runs the scorer newScorer returns (a fresh one per seed) on
// the held-out runs of cfg and reports how its alerts explain themselves.
func Explanations(ctx context.Context, cfg Config, name string, newScorer func() (detector.Scorer, error)) (*ExplanationReport, error) {
	if err := cfg.Runs.Validate("explanations"); err != nil {
		return nil, err
	}
	for _, s := range cfg.Runs.Seeds {
		if slices.Contains(cfg.Exclude, s) {
			return nil, fmt.Errorf("%w: explanations: seed %d was used for training or calibration", detector.ErrConfig, s)
		}
	}
	var mu sync.Mutex
	tally := newExplTally()
	err := cfg.Runs.ForEachRun(ctx, func(ctx context.Context, i int, seed uint64) error {
		sc, err := newScorer()
		if err != nil {
			return err
		}
		run := newExplTally()
		labels := map[engine.SoldierID][]engine.Label{}
		seen := map[engine.Label]bool{}
		last := map[engine.SoldierID]detector.Alert{}
		// An incident is counted as it stands RefineTicks after opening
		// (a refinement may change its kind and evidence), and as it was
		// at opening for NamesVitalAtOpening.
		pending := map[engine.SoldierID]*pendingAlert{}
		finish := func(p *pendingAlert) {
			ev := match(labels[p.v.Soldier], p.v.T, p.v.Alert.Kind, cfg.Match.Grace)
			run.add(&p.v, ev, p.doubled)
			if ev != nil && namesVital(ev.Kind, &p.first.Evidence) {
				run.r.NamesVitalAtOpening++
			}
			delete(pending, p.v.Soldier)
		}
		src, name, err := cfg.Runs.Source(i, seed)
		if err != nil {
			return err
		}
		err = training.DriveSource(ctx, src, name, []detector.Scorer{sc}, func(f *engine.Frame, vs [][]detector.Verdict) error {
			for _, l := range f.Truth {
				if l.Kind.IsEvent() && !seen[l] {
					seen[l] = true
					labels[l.Soldier] = append(labels[l.Soldier], l)
				}
			}
			for i := range vs[0] {
				v := &vs[0][i]
				switch {
				case v.Alert.Opened:
					if p := pending[v.Soldier]; p != nil {
						finish(p)
					}
					prev, had := last[v.Soldier]
					doubled := had && prev.Kind == v.Alert.Kind && v.Alert.Since-prev.Since <= DoubledTicks
					last[v.Soldier] = v.Alert
					pending[v.Soldier] = &pendingAlert{v: *v, first: v.Alert, doubled: doubled}
				case v.Alert.Refined:
					if p := pending[v.Soldier]; p != nil && p.v.Alert.Since == v.Alert.Since {
						p.v.Alert = v.Alert
						run.r.Refined++
					}
				}
			}
			for _, p := range pending {
				if f.T > p.v.Alert.Since+detector.RefineTicks {
					finish(p)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range pending {
			finish(p)
		}
		mu.Lock()
		tally.merge(run)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep := tally.report()
	rep.Detector, rep.Seeds, rep.Soldiers = name, append([]uint64(nil), cfg.Runs.Seeds...), cfg.Runs.Soldiers
	rep.DurationS, rep.Grace = cfg.Runs.Duration.Seconds(), cfg.Match.Grace
	return rep, nil
}

// pendingAlert is an incident waiting out its refinement window.
type pendingAlert struct {
	v       detector.Verdict // the opening verdict, its Alert refined
	first   detector.Alert   // the Alert at opening
	doubled bool
}

// match returns the event of ls that an alert of kind opening at t matches
// (see above), or nil.
func match(ls []engine.Label, t int64, kind engine.AnomalyKind, grace int64) *engine.Label {
	var best *engine.Label
	for i := range ls {
		l := &ls[i]
		if t < l.Start || t > l.End+grace {
			continue
		}
		switch {
		case best == nil:
			best = l
		case (l.Kind == kind) != (best.Kind == kind):
			if l.Kind == kind {
				best = l
			}
		case l.Start < best.Start:
			best = l
		}
	}
	return best
}

// namesVital reports whether evidence ev names the vital of an event of
// kind k.
func namesVital(k engine.AnomalyKind, ev *detector.Evidence) bool {
	switch k {
	case engine.KindTachycardia, engine.KindBradycardia:
		return ev.Vital == engine.HeartRate && ev.Check != detector.CheckDropout && ev.Check != detector.CheckStuck
	case engine.KindHeatStrain:
		return ev.Vital == engine.CoreTemp && ev.Check != detector.CheckDropout && ev.Check != detector.CheckStuck
	case engine.KindStaminaCrash:
		return ev.Vital == engine.Stamina && ev.Check != detector.CheckDropout && ev.Check != detector.CheckStuck
	case engine.KindDropout:
		return ev.Check == detector.CheckDropout && len(ev.Vitals()) == engine.NumVitals
	case engine.KindStuck:
		return ev.Check == detector.CheckStuck
	}
	return false
}

// printedInside reports whether ev's sentence prints its reading inside
// the range it prints.
func printedInside(ev *detector.Evidence) bool {
	xs, los, his, ok := ev.Printed()
	if !ok {
		return false
	}
	x, err1 := strconv.ParseFloat(xs, 64)
	lo, err2 := strconv.ParseFloat(los, 64)
	hi, err3 := strconv.ParseFloat(his, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return true // unreadable counts against it
	}
	return x >= lo && x <= hi
}

// explTally accumulates the report.
type explTally struct {
	r     ExplanationReport
	kinds map[engine.AnomalyKind]*ExplanationKind
	tops  map[string]int
}

func newExplTally() *explTally {
	return &explTally{kinds: map[engine.AnomalyKind]*ExplanationKind{}, tops: map[string]int{}}
}

func (t *explTally) kind(k engine.AnomalyKind) *ExplanationKind {
	kr := t.kinds[k]
	if kr == nil {
		kr = &ExplanationKind{Kind: k.String(), Checks: map[string]int{}, TopInputs: map[string]int{}}
		t.kinds[k] = kr
	}
	return kr
}

// add counts the incident opened in v, matched to event ev (nil: false).
func (t *explTally) add(v *detector.Verdict, ev *engine.Label, doubled bool) {
	a := &v.Alert
	kr := t.kind(a.Kind)
	t.r.Alerts++
	kr.Alerts++
	kr.Checks[a.Evidence.Check.String()]++
	if doubled {
		t.r.Doubled++
	}
	if printedInside(&a.Evidence) {
		t.r.InsideRange++
	}
	if at := a.Attribution; at != nil && len(at.Vars) > 0 {
		t.r.Attributed++
		name := strconv.Itoa(at.TopVar())
		if i := at.TopVar(); i < len(at.VarNames) {
			name = at.VarNames[i]
		}
		kr.TopInputs[name]++
		t.tops[name]++
	}
	if ev == nil {
		return
	}
	t.r.TrueAlerts++
	kr.TrueAlerts++
	if namesVital(ev.Kind, &a.Evidence) {
		t.r.NamesVital++
		kr.NamesVital++
	}
	if at := a.Attribution; at != nil && len(at.Steps) > 0 && ev.End-ev.Start+1 >= PeakMinTicks {
		inside := func(from, to int) bool {
			mid := v.T - int64(from+to)/2
			return mid >= ev.Start && mid <= ev.End
		}
		t.r.PeakJudged++
		kr.PeakJudged++
		if inside(at.PeakAgo()) {
			t.r.PeakInside++
			kr.PeakInside++
		}
		if inside(at.PastPeakAgo()) {
			t.r.PastPeakInside++
			kr.PastPeakInside++
		}
	}
}

func (t *explTally) merge(o *explTally) {
	r, s := &t.r, &o.r
	r.Alerts += s.Alerts
	r.TrueAlerts += s.TrueAlerts
	r.NamesVital += s.NamesVital
	r.NamesVitalAtOpening += s.NamesVitalAtOpening
	r.Refined += s.Refined
	r.PeakJudged += s.PeakJudged
	r.PeakInside += s.PeakInside
	r.PastPeakInside += s.PastPeakInside
	r.InsideRange += s.InsideRange
	r.Doubled += s.Doubled
	r.Attributed += s.Attributed
	for k, ok := range o.kinds {
		kr := t.kind(k)
		kr.Alerts += ok.Alerts
		kr.TrueAlerts += ok.TrueAlerts
		kr.NamesVital += ok.NamesVital
		kr.PeakJudged += ok.PeakJudged
		kr.PeakInside += ok.PeakInside
		kr.PastPeakInside += ok.PastPeakInside
		for c, n := range ok.Checks {
			kr.Checks[c] += n
		}
		for c, n := range ok.TopInputs {
			kr.TopInputs[c] += n
		}
	}
	for c, n := range o.tops {
		t.tops[c] += n
	}
}

func (t *explTally) report() *ExplanationReport {
	r := t.r
	for name, n := range t.tops {
		if sh := float64(n) / float64(max(r.Attributed, 1)); sh > r.TopShareMax || sh == r.TopShareMax && name < r.TopShareName {
			r.TopShareMax, r.TopShareName = sh, name
		}
	}
	for k := range engine.AnomalyKind(engine.NumKinds) {
		if kr := t.kinds[k]; kr != nil {
			r.Kinds = append(r.Kinds, *kr)
		}
	}
	return &r
}

// ExplanationGoals are the targets for the explanation report.
var ExplanationGoals = struct {
	NamesVital, PeakInside, TachyHRFirst, TopShareMax float64
}{NamesVital: 0.95, PeakInside: 0.8, TachyHRFirst: 0.8, TopShareMax: 0.5}

// hrInput reports whether an input variable is a heart-rate input.
func hrInput(name string) bool {
	return name == "heart_rate" || name == "d_heart_rate" || name == "hr" || name == "d_hr"
}

// TachyHRFirst returns the share of attributed tachycardia alerts whose top
// input is a heart-rate input (NaN without any).
func (r *ExplanationReport) TachyHRFirst() (share float64, n int) {
	for _, k := range r.Kinds {
		if k.Kind != engine.KindTachycardia.String() {
			continue
		}
		hr := 0
		for name, c := range k.TopInputs {
			n += c
			if hrInput(name) {
				hr += c
			}
		}
		if n == 0 {
			return nan, 0
		}
		return float64(hr) / float64(n), n
	}
	return nan, 0
}

// WriteTable writes the report as a table and a goal check.
func (r *ExplanationReport) WriteTable(w io.Writer) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "explanations of %s on seeds %s × %d soldiers × %gs (grace %d ticks)\n\n", r.Detector, seedList(r.Seeds), r.Soldiers, r.DurationS, r.Grace)
	fmt.Fprintf(bw, "%-14s %6s %6s %13s %13s %13s  %-26s %s\n", "kind", "alerts", "true", "names vital", "peak inside", "past peak in", "checks", "top inputs (attributed alerts)")
	for _, k := range r.Kinds {
		fmt.Fprintf(bw, "%-14s %6d %6d %13s %13s %13s  %-26s %s\n", k.Kind, k.Alerts, k.TrueAlerts,
			explRatio(k.NamesVital, k.TrueAlerts), explRatio(k.PeakInside, k.PeakJudged), explRatio(k.PastPeakInside, k.PeakJudged),
			counts(k.Checks, 3), counts(k.TopInputs, 3))
	}
	fmt.Fprintf(bw, "%-14s %6d %6d %13s %13s %13s\n\n", "all", r.Alerts, r.TrueAlerts, explRatio(r.NamesVital, r.TrueAlerts),
		explRatio(r.PeakInside, r.PeakJudged), explRatio(r.PastPeakInside, r.PeakJudged))
	fmt.Fprintf(bw, "peak inside: the time strip's peak, the scored reading included, lies in the event; past peak in: the\n")
	fmt.Fprintf(bw, "peak among the past ticks alone (what moved the forecast) does (blocks of 3 ticks, judged at their middle).\n\n")
	tachy, tn := r.TachyHRFirst()
	g := ExplanationGoals
	fmt.Fprintf(bw, "goals\n")
	fmt.Fprintf(bw, "  %s names the true event's vital      %s (goal ≥ %.0f %%); at opening, before %d refinements: %s\n", goal(frac(r.NamesVital, r.TrueAlerts) >= g.NamesVital),
		explRatio(r.NamesVital, r.TrueAlerts), g.NamesVital*100, r.Refined, explRatio(r.NamesVitalAtOpening, r.TrueAlerts))
	fmt.Fprintf(bw, "  %s time peak inside the event         %s of alerts on events ≥ %d s (goal ≥ %.0f %%)\n", goal(frac(r.PeakInside, r.PeakJudged) >= g.PeakInside), explRatio(r.PeakInside, r.PeakJudged), PeakMinTicks, g.PeakInside*100)
	fmt.Fprintf(bw, "  %s heart-rate input first, tachycardia %s of %d (goal ≥ %.0f %%)\n", goal(tachy >= g.TachyHRFirst), pct(tachy), tn, g.TachyHRFirst*100)
	fmt.Fprintf(bw, "  %s no input tops more than half        %s tops %s of %d attributed alerts (goal ≤ %.0f %%)\n", goal(r.TopShareMax <= g.TopShareMax), r.TopShareName, pct(r.TopShareMax), r.Attributed, g.TopShareMax*100)
	fmt.Fprintf(bw, "  %s sentences printing the reading inside the range: %d (goal 0)\n", goal(r.InsideRange == 0), r.InsideRange)
	fmt.Fprintf(bw, "  %s doubled openings (same soldier and kind ≤ %d s apart): %d (goal 0)\n", goal(r.Doubled == 0), DoubledTicks, r.Doubled)
	return bw.err
}

func frac(n, d int) float64 {
	if d == 0 {
		return nan
	}
	return float64(n) / float64(d)
}

func explRatio(n, d int) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d %3.0f%%", n, d, 100*float64(n)/float64(d))
}

func pct(x float64) string {
	if x != x {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*x)
}

// counts lists the n largest entries of m as "name n, …".
func counts(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	s := ""
	for i, x := range l {
		if i == n {
			s += " …"
			break
		}
		if i > 0 {
			s += ", "
		}
		s += x.k + " " + strconv.Itoa(x.v)
	}
	return s
}

func seedList(s []uint64) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > 1 && s[len(s)-1]-s[0] == uint64(len(s)-1) {
		return fmt.Sprintf("%d-%d", s[0], s[len(s)-1])
	}
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += strconv.FormatUint(x, 10)
	}
	return out
}

// RunExplanations builds the TFT as RunEval would (on o's model, with its
// calibration) and reports its explanations on o's held-out seeds.
func RunExplanations(ctx context.Context, o Options) (*ExplanationReport, error) {
	m := o.Model
	if m == nil {
		var err error
		if o.ModelPath != "" {
			m, err = detector.LoadModelFile(o.ModelPath)
		} else {
			m, err = detector.EmbeddedModel()
		}
		if err != nil {
			return nil, err
		}
	}
	b := builder{m: m}
	o.Eval.Exclude = b.exclude(o.Eval.Exclude)
	d, err := b.detector(ctx, "tft")
	if err != nil {
		return nil, err
	}
	return Explanations(ctx, o.Eval, d.Name, d.New)
}

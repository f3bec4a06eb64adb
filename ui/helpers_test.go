package ui

import (
	"context"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

func init() {
	// Golden views are plain text: no colour, whatever the terminal running
	// the tests supports.
	lipgloss.SetColorProfile(termenv.Ascii)
}

// testSim returns the seeded battlefield the tests watch: 100 soldiers, a
// high poison rate so alerts come early.
func testSim(t testing.TB, seed uint64, soldiers int) *engine.Sim {
	t.Helper()
	cfg := engine.DefaultConfig()
	cfg.Seed = seed
	cfg.Soldiers = soldiers
	cfg.PoisonRate = 0.15
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// testPipeline returns a monitor over an in-memory store scoring with sc
// (the fixed-threshold baseline when nil).
func testPipeline(t testing.TB, profiles []engine.Profile, sc detector.Scorer) *monitor.Monitor {
	t.Helper()
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if sc == nil {
		if sc, err = detector.NewThreshold(); err != nil {
			t.Fatal(err)
		}
	}
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mon.Close)
	if err := mon.SetProfiles(context.Background(), profiles); err != nil {
		t.Fatal(err)
	}
	return mon
}

// testRuntime is the live runtime of src the dashboard steps: scored by pipe,
// or unscored when pipe is nil.
func testRuntime(t testing.TB, src engine.Source, pipe live.Pipeline) *live.Runtime {
	t.Helper()
	c := live.Config{Source: src}
	if pipe != nil {
		c.Pipeline = pipe
	}
	rt, err := live.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// fakeClock advances one second per call, so the header's rates are
// deterministic (one frame per second).
func fakeClock() func() time.Time {
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

// testModel is a dashboard on the seeded simulation with the threshold
// baseline, sized w×h; its driver replays the package's recorded snapshots.
func testModel(t testing.TB, w, h int, opts ...Option) (*Model, Driver) {
	t.Helper()
	return testModelScorer(t, w, h, false, opts...)
}

// testModelScorer is testModel; explain selects the TFT-shaped explanations.
func testModelScorer(t testing.TB, w, h int, explain bool, opts ...Option) (*Model, Driver) {
	t.Helper()
	rec := recorded(t, explain)
	d := &cannedDriver{snaps: rec.snaps}
	base := []Option{WithDriver(d), WithDetector(rec.name, ""), WithSource("simulation · seed 3 · 100 soldiers"), WithClock(fakeClock())}
	m, err := New(rec.profiles, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if w > 0 {
		m.Update(sizeMsg(w, h))
	}
	return m, d
}

// recording is the package's seeded run, scored once and shared by tests
// (snapshots are immutable values).
type recording struct {
	name     string
	profiles []engine.Profile
	snaps    []live.Snapshot
}

// recordedTicks is how many ticks of the seeded run the tests share.
const recordedTicks = 320

var recordings struct {
	sync.Mutex
	m map[bool]*recording
}

// recorded returns the seeded run (seed 3, 100 soldiers) scored by the
// threshold baseline, or by the TFT-shaped explainer.
func recorded(t testing.TB, explain bool) *recording {
	t.Helper()
	recordings.Lock()
	defer recordings.Unlock()
	if r, ok := recordings.m[explain]; ok {
		return r
	}
	sim := testSim(t, 3, 100)
	var sc detector.Scorer = mustThreshold(t)
	if explain {
		sc = explainer{sc}
	}
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := mon.SetProfiles(context.Background(), sim.Profiles()); err != nil {
		t.Fatal(err)
	}
	d, err := live.Open(context.Background(), live.Config{Source: sim, Pipeline: mon})
	if err != nil {
		t.Fatal(err)
	}
	r := &recording{name: sc.Name(), profiles: sim.Profiles()}
	if !explain {
		r.name = "threshold"
	}
	for range recordedTicks {
		s, err := d.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		r.snaps = append(r.snaps, s)
	}
	mon.Close()
	store.Close()
	if recordings.m == nil {
		recordings.m = map[bool]*recording{}
	}
	recordings.m[explain] = r
	return r
}

// cannedDriver steps through recorded snapshots.
type cannedDriver struct {
	snaps []live.Snapshot
	next  int
}

func (d *cannedDriver) Step(context.Context) (live.Snapshot, error) {
	if d.next >= len(d.snaps) {
		return live.Snapshot{}, io.EOF
	}
	d.next++
	return d.snaps[d.next-1], nil
}

// steps feeds n frames of the driver through Update, as the clock loop
// would.
func steps(t testing.TB, m *Model, d Driver, n int) {
	t.Helper()
	for range n {
		s, err := d.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m.inflight = true
		m.Update(frameMsg{id: m.id, epoch: m.epoch, snap: s})
	}
}

// firstAlerted returns the board index of the first soldier (by id) whose
// latest alert is open, else the first with any alert; −1 if none.
// firstAttributed returns the index of the first soldier whose latest
// alert carries an attribution, else firstAlerted.
func firstAttributed(m *Model) int {
	for i := range m.b.soldiers {
		if s := &m.b.soldiers[i]; s.hasAlert && s.alert.Alert.Attribution != nil {
			return i
		}
	}
	return firstAlerted(m)
}

func firstAlerted(m *Model) int {
	for i := range m.b.soldiers {
		if m.b.soldiers[i].alerting() {
			return i
		}
	}
	for i := range m.b.soldiers {
		if m.b.soldiers[i].hasAlert {
			return i
		}
	}
	return -1
}

// explainer decorates the threshold baseline's verdicts with a TFT-shaped
// explanation (variable-selection weights and attention, deterministic), so
// the explanation view can be tested without a trained model.
type explainer struct{ detector.Scorer }

var explainerVars = []string{"heart_rate", "stamina", "core_temp", "spo2", "phase", "ambient", "hr_missing"}

func (e explainer) Name() string { return "tft-shaped" }

func (e explainer) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	n0 := len(dst)
	dst, err := e.Scorer.Score(ws, dst)
	for i := n0; i < len(dst); i++ {
		v := &dst[i]
		x := &v.Explanation
		x.VarNames = explainerVars
		x.NumVars = len(explainerVars)
		sum := 0.0
		for k := range explainerVars {
			w := 1 / float64(k+2)
			if k == int(x.Vital) {
				w = 1.5
			}
			x.VarWeights[k] = w
			sum += w
		}
		for k := range explainerVars {
			x.VarWeights[k] /= sum
		}
		x.AttentionLen = 30
		sum = 0
		for k := range 30 {
			a := math.Exp(-math.Abs(float64(k-24)) / 3)
			x.Attention[k] = a
			sum += a
		}
		for k := range 30 {
			x.Attention[k] /= sum
		}
		if a := &v.Alert; a.Opened && a.Evidence.Check == detector.CheckBand {
			at := &detector.Attribution{Vital: a.Evidence.Vital, Target: "q98", Bound: a.Evidence.Hi, VarNames: explainerVars,
				Vars: make([]float64, len(explainerVars)), Steps: make([]float64, 10), Block: 3}
			for k := range at.Vars {
				at.Vars[k] = 2 / float64(k+1) * math.Pow(-1, float64(k))
			}
			for k := range at.Steps {
				at.Steps[k] = math.Exp(-math.Abs(float64(k-8)) / 2)
			}
			at.Now = 1.5
			a.Attribution = at
		}
		for vi := range v.Vitals {
			q := &v.Vitals[vi].Forecast
			if !math.IsNaN(q[0]) && !math.IsNaN(q[4]) {
				mid := (q[0] + q[4]) / 2
				q[1], q[2], q[3] = (q[0]+mid)/2, mid, (q[4]+mid)/2
			}
		}
	}
	return dst, err
}

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// press returns the key message for a key name as key bindings spell it.
func press(k string) tea.KeyMsg {
	special := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, " ": tea.KeySpace, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"ctrl+c": tea.KeyCtrlC, "shift+left": tea.KeyShiftLeft, "shift+right": tea.KeyShiftRight,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace,
	}
	if t, ok := special[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func mustThreshold(t testing.TB) detector.Scorer {
	t.Helper()
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// containsAll reports whether s contains every part.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

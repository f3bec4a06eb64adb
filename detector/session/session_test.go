package session

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/engine"
)

func TestRecordReplayMatchesLive(t *testing.T) {
	cfg := testConfig(6, 6*time.Minute, 7)
	ticks, profiles := live(t, cfg, zscore)
	data := record(t, cfg, profiles, ticks)
	r, err := NewReplay(bytes.NewReader(data), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.HasVerdicts() || r.Meta() != (Meta{Detector: "threshold", Source: "test"}) {
		t.Fatalf("meta %+v, has verdicts %v", r.Meta(), r.HasVerdicts())
	}
	if r.Len() != int64(len(ticks)) || r.First() != 0 || r.Last() != int64(len(ticks)-1) {
		t.Fatalf("len %d first %d last %d for %d ticks", r.Len(), r.First(), r.Last(), len(ticks))
	}
	ctx := context.Background()
	alerts := 0
	for i := range ticks {
		got, err := r.Step(ctx)
		if err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
		if d := frameDiff(&ticks[i].Frame, &got.Frame); d != "" {
			t.Fatal(d)
		}
		if len(got.Verdicts) != len(ticks[i].Verdicts) {
			t.Fatalf("tick %d: %d verdicts, want %d", i, len(got.Verdicts), len(ticks[i].Verdicts))
		}
		for j := range got.Verdicts {
			want := Rounded(ticks[i].Verdicts[j], false)
			if d := verdictDiff(&want, &got.Verdicts[j]); d != "" {
				t.Fatal(d)
			}
			if want.OpenedAny() {
				alerts++
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no alert opened: the test does not exercise alerts")
	}
	if _, err := r.Step(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last tick: %v, want io.EOF", err)
	}
}

// TestRoundedIsCloseToLive bounds what float32 storage loses.
func TestRoundedIsCloseToLive(t *testing.T) {
	cfg := testConfig(5, 3*time.Minute, 3)
	ticks, _ := live(t, cfg, zscore)
	for _, tk := range ticks {
		for _, v := range tk.Verdicts {
			r := Rounded(v, true)
			a, b := floats(&v), floats(&r)
			for i := range a {
				if !same(a[i], b[i]) && math.Abs(a[i]-b[i]) > 1e-6*math.Abs(a[i]) {
					t.Fatalf("float %d: %v rounded to %v", i, a[i], b[i])
				}
			}
		}
	}
}

// synthetic returns a frame of three soldiers and verdicts exercising every
// field of the encoding.
func synthetic() (engine.Frame, []detector.Verdict) {
	f := engine.Frame{T: 42, Time: time.Date(2025, 6, 1, 9, 0, 42, 0, time.UTC)}
	for id := range engine.SoldierID(3) {
		o := engine.Observation{Soldier: id + 1, T: 42, Values: [4]float64{71 + float64(id), 95.5, 37.25, 98}, Phase: engine.PhaseMarch, NextPhase: engine.PhaseContact, Ambient: 24.5}
		f.Obs = append(f.Obs, o)
	}
	f.Obs[1].SetMissing(engine.SpO2)
	f.Truth = []engine.Label{{Soldier: 2, Start: 40, End: 50, Kind: engine.KindDropout}}
	names := []string{"heart_rate", `odd "name"\`, "ünïcode", "tab\tname"}
	vs := make([]detector.Verdict, 3)
	for i := range vs {
		v := &vs[i]
		v.Soldier, v.T, v.Phase, v.NextPhase = f.Obs[i].Soldier, 42, engine.PhaseMarch, engine.PhaseContact
		for x := range v.Vitals {
			vv := &v.Vitals[x]
			vv.Observed = f.Obs[i].Values[x]
			vv.Out = 0.1 * float64(x)
			for q := range vv.Forecast {
				vv.Forecast[q] = 60 + math.Pi*float64(q)
			}
		}
	}
	// Soldier 1: an alert opening with a full explanation, an infinite
	// band-width, a reading that differs from the frame's.
	a := &vs[0]
	a.State, a.Kind, a.Score = detector.StateAlert, engine.KindTachycardia, math.Inf(1)
	a.Vitals[engine.HeartRate].Out = math.Inf(1)
	a.Vitals[engine.HeartRate].Imputed = true
	a.Vitals[engine.Stamina].Observed = 12.345678901234567
	a.Vitals[engine.CoreTemp].Out = math.Inf(-1)
	a.Channels[detector.ChannelHeartRate] = detector.ChannelAlert{Open: true, Opened: true, Kind: engine.KindTachycardia, Since: 42}
	a.Channels[detector.ChannelStuck] = detector.ChannelAlert{Since: -7} // stale state on a closed channel
	a.Explanation = detector.Explanation{Vital: engine.HeartRate, NumVars: 4, VarNames: names, AttentionLen: 3}
	copy(a.Explanation.VarWeights[:], []float64{0.5, 0.25, 0.125, 0.125})
	copy(a.Explanation.Attention[:], []float64{0.2, 0.3, 0.5})
	a.Alert = detector.Alert{Open: true, Opened: true, Since: 42, Kind: engine.KindTachycardia,
		Evidence: detector.Evidence{Check: detector.CheckBand, Vital: engine.HeartRate, Value: 171, Expected: 124.123456789,
			Lo: 118.5, Hi: 131.25, Out: 3.1, Unit: 12.75, Channel: detector.ChannelHeartRate},
		Attribution: &detector.Attribution{Vital: engine.HeartRate, Target: "q98", Bound: 131.0000001, VarNames: names,
			Vars: []float64{0.1, -2.123456789, 0, 1e-9}, Steps: []float64{0.5, 0.25, -0.125}, Block: 3, Now: 40.1}}
	// Soldier 2: missing SpO2, no forecast on it, an open alert (no
	// opening: its explanation is not kept unless asked), stuck flag.
	b := &vs[1]
	b.State, b.Kind = detector.StateAlert, engine.KindDropout
	b.Alert = detector.Alert{Open: true, Extended: true, Refined: true, Since: 30, Kind: engine.KindDropout,
		Evidence: detector.Evidence{Check: detector.CheckDropout, Missing: 15, Ticks: 10, Channel: detector.ChannelDropout,
			Value: math.NaN(), Expected: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Out: math.NaN(), Unit: math.NaN()}}
	b.Vitals[engine.SpO2] = detector.VitalVerdict{Observed: math.NaN(), Missing: true, Out: 0,
		Forecast: detector.Quantiles{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}}
	b.Vitals[engine.CoreTemp].Stuck = true
	b.Vitals[engine.CoreTemp].Forecast[2] = math.NaN() // a partial forecast
	b.Channels[detector.ChannelDropout] = detector.ChannelAlert{Open: true, Kind: engine.KindDropout, Since: 40}
	b.Explanation = detector.Explanation{Vital: engine.SpO2, NumVars: 2, VarNames: names[:2], AttentionLen: 1}
	b.Explanation.VarWeights[0], b.Explanation.VarWeights[1], b.Explanation.Attention[0] = 0.9, 0.1, 1
	// Soldier 3: warming up, no drift check yet.
	vs[2].State = detector.StateWarmingUp
	for x := range vs[2].Vitals {
		vs[2].Vitals[x].Drift = math.NaN()
	}
	a.Vitals[engine.CoreTemp].Drift = 0.42
	return f, vs
}

func TestSyntheticRoundTrip(t *testing.T) {
	for _, all := range []bool{false, true} {
		f, vs := synthetic()
		var opts []Option
		if all {
			opts = append(opts, WithAllExplanations())
		}
		var buf bytes.Buffer
		rec, err := NewRecorder(&buf, "synthetic", engine.NewHeader(nil, nil), Meta{Detector: "tft", Note: "n"}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Write(&f, vs); err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := NewReplay(bytes.NewReader(buf.Bytes()), "synthetic")
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i := range vs {
			want := Rounded(vs[i], all)
			if d := verdictDiff(&want, &got.Verdicts[i]); d != "" {
				t.Fatalf("all explanations %v: %s", all, d)
			}
		}
		if all != (got.Verdicts[1].Explanation.NumVars == 2) {
			t.Fatalf("all explanations %v: the open (not opening) alert kept %d weights", all, got.Verdicts[1].Explanation.NumVars)
		}
		if e := got.Verdicts[0].Explanation; e.NumVars != 4 || e.VarNames[1] != `odd "name"\` || e.AttentionLen != 3 {
			t.Fatalf("explanation of the opening: %+v", e)
		}
		if all && &got.Verdicts[0].Explanation.VarNames[0] == &got.Verdicts[1].Explanation.VarNames[0] {
			t.Fatal("different name lists share a slice")
		}
		r.Close()
	}
}

func TestNamesShared(t *testing.T) {
	f, vs := synthetic()
	vs[1].Explanation.VarNames = vs[0].Explanation.VarNames
	vs[1].Explanation.NumVars = 4
	p := appendVerdicts(nil, &f, vs, true)
	nm := names{}
	got, err := decodeVerdicts(p, &f, nm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0].Explanation.VarNames[0] != &got[1].Explanation.VarNames[0] {
		t.Fatal("equal name lists are not shared")
	}
}

func TestWriteChecksVerdicts(t *testing.T) {
	f, vs := synthetic()
	cases := map[string]func([]detector.Verdict) []detector.Verdict{
		"too few":       func(v []detector.Verdict) []detector.Verdict { return v[:2] },
		"wrong soldier": func(v []detector.Verdict) []detector.Verdict { v[1].Soldier = 9; return v },
		"wrong tick":    func(v []detector.Verdict) []detector.Verdict { v[2].T = 41; return v },
		"bad state":     func(v []detector.Verdict) []detector.Verdict { v[0].State = 9; return v },
		"bad sizes":     func(v []detector.Verdict) []detector.Verdict { v[0].Explanation.NumVars = 99; return v },
	}
	for name, mangle := range cases {
		rec, err := NewRecorder(io.Discard, "x", engine.NewHeader(nil, nil), Meta{})
		if err != nil {
			t.Fatal(err)
		}
		bad := mangle(append([]detector.Verdict(nil), vs...))
		if err := rec.Write(&f, bad); !errors.Is(err, ErrVerdicts) {
			t.Errorf("%s: err = %v, want ErrVerdicts", name, err)
		}
	}
}

func TestSeekLandsOnTick(t *testing.T) {
	cfg := testConfig(6, 20*time.Minute, 11)
	ticks, profiles := live(t, cfg, threshold)
	// Small gzip members so seeks cross member boundaries.
	data := record(t, cfg, profiles, ticks, WithSyncEvery(50))
	r, err := NewReplay(bytes.NewReader(data), "seek", WithPreroll(30))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	for _, target := range []int64{700, 10, 0, 1199, 351, 350, 349, 900, -5, 5000} {
		pre, err := r.Seek(ctx, target)
		if err != nil {
			t.Fatalf("seek %d: %v", target, err)
		}
		want := min(max(target, 0), 1199)
		if n := int64(len(pre)); n != min(want, 30) {
			t.Fatalf("seek %d: %d pre-roll ticks, want %d", target, n, min(want, 30))
		}
		for i, p := range pre {
			if p.Frame.T != want-int64(len(pre)-i) {
				t.Fatalf("seek %d: pre-roll %d at tick %d", target, i, p.Frame.T)
			}
		}
		if r.Pos() != want {
			t.Fatalf("seek %d: position %d, want %d", target, r.Pos(), want)
		}
		got, err := r.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := frameDiff(&ticks[want].Frame, &got.Frame); d != "" {
			t.Fatalf("seek %d: %s", target, d)
		}
		for j := range got.Verdicts {
			w := Rounded(ticks[want].Verdicts[j], false)
			if d := verdictDiff(&w, &got.Verdicts[j]); d != "" {
				t.Fatalf("seek %d: %s", target, d)
			}
		}
	}
}

func TestRescoreMatchesLive(t *testing.T) {
	cfg := testConfig(6, 5*time.Minute, 5)
	ticks, profiles := live(t, cfg, threshold)
	// Record frames only (as `sim --record` does), then re-score them.
	var buf bytes.Buffer
	rec, err := engine.NewRecorder(&buf, "frames", engine.NewHeader(profiles, &cfg))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ticks {
		if err := rec.WriteFrame(&ticks[i].Frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	plain, err := NewReplay(bytes.NewReader(buf.Bytes()), "frames")
	if err != nil {
		t.Fatal(err)
	}
	if plain.HasVerdicts() {
		t.Fatal("a frame recording claims verdicts")
	}
	if tk, err := plain.Step(context.Background()); err != nil || tk.Verdicts != nil {
		t.Fatalf("plain replay: %v verdicts, err %v", tk.Verdicts, err)
	}
	r, err := NewReplay(bytes.NewReader(buf.Bytes()), "frames", WithRescore(threshold))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Rescoring() || r.Scorer() != "threshold" {
		t.Fatalf("rescoring %v scorer %q", r.Rescoring(), r.Scorer())
	}
	for i := range ticks {
		got, err := r.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for j := range got.Verdicts {
			if d := verdictDiff(&ticks[i].Verdicts[j], &got.Verdicts[j]); d != "" {
				t.Fatal(d)
			}
		}
	}
}

// corrupt writes a session whose second verdict record's payload is p.
func corruptPayload(t *testing.T, p string) []byte {
	t.Helper()
	f, vs := synthetic()
	var buf bytes.Buffer
	rec, err := engine.NewRecorder(&buf, "c", engine.NewHeader(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteFrame(&f); err != nil {
		t.Fatal(err)
	}
	rec.WriteAux(f.T, KindSession, encodeMeta(Meta{Detector: "x"}))
	rec.WriteAux(f.T, KindVerdicts, appendVerdicts(nil, &f, vs, false))
	f.T++
	for i := range f.Obs {
		f.Obs[i].T = f.T
	}
	f.Truth = nil
	if err := rec.WriteFrame(&f); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteAux(f.T, KindVerdicts, []byte(p)); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCorruptFiles(t *testing.T) {
	cfg := testConfig(4, 2*time.Minute, 2)
	ticks, profiles := live(t, cfg, threshold)
	good := record(t, cfg, profiles, ticks)
	ctx := context.Background()

	open := func(data []byte) error {
		r, err := NewReplay(bytes.NewReader(data), "bad.chakra.gz")
		if err != nil {
			return err
		}
		defer r.Close()
		for {
			if _, err := r.Step(ctx); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
	}
	if err := open(good); err != nil {
		t.Fatalf("good file: %v", err)
	}
	cases := []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, engine.ErrEmptyRecording, "empty"},
		{"not gzip", []byte("hello, world\n"), engine.ErrNotRecording, "not gzip"},
		{"truncated", good[:len(good)/2], engine.ErrTruncatedRecording, "truncated"},
		{"garbage payload", corruptPayload(t, `[1,[0,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0]],"x"]`), ErrCorrupt, "tick 43"},
		{"short verdict", corruptPayload(t, `[1,[0,0,0,0,0,[[0,0]],[],[0]]]`), ErrCorrupt, "want ','"},
		{"too few verdicts", corruptPayload(t, `[1]`), ErrCorrupt, "0 verdicts for the frame's 3"},
		{"enum out of range", corruptPayload(t, `[1,[9,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0]]]`), ErrCorrupt, "out of range"},
		{"future version", corruptPayload(t, `[4,"whatever"]`), ErrVersion, "version 4"},
		{"not an array", corruptPayload(t, `{"v":1}`), ErrCorrupt, "want '['"},
	}
	for _, c := range cases {
		err := open(c.data)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: err = %v, want %v mentioning %q", c.name, err, c.want, c.text)
		}
		if err != nil && !strings.Contains(err.Error(), "bad.chakra.gz") {
			t.Errorf("%s: error %q does not name the file", c.name, err)
		}
	}
}

func TestFutureVersionFailsAtOpen(t *testing.T) {
	f, _ := synthetic()
	for _, c := range []struct{ kind, payload string }{
		{KindSession, `{"v":4,"detector":"tft"}`},
		{KindVerdicts, `[4]`},
	} {
		var buf bytes.Buffer
		rec, _ := engine.NewRecorder(&buf, "v", engine.NewHeader(nil, nil))
		rec.WriteFrame(&f)
		rec.WriteAux(f.T, c.kind, []byte(c.payload))
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := NewReplay(bytes.NewReader(buf.Bytes()), "v")
		if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "version 4") {
			t.Errorf("%s: err = %v, want ErrVersion naming version 4", c.kind, err)
		}
	}
}

func TestEvaluateRecordedEqualsRescored(t *testing.T) {
	cfg := testConfig(6, 10*time.Minute, 21)
	ticks, profiles := live(t, cfg, threshold)
	path := t.TempDir() + "/run.chakra.gz"
	rec, err := Create(path, engine.NewHeader(profiles, &cfg), Meta{Detector: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ticks {
		if err := rec.Write(&ticks[i].Frame, ticks[i].Verdicts); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(context.Background(), path, EvalOptions{Recorded: true,
		Detectors: []evaluation.Detector{{Name: "threshold", New: threshold}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Detectors) != 2 || rep.Detectors[0].Name != "recorded:threshold" {
		t.Fatalf("detectors %+v", rep.Detectors)
	}
	a, b := rep.Detectors[0].Overall, rep.Detectors[1].Overall
	if a.Events == 0 || a.Detected == 0 {
		t.Fatalf("no events or detections: %+v", a)
	}
	if a.Events != b.Events || a.Detected != b.Detected || a.FalseAlerts != b.FalseAlerts || a.TrueAlerts != b.TrueAlerts {
		t.Fatalf("recorded %+v\nre-scored %+v", a, b)
	}
	if want := float64(6*len(ticks)) / 3600; math.Abs(a.SoldierHours-want) > 1e-9 {
		t.Fatalf("soldier-hours %v, want %v", a.SoldierHours, want)
	}
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "recorded:threshold") {
		t.Fatalf("table without the recorded detector:\n%s", out.String())
	}
	if _, err := Evaluate(context.Background(), path, EvalOptions{}); !errors.Is(err, detector.ErrConfig) {
		t.Fatalf("no detectors: %v", err)
	}
}

// TestEncodingCoversVerdict fails when detector.Verdict gains or loses a
// field: the encoding (format.go) must then learn it, or the recording
// would silently drop it.
func TestEncodingCoversVerdict(t *testing.T) {
	want := map[string][]string{
		"Verdict":      {"Soldier", "T", "Phase", "NextPhase", "State", "Kind", "PhaseSeen", "Score", "Vitals", "Channels", "Alert", "Explanation"},
		"Alert":        {"Open", "Opened", "Extended", "Refined", "Since", "Kind", "Evidence", "Attribution"},
		"Evidence":     {"Check", "Vital", "Missing", "Seen", "SeenRate", "Value", "Expected", "Lo", "Hi", "Out", "Unit", "Ticks", "Channel"},
		"Attribution":  {"Vital", "Target", "Bound", "VarNames", "Vars", "Steps", "Block", "Now"},
		"VitalVerdict": {"Observed", "Missing", "Forecast", "Out", "Imputed", "Stuck", "Suspect", "Prior", "Personal", "Drift"},
		"ChannelAlert": {"Open", "Opened", "Kind", "Since"},
		"Explanation":  {"Vital", "VarWeights", "NumVars", "VarNames", "Attention", "AttentionLen"},
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[detector.Verdict](), reflect.TypeFor[detector.VitalVerdict](),
		reflect.TypeFor[detector.ChannelAlert](), reflect.TypeFor[detector.Explanation](), reflect.TypeFor[detector.Alert](),
		reflect.TypeFor[detector.Evidence](), reflect.TypeFor[detector.Attribution]()} {
		var got []string
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Name)
		}
		if !slices.Equal(got, want[typ.Name()]) {
			t.Errorf("detector.%s has fields %v; the session encoding knows %v: update format.go (and bump Version if the layout changes)",
				typ.Name(), got, want[typ.Name()])
		}
	}
}

// TestReadsVersion1: a verdicts record of encoding version 1 (before
// alerts carried their incident) still replays, with a zero Alert; the
// same verdicts in version 2 keep their incident and its explanation.
func TestReadsVersion1(t *testing.T) {
	f, vs := synthetic()
	got, err := decodeVerdicts(appendVerdictsVersion(nil, &f, vs, true, 1), &f, names{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range vs {
		want := Rounded(vs[i], true)
		want.Alert = detector.Alert{}
		if d := verdictDiff(&want, &got[i]); d != "" {
			t.Fatal(d)
		}
	}
	got, err = decodeVerdicts(appendVerdicts(nil, &f, vs, true), &f, names{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range vs {
		want := Rounded(vs[i], true)
		if d := verdictDiff(&want, &got[i]); d != "" {
			t.Fatal(d)
		}
		if detector.Explain(&got[i]) != detector.Explain(&vs[i]) {
			t.Errorf("replayed explanation %q, live %q", detector.Explain(&got[i]), detector.Explain(&vs[i]))
		}
	}
	if a := got[0].Alert.Attribution; a == nil || a.Vars[1] != float64(float32(-2.123456789)) || a.Block != 3 || a.VarNames[1] != `odd "name"\` {
		t.Fatalf("attribution %+v", a)
	}
	// The v1 fixture the fuzz corpus starts from decodes too.
	if _, err := decodeVerdicts([]byte(`[1,[0,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0]],[0,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0]],[0,0,0,0,0,[[0,0],[0,0],[0,0],[0,0]],[],[0]]]`), &f, names{}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestPhaseSeenRoundTrip: the phase check's fields (a verdict's PhaseSeen,
// an incident's Evidence.Seen and SeenRate) make a record version 3 and
// come back from it, explanation and all; a record without them stays
// version 2 (recordings of a simulation keep their bytes), and a version-2
// record that carries them is corrupt.
func TestPhaseSeenRoundTrip(t *testing.T) {
	f, vs := synthetic()
	if p := appendVerdicts(nil, &f, vs, true); !bytes.HasPrefix(p, []byte("[2,")) {
		t.Fatalf("a record without the phase check's fields starts %q, want version 2", p[:min(len(p), 8)])
	}
	open := -1
	for i := range vs {
		if vs[i].Alert.Open {
			open = i
			break
		}
	}
	if open < 0 {
		t.Fatal("the synthetic verdicts have no open incident")
	}
	vs[open].Alert.Evidence.Seen, vs[open].Alert.Evidence.SeenRate = detector.ActivityHard, -1.25
	vs[open].PhaseSeen = detector.ActivityHard
	last := len(vs) - 1
	if last == open {
		t.Fatal("want a second verdict")
	}
	vs[last].PhaseSeen = detector.ActivityResting
	p := appendVerdicts(nil, &f, vs, true)
	if !bytes.HasPrefix(p, []byte("[3,")) {
		t.Fatalf("record starts %q, want version 3", p[:8])
	}
	got, err := decodeVerdicts(p, &f, names{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range vs {
		want := Rounded(vs[i], true)
		if d := verdictDiff(&want, &got[i]); d != "" {
			t.Fatal(d)
		}
		if got[i].PhaseSeen != vs[i].PhaseSeen || got[i].Alert.Evidence.Seen != vs[i].Alert.Evidence.Seen ||
			got[i].Alert.Evidence.SeenRate != vs[i].Alert.Evidence.SeenRate {
			t.Fatalf("verdict %d: phase seen %v, evidence %v %v; want %v, %v %v", i, got[i].PhaseSeen,
				got[i].Alert.Evidence.Seen, got[i].Alert.Evidence.SeenRate, vs[i].PhaseSeen, vs[i].Alert.Evidence.Seen, vs[i].Alert.Evidence.SeenRate)
		}
		if detector.Explain(&got[i]) != detector.Explain(&vs[i]) {
			t.Errorf("replayed explanation %q, live %q", detector.Explain(&got[i]), detector.Explain(&vs[i]))
		}
	}
	if !strings.Contains(detector.Explain(&got[last]), "does not match the activity seen") {
		t.Errorf("explanation %q does not say the phase was questioned", detector.Explain(&got[last]))
	}
	v2 := append([]byte("[2,"), p[3:]...)
	if _, err := decodeVerdicts(v2, &f, names{}, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("version 2 record with a phase seen: err = %v, want ErrCorrupt", err)
	}
}

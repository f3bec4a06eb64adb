package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// record runs cfg to its end into a recording and returns its bytes and the
// frames, adding an aux record after every 100th frame.
func record(t testing.TB, cfg Config, opts ...RecorderOption) ([]byte, []Frame) {
	t.Helper()
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, "test", NewHeader(s.Profiles(), &cfg), opts...)
	if err != nil {
		t.Fatal(err)
	}
	var frames []Frame
	var f Frame
	for s.Step(&f) == nil {
		if err := rec.WriteFrame(&f); err != nil {
			t.Fatal(err)
		}
		if f.T%100 == 0 {
			payload := fmt.Sprintf(`{"tick": %d, "alerts": ["x"]}`, f.T)
			if err := rec.WriteAux(f.T, "verdict", json.RawMessage(payload)); err != nil {
				t.Fatal(err)
			}
		}
		frames = append(frames, f.Clone())
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), frames
}

func TestRecordingByteIdentical(t *testing.T) {
	cfg := testConfig(20, 10*time.Minute, 5)
	a, _ := record(t, cfg)
	b, _ := record(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different recording bytes")
	}
	cfg.Seed = 6
	c, _ := record(t, cfg)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same recording")
	}
}

func TestReplayReproducesRun(t *testing.T) {
	cfg := testConfig(25, 30*time.Minute, 8)
	cfg.PoisonRate = 0.2
	data, frames := record(t, cfg, WithSyncEvery(97))
	r, err := NewReplay(bytes.NewReader(data), "mem")
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if h.Config == nil || h.Config.Seed != cfg.Seed || h.Config.Mix != cfg.Mix || !h.Config.Start.Equal(cfg.Start) ||
		h.Config.Duration != cfg.Duration || h.Config.Tick != cfg.Tick || h.Config.PoisonRate != cfg.PoisonRate {
		t.Fatalf("config %+v, recorded %+v", h.Config, cfg)
	}
	if h.Config.World != cfg.World {
		t.Fatalf("world %+v, recorded %+v", h.Config.World, cfg.World)
	}
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Profiles(), s.Profiles()) {
		t.Fatal("profiles differ from the ones the simulation gave its scorer")
	}
	if len(r.members) != (1800+96)/97 {
		t.Fatalf("indexed %d gzip members, want one per 97 frames", len(r.members))
	}
	if r.Len() != int64(len(frames)) || r.First() != 0 || r.Last() != frames[len(frames)-1].T || r.Pos() != 0 {
		t.Fatalf("Len %d First %d Last %d Pos %d", r.Len(), r.First(), r.Last(), r.Pos())
	}
	ctx := context.Background()
	labels := 0
	for i := range frames {
		got, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if d := sameFrame(&got, &frames[i]); d != "" {
			t.Fatalf("tick %d: %s differs after replay", frames[i].T, d)
		}
		labels += len(got.Truth)
		aux := r.Aux()
		if frames[i].T%100 == 0 {
			if len(aux) != 1 || aux[0].T != frames[i].T || aux[0].Kind != "verdict" ||
				string(aux[0].Payload) != fmt.Sprintf(`{"tick":%d,"alerts":["x"]}`, frames[i].T) {
				t.Fatalf("tick %d: aux %+v", frames[i].T, aux)
			}
		} else if len(aux) != 0 {
			t.Fatalf("tick %d: unexpected aux %+v", frames[i].T, aux)
		}
	}
	if labels == 0 {
		t.Fatal("no labels replayed")
	}
	if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v", err)
	}
	if r.Pos() != r.Last()+1 {
		t.Fatalf("Pos at the end %d", r.Pos())
	}

	// Seek backward and forward, across members, past either end.
	for _, target := range []int64{1500, 3, 96, 97, 98, 1799, 0, 1000, -50} {
		if err := r.SeekTo(target); err != nil {
			t.Fatal(err)
		}
		want := max(target, 0)
		if r.Pos() != want {
			t.Fatalf("SeekTo(%d): Pos %d", target, r.Pos())
		}
		for i := want; i < min(want+3, int64(len(frames))); i++ {
			got, err := r.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameFrame(&got, &frames[i]); d != "" {
				t.Fatalf("after SeekTo(%d), tick %d: %s differs", target, i, d)
			}
		}
	}
	if err := r.SeekTo(5000); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after seeking past the end: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestRecordingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.chakra.gz")
	cfg := testConfig(10, 5*time.Minute, 1)
	s, _ := NewSim(cfg)
	rec, err := CreateRecording(path, NewHeader(s.Profiles(), &cfg))
	if err != nil {
		t.Fatal(err)
	}
	src := Recorded(s, rec)
	n := 0
	for {
		if _, err := src.Next(context.Background()); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteFrame(&Frame{T: 1000}); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	r, err := OpenReplay(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() != int64(n) || n != 300 {
		t.Fatalf("%d frames recorded, replay has %d", n, r.Len())
	}
	// A plain gzip reader sees one stream of JSON lines.
	f, _ := os.Open(path)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(all), "\n"), "\n")
	if len(lines) != 302 || !strings.HasPrefix(lines[0], `{"format":"chakra-tui/recording","version":2,`) ||
		lines[301] != `{"k":"end","frames":300,"aux":0}` {
		t.Fatalf("%d lines, first %.60q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	if _, err := OpenReplay(filepath.Join(t.TempDir(), "missing.gz")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestRecorderRefusesBadInput(t *testing.T) {
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, "x", NewHeader(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteFrame(&Frame{T: 5}); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteFrame(&Frame{T: 5}); err == nil {
		t.Error("a repeated tick was accepted")
	}
	if err := rec.WriteAux(5, "verdict", json.RawMessage(`{"a":`)); err == nil {
		t.Error("invalid aux JSON was accepted")
	}
	if err := rec.WriteAux(5, "", json.RawMessage(`1`)); err == nil {
		t.Error("aux without a kind was accepted")
	}
	if _, err := NewRecorder(&buf, "x", Header{Format: RecordingFormat, Version: 9}); !errors.Is(err, ErrRecordingVersion) {
		t.Errorf("writing version 9: %v", err)
	}
}

// gz compresses lines into one gzip member.
func gz(lines ...string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for _, l := range lines {
		io.WriteString(zw, l+"\n")
	}
	zw.Close()
	return b.Bytes()
}

func TestReplayErrors(t *testing.T) {
	good, _ := record(t, testConfig(5, 20*time.Minute, 1), WithSyncEvery(200))
	header := `{"format":"chakra-tui/recording","version":1,"config":null,"profiles":[]}`
	frame := `{"k":"frame","t":0,"time":"2025-06-01T09:00:00Z","obs":[[1,80,99.5,37.4,98,0,0,22]],"truth":[]}`
	end := `{"k":"end","frames":1,"aux":0}`
	flipped := bytes.Clone(good)
	flipped[1000] ^= 0xff // inside the first member's deflate data (a flip in a gzip header's time field goes unnoticed)
	for _, tc := range []struct {
		name string
		data []byte
		want error
		say  string // a fragment the message must contain
	}{
		{"empty", nil, ErrEmptyRecording, "0 bytes"},
		{"gzip of nothing", gz(), ErrEmptyRecording, "no header"},
		{"not gzip", []byte("heart_rate,stamina\n80,99\n"), ErrNotRecording, "not gzip"},
		{"not a header", gz(`{"hello":"world"}`), ErrNotRecording, "line 1"},
		{"wrong version", gz(`{"format":"chakra-tui/recording","version":3,"profiles":[]}`, frame, end), ErrRecordingVersion, "version 3"},
		{"version 0", gz(`{"format":"chakra-tui/recording","version":0,"profiles":[]}`, frame, end), ErrRecordingVersion, "version 0"},
		{"bad world duration", gz(`{"format":"chakra-tui/recording","version":2,"config":{"soldiers":1,"squad_size":1,"seed":1,"tick":"1s","start":"2025-06-01T09:00:00Z","duration":"0s","mix":"","world":{"missing_burst":"2 s"}},"profiles":[]}`, frame, end), ErrCorruptRecording, "missing_burst"},
		{"truncated in the first member", good[:200], ErrTruncatedRecording, "byte"},
		{"corrupt bytes", flipped, ErrCorruptRecording, "line|byte"},
		{"corrupt line", gz(header, frame, `{"k":"frame","t":1,"obs":[[1,2]`, end), ErrCorruptRecording, "line 3"},
		{"unknown record", gz(header, frame, `{"k":"banana","t":1}`, end), ErrCorruptRecording, "line 3"},
		{"ticks go back", gz(header, frame, frame, end), ErrCorruptRecording, "line 3"},
		{"after the end", gz(header, frame, end, frame), ErrCorruptRecording, "line 4"},
		{"line without end", gz(header, frame, end)[:0], ErrEmptyRecording, ""},
		{"trailing garbage", append(gz(header, frame, end), "garbage!"...), ErrCorruptRecording, "byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReplay(bytes.NewReader(tc.data), "bad.gz")
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			says := false
			for alt := range strings.SplitSeq(tc.say, "|") {
				says = says || strings.Contains(err.Error(), alt)
			}
			if !strings.Contains(err.Error(), `"bad.gz"`) || !says {
				t.Fatalf("error %q should name the file and say %q", err, tc.say)
			}
		})
	}
}

// TestReplayBadFrameFoundOnRead covers damage the index pass does not
// decode: a frame line that is valid JSON with bad content.
func TestReplayBadFrameFoundOnRead(t *testing.T) {
	header := `{"format":"chakra-tui/recording","version":1,"config":null,"profiles":[]}`
	frame := `{"k":"frame","t":0,"time":"2025-06-01T09:00:00Z","obs":[[1,80,99.5,37.4,98,0,0,22]],"truth":[]}`
	bad := []string{
		`{"k":"frame","t":1,"time":"2025-06-01T09:00:01Z","obs":[[1,80,99.5,37.4,98,9,0,22]],"truth":[]}`,
		`{"k":"frame","t":1,"time":"2025-06-01T09:00:01Z","obs":[[1,"80",99.5,37.4,98,0,0,22]],"truth":[]}`,
		`{"k":"frame","t":1,"time":"yesterday","obs":[],"truth":[]}`,
		`{"k":"frame","t":1,"time":"2025-06-01T09:00:01Z","obs":[[2,80,99.5,37.4,98,0,0,22],[1,80,99.5,37.4,98,0,0,22]],"truth":[]}`,
		`{"k":"frame","t":1,"time":"2025-06-01T09:00:01Z","obs":[],"truth":[[1,5,9,"tachycardia"]]}`,
		`{"k":"frame","t":1,"time":"2025-06-01T09:00:01Z","obs":[],"truth":[[1,0,9,"flu"]]}`,
	}
	for i, line := range bad {
		r, err := NewReplay(bytes.NewReader(gz(header, frame, line, `{"k":"end","frames":2,"aux":0}`)), "bad.gz")
		if err != nil {
			t.Fatalf("case %d: open: %v", i, err)
		}
		_, err = r.Next(context.Background())
		if err != nil {
			t.Fatalf("case %d: first frame: %v", i, err)
		}
		_, err = r.Next(context.Background())
		if !errors.Is(err, ErrCorruptRecording) || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("case %d: %v, want a corrupt-recording error at line 3", i, err)
		}
	}
	// Missing readings round-trip as missing, never zero.
	r, err := NewReplay(bytes.NewReader(gz(header, `{"k":"frame","t":0,"time":"2025-06-01T09:00:00Z","obs":[[1,null,99.5,null,98,0,1,null]],"truth":[]}`, `{"k":"end"}`)), "ok.gz")
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o := f.Obs[0]
	if o.Missing != Mask(0).With(HeartRate).With(CoreTemp) || o.Values[Stamina] != 99.5 || o.NextPhase != PhasePatrol {
		t.Fatalf("decoded %+v", o)
	}
	if _, ok := o.Value(HeartRate); ok {
		t.Fatal("a null heart rate reads as present")
	}
}

func FuzzReplay(f *testing.F) {
	// A small seed: the fuzzer minimises every new interesting input, which
	// takes long for large ones.
	good, _ := record(f, testConfig(2, 20*time.Second, 1), WithSyncEvery(8))
	zr, _ := gzip.NewReader(bytes.NewReader(good))
	plain, _ := io.ReadAll(zr)
	f.Add(plain)
	f.Add(plain[:len(plain)/2])
	f.Add([]byte(`{"format":"chakra-tui/recording","version":1,"config":null,"profiles":[]}` + "\n" + `{"k":"end"}` + "\n"))
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		// Fuzz the decompressed text (where the parsing is) and the raw
		// bytes (where the gzip handling is).
		for _, data := range [][]byte{gz(string(text)), text} {
			r, err := NewReplay(bytes.NewReader(data), "fuzz")
			if err != nil {
				if !errors.Is(err, ErrEmptyRecording) && !errors.Is(err, ErrNotRecording) && !errors.Is(err, ErrRecordingVersion) &&
					!errors.Is(err, ErrCorruptRecording) && !errors.Is(err, ErrTruncatedRecording) {
					t.Fatalf("open: an error outside the sentinels: %v", err)
				}
				continue
			}
			n := int64(0)
			for {
				f, err := r.Next(context.Background())
				if err != nil {
					if !errors.Is(err, io.EOF) && !errors.Is(err, ErrCorruptRecording) && !errors.Is(err, ErrTruncatedRecording) {
						t.Fatalf("next: an error outside the sentinels: %v", err)
					}
					break
				}
				for _, o := range f.Obs {
					for v := range Vital(NumVitals) {
						if o.Missing.Has(v) != (o.Values[v] != o.Values[v]) {
							t.Fatalf("missing bit and NaN disagree: %+v", o)
						}
					}
				}
				n++
			}
			if n > r.Len() {
				t.Fatalf("read %d frames of %d", n, r.Len())
			}
			r.SeekTo(r.First())
		}
	})
}

// TestRecordingCarriesWorld records runs in the field world and in a world
// with every property set to an odd value: the header gives the world back
// exactly, the erroneous profiles a scorer was given round-trip, and a
// simulation rebuilt from the header's config gives the recorded frames.
func TestRecordingCarriesWorld(t *testing.T) {
	odd := World{
		ArtefactMin: 1500 * time.Millisecond, ArtefactMax: 42 * time.Second, ArtefactExertion: 2.5,
		CadenceLock: 0.3, CadenceMin: 141.5, CadenceMax: 177,
		NoiseDF: 5.25, SensorBias: 0.7, SensorDrift: 1.3,
		PartialDropoutRate: 0.9, PartialDropoutMin: 7 * time.Second, PartialDropoutMax: 3*time.Minute + 500*time.Millisecond,
		MissingRate: 0.035, MissingBurst: 3 * time.Second,
		ScheduleJitter:   90 * time.Second,
		UnplannedContact: 0.4,
		StartAnomalous:   0.15,
		ProfileHRError:   5.5, ProfileAgeError: 2.25,
	}
	// A World field added later must be set here, and so reach the header.
	for v, i := reflect.ValueOf(odd), 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("World.%s is zero in the test world: give it an odd value", v.Type().Field(i).Name)
		}
	}
	for _, tc := range []struct {
		name  string
		world World
	}{{"field", FieldWorld()}, {"every property odd", odd}, {"clean", CleanWorld()}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(20, 15*time.Minute, 13)
			cfg.PoisonRate, cfg.World = 0.2, tc.world
			s, err := NewSim(cfg)
			if err != nil {
				t.Fatal(err)
			}
			given := s.Profiles()
			if tc.world.ProfileHRError > 0 && slices.Equal(given, GenerateProfiles(cfg.Soldiers, cfg.SquadSize, cfg.Seed)) {
				t.Fatal("a world with profile errors gave the exact profiles: the round trip below would prove nothing")
			}
			data, frames := record(t, cfg)
			r, err := NewReplay(bytes.NewReader(data), "mem")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			h := r.Header()
			if h.Version != RecordingVersion || h.Config == nil {
				t.Fatalf("header version %d config %v", h.Version, h.Config)
			}
			if h.Config.World != tc.world {
				t.Fatalf("world read back as\n%+v\nwant\n%+v", h.Config.World, tc.world)
			}
			if !slices.Equal(h.Profiles, given) {
				t.Fatal("the profiles the scorer was given did not round-trip")
			}
			twin, ts := runAll(t, *h.Config)
			if !slices.Equal(ts.Profiles(), given) || len(twin) != len(frames) {
				t.Fatalf("the header's config rebuilds %d frames (want %d) or other profiles", len(twin), len(frames))
			}
			for i := range frames {
				if d := sameFrame(&twin[i], &frames[i]); d != "" {
					t.Fatalf("tick %d: %s differs in the run rebuilt from the header", frames[i].T, d)
				}
			}
		})
	}
}

// TestReplayReadsVersion1 reads a version-1 header, which has no world: it
// is the clean world, and writing that header again gives the current
// version with the clean world spelled out.
func TestReplayReadsVersion1(t *testing.T) {
	header := `{"format":"chakra-tui/recording","version":1,"config":{"soldiers":1,"squad_size":10,"seed":7,"tick":"1s",` +
		`"start":"2025-06-01T09:00:00Z","duration":"1m0s","poison_rate":0.05,"mix":"tachycardia=1","artefact_rate":1,` +
		`"ambient_mean":22,"ambient_swing":4},"profiles":[{"id":1,"squad":0,"age":25,"fitness":"average","resting_hr":62,` +
		`"hr_max":190,"mass":80,"acclimatised":0.5,"base_core_temp":37}]}`
	frame := `{"k":"frame","t":0,"time":"2025-06-01T09:00:00Z","obs":[[1,80,99.5,37.4,98,0,0,22]],"truth":[]}`
	r, err := NewReplay(bytes.NewReader(gz(header, frame, `{"k":"end","frames":1,"aux":0}`)), "v1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header()
	if h.Version != 1 || h.Config == nil || h.Config.Seed != 7 || h.Config.World != CleanWorld() {
		t.Fatalf("version 1 header read as %+v", h)
	}
	if err := h.Config.Validate(); err != nil {
		t.Fatalf("the version 1 config is not valid: %v", err)
	}
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, "again", h)
	if err != nil {
		t.Fatalf("re-recording a version 1 header: %v", err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := NewReplay(bytes.NewReader(buf.Bytes()), "again")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if g := again.Header(); g.Version != RecordingVersion || g.Config == nil || *g.Config != *h.Config || !slices.Equal(g.Profiles, h.Profiles) {
		t.Fatalf("re-recorded header %+v, want %+v at version %d", g, h, RecordingVersion)
	}
	zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	line, _ := io.ReadAll(zr)
	if !strings.Contains(string(line), `"world":{"artefact_min":"0s"`) {
		t.Fatalf("the clean world is not spelled out: %.300s", line)
	}
}

package engine

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flushPoint is what a recording had written out after a frame: its byte
// length and how many frames its complete members hold.
type flushPoint struct{ off, frames int64 }

// recordFlushed records cfg, flushing after every frame whose tick is in
// flushAt (as the wall-time flush would) and every sync frames, with one
// aux record per frame (as a session's verdicts). It returns the bytes,
// the frames, and the flush points in order.
func recordFlushed(t testing.TB, cfg Config, sync int, flushAt func(int64) bool) ([]byte, []Frame, []flushPoint) {
	t.Helper()
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, "test", NewHeader(s.Profiles(), &cfg), WithSyncEvery(sync))
	if err != nil {
		t.Fatal(err)
	}
	var frames []Frame
	var points []flushPoint
	var f Frame
	for s.Step(&f) == nil {
		aux := AuxRecord{T: f.T, Kind: "verdict", Payload: json.RawMessage(fmt.Sprintf(`{"tick":%d}`, f.T))}
		if err := rec.WriteFrame(&f, aux); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f.Clone())
		if flushAt(f.T) {
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		points = append(points, flushPoint{int64(buf.Len()), rec.Flushed()})
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), frames, points
}

// kept returns how many frames a file cut at byte c must play: those of the
// members complete before c.
func kept(points []flushPoint, c int64) int64 {
	n := int64(0)
	for _, p := range points {
		if p.off <= c {
			n = max(n, p.frames)
		}
	}
	return n
}

// TestTruncatedRecordingPlaysFlushedFrames cuts a recording at every byte of
// its last members, around every member boundary and at random offsets: it
// must open, play exactly the frames of the complete members (with their aux
// records), end with io.EOF, and say where it was cut and what it kept.
func TestTruncatedRecordingPlaysFlushedFrames(t *testing.T) {
	cfg := testConfig(1, 3*time.Minute, 11)
	data, frames, points := recordFlushed(t, cfg, 50, func(tick int64) bool { return tick%11 == 10 })
	size := int64(len(data))
	t.Logf("%d bytes, %d frames", size, len(frames))
	firstEnd := int64(0) // the end of the first complete member
	for _, p := range points {
		if p.frames > 0 {
			firstEnd = p.off
			break
		}
	}
	if firstEnd == 0 || firstEnd >= size/4 {
		t.Fatalf("first member ends at %d of %d bytes", firstEnd, size)
	}
	cuts := map[int64]bool{}
	// Every byte near the end is checked for its extent; member boundaries
	// (±2) and random offsets also for every frame played.
	for c := max(size-300, firstEnd); c < size; c++ {
		cuts[c] = false
	}
	for _, p := range points {
		for d := int64(-2); d <= 2; d++ {
			if c := p.off + d; c >= firstEnd && c < size {
				cuts[c] = true
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		cuts[firstEnd+rng.Int64N(size-firstEnd)] = true
	}
	ctx := context.Background()
	for c, full := range cuts {
		want := kept(points, c)
		r, err := NewReplay(bytes.NewReader(data[:c]), "cut.gz")
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", c, size, err)
		}
		tr := r.Truncated()
		if tr == nil || r.Len() != want || tr.Frames != want || tr.Size != c || tr.Offset > c ||
			tr.LastT != frames[want-1].T || !tr.LastTime.Equal(frames[want-1].Time) || !errors.Is(tr, ErrTruncatedRecording) {
			t.Fatalf("cut at %d of %d: Len %d, truncation %+v; want %d frames to tick %d", c, size, r.Len(), tr, want, frames[want-1].T)
		}
		msg := tr.Error()
		if !strings.Contains(msg, `"cut.gz"`) || !strings.Contains(msg, "tick "+strconv.FormatInt(frames[want-1].T, 10)) ||
			!strings.Contains(msg, "byte "+strconv.FormatInt(c, 10)) {
			t.Fatalf("cut at %d: message %q should name the file, the last tick and the size", c, msg)
		}
		if tr.Offset < c && !strings.Contains(msg, "from byte "+strconv.FormatInt(tr.Offset, 10)) {
			t.Fatalf("cut at %d: message %q should name the damage offset %d", c, msg, tr.Offset)
		}
		if tr.LostFrames < 0 || tr.Frames+tr.LostFrames > int64(len(frames)) {
			t.Fatalf("cut at %d: lost %d frames", c, tr.LostFrames)
		}
		if !full {
			continue
		}
		// Exactly the kept frames play, each with its aux record, then io.EOF.
		for i := range want {
			f, err := r.Next(ctx)
			if err != nil {
				t.Fatalf("cut at %d: frame %d of %d: %v", c, i, want, err)
			}
			if d := sameFrame(&f, &frames[i]); d != "" {
				t.Fatalf("cut at %d: tick %d: %s", c, f.T, d)
			}
			if aux := r.Aux(); len(aux) != 1 || aux[0].T != f.T {
				t.Fatalf("cut at %d: tick %d: aux %+v", c, f.T, aux)
			}
		}
		if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("cut at %d: after %d frames: %v, want io.EOF", c, want, err)
		}
		// Seeking stays inside the kept frames.
		if err := r.SeekTo(frames[want-1].T); err != nil {
			t.Fatalf("cut at %d: seek: %v", c, err)
		}
		if f, err := r.Next(ctx); err != nil || f.T != frames[want-1].T {
			t.Fatalf("cut at %d: after a seek to the last tick: %d, %v", c, f.T, err)
		}
		if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("cut at %d: after the last tick: %v", c, err)
		}
	}
	// Whole, it is not truncated; cut inside its first member, it is refused.
	if r, err := NewReplay(bytes.NewReader(data), "whole.gz"); err != nil || r.Truncated() != nil || r.Len() != int64(len(frames)) {
		t.Fatalf("whole file: %v", err)
	}
	for _, c := range []int64{1, 10, firstEnd / 2, firstEnd - 1} {
		if _, err := NewReplay(bytes.NewReader(data[:c]), "cut.gz"); !errors.Is(err, ErrTruncatedRecording) && !errors.Is(err, ErrNotRecording) {
			t.Errorf("cut at %d, inside the first member: %v", c, err)
		}
	}
}

// TestTruncatedAtMemberBoundary covers a file that ends cleanly after a
// member but without its end record.
func TestTruncatedAtMemberBoundary(t *testing.T) {
	header := `{"format":"chakra-tui/recording","version":1,"config":null,"profiles":[]}`
	frame := `{"k":"frame","t":0,"time":"2025-06-01T09:00:00Z","obs":[[1,80,99.5,37.4,98,0,0,22]],"truth":[]}`
	data := gz(header, frame)
	r, err := NewReplay(bytes.NewReader(data), "short.gz")
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Truncated()
	if tr == nil || tr.Offset != int64(len(data)) || tr.Frames != 1 || tr.LastT != 0 ||
		!strings.Contains(tr.Error(), "without its end record") || !strings.Contains(tr.Error(), "2025-06-01T09:00:00Z") {
		t.Fatalf("truncation %+v: %v", tr, tr)
	}
	if f, err := r.Next(context.Background()); err != nil || f.T != 0 {
		t.Fatalf("first frame: %v", err)
	}
	if _, err := r.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after it: %v", err)
	}
}

// members splits a recording into its gzip members' decompressed texts.
func members(t *testing.T, data []byte) []string {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(data))
	var out []string
	for {
		zr, err := gzip.NewReader(br)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
}

// TestFlushEveryKeepsContent closes a member after every 7 s of frame
// time: the file gets a member per 7 frames, each written out as soon as
// its last frame is, each starting with a frame line (a flush never
// separates a frame from its aux records); it decompresses to exactly the
// text of a recording without them, and writing the same frames again gives
// the same bytes.
func TestFlushEveryKeepsContent(t *testing.T) {
	cfg := testConfig(4, 5*time.Minute, 3)
	plain, frames := record(t, cfg)
	write := func() []byte {
		s, _ := NewSim(cfg)
		var buf bytes.Buffer
		rec, err := NewRecorder(&buf, "flushed", NewHeader(s.Profiles(), &cfg), WithFlushEvery(7*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for i := range frames {
			f := frames[i]
			var aux []AuxRecord
			if f.T%100 == 0 {
				aux = append(aux, AuxRecord{T: f.T, Kind: "verdict", Payload: json.RawMessage(fmt.Sprintf(`{"tick": %d, "alerts": ["x"]}`, f.T))})
			}
			if err := rec.WriteFrame(&f, aux...); err != nil {
				t.Fatal(err)
			}
			if want := int64(i+1) / 7 * 7; rec.Flushed() != want {
				t.Fatalf("after frame %d: %d frames written out, want %d", i+1, rec.Flushed(), want)
			}
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	got := write()
	ms := members(t, got)
	if pm, want := len(members(t, plain)), (len(frames)+6)/7; pm != 1 || len(ms) != want {
		t.Fatalf("%d members for %d frames, want %d (%d without flushing)", len(ms), len(frames), want, pm)
	}
	for i, m := range ms[1:] {
		if !strings.HasPrefix(m, `{"k":"frame",`) {
			t.Fatalf("member %d starts with %.40q", i+1, m)
		}
	}
	if strings.Join(members(t, plain), "") != strings.Join(ms, "") {
		t.Fatal("the flushed recording decompresses to different text")
	}
	if !bytes.Equal(got, write()) {
		t.Fatal("the same frames gave different bytes")
	}
	r, err := NewReplay(bytes.NewReader(got), "flushed")
	if err != nil || r.Truncated() != nil || r.Len() != int64(len(frames)) {
		t.Fatalf("replay: %v, %d frames", err, r.Len())
	}
}

// TestCreateRecordingRefusesExisting: an existing file is never touched
// without WithOverwrite; recordings are created 0600, and overwriting limits
// the mode to 0600.
func TestCreateRecordingRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(path, []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hdr := NewHeader(nil, nil)
	_, err := CreateRecording(path, hdr)
	if !errors.Is(err, ErrRecordingExists) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "my notes\n" {
		t.Fatalf("the existing file was changed: %q", b)
	}

	fresh := filepath.Join(dir, "new.chakra.gz")
	rec, err := CreateRecording(fresh, hdr)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Fatalf("new recording has mode %v, want 0600", fi.Mode().Perm())
	}

	// A header that cannot be written leaves no file behind.
	failed := filepath.Join(dir, "failed.chakra.gz")
	if _, err := CreateRecording(failed, Header{Format: RecordingFormat, Version: 9}); !errors.Is(err, ErrRecordingVersion) {
		t.Fatalf("writing version 9: %v", err)
	}
	if _, err := os.Stat(failed); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed create left a file: %v", err)
	}

	rec, err = CreateRecording(path, hdr, WithOverwrite())
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("overwritten recording has mode %v, want 0600", fi.Mode().Perm())
	}
	r, err := OpenReplay(path)
	if err != nil {
		t.Fatalf("overwritten file is not a recording: %v", err)
	}
	r.Close()
}

// killChildEnv names the recording the child process of TestKillKeepsFlushed
// writes.
const killChildEnv = "CHAKRA_TEST_KILL_CHILD"

// TestKillChild is the child of TestKillKeepsFlushed: it records an endless
// simulation, flushing every 20 frames and reporting each flush on stdout,
// until it is killed.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("the child process of TestKillKeepsFlushed")
	}
	cfg := testConfig(20, 0, 9)
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := CreateRecording(path, NewHeader(s.Profiles(), &cfg), WithFlushEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	var f Frame
	for s.Step(&f) == nil {
		if err := rec.WriteFrame(&f); err != nil {
			t.Fatal(err)
		}
		if rec.Frames()%20 == 0 {
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("flushed %d\n", rec.Flushed())
		}
	}
	t.Fatal("the simulation ended")
}

// TestKillKeepsFlushed kills a recording process with SIGKILL after it
// reported a number of flushes: every frame flushed before the kill must
// replay, equal to the simulation's.
func TestKillKeepsFlushed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "killed.chakra.gz")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	flushed := int64(0)
	sc := bufio.NewScanner(out)
	for flushed < 300 && sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "flushed "); ok {
			flushed, _ = strconv.ParseInt(n, 10, 64)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	cmd.Wait()
	if flushed < 300 {
		t.Fatalf("the child reported %d flushed frames before it stopped", flushed)
	}
	r, err := OpenReplay(path)
	if err != nil {
		t.Fatalf("replay of the killed recording: %v", err)
	}
	defer r.Close()
	if r.Truncated() == nil || r.Len() < flushed {
		t.Fatalf("killed after %d flushed frames: replay has %d, truncation %v", flushed, r.Len(), r.Truncated())
	}
	t.Logf("%d frames flushed when killed, %d replay; %v", flushed, r.Len(), r.Truncated())
	cfg := testConfig(20, 0, 9)
	s, _ := NewSim(cfg)
	var want Frame
	for i := int64(0); i < r.Len(); i++ {
		got, err := r.Next(context.Background())
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		s.Step(&want)
		if d := sameFrame(&got, &want); d != "" {
			t.Fatalf("tick %d: %s", got.T, d)
		}
	}
	if _, err := r.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v", err)
	}
}

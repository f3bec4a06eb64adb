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
	"io/fs"
	"math"
	"os"
	"strconv"
	"sync"
	"time"
)

// Recording file format (version 2).
//
// A recording is gzip-compressed JSON lines, one record per line, in one or
// more concatenated gzip members (any gzip reader reads it as one stream).
// The first line is the header:
//
//	{"format":"chakra-tui/recording","version":2,"config":{…,"world":{…}}|null,"profiles":[{…},…]}
//
// where config.world holds every property of the sensor world (durations
// as Go duration strings, the rest as numbers) and profiles are the
// profiles a scorer is given (with the world's profile errors). Version 1
// is version 2 without config.world; a reader takes a missing world as the
// clean world (CleanWorld). The version was bumped because the world
// changes what the config means: a version-1 reader, which ignores fields
// it does not know, would have read a field-world recording as clean.
//
// then one line per frame, in tick order:
//
//	{"k":"frame","t":12,"time":"2025-06-01T09:00:12Z",
//	 "obs":[[id,hr,stamina,core_temp,spo2,phase,next_phase,ambient],…],
//	 "truth":[[soldier,start,end,"kind"],…]}
//
// where a missing reading is null (never 0) and phases are Phase numbers;
// auxiliary records that higher layers add (a detector's verdicts) follow
// the frame they belong to:
//
//	{"k":"aux","t":12,"kind":"verdict","payload":{…}}
//
// and the last line is the trailer {"k":"end","frames":N,"aux":M}, whose
// absence marks a truncated file. A new gzip member starts every
// SyncEvery frames (default 300) and, in a file CreateRecording made, once
// a member spans DefaultFlushEvery of frame time; each member is written to
// the operating system when it closes, so a process killed at any moment
// leaves every closed member readable (Replay plays them and reports the
// cut tail). A member starts with a frame line (or the header) when aux
// records are written with their frame (WriteFrame), so a reader can seek
// to a member without decompressing what comes before it. Member
// boundaries follow the frames' own time, never the machine's clock, and
// the content uses no map iteration: the same frames give the same bytes.
const (
	RecordingFormat  = "chakra-tui/recording"
	RecordingVersion = 2
)

// minRecordingVersion is the oldest version a Replay reads (version 1: no
// world in the header, which means the clean world).
const minRecordingVersion = 1

// DefaultSyncEvery is the default number of frames per gzip member.
const DefaultSyncEvery = 300

// DefaultFlushEvery is how much frame time a gzip member of a recording
// that CreateRecording made spans before it is closed and written to the
// operating system: a process killed with SIGKILL loses at most the frames
// of the last DefaultFlushEvery (at ×1, that many seconds of wall time;
// faster runs lose less wall time). Measured on a 10-minute, 100-soldier
// run: members of 4 frames make the file ≈ 9 % larger than members of 300.
const DefaultFlushEvery = 4 * time.Second

// ErrRecordingExists is returned by CreateRecording when the file exists
// and WithOverwrite was not given.
var ErrRecordingExists = errors.New("the file already exists")

// Header is the first record of a recording: what produced it.
type Header struct {
	Format   string
	Version  int
	Config   *Config // the simulation's configuration; nil for other sources
	Profiles []Profile
}

// NewHeader returns the header of a recording of the current format.
func NewHeader(profiles []Profile, cfg *Config) Header {
	h := Header{Format: RecordingFormat, Version: RecordingVersion, Profiles: profiles}
	if cfg != nil {
		c := *cfg
		h.Config = &c
	}
	return h
}

// AuxRecord is an auxiliary record a higher layer stored beside the frames,
// such as a detector's verdicts for tick T.
type AuxRecord struct {
	T       int64
	Kind    string
	Payload json.RawMessage
}

// Recorder writes a recording. Its methods are safe to call from several
// goroutines (a lock serialises them). Errors are sticky: after a failed
// write every later call returns the same error.
type Recorder struct {
	mu        sync.Mutex // guards everything below
	name      string
	file      *os.File // set by CreateRecording; synced and closed by Close
	bw        *bufio.Writer
	zw        *gzip.Writer
	line      []byte
	scratch   bytes.Buffer
	syncEvery int
	inMember  int   // frames in the current member
	firstT    int64 // tick of the current member's first frame
	unflushed int   // lines in the current member
	flushed   int64 // frames in members written to w
	frames    int64
	aux       int64
	lastT     int64
	err       error
	closed    bool

	flushEvery int64 // frame time a member spans before it is written out, s; 0: off
	flushSet   bool  // WithFlushEvery was given
	overwrite  bool  // WithOverwrite
}

// RecorderOption configures a Recorder.
type RecorderOption func(*Recorder)

// WithSyncEvery starts a new gzip member every n frames (n ≥ 1): smaller
// members seek faster and compress a little worse.
func WithSyncEvery(n int) RecorderOption {
	return func(r *Recorder) { r.syncEvery = max(n, 1) }
}

// WithFlushEvery closes the current gzip member and writes it to the
// operating system after the frame with which it spans d of frame time
// (whole seconds, rounded up; frames T0…T with T − T0 + 1 ≥ d), so a killed
// process loses at most the last d of frames (d ≤ 0: only every SyncEvery
// frames and at Close). A flush never separates a frame from the aux
// records written with it (WriteFrame). The boundaries depend only on the
// frames, so the same frames still give the same bytes. CreateRecording
// defaults to DefaultFlushEvery, NewRecorder to 0.
func WithFlushEvery(d time.Duration) RecorderOption {
	return func(r *Recorder) {
		r.flushEvery, r.flushSet = int64((max(d, 0)+time.Second-1)/time.Second), true
	}
}

// WithOverwrite lets CreateRecording replace an existing file (truncating
// it and limiting its mode to 0600) instead of refusing it.
func WithOverwrite() RecorderOption {
	return func(r *Recorder) { r.overwrite = true }
}

// CreateRecording creates the file at path, readable and writable by its
// owner only (0600: recordings hold health data), and writes hdr. An
// existing path is refused with ErrRecordingExists unless WithOverwrite is
// given. The recording is flushed every DefaultFlushEvery unless
// WithFlushEvery says otherwise; Close syncs the file to disk.
func CreateRecording(path string, hdr Header, opts ...RecorderOption) (*Recorder, error) {
	probe := Recorder{}
	for _, o := range opts {
		o(&probe)
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if probe.overwrite {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if errors.Is(err, fs.ErrExist) && !probe.overwrite {
		return nil, fmt.Errorf("create recording %q: %w: refusing to overwrite it (--force overwrites)", path, ErrRecordingExists)
	}
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&^0o600 != 0 {
		if err := f.Chmod(fi.Mode().Perm() & 0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("create recording %q: limit its mode to 0600: %w", path, err)
		}
	}
	if !probe.flushSet {
		opts = append([]RecorderOption{WithFlushEvery(DefaultFlushEvery)}, opts...)
	}
	r, err := newRecorder(f, path, hdr, f, opts)
	if err != nil {
		f.Close()
		if !probe.overwrite {
			os.Remove(path) // the file this call created, so that a retry is not refused
		}
		return nil, err
	}
	return r, nil
}

// NewRecorder writes a recording with header hdr to w; name identifies it
// in errors. Close finishes the recording but does not close w. It closes
// members by frame time only when WithFlushEvery asks. A header of an older
// version a Replay reads is written as the current version, meaning kept.
func NewRecorder(w io.Writer, name string, hdr Header, opts ...RecorderOption) (*Recorder, error) {
	return newRecorder(w, name, hdr, nil, opts)
}

func newRecorder(w io.Writer, name string, hdr Header, file *os.File, opts []RecorderOption) (*Recorder, error) {
	r := &Recorder{name: name, file: file, syncEvery: DefaultSyncEvery, lastT: math.MinInt64}
	for _, o := range opts {
		o(r)
	}
	if hdr.Format == "" {
		hdr.Format = RecordingFormat
	}
	if hdr.Version == 0 || (hdr.Version >= minRecordingVersion && hdr.Version < RecordingVersion) {
		// An older version's header (a replay's, re-recorded) is written in
		// the current format: its meaning is kept (version 1 without a
		// world is the clean world, which is now written out).
		hdr.Version = RecordingVersion
	}
	if hdr.Format != RecordingFormat || hdr.Version != RecordingVersion {
		return nil, fmt.Errorf("write recording %q: %w: cannot write format %q version %d", name, ErrRecordingVersion, hdr.Format, hdr.Version)
	}
	b, err := json.Marshal(headerToJSON(hdr))
	if err != nil {
		return nil, fmt.Errorf("write recording %q: encode header: %w", name, err)
	}
	r.bw = bufio.NewWriterSize(w, 1<<16)
	r.zw, _ = gzip.NewWriterLevel(r.bw, gzip.BestSpeed) // fastest level (recording must not slow a live run); no name, no mod time: deterministic bytes
	r.line = append(b, '\n')
	r.write()
	if r.err != nil {
		return nil, r.err
	}
	return r, nil
}

// write appends r.line to the current member.
func (r *Recorder) write() {
	if r.err != nil {
		return
	}
	if _, err := r.zw.Write(r.line); err != nil {
		r.err = fmt.Errorf("write recording %q: %w", r.name, err)
		return
	}
	r.unflushed++
}

// flushLocked closes the current member, if it holds anything, and writes
// it to the underlying writer (one write(2) of a file, no fsync).
func (r *Recorder) flushLocked() {
	if r.err != nil || r.unflushed == 0 {
		return
	}
	if err := r.zw.Close(); err != nil {
		r.err = fmt.Errorf("write recording %q: %w", r.name, err)
		return
	}
	if err := r.bw.Flush(); err != nil {
		r.err = fmt.Errorf("write recording %q: %w", r.name, err)
		return
	}
	r.zw.Reset(r.bw)
	r.inMember, r.unflushed, r.flushed = 0, 0, r.frames
}

// Flush closes the current gzip member and writes it out now, so that
// everything written so far survives the process being killed. It is safe
// to call from any goroutine.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return err
	}
	r.flushLocked()
	return r.err
}

// Flushed returns the number of frames in gzip members already written out
// (what a kill would keep, short of a crash of the machine).
func (r *Recorder) Flushed() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flushed
}

func (r *Recorder) usable() error {
	if r.closed {
		return fmt.Errorf("write recording %q: %w", r.name, ErrClosed)
	}
	return r.err
}

// WriteFrame appends one frame and the auxiliary records that belong to it
// (such as a detector's verdicts on it), as one unit that a flush never
// splits; each is checked before anything is written. Ticks must increase
// from frame to frame. A NaN reading is written as missing; an infinite one
// is an error.
func (r *Recorder) WriteFrame(f *Frame, aux ...AuxRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return err
	}
	if f.T <= r.lastT {
		return fmt.Errorf("write recording %q: frame at tick %d after tick %d: ticks must increase", r.name, f.T, r.lastT)
	}
	b := r.line[:0]
	b = append(b, `{"k":"frame","t":`...)
	b = strconv.AppendInt(b, f.T, 10)
	b = append(b, `,"time":"`...)
	b = f.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","obs":[`...)
	for i := range f.Obs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = r.appendObs(b, f.T, &f.Obs[i]); err != nil {
			return err
		}
	}
	b = append(b, `],"truth":[`...)
	b = appendTruth(b, f.Truth)
	b = append(b, "]}\n"...)
	for _, a := range aux {
		var err error
		if b, err = r.appendAux(b, a.T, a.Kind, a.Payload); err != nil {
			r.line = b
			return err
		}
	}
	r.line = b
	r.writeUnit(f.T, len(aux))
	return r.err
}

// appendObs appends observation o of the frame at tick t as [soldier,
// the vitals (null: missing or NaN), phase, next phase, ambient (null: not
// finite)]. An infinite vital is an error.
func (r *Recorder) appendObs(b []byte, t int64, o *Observation) ([]byte, error) {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(o.Soldier), 10)
	for v := range Vital(NumVitals) {
		b = append(b, ',')
		x := o.Values[v]
		if o.Missing.Has(v) || math.IsNaN(x) {
			b = append(b, "null"...)
			continue
		}
		if math.IsInf(x, 0) {
			return b, fmt.Errorf("write recording %q: tick %d soldier %d: %s is %v", r.name, t, o.Soldier, v, x)
		}
		b = strconv.AppendFloat(b, x, 'f', -1, 64)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.Phase), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.NextPhase), 10)
	b = append(b, ',')
	if math.IsNaN(o.Ambient) || math.IsInf(o.Ambient, 0) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, o.Ambient, 'f', -1, 64)
	}
	return append(b, ']'), nil
}

// appendTruth appends the ground-truth labels as [soldier, start, end,
// "kind"], comma-separated.
func appendTruth(b []byte, truth []Label) []byte {
	for i, l := range truth {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(l.Soldier), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, l.Start, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, l.End, 10)
		b = append(b, `,"`...)
		b = append(b, l.Kind.String()...)
		b = append(b, `"]`...)
	}
	return b
}

// writeUnit writes the lines in r.line, the frame at tick t and its naux
// auxiliary records, into the current member: the member is flushed first
// if it holds syncEvery frames, and after if it spans flushEvery ticks.
func (r *Recorder) writeUnit(t int64, naux int) {
	if r.inMember >= r.syncEvery {
		r.flushLocked()
	}
	if r.inMember == 0 {
		r.firstT = t
	}
	r.write()
	r.inMember++
	r.frames++
	r.aux += int64(naux)
	r.lastT = t
	if r.flushEvery > 0 && t-r.firstT+1 >= r.flushEvery {
		r.flushLocked()
	}
}

// appendAux appends an aux line to b, checking kind and payload.
func (r *Recorder) appendAux(b []byte, t int64, kind string, payload json.RawMessage) ([]byte, error) {
	if kind == "" {
		return b, fmt.Errorf("write recording %q: aux record at tick %d has no kind", r.name, t)
	}
	r.scratch.Reset()
	if err := json.Compact(&r.scratch, payload); err != nil {
		return b, fmt.Errorf("write recording %q: aux %q at tick %d: payload is not JSON: %w", r.name, kind, t, err)
	}
	k, _ := json.Marshal(kind)
	b = append(b, `{"k":"aux","t":`...)
	b = strconv.AppendInt(b, t, 10)
	b = append(b, `,"kind":`...)
	b = append(b, k...)
	b = append(b, `,"payload":`...)
	b = append(b, r.scratch.Bytes()...)
	return append(b, "}\n"...), nil
}

// WriteAux appends an auxiliary record for tick t: kind names it (such as
// "verdict") and payload is any JSON value. On replay it comes back with
// the frame written before it (Replay.Aux).
// A flush (WithFlushEvery) may fall between the frame and a record written this
// way; pass the records to WriteFrame to keep them together.
func (r *Recorder) WriteAux(t int64, kind string, payload json.RawMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return err
	}
	b, err := r.appendAux(r.line[:0], t, kind, payload)
	r.line = b
	if err != nil {
		return err
	}
	r.write()
	r.aux++
	return r.err
}

// Frames returns the number of frames written.
func (r *Recorder) Frames() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frames
}

// Close writes the trailer, flushes, and syncs and closes the file if
// CreateRecording opened it. Closing twice is harmless.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.err == nil {
		b := append(r.line[:0], `{"k":"end","frames":`...)
		b = strconv.AppendInt(b, r.frames, 10)
		b = append(b, `,"aux":`...)
		b = strconv.AppendInt(b, r.aux, 10)
		r.line = append(b, "}\n"...)
		r.write()
	}
	if r.err == nil {
		if err := r.zw.Close(); err != nil {
			r.err = fmt.Errorf("write recording %q: %w", r.name, err)
		}
	}
	if r.err == nil {
		if err := r.bw.Flush(); err != nil {
			r.err = fmt.Errorf("write recording %q: %w", r.name, err)
		}
	}
	if r.file != nil {
		if r.err == nil {
			if err := r.file.Sync(); err != nil {
				r.err = fmt.Errorf("sync recording %q: %w", r.name, err)
			}
		}
		if err := r.file.Close(); err != nil && r.err == nil {
			r.err = fmt.Errorf("close recording %q: %w", r.name, err)
		}
	}
	return r.err
}

// Recorded returns a Source that records every frame src delivers through
// rec as it passes. It does not close rec.
func Recorded(src Source, rec *Recorder) Source { return &recorded{src: src, rec: rec} }

type recorded struct {
	src Source
	rec *Recorder
}

func (r *recorded) Profiles() []Profile { return r.src.Profiles() }

func (r *recorded) Next(ctx context.Context) (Frame, error) {
	f, err := r.src.Next(ctx)
	if err != nil {
		return f, err
	}
	return f, r.rec.WriteFrame(&f)
}

// ErrClosed is returned by a Recorder or Replay used after Close.
var ErrClosed = errors.New("closed")

// JSON forms of the header.

type headerJSON struct {
	Format   string        `json:"format"`
	Version  int           `json:"version"`
	Config   *configJSON   `json:"config"`
	Profiles []profileJSON `json:"profiles"`
}

type configJSON struct {
	Soldiers     int        `json:"soldiers"`
	SquadSize    int        `json:"squad_size"`
	Seed         uint64     `json:"seed"`
	Tick         string     `json:"tick"`
	Start        time.Time  `json:"start"`
	Duration     string     `json:"duration"`
	PoisonRate   float64    `json:"poison_rate"`
	Mix          string     `json:"mix"`
	ArtefactRate float64    `json:"artefact_rate"`
	AmbientMean  float64    `json:"ambient_mean"`
	AmbientSwing float64    `json:"ambient_swing"`
	World        *worldJSON `json:"world,omitempty"` // absent (version 1): CleanWorld
}

// worldJSON is World with durations as Go duration strings ("30s"); a
// missing field is zero, that property off.
type worldJSON struct {
	ArtefactMin        string  `json:"artefact_min"`
	ArtefactMax        string  `json:"artefact_max"`
	ArtefactExertion   float64 `json:"artefact_exertion"`
	CadenceLock        float64 `json:"cadence_lock"`
	CadenceMin         float64 `json:"cadence_min"`
	CadenceMax         float64 `json:"cadence_max"`
	NoiseDF            float64 `json:"noise_df"`
	SensorBias         float64 `json:"sensor_bias"`
	SensorDrift        float64 `json:"sensor_drift"`
	PartialDropoutRate float64 `json:"partial_dropout_rate"`
	PartialDropoutMin  string  `json:"partial_dropout_min"`
	PartialDropoutMax  string  `json:"partial_dropout_max"`
	MissingRate        float64 `json:"missing_rate"`
	MissingBurst       string  `json:"missing_burst"`
	ScheduleJitter     string  `json:"schedule_jitter"`
	UnplannedContact   float64 `json:"unplanned_contact"`
	StartAnomalous     float64 `json:"start_anomalous"`
	ProfileHRError     float64 `json:"profile_hr_error"`
	ProfileAgeError    float64 `json:"profile_age_error"`
}

func worldToJSON(w World) *worldJSON {
	return &worldJSON{
		ArtefactMin: w.ArtefactMin.String(), ArtefactMax: w.ArtefactMax.String(), ArtefactExertion: w.ArtefactExertion,
		CadenceLock: w.CadenceLock, CadenceMin: w.CadenceMin, CadenceMax: w.CadenceMax,
		NoiseDF: w.NoiseDF, SensorBias: w.SensorBias, SensorDrift: w.SensorDrift,
		PartialDropoutRate: w.PartialDropoutRate, PartialDropoutMin: w.PartialDropoutMin.String(),
		PartialDropoutMax: w.PartialDropoutMax.String(),
		MissingRate:       w.MissingRate, MissingBurst: w.MissingBurst.String(), ScheduleJitter: w.ScheduleJitter.String(),
		UnplannedContact: w.UnplannedContact, StartAnomalous: w.StartAnomalous,
		ProfileHRError: w.ProfileHRError, ProfileAgeError: w.ProfileAgeError,
	}
}

// worldFromJSON reads a header's world; nil is CleanWorld.
func worldFromJSON(j *worldJSON) (World, error) {
	if j == nil {
		return CleanWorld(), nil
	}
	var err error
	dur := func(name, s string) time.Duration {
		if s == "" || err != nil {
			return 0
		}
		d, e := time.ParseDuration(s)
		if e != nil {
			err = fmt.Errorf("world %s: %w", name, e)
		}
		return d
	}
	w := World{
		ArtefactMin: dur("artefact_min", j.ArtefactMin), ArtefactMax: dur("artefact_max", j.ArtefactMax),
		ArtefactExertion: j.ArtefactExertion,
		CadenceLock:      j.CadenceLock, CadenceMin: j.CadenceMin, CadenceMax: j.CadenceMax,
		NoiseDF: j.NoiseDF, SensorBias: j.SensorBias, SensorDrift: j.SensorDrift,
		PartialDropoutRate: j.PartialDropoutRate,
		PartialDropoutMin:  dur("partial_dropout_min", j.PartialDropoutMin),
		PartialDropoutMax:  dur("partial_dropout_max", j.PartialDropoutMax),
		MissingRate:        j.MissingRate, MissingBurst: dur("missing_burst", j.MissingBurst),
		ScheduleJitter:   dur("schedule_jitter", j.ScheduleJitter),
		UnplannedContact: j.UnplannedContact, StartAnomalous: j.StartAnomalous,
		ProfileHRError: j.ProfileHRError, ProfileAgeError: j.ProfileAgeError,
	}
	return w, err
}

type profileJSON struct {
	ID           SoldierID `json:"id"`
	Squad        int       `json:"squad"`
	Age          float64   `json:"age"`
	Fitness      string    `json:"fitness"`
	RestingHR    float64   `json:"resting_hr"`
	HRMax        float64   `json:"hr_max"`
	Mass         float64   `json:"mass"`
	Acclimatised float64   `json:"acclimatised"`
	BaseCoreTemp float64   `json:"base_core_temp"`
}

func headerToJSON(h Header) headerJSON {
	j := headerJSON{Format: h.Format, Version: h.Version, Profiles: make([]profileJSON, len(h.Profiles))}
	if c := h.Config; c != nil {
		j.Config = &configJSON{Soldiers: c.Soldiers, SquadSize: c.SquadSize, Seed: c.Seed, Tick: c.Tick.String(),
			Start: c.Start.UTC(), Duration: c.Duration.String(), PoisonRate: c.PoisonRate, Mix: c.Mix.String(),
			ArtefactRate: c.ArtefactRate, AmbientMean: c.AmbientMean, AmbientSwing: c.AmbientSwing,
			World: worldToJSON(c.World)}
	}
	for i, p := range h.Profiles {
		j.Profiles[i] = profileJSON{ID: p.ID, Squad: p.Squad, Age: p.Age, Fitness: p.Fitness.String(), RestingHR: p.RestingHR,
			HRMax: p.HRMax, Mass: p.Mass, Acclimatised: p.Acclimatised, BaseCoreTemp: p.BaseCoreTemp}
	}
	return j
}

func headerFromJSON(j headerJSON) (Header, error) {
	h := Header{Format: j.Format, Version: j.Version, Profiles: make([]Profile, len(j.Profiles))}
	for i, p := range j.Profiles {
		fit, err := ParseFitness(p.Fitness)
		if err != nil {
			return h, fmt.Errorf("profile %d: %w", i, err)
		}
		if p.ID <= 0 || (i > 0 && p.ID <= h.Profiles[i-1].ID) {
			return h, fmt.Errorf("profile %d: ids must be positive and increasing (got %d)", i, p.ID)
		}
		h.Profiles[i] = Profile{ID: p.ID, Squad: p.Squad, Age: p.Age, Fitness: fit, RestingHR: p.RestingHR,
			HRMax: p.HRMax, Mass: p.Mass, Acclimatised: p.Acclimatised, BaseCoreTemp: p.BaseCoreTemp}
	}
	if c := j.Config; c != nil {
		tick, err := time.ParseDuration(c.Tick)
		if err != nil {
			return h, fmt.Errorf("config tick: %w", err)
		}
		dur, err := time.ParseDuration(c.Duration)
		if err != nil {
			return h, fmt.Errorf("config duration: %w", err)
		}
		mix, err := ParseMix(c.Mix)
		if err != nil {
			return h, fmt.Errorf("config: %w", err)
		}
		world, err := worldFromJSON(c.World)
		if err != nil {
			return h, fmt.Errorf("config: %w", err)
		}
		h.Config = &Config{Soldiers: c.Soldiers, SquadSize: c.SquadSize, Seed: c.Seed, Tick: tick, Start: c.Start,
			Duration: dur, PoisonRate: c.PoisonRate, Mix: mix, ArtefactRate: c.ArtefactRate,
			AmbientMean: c.AmbientMean, AmbientSwing: c.AmbientSwing, World: world}
	}
	return h, nil
}

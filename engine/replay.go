package engine

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Errors of reading a recording; each is wrapped with the file name and the
// line or byte offset where the problem was found.
var (
	ErrEmptyRecording     = errors.New("recording is empty")
	ErrNotRecording       = errors.New("not a chakra-tui recording")
	ErrRecordingVersion   = errors.New("unsupported recording format version")
	ErrCorruptRecording   = errors.New("corrupt recording")
	ErrTruncatedRecording = errors.New("truncated recording")
)

// maxLine bounds one line of a recording (a frame of 1 M soldiers is ≈ 50 MB).
const maxLine = 256 << 20

// Replay reads a recording back as a Source, with seeking. Opening it reads
// the whole file once, checking that every line is JSON but without decoding
// frames: that checks its integrity (a corrupt gzip stream, a broken line,
// ticks out of order, a wrong version are reported at once) and indexes the
// gzip members, each of which starts with a frame line, so SeekTo
// decompresses at most one member (300 frames by default) before the
// target.
//
// A recording whose tail is cut (its writer was killed: the file ends inside
// a gzip member, or after a member without the end record) opens anyway: it
// plays the frames of every complete member, checksums verified, and
// Truncated describes what was lost. A cut inside the first member, before
// any complete member, is an error. A Replay is not safe for concurrent
// use; pace it with a Pacer.
type Replay struct {
	name string
	rs   io.ReadSeeker
	file *os.File // closed by Close when OpenReplay opened it

	cr   countingReader
	zr   *gzip.Reader
	br   *bufio.Reader
	line []byte // the current line (reused)
	no   int64  // number of the current line, from 1

	hdr     Header
	members []member
	frames  int64
	first   int64
	last    int64

	pending    *Frame      // the next frame Next returns
	pendingErr error       // the error to return after the pending frame
	aux        []AuxRecord // aux records after the last frame returned
	done       bool        // the trailer has been read
	closed     bool
	size       int64       // of the file, in bytes
	trunc      *Truncation // nil: the file is whole
}

// Truncation describes the cut tail of a recording: Replay plays every
// frame before Offset and none after it. As an error it wraps
// ErrTruncatedRecording.
type Truncation struct {
	Name   string // the recording's name
	Offset int64  // byte offset where the unreadable tail starts (the end of the last complete gzip member)
	Size   int64  // the file's size in bytes
	// Frames is how many frames play; LastT and LastTime are the tick and
	// time of the last of them (MinInt64 and zero when none).
	Frames   int64
	LastT    int64
	LastTime time.Time
	// LostFrames counts the frame lines readable in the cut member, which
	// are not played (its checksum cannot be verified); LostLastT is the
	// tick of the last of them. More frames may have been lost beyond the
	// cut: this is a lower bound.
	LostFrames int64
	LostLastT  int64
}

// Error says what plays and what was lost.
func (t *Truncation) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recording %q is cut short: ", t.Name)
	if t.Offset < t.Size {
		fmt.Fprintf(&b, "the file ends inside a gzip member at byte %d", t.Size)
	} else {
		fmt.Fprintf(&b, "the file ends at byte %d without its end record", t.Size)
	}
	if t.Frames == 0 {
		b.WriteString("; no complete frame plays")
	} else {
		fmt.Fprintf(&b, "; %d frames play, the last at tick %d (%s)", t.Frames, t.LastT, t.LastTime.UTC().Format(time.RFC3339))
	}
	if t.Offset < t.Size {
		fmt.Fprintf(&b, "; the %d bytes from byte %d on are lost", t.Size-t.Offset, t.Offset)
		if t.LostFrames > 0 {
			fmt.Fprintf(&b, ", with at least %d more frames (to tick %d)", t.LostFrames, t.LostLastT)
		}
	}
	return b.String()
}

// Unwrap returns ErrTruncatedRecording.
func (t *Truncation) Unwrap() error { return ErrTruncatedRecording }

// member is one gzip member of the file.
type member struct {
	off    int64 // byte offset of its gzip header
	line   int64 // number of the line before its first line
	firstT int64 // tick of its first frame line; MinInt64 if it has none
}

// OpenReplay opens the recording at path.
func OpenReplay(path string) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w", err)
	}
	r, err := NewReplay(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReplay reads the recording in rs; name identifies it in errors.
func NewReplay(rs io.ReadSeeker, name string) (*Replay, error) {
	r := &Replay{name: name, rs: rs, first: math.MinInt64, last: math.MinInt64}
	r.cr.br = bufio.NewReaderSize(rs, 1<<16)
	r.br = bufio.NewReaderSize(nil, 1<<16)
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("open recording %q: %w", name, err)
	}
	if size == 0 {
		return nil, fmt.Errorf("open recording %q: %w (0 bytes)", name, ErrEmptyRecording)
	}
	r.size = size
	r.cr.limit = -1
	if err := r.index(); err != nil {
		return nil, err
	}
	if r.trunc != nil {
		// Read no further than the last complete member, and find the time
		// of the last frame that plays.
		r.cr.limit = r.trunc.Offset
		if r.frames > 0 {
			if err := r.SeekTo(r.last); err != nil {
				return nil, err
			}
			if r.pending != nil {
				r.trunc.LastTime = r.pending.Time
			}
		}
	}
	if err := r.SeekTo(math.MinInt64); err != nil {
		return nil, err
	}
	return r, nil
}

// Truncated describes the recording's cut tail, or returns nil when the
// file is whole (it ends with its end record).
func (r *Replay) Truncated() *Truncation {
	if r.trunc == nil {
		return nil
	}
	t := *r.trunc
	return &t
}

// countingReader counts the bytes the gzip reader consumes. It implements
// io.ByteReader, so the decompressor reads no further than a member's end
// and n is the exact offset of the next member. It ends (io.EOF) at byte
// limit unless limit < 0.
type countingReader struct {
	br    *bufio.Reader
	n     int64
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.limit >= 0 {
		if c.n >= c.limit {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), c.limit-c.n)]
	}
	n, err := c.br.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	if c.limit >= 0 && c.n >= c.limit {
		return 0, io.EOF
	}
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// at positions the reader at byte offset off, line number line.
func (r *Replay) at(off, line int64, multistream bool) error {
	if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("read recording %q: seek to byte %d: %w", r.name, off, err)
	}
	r.cr.br.Reset(r.rs)
	r.cr.n = off
	if err := r.resetGzip(); err != nil {
		return err
	}
	r.zr.Multistream(multistream)
	r.br.Reset(r.zr)
	r.no = line
	return nil
}

// resetGzip starts reading a gzip member at the current offset.
func (r *Replay) resetGzip() error {
	off := r.cr.n
	if magic, _ := r.cr.br.Peek(2); len(magic) > 0 && (magic[0] != 0x1f || len(magic) == 2 && magic[1] != 0x8b) {
		if off == 0 {
			return fmt.Errorf("read recording %q: %w: not gzip data", r.name, ErrNotRecording)
		}
		return fmt.Errorf("read recording %q: %w: bytes after the last gzip member at byte %d are not gzip data", r.name, ErrCorruptRecording, off)
	}
	var err error
	if r.zr == nil {
		r.zr, err = gzip.NewReader(&r.cr)
	} else {
		err = r.zr.Reset(&r.cr)
	}
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		return io.EOF
	case off == 0 && errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("read recording %q: %w: not gzip data", r.name, ErrNotRecording)
	}
	return r.gzipErr(err, off)
}

// gzipErr describes a decompression error at about byte off.
func (r *Replay) gzipErr(err error, off int64) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read recording %q: %w: the file ends inside a gzip member (byte %d, after line %d)", r.name, ErrTruncatedRecording, r.cr.n, r.no)
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return fmt.Errorf("read recording %q: %w: gzip data near byte %d (after line %d): %v", r.name, ErrCorruptRecording, max(off, r.cr.n), r.no, err)
	}
	return fmt.Errorf("read recording %q: byte %d: %w", r.name, r.cr.n, err)
}

// readLine reads the next line into r.line (without its newline). It
// returns io.EOF at the end of the stream (or member).
func (r *Replay) readLine() error {
	r.line = r.line[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.line = append(r.line, chunk...)
		if len(r.line) > maxLine {
			return fmt.Errorf("read recording %q: line %d: %w: longer than %d bytes", r.name, r.no+1, ErrCorruptRecording, maxLine)
		}
		switch {
		case err == nil:
			r.no++
			r.line = r.line[:len(r.line)-1]
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(r.line) > 0 {
				return fmt.Errorf("read recording %q: line %d: %w: the line has no end", r.name, r.no+1, ErrTruncatedRecording)
			}
			return io.EOF
		default:
			return r.gzipErr(err, r.cr.n)
		}
	}
}

// endOfCut ends a truncated recording where its complete members end
// (Next then returns io.EOF); for a whole one, reaching the end of the
// stream before the end record is an error.
func (r *Replay) endOfCut() error {
	if r.trunc != nil {
		r.done = true
		return nil
	}
	return r.noEnd()
}

// noEnd describes a recording that stops before its end record.
func (r *Replay) noEnd() error {
	return fmt.Errorf("read recording %q: %w: it ends after line %d without its end record", r.name, ErrTruncatedRecording, r.no)
}

// corrupt describes a bad line.
func (r *Replay) corrupt(format string, a ...any) error {
	return fmt.Errorf("read recording %q: line %d: %w: %s", r.name, r.no, ErrCorruptRecording, fmt.Sprintf(format, a...))
}

// lineKind classifies a line: "frame", "aux", "end" or something else.
// Frame lines as the Recorder writes them are recognised without decoding.
func (r *Replay) lineKind() (kind string, t int64, err error) {
	if t, ok := fastFrameT(r.line); ok {
		return "frame", t, nil
	}
	var probe struct {
		K string `json:"k"`
		T *int64 `json:"t"`
	}
	if err := json.Unmarshal(r.line, &probe); err != nil {
		return "", 0, r.corrupt("%v", err)
	}
	switch probe.K {
	case "frame", "aux":
		if probe.T == nil {
			return "", 0, r.corrupt("%s record without a tick", probe.K)
		}
		return probe.K, *probe.T, nil
	case "end":
		return "end", 0, nil
	}
	return "", 0, r.corrupt("unknown record kind %q", probe.K)
}

var framePrefix = []byte(`{"k":"frame","t":`)

// fastFrameT reads the tick of a frame line written by the Recorder.
func fastFrameT(line []byte) (int64, bool) {
	rest, ok := bytes.CutPrefix(line, framePrefix)
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0, false
	}
	t, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return t, err == nil
}

// index reads the whole file once: the header, every member's offset and
// first tick, the frame count, and the trailer. A file that ends inside a
// member (after the first) or without the end record is indexed up to its
// last complete member and r.trunc describes the rest.
func (r *Replay) index() error {
	if err := r.at(0, 0, false); err != nil {
		if err == io.EOF {
			return fmt.Errorf("open recording %q: %w", r.name, ErrEmptyRecording)
		}
		return err
	}
	if err := r.readHeader(); err != nil {
		return err
	}
	end := false
	prevT := int64(math.MinInt64)
	for m := 0; ; m++ {
		mk := indexMark{m: m, off: r.cr.n, frames: r.frames, first: r.first, last: r.last, no: r.no, prevT: prevT}
		more, err := r.startMember(mk, &prevT)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if err := r.indexMember(mk, &prevT, &end); err != nil {
			return err
		}
		if r.trunc != nil {
			end = false
			break
		}
	}
	r.finishIndex(end)
	return nil
}

// indexMark is what the complete members hold when member m starts at byte
// off (and prevT, the tick of the last frame): restored if m is cut.
type indexMark struct {
	m                       int
	off                     int64
	frames, first, last, no int64
	prevT                   int64
}

// cutAt ends the index before member mk.m if err says that member is cut
// short by the end of the file (and it is not the first): r.trunc
// describes what is lost and the counts (and *prevT) go back to mk's.
// Any other error it returns.
func (r *Replay) cutAt(mk indexMark, prevT *int64, err error) error {
	if mk.m == 0 || !errors.Is(err, ErrTruncatedRecording) || r.cr.n < r.size {
		return err
	}
	r.trunc = &Truncation{Name: r.name, Offset: mk.off, Size: r.size, LostFrames: r.frames - mk.frames, LostLastT: r.last}
	r.frames, r.first, r.last, r.no, *prevT = mk.frames, mk.first, mk.last, mk.no, mk.prevT
	r.members = r.members[:mk.m]
	return nil
}

// startMember opens member mk.m (the first is open already) and appends it
// to r.members. more is false at the end of the file, or if the member is
// cut (r.trunc set).
func (r *Replay) startMember(mk indexMark, prevT *int64) (more bool, err error) {
	if mk.m == 0 {
		r.members = append(r.members, member{off: 0, line: 0, firstT: math.MinInt64})
		return true, nil
	}
	if err := r.resetGzip(); err == io.EOF {
		return false, nil
	} else if err != nil {
		r.members = append(r.members, member{off: mk.off, line: r.no, firstT: math.MinInt64})
		return false, r.cutAt(mk, prevT, err)
	}
	r.zr.Multistream(false) // Reset turns it back on
	r.br.Reset(r.zr)
	r.members = append(r.members, member{off: mk.off, line: r.no, firstT: math.MinInt64})
	return true, nil
}

// indexMember reads the lines of the member just started to its end:
// every line valid JSON, nothing after the end record (*end), frame ticks
// increasing after *prevT; it counts the frames and notes the member's
// first tick. A read error cuts the member (cutAt) or is returned.
func (r *Replay) indexMember(mk indexMark, prevT *int64, end *bool) error {
	cur := &r.members[len(r.members)-1]
	for {
		err := r.readLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return r.cutAt(mk, prevT, err)
		}
		if *end {
			return r.corrupt("a record after the end record")
		}
		if !json.Valid(r.line) {
			return r.corrupt("not valid JSON: %s", clip(r.line))
		}
		kind, t, err := r.lineKind()
		if err != nil {
			return err
		}
		switch kind {
		case "frame":
			if t <= *prevT {
				return r.corrupt("frame at tick %d after tick %d: ticks must increase", t, *prevT)
			}
			if cur.firstT == math.MinInt64 {
				cur.firstT = t
			}
			if r.frames == 0 {
				r.first = t
			}
			*prevT, r.last = t, t
			r.frames++
		case "end":
			*end = true
		}
	}
}

// finishIndex notes a file without its end record (end false) as
// truncated, and completes r.trunc with what does play.
func (r *Replay) finishIndex(end bool) {
	if !end && r.trunc == nil {
		r.trunc = &Truncation{Name: r.name, Offset: r.size, Size: r.size, LostLastT: math.MinInt64}
	}
	if r.trunc != nil {
		r.trunc.Frames, r.trunc.LastT = r.frames, r.last
		if r.trunc.LostFrames == 0 {
			r.trunc.LostLastT = math.MinInt64
		}
	}
}

// readHeader reads and checks line 1.
func (r *Replay) readHeader() error {
	if err := r.readLine(); err != nil {
		if err == io.EOF {
			return fmt.Errorf("open recording %q: %w (no header line)", r.name, ErrEmptyRecording)
		}
		return err
	}
	var probe struct {
		Format  string `json:"format"`
		Version *int   `json:"version"`
	}
	if err := json.Unmarshal(r.line, &probe); err != nil || probe.Format != RecordingFormat {
		return fmt.Errorf("open recording %q: %w: line 1 is not a %s header", r.name, ErrNotRecording, RecordingFormat)
	}
	if probe.Version == nil {
		return fmt.Errorf("open recording %q: line 1: %w: the header has no version", r.name, ErrCorruptRecording)
	}
	if *probe.Version < minRecordingVersion || *probe.Version > RecordingVersion {
		return fmt.Errorf("open recording %q: %w %d (this build reads versions %d to %d)", r.name, ErrRecordingVersion, *probe.Version, minRecordingVersion, RecordingVersion)
	}
	var hj headerJSON
	if err := json.Unmarshal(r.line, &hj); err != nil {
		return r.corrupt("header: %v", err)
	}
	h, err := headerFromJSON(hj)
	if err != nil {
		return r.corrupt("header: %v", err)
	}
	r.hdr = h
	return nil
}

// Header returns the recording's header.
func (r *Replay) Header() Header {
	h := r.hdr
	h.Profiles = r.Profiles()
	if h.Config != nil {
		c := *h.Config
		h.Config = &c
	}
	return h
}

// Profiles returns the recorded soldiers' static covariates.
func (r *Replay) Profiles() []Profile { return append([]Profile(nil), r.hdr.Profiles...) }

// Len returns the number of frames in the recording.
func (r *Replay) Len() int64 { return r.frames }

// First and Last return the ticks of the first and last frame (MinInt64 for
// a recording without frames).
func (r *Replay) First() int64 { return r.first }

// Last returns the tick of the last frame.
func (r *Replay) Last() int64 { return r.last }

// Pos returns the tick of the frame Next returns next, or Last()+1 at the
// end of the recording.
func (r *Replay) Pos() int64 {
	if r.pending != nil {
		return r.pending.T
	}
	return r.last + 1
}

// Aux returns the auxiliary records that follow the last frame Next returned
// (up to the next frame), in file order. The slice is the caller's.
func (r *Replay) Aux() []AuxRecord { return append([]AuxRecord(nil), r.aux...) }

// SeekTo positions the replay so that Next returns the first frame at or
// after tick t (backward or forward). Seeking past the end makes Next
// return io.EOF.
func (r *Replay) SeekTo(t int64) error {
	if r.closed {
		return fmt.Errorf("seek recording %q: %w", r.name, ErrClosed)
	}
	i := 0
	for j, m := range r.members {
		if m.firstT != math.MinInt64 && m.firstT <= t {
			i = j
		}
	}
	m := r.members[i]
	if err := r.at(m.off, m.line, true); err != nil {
		return err
	}
	r.pending, r.pendingErr, r.done, r.aux = nil, nil, false, r.aux[:0]
	if i == 0 {
		if err := r.readLine(); err != nil { // the header, checked by index
			return err
		}
	}
	for {
		if err := r.readLine(); err != nil {
			if err == io.EOF {
				return r.endOfCut()
			}
			return err
		}
		kind, ft, err := r.lineKind()
		if err != nil {
			return err
		}
		switch {
		case kind == "end":
			r.done = true
			return nil
		case kind == "frame" && ft >= t:
			f, err := r.decodeFrame()
			if err != nil {
				return err
			}
			r.pending = &f
			return nil
		}
	}
}

// Next returns the next frame; io.EOF after the last one.
func (r *Replay) Next(ctx context.Context) (Frame, error) {
	if r.closed {
		return Frame{}, fmt.Errorf("read recording %q: %w", r.name, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	r.aux = r.aux[:0]
	if r.pending == nil {
		if r.pendingErr != nil {
			return Frame{}, r.pendingErr
		}
		return Frame{}, io.EOF
	}
	f := *r.pending
	r.pending = nil
	r.pendingErr = r.readUntilFrame(f.T)
	return f, nil
}

// readUntilFrame reads the aux records after the frame at tick t and the
// next frame (into pending), or the end record.
func (r *Replay) readUntilFrame(t int64) error {
	for {
		if err := r.readLine(); err != nil {
			if err == io.EOF {
				return r.endOfCut()
			}
			return err
		}
		kind, ft, err := r.lineKind()
		if err != nil {
			return err
		}
		switch kind {
		case "end":
			r.done = true
			return nil
		case "aux":
			a, err := r.decodeAux()
			if err != nil {
				return err
			}
			r.aux = append(r.aux, a)
		case "frame":
			if ft <= t {
				return r.corrupt("frame at tick %d after tick %d: ticks must increase", ft, t)
			}
			f, err := r.decodeFrame()
			if err != nil {
				return err
			}
			r.pending = &f
			return nil
		}
	}
}

// Close releases the file if OpenReplay opened it.
func (r *Replay) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.zr != nil {
		r.zr.Close()
	}
	if r.file != nil {
		return r.file.Close()
	}
	return nil
}

// Decoding of lines.

type frameJSON struct {
	K     string      `json:"k"`
	T     *int64      `json:"t"`
	Time  string      `json:"time"`
	Obs   []obsJSON   `json:"obs"`
	Truth []truthJSON `json:"truth"`
}

// obsJSON is an observation row [id,hr,stamina,core_temp,spo2,phase,next_phase,ambient].
type obsJSON Observation

// UnmarshalJSON reads a row. encoding/json has already checked that b is
// valid JSON, so splitting on commas is safe: any element that is not a
// number or null (a string, an array) fails to parse below.
func (o *obsJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return fmt.Errorf("observation %s is not an array", clip(b))
	}
	var fields [8][]byte
	n := 0
	for part := range bytes.SplitSeq(b[1:len(b)-1], []byte{','}) {
		if n == len(fields) {
			return fmt.Errorf("observation %s has more than %d fields", clip(b), len(fields))
		}
		fields[n] = bytes.TrimSpace(part)
		n++
	}
	if n != len(fields) {
		return fmt.Errorf("observation %s has %d fields, want %d", clip(b), n, len(fields))
	}
	var x [8]float64
	for i, f := range fields {
		if string(f) == "null" {
			x[i] = math.NaN()
			continue
		}
		v, err := strconv.ParseFloat(string(f), 64)
		if err != nil || math.IsInf(v, 0) {
			return fmt.Errorf("observation %s: field %d: %q is not a finite number or null", clip(b), i+1, f)
		}
		x[i] = v
	}
	if !(x[0] >= 1 && x[0] <= math.MaxInt32 && x[0] == math.Trunc(x[0])) {
		return fmt.Errorf("observation %s: soldier id must be a positive integer", clip(b))
	}
	for _, i := range [2]int{5, 6} {
		if !(x[i] >= 0 && x[i] < NumPhases && x[i] == math.Trunc(x[i])) {
			return fmt.Errorf("observation %s: field %d: phase must be an integer in [0, %d)", clip(b), i+1, NumPhases)
		}
	}
	*o = obsJSON{Soldier: SoldierID(x[0]), Phase: Phase(x[5]), NextPhase: Phase(x[6]), Ambient: x[7]}
	for v := range Vital(NumVitals) {
		o.Values[v] = x[1+v]
		if math.IsNaN(x[1+v]) {
			o.Missing = o.Missing.With(v)
		}
	}
	return nil
}

// truthJSON is a label row [soldier,start,end,"kind"].
type truthJSON Label

// UnmarshalJSON reads a label row.
func (l *truthJSON) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 4 {
		return fmt.Errorf("label %s is not [soldier,start,end,kind]", clip(b))
	}
	var id int32
	var start, end int64
	var kind string
	if json.Unmarshal(raw[0], &id) != nil || id < 1 || json.Unmarshal(raw[1], &start) != nil ||
		json.Unmarshal(raw[2], &end) != nil || json.Unmarshal(raw[3], &kind) != nil {
		return fmt.Errorf("label %s is not [soldier,start,end,kind]", clip(b))
	}
	k, err := ParseKind(kind)
	if err != nil || k == KindNone {
		return fmt.Errorf("label %s: unknown kind %q", clip(b), kind)
	}
	if end < start {
		return fmt.Errorf("label %s ends before it starts", clip(b))
	}
	*l = truthJSON{Soldier: SoldierID(id), Start: start, End: end, Kind: k}
	return nil
}

func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:57]) + "…"
	}
	return string(b)
}

// decodeFrame decodes the current line as a frame.
func (r *Replay) decodeFrame() (Frame, error) {
	var fj frameJSON
	if err := json.Unmarshal(r.line, &fj); err != nil {
		return Frame{}, r.corrupt("%v", err)
	}
	if fj.K != "frame" || fj.T == nil {
		return Frame{}, r.corrupt("not a frame record")
	}
	tm, err := time.Parse(time.RFC3339Nano, fj.Time)
	if err != nil {
		return Frame{}, r.corrupt("frame time: %v", err)
	}
	f := Frame{T: *fj.T, Time: tm, Obs: make([]Observation, len(fj.Obs))}
	for i := range fj.Obs {
		o := Observation(fj.Obs[i])
		o.T = f.T
		if i > 0 && o.Soldier <= f.Obs[i-1].Soldier {
			return Frame{}, r.corrupt("observations must be sorted by soldier (%d after %d)", o.Soldier, f.Obs[i-1].Soldier)
		}
		f.Obs[i] = o
	}
	if len(fj.Truth) > 0 {
		f.Truth = make([]Label, len(fj.Truth))
	}
	for i := range fj.Truth {
		l := Label(fj.Truth[i])
		if !l.Contains(f.T) {
			return Frame{}, r.corrupt("label %d–%d of soldier %d does not contain tick %d", l.Start, l.End, l.Soldier, f.T)
		}
		f.Truth[i] = l
	}
	return f, nil
}

// decodeAux decodes the current line as an aux record.
func (r *Replay) decodeAux() (AuxRecord, error) {
	var aj struct {
		T       *int64          `json:"t"`
		Kind    string          `json:"kind"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(r.line, &aj); err != nil {
		return AuxRecord{}, r.corrupt("%v", err)
	}
	if aj.T == nil || aj.Kind == "" || len(aj.Payload) == 0 {
		return AuxRecord{}, r.corrupt("an aux record needs t, kind and payload")
	}
	return AuxRecord{T: *aj.T, Kind: aj.Kind, Payload: aj.Payload}, nil
}

package kafkaio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// Follower is the dashboard's source on a cluster (an engine.Source and a
// live.Verdicter): it reads the observation topic, the verdict topic
// (read_committed) and the truth topic, and assembles them into frames,
// one per timestamp, with the cluster's verdicts on them. Ticks count from
// the first whole frame it read; the roster is the soldiers of that frame,
// on default profiles (the topics carry no profiles), and observations of
// soldiers outside it are left out.
type Follower struct {
	cl                     *kgo.Client // observations and verdicts, from their ends
	tcl                    *kgo.Client // the truth, from its start
	topic, verdicts, truth string
	grace                  time.Duration
	now                    func() time.Time

	profiles []engine.Profile
	roster   map[engine.SoldierID]bool
	origin   int64 // unix seconds of tick 0
	started  bool  // origin is set
	next     int64 // unix seconds of the next frame to return
	maxTS    int64 // the latest observation timestamp read
	pending  map[int64]*pendingFrame
	labels   []engine.Label // in ticks
	first    *engine.Frame  // the frame read to learn the roster, returned first
	firstVs  []detector.Verdict
	last     []detector.Verdict
}

type pendingFrame struct {
	obs  map[engine.SoldierID]engine.Observation
	vs   map[engine.SoldierID]detector.Verdict
	seen time.Time // when its first observation was read
}

// FollowerConfig configures a Follower.
type FollowerConfig struct {
	Brokers []string
	Topic   string // the observation topic; verdicts and truth are named after it
	// Verdicts is the verdict topic (empty: Topic + ".verdicts").
	Verdicts string
	// Grace is how long a frame waits for its stragglers (observations and
	// verdicts) before it is shown without them (0: 2 s); a frame is shown
	// at once when every soldier's observation and verdict is in, or when
	// observations two seconds later arrive.
	Grace time.Duration
	// FromStart reads the observations and verdicts from the topics'
	// start instead of their end (a cluster's history; tests).
	FromStart bool
	Opts      []kgo.Opt
}

// NewFollower connects and reads until it has a whole frame (or ctx
// ends): the observation and verdict topics from their ends, the truth
// from its start.
func NewFollower(ctx context.Context, cfg FollowerConfig) (*Follower, error) {
	if len(cfg.Brokers) == 0 || cfg.Topic == "" {
		return nil, errors.New("kafka: a broker and a topic are required")
	}
	if cfg.Verdicts == "" {
		cfg.Verdicts = cfg.Topic + ".verdicts"
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 2 * time.Second
	}
	truth := cfg.Topic + ".truth"
	end := kgo.NewOffset().AtEnd()
	if cfg.FromStart {
		end = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumeTopics(cfg.Topic, cfg.Verdicts),
		kgo.ConsumeResetOffset(end),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	}, cfg.Opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	// The truth from its start: its windows began before we joined.
	tcl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumeTopics(truth),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}, cfg.Opts...)...)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka: %w", err)
	}
	f := &Follower{cl: cl, tcl: tcl, topic: cfg.Topic, verdicts: cfg.Verdicts, truth: truth, grace: cfg.Grace, now: time.Now,
		pending: map[int64]*pendingFrame{}, next: -1}
	if err := f.catchUpTruth(ctx); err != nil {
		f.Close()
		return nil, err
	}
	fr, vs, err := f.nextFrame(ctx)
	if err != nil {
		f.Close()
		return nil, err
	}
	f.roster = map[engine.SoldierID]bool{}
	for _, o := range fr.Obs {
		f.roster[o.Soldier] = true
		f.profiles = append(f.profiles, engine.DefaultProfile(o.Soldier))
	}
	f.first, f.firstVs = &fr, vs
	return f, nil
}

// catchUpTruth reads the truth topic up to the end it had when we joined,
// before the first frame: labels written before then (windows already
// open, or a cluster's history read from the start) are on the frames
// they cover instead of racing the observations, which the truth client
// otherwise reads in short polls between them. A missing truth topic is
// nothing to read. Without progress for 10 polls of 200 ms (an end offset
// that is a transaction marker, no record) it goes on with what it has.
func (f *Follower) catchUpTruth(ctx context.Context) error {
	ends, err := kadm.NewClient(f.tcl).ListEndOffsets(ctx, f.truth)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil // no truth to read (the topic may not exist yet)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	for idle := 0; len(want) > 0 && idle < 10; {
		pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		fs := f.tcl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		if fs.IsClientClosed() {
			return errors.New("kafka: follower closed")
		}
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			n++
			f.read(r)
			if end, ok := want[r.Partition]; ok && r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
		if n == 0 {
			idle++
		} else {
			idle = 0
		}
	}
	return nil
}

// Close disconnects.
func (f *Follower) Close() error { f.cl.Close(); f.tcl.Close(); return nil }

// Profiles are the roster's default profiles, sorted by soldier.
func (f *Follower) Profiles() []engine.Profile { return f.profiles }

// Verdicts are the cluster's verdicts on the frame Next returned last, one
// per observation (a zero verdict where none arrived in time).
func (f *Follower) Verdicts() []detector.Verdict { return f.last }

// Next returns the next frame.
func (f *Follower) Next(ctx context.Context) (engine.Frame, error) {
	if f.first != nil {
		fr := *f.first
		f.last, f.first = f.firstVs, nil
		return fr, nil
	}
	fr, vs, err := f.nextFrame(ctx)
	f.last = vs
	return fr, err
}

// nextFrame reads until the next frame is ready and returns it.
func (f *Follower) nextFrame(ctx context.Context) (engine.Frame, []detector.Verdict, error) {
	for {
		if fr, vs, ok := f.ready(); ok {
			return fr, vs, nil
		}
		pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		fs := f.cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return engine.Frame{}, nil, err
		}
		if fs.IsClientClosed() {
			return engine.Frame{}, nil, errors.New("kafka: follower closed")
		}
		fs.EachRecord(f.read)
		tctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		f.tcl.PollFetches(tctx).EachRecord(f.read)
		cancel()
	}
}

// read files one record.
func (f *Follower) read(r *kgo.Record) {
	switch r.Topic {
	case f.topic:
		o, err := httpapi.ParseObservationJSON(r.Value)
		if err != nil || (f.roster != nil && !f.roster[o.Soldier]) {
			return // a dead letter's business, or not in the roster
		}
		if f.next < 0 {
			f.next = o.T + 1 // the first timestamp may be cut: start after it
		}
		if o.T < f.next {
			return
		}
		f.maxTS = max(f.maxTS, o.T)
		f.frame(o.T).obs[o.Soldier] = o
	case f.verdicts:
		v, ok, err := httpapi.ParseVerdictJSON(r.Value)
		if err != nil || !ok || (f.next >= 0 && v.T < f.next) {
			return
		}
		f.frame(v.T).vs[v.Soldier] = v
	case f.truth:
		var l struct {
			Soldier    int64  `json:"soldier_id"`
			Kind       string `json:"kind"`
			Start, End int64
		}
		if json.Unmarshal(r.Value, &l) != nil {
			return
		}
		k, err := engine.ParseKind(l.Kind)
		if err != nil {
			return
		}
		// Kept in unix seconds until the origin is known.
		f.labels = append(f.labels, engine.Label{Soldier: engine.SoldierID(l.Soldier), Start: l.Start, End: l.End, Kind: k})
	}
}

func (f *Follower) frame(ts int64) *pendingFrame {
	p := f.pending[ts]
	if p == nil {
		p = &pendingFrame{obs: map[engine.SoldierID]engine.Observation{}, vs: map[engine.SoldierID]detector.Verdict{}, seen: f.now()}
		f.pending[ts] = p
	}
	return p
}

// ready returns frame f.next when it is complete, or stragglers are past
// their grace, or two later seconds have observations.
func (f *Follower) ready() (engine.Frame, []detector.Verdict, bool) {
	if f.next < 0 {
		return engine.Frame{}, nil, false
	}
	p := f.pending[f.next]
	if p == nil || len(p.obs) == 0 {
		// Nothing at this timestamp: skip it once later ones exist.
		if f.maxTS > f.next+1 {
			delete(f.pending, f.next)
			f.next++
			return f.ready()
		}
		return engine.Frame{}, nil, false
	}
	whole := f.roster != nil && len(p.obs) == len(f.roster) && len(p.vs) >= len(f.roster)
	if f.roster == nil {
		whole = f.maxTS > f.next && len(p.vs) >= len(p.obs)
	}
	if !whole && f.maxTS < f.next+2 && f.now().Sub(p.seen) < f.grace {
		return engine.Frame{}, nil, false
	}
	ts := f.next
	delete(f.pending, ts)
	f.next++
	if !f.started {
		f.origin, f.started = ts, true
	}
	tick := ts - f.origin
	fr := engine.Frame{T: tick, Time: time.Unix(ts, 0).UTC()}
	ids := make([]engine.SoldierID, 0, len(p.obs))
	for id := range p.obs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	vs := make([]detector.Verdict, len(ids))
	for i, id := range ids {
		o := p.obs[id]
		o.T = tick
		fr.Obs = append(fr.Obs, o)
		if v, ok := p.vs[id]; ok {
			vs[i] = f.toTicks(v)
		}
	}
	for _, l := range f.labels {
		l.Start, l.End = l.Start-f.origin, l.End-f.origin
		if l.Contains(tick) {
			fr.Truth = append(fr.Truth, l)
		}
	}
	sort.Slice(fr.Truth, func(i, j int) bool { return fr.Truth[i].Soldier < fr.Truth[j].Soldier })
	return fr, vs, true
}

// toTicks moves a verdict's times from unix seconds to ticks.
func (f *Follower) toTicks(v detector.Verdict) detector.Verdict {
	v.T -= f.origin
	if v.Alert.Open {
		v.Alert.Since -= f.origin
	}
	for i := range v.Channels {
		if v.Channels[i].Open {
			v.Channels[i].Since -= f.origin
		}
	}
	return v
}

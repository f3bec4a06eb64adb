package alertsink

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Ack is an acknowledgement made outside the dashboard: an active
// Alertmanager silence that matches the soldier's alerts of Kind.
type Ack struct {
	Soldier engine.SoldierID
	Kind    engine.AnomalyKind
	By      string // the silence's createdBy
	Comment string
	Silence string // the silence's id
}

// amMatcher is a silence matcher of Alertmanager's v2 API.
type amMatcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual bool   `json:"isEqual"`
}

// amSilence is a silence as GET /api/v2/silences returns it (and, without
// ID and Status, as POST takes it).
type amSilence struct {
	ID        string      `json:"id,omitempty"`
	Matchers  []amMatcher `json:"matchers"`
	StartsAt  time.Time   `json:"startsAt"`
	EndsAt    time.Time   `json:"endsAt"`
	CreatedBy string      `json:"createdBy"`
	Comment   string      `json:"comment"`
	Status    *struct {
		State string `json:"state"`
	} `json:"status,omitempty"`
}

// UnmarshalJSON reads a silence; a matcher without isEqual (Alertmanager
// before 0.22) is an equality.
func (m *amMatcher) UnmarshalJSON(b []byte) error {
	type plain amMatcher
	p := plain{IsEqual: true}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = amMatcher(p)
	return nil
}

// silenceReq is an acknowledgement to turn into a silence.
type silenceReq struct {
	soldier     engine.SoldierID
	kind        engine.AnomalyKind
	by, comment string
}

// silenceState is what the last poll saw: the active silences, compiled.
type silenceState struct {
	active []activeSilence
	acks   []Ack // as last published
}

type activeSilence struct {
	s  amSilence
	re []*regexp.Regexp // per matcher; nil for an equality matcher
}

// matches reports whether every matcher of the silence holds for labels
// (a missing label is the empty string), as Alertmanager decides.
func (a *activeSilence) matches(labels map[string]string) bool {
	for i, m := range a.s.Matchers {
		v := labels[m.Name]
		var ok bool
		if a.re[i] != nil {
			ok = a.re[i].MatchString(v)
		} else {
			ok = v == m.Value
		}
		if ok != m.IsEqual {
			return false
		}
	}
	return len(a.s.Matchers) > 0
}

// Acknowledge turns a dashboard acknowledgement of the soldier's alerts of
// kind into an Alertmanager silence on those two labels, created by by
// with comment, lasting WithSilence. It never blocks: the request waits in
// a queue of its own. Without Alertmanager, or when an active silence
// already matches, it does nothing.
func (h *Hub) Acknowledge(soldier engine.SoldierID, kind engine.AnomalyKind, by, comment string) {
	if h.am == nil {
		return
	}
	h.am.sq.push(silenceReq{soldier: soldier, kind: kind, by: by, comment: comment})
}

// SubscribeAcks returns the acknowledgements made in Alertmanager (its
// active silences that match a soldier's alerts): the whole current set,
// first at once and then each time it changes; stop ends the subscription.
// The channel closes when the hub does.
func (h *Hub) SubscribeAcks() (acks <-chan []Ack, stop func()) {
	sub := h.acks.Subscribe(1)
	return sub.C(), sub.Close
}

// createSilence posts the oldest queued acknowledgement as a silence,
// unless an active silence matches it already.
func (s *amSink) createSilence(ctx context.Context) error {
	reqs, d0 := s.sq.peek(nil, 1)
	if len(reqs) == 0 {
		return nil
	}
	r := reqs[0]
	if s.silenced(r) {
		s.sq.pop(1, d0, true)
		return nil
	}
	now := s.h.o.clock.Now().UTC()
	body, err := json.Marshal(amSilence{Matchers: soldierKindMatchers(r.soldier, r.kind),
		StartsAt: now, EndsAt: now.Add(s.h.o.silence), CreatedBy: r.by, Comment: r.comment})
	if err != nil {
		return err
	}
	code, answer, err := s.do(ctx, http.MethodPost, s.silences, body)
	if err != nil {
		return err
	}
	switch {
	case code/100 == 2:
	case code/100 == 4 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		s.sq.pop(1, d0, false)
		s.errors.Add(1)
		s.h.o.log.Error("alertmanager refused a silence; dropped", "soldier", r.soldier, "kind", r.kind, "status", code,
			"answer", strings.TrimSpace(string(answer)))
		return nil
	default:
		return fmt.Errorf("POST %s: status %d", s.silences, code)
	}
	s.sq.pop(1, d0, true)
	return nil
}

// silenced reports whether an active silence (as of the last poll) already
// matches the soldier's alerts of the request's kind.
func (s *amSink) silenced(r silenceReq) bool {
	labels := map[string]string{"alertname": AlertName, "soldier": fmt.Sprint(int64(r.soldier)), "kind": r.kind.String()}
	s.h.mu.Lock()
	for _, l := range s.h.recent {
		if l.soldier == r.soldier && l.kind == r.kind {
			labels = l.labels
		}
	}
	s.h.mu.Unlock()
	for i := range s.sil.active {
		if s.sil.active[i].matches(labels) {
			return true
		}
	}
	return false
}

// poll reads the silences and publishes the acknowledgements they make.
func (s *amSink) poll(ctx context.Context) error {
	code, body, err := s.do(ctx, http.MethodGet, s.silences, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", s.silences, code)
	}
	var all []amSilence
	if err := json.Unmarshal(body, &all); err != nil {
		return fmt.Errorf("GET %s: %w", s.silences, err)
	}
	s.sil.active = activeSilences(all)
	s.rematch()
	return nil
}

// activeSilences keeps the active silences of all, with their regular
// expressions compiled (anchored, as Alertmanager anchors them); a silence
// with a matcher that does not compile is left out.
func activeSilences(all []amSilence) []activeSilence {
	var out []activeSilence
next:
	for _, sl := range all {
		if sl.Status == nil || sl.Status.State != "active" {
			continue
		}
		a := activeSilence{s: sl, re: make([]*regexp.Regexp, len(sl.Matchers))}
		for i, m := range sl.Matchers {
			if m.IsRegex {
				re, err := regexp.Compile("^(?:" + m.Value + ")$")
				if err != nil {
					continue next
				}
				a.re[i] = re
			}
		}
		out = append(out, a)
	}
	return out
}

// rematch matches the active silences against the open and recent alerts
// and publishes the acknowledgements when they changed.
func (s *amSink) rematch() {
	type key struct {
		soldier engine.SoldierID
		kind    engine.AnomalyKind
	}
	seen := map[key]bool{}
	var acks []Ack
	s.h.mu.Lock()
	sets := make([]labelSet, 0, len(s.h.open)+len(s.h.recent))
	for id, oa := range s.h.open {
		sets = append(sets, labelSet{soldier: id, kind: oa.kind, labels: oa.am.Labels})
	}
	sets = append(sets, s.h.recent...)
	s.h.mu.Unlock()
	for _, l := range sets {
		k := key{l.soldier, l.kind}
		if seen[k] {
			continue
		}
		for i := range s.sil.active {
			if a := &s.sil.active[i]; a.matches(l.labels) {
				seen[k] = true
				acks = append(acks, Ack{Soldier: l.soldier, Kind: l.kind, By: a.s.CreatedBy, Comment: a.s.Comment, Silence: a.s.ID})
				break
			}
		}
	}
	slices.SortFunc(acks, func(a, b Ack) int {
		if a.Soldier != b.Soldier {
			return int(a.Soldier) - int(b.Soldier)
		}
		return int(a.Kind) - int(b.Kind)
	})
	if slices.Equal(acks, s.sil.acks) && s.sil.acks != nil {
		return
	}
	if acks == nil {
		acks = []Ack{}
	}
	s.sil.acks = acks
	s.h.acks.Publish(acks)
}

package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// Publisher writes a battlefield's frames to the observation topic as
// /predict-shaped observations (key = soldier id, timestamp = the tick's
// simulated wall-clock time in unix seconds) and its ground truth to the
// truth topic: what `chakra-tui sim --kafka-brokers …` runs.
type Publisher struct {
	cl           *kgo.Client
	topic, truth string
	sent         map[engine.Label]bool // labels already published
	buf          []byte
	errs         chan error
}

// NewPublisher connects a publisher to topic (truth: topic + ".truth").
// With partitions > 0 it creates the missing topics the cluster uses
// (observations, verdicts, alerts, dead letters, truth).
func NewPublisher(ctx context.Context, brokers []string, topic string, partitions int, opts ...kgo.Opt) (*Publisher, error) {
	if len(brokers) == 0 || topic == "" {
		return nil, errors.New("kafka: a broker and a topic are required")
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	p := &Publisher{cl: cl, topic: topic, truth: topic + ".truth", sent: map[engine.Label]bool{}, errs: make(chan error, 1)}
	if partitions > 0 {
		if err := EnsureTopics(ctx, cl, partitions, topic, topic+".verdicts", topic+".alerts", topic+".dead", p.truth); err != nil {
			cl.Close()
			return nil, err
		}
	}
	return p, nil
}

// Publish produces one frame: an observation per soldier, and each truth
// label the first time a frame holds it. It returns once the frame is
// handed to the client; Flush waits for the brokers' acknowledgements.
// The first produce failure is returned by a later Publish or Flush.
func (p *Publisher) Publish(ctx context.Context, f *engine.Frame) error {
	select {
	case err := <-p.errs:
		return err
	default:
	}
	unix := f.Time.Unix()
	off := unix - f.T // tick → unix seconds
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			select {
			case p.errs <- fmt.Errorf("kafka: produce: %w", err):
			default:
			}
		}
	}
	for i := range f.Obs {
		o := f.Obs[i]
		o.T = unix
		v := httpapi.AppendObservationJSON(nil, &o)
		p.cl.Produce(ctx, &kgo.Record{Key: strconv.AppendInt(nil, int64(o.Soldier), 10), Value: v}, promise)
	}
	for _, l := range f.Truth {
		if p.sent[l] {
			continue
		}
		p.sent[l] = true
		b := append(p.buf[:0], `{"soldier_id":`...)
		b = strconv.AppendInt(b, int64(l.Soldier), 10)
		b = append(b, `,"kind":"`...)
		b = append(b, l.Kind.String()...)
		b = append(b, `","start":`...)
		b = strconv.AppendInt(b, l.Start+off, 10)
		b = append(b, `,"end":`...)
		b = strconv.AppendInt(b, l.End+off, 10)
		b = append(b, '}')
		p.buf = b
		p.cl.Produce(ctx, &kgo.Record{Topic: p.truth, Key: strconv.AppendInt(nil, int64(l.Soldier), 10), Value: append([]byte(nil), b...)}, promise)
	}
	return nil
}

// Flush waits until every frame published is acknowledged, and returns
// the first produce failure.
func (p *Publisher) Flush(ctx context.Context) error {
	if err := p.cl.Flush(ctx); err != nil {
		return err
	}
	select {
	case err := <-p.errs:
		return err
	default:
		return nil
	}
}

// Close flushes nothing: call Flush first.
func (p *Publisher) Close() { p.cl.Close() }

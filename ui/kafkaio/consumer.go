package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// Scorer scores observation messages: httpapi.Server.ObserveJSON.
type Scorer interface {
	ObserveJSON(msgs [][]byte, dst []httpapi.StreamAnswer) []httpapi.StreamAnswer
}

// Reporter receives the consumer's counters and health:
// httpapi.Server.Stream() (its /metrics and /ready).
type Reporter interface {
	Consumed(n int)
	DeadLetter()
	ProduceError()
	SetLag(n int64)
	SetHealth(err error)
}

// Config configures a Consumer.
type Config struct {
	Brokers []string // seed brokers, host:port
	Topic   string   // the observation topic
	Group   string   // the consumer group the replicas share
	// Verdicts, Alerts and Dead are the output topics; empty: Topic plus
	// ".verdicts", ".alerts", ".dead".
	Verdicts, Alerts, Dead string
	// TransactionalID names this replica's producer; it must differ
	// between the replicas running at a time. Empty:
	// GROUP-HOSTNAME-PID.
	TransactionalID string
	// TransactionTimeout bounds how long a replica that died mid-batch
	// holds its partitions' next offsets (0: 30 s).
	TransactionTimeout time.Duration
	// Partitions: create the missing topics with this many partitions
	// at start (0: create nothing; the topics must exist).
	Partitions int
	// Backoff is the first wait after a failure; it doubles up to
	// MaxBackoff (0: 100 ms and 5 s).
	Backoff, MaxBackoff time.Duration
	// HealthEvery is how often the brokers are pinged for /ready (0: 2 s).
	HealthEvery time.Duration
	// MaxPollRecords bounds one poll, which is one transaction (0: 1000):
	// what a replica that dies mid-poll leaves to be consumed again.
	MaxPollRecords int
	Log            *slog.Logger
	// Opts are extra franz-go options (tests: session timeouts).
	Opts []kgo.Opt
}

func (c *Config) defaults() error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka: no brokers")
	}
	if c.Topic == "" || c.Group == "" {
		return errors.New("kafka: a topic and a consumer group are required")
	}
	if c.Verdicts == "" {
		c.Verdicts = c.Topic + ".verdicts"
	}
	if c.Alerts == "" {
		c.Alerts = c.Topic + ".alerts"
	}
	if c.Dead == "" {
		c.Dead = c.Topic + ".dead"
	}
	if c.TransactionalID == "" {
		host, _ := os.Hostname()
		c.TransactionalID = c.Group + "-" + host + "-" + strconv.Itoa(os.Getpid())
	}
	if c.TransactionTimeout <= 0 {
		c.TransactionTimeout = 30 * time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = 100 * time.Millisecond
	}
	if c.MaxBackoff < c.Backoff {
		c.MaxBackoff = max(c.Backoff, 5*time.Second)
	}
	if c.HealthEvery <= 0 {
		c.HealthEvery = 2 * time.Second
	}
	if c.MaxPollRecords <= 0 {
		c.MaxPollRecords = 1000
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	for _, t := range []string{c.Topic, c.Verdicts, c.Alerts, c.Dead} {
		if seen[t] {
			return fmt.Errorf("kafka: topic %q named twice (observations, verdicts, alerts and dead letters need their own)", t)
		}
		seen[t] = true
	}
	return nil
}

// Consumer consumes observations in a consumer group, scores them and
// produces the verdicts, alerts and dead letters (see the package doc).
type Consumer struct {
	cfg  Config
	sc   Scorer
	rep  Reporter
	opts []kgo.Opt
	sess *kgo.GroupTransactSession

	mu    sync.Mutex
	lag   map[int32]int64 // by fetched partition of cfg.Topic, while assigned
	owned int             // partitions of cfg.Topic assigned to this replica

	brokerErr, loopErr error // guarded by mu: the health parts

	// crashAfterProduce, when set (tests), is asked after a batch's
	// records are produced and before its transaction ends; true makes the
	// consumer stop right there as if the process died.
	crashAfterProduce func() bool
}

// NewConsumer connects a consumer; Run consumes.
func NewConsumer(cfg Config, sc Scorer, rep Reporter) (*Consumer, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if sc == nil || rep == nil {
		return nil, errors.New("kafka: nil scorer or reporter")
	}
	c := &Consumer{cfg: cfg, sc: sc, rep: rep, lag: map[int32]int64{}}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topic),
		kgo.TransactionalID(cfg.TransactionalID),
		kgo.TransactionTimeout(cfg.TransactionTimeout),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.OnPartitionsAssigned(c.assign),
		kgo.OnPartitionsRevoked(c.dropLag),
		kgo.OnPartitionsLost(c.dropLag),
		kgo.WithLogger(kgo.BasicLogger(logWriter{cfg.Log}, kgo.LogLevelWarn, nil)),
	}
	c.opts = append(opts, cfg.Opts...)
	sess, err := kgo.NewGroupTransactSession(c.opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	c.sess = sess
	return c, nil
}

// reopen replaces the session after a failed transaction end, which
// franz-go documents as leaving the session unusable: the old one leaves
// the group (its partitions, back at their committed offsets, are
// assigned again) and a new one joins.
func (c *Consumer) reopen() error {
	c.sess.Close()
	sess, err := kgo.NewGroupTransactSession(c.opts...)
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	c.mu.Lock()
	c.sess = sess
	c.lag = map[int32]int64{}
	c.owned = 0
	c.reportLagLocked()
	c.mu.Unlock()
	return nil
}

// session returns the current session (watchBrokers runs beside Run).
func (c *Consumer) session() *kgo.GroupTransactSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// Close leaves the group (its partitions move to the other replicas at
// once) after aborting what is not committed.
func (c *Consumer) Close() { c.session().Close() }

// Run consumes until ctx ends; it returns nil then. Failures are retried:
// Run ends early only when the client is closed or the transactional
// producer is fenced (another process took its transactional ID).
func (c *Consumer) Run(ctx context.Context) error {
	if c.cfg.Partitions > 0 {
		if err := EnsureTopics(ctx, c.sess.Client(), c.cfg.Partitions, c.cfg.Topic, c.cfg.Verdicts, c.cfg.Alerts, c.cfg.Dead); err != nil {
			c.cfg.Log.Warn("kafka: could not create the topics; they must exist", "err", err)
		}
	}
	hctx, stopHealth := context.WithCancel(ctx)
	defer stopHealth()
	go c.watchBrokers(hctx)

	var (
		msgs    [][]byte
		answers []httpapi.StreamAnswer
		backoff = c.cfg.Backoff
	)
	for {
		fetches := c.sess.PollRecords(ctx, c.cfg.MaxPollRecords)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			c.cfg.Log.Warn("kafka: fetch failed; retrying", "topic", topic, "partition", p, "err", err)
		})
		recs := fetches.Records()
		if len(recs) == 0 {
			continue
		}
		c.rep.Consumed(len(recs))
		c.noteLag(fetches, false)
		msgs = msgs[:0]
		for _, r := range recs {
			msgs = append(msgs, r.Value)
		}
		answers = c.score(ctx, msgs, answers[:0])
		if ctx.Err() != nil {
			// Stopped while the store was down: nothing of this poll was
			// produced; abort (bounded, the broker may be gone too).
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.TransactionTimeout)
			_, _ = c.sess.End(actx, kgo.TryAbort)
			cancel()
			return nil
		}
		if err := c.sess.Begin(); err != nil {
			return fmt.Errorf("kafka: begin a transaction: %w", err)
		}
		// A batch scored is finished even when ctx ends meanwhile (a
		// graceful stop commits it), within the transaction timeout.
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.TransactionTimeout)
		c.produce(ectx, recs, answers)
		if c.crashAfterProduce != nil && c.crashAfterProduce() {
			cancel()
			return errCrashed
		}
		committed, err := c.sess.End(ectx, kgo.TryCommit)
		cancel()
		switch {
		case err != nil:
			c.rep.ProduceError()
			c.setLoopErr(fmt.Errorf("kafka: ending a transaction failed: %w", err))
			c.cfg.Log.Error("kafka: ending a transaction failed; its batch will be consumed again", "err", err)
			if ctx.Err() != nil {
				return nil
			}
			if isFatal(err) {
				return fmt.Errorf("kafka: %w", err)
			}
			backoff = c.sleep(ctx, backoff)
			if err := c.reopen(); err != nil {
				return err
			}
		case !committed:
			// A rebalance took partitions away mid-batch: the batch was
			// aborted and its partitions' new owners consume it again.
			c.cfg.Log.Info("kafka: batch aborted by a rebalance; its partitions' new owners consume it again", "records", len(recs))
		default:
			c.setLoopErr(nil)
			c.noteLag(fetches, true)
			backoff = c.cfg.Backoff
		}
	}
}

// errCrashed ends Run when a test's crashAfterProduce fires.
var errCrashed = errors.New("kafka: crashed on purpose (test)")

// score runs msgs through the scorer, trying again with backoff the
// messages that failed for a reason that may pass (the store is down):
// their answers are replaced in place until none is left or ctx ends.
func (c *Consumer) score(ctx context.Context, msgs [][]byte, dst []httpapi.StreamAnswer) []httpapi.StreamAnswer {
	dst = c.sc.ObserveJSON(msgs, dst)
	backoff := c.cfg.Backoff
	var idx []int
	var again [][]byte
	for ctx.Err() == nil {
		idx, again = idx[:0], again[:0]
		for i := range dst {
			if dst[i].Retry {
				idx = append(idx, i)
				again = append(again, msgs[i])
			}
		}
		if len(idx) == 0 {
			c.setLoopErr(nil)
			return dst
		}
		err := fmt.Errorf("kafka: %d observations wait for the feature store: %w", len(idx), dst[idx[0]].Err)
		c.setLoopErr(err)
		c.cfg.Log.Warn("kafka: observations not written; retrying", "n", len(idx), "backoff", backoff, "err", dst[idx[0]].Err)
		backoff = c.sleep(ctx, backoff)
		res := c.sc.ObserveJSON(again, nil)
		for j, i := range idx {
			dst[i] = res[j]
		}
	}
	return dst
}

// produce sends each record's outcome: its verdict (and alert), or the
// message to the dead-letter topic with its reason. Errors are counted
// here; End aborts the transaction when any produce failed.
func (c *Consumer) produce(ctx context.Context, recs []*kgo.Record, answers []httpapi.StreamAnswer) {
	promise := func(r *kgo.Record, err error) {
		if err != nil {
			c.rep.ProduceError()
			c.cfg.Log.Warn("kafka: produce failed", "topic", r.Topic, "err", err)
		}
	}
	for i, r := range recs {
		a := &answers[i]
		if a.Err != nil {
			c.rep.DeadLetter()
			c.sess.Produce(ctx, &kgo.Record{Topic: c.cfg.Dead, Key: r.Key, Value: r.Value, Headers: []kgo.RecordHeader{
				{Key: "reason", Value: a.ErrJSON},
				{Key: "source", Value: []byte(r.Topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10))},
			}}, promise)
			continue
		}
		key := r.Key
		if a.Soldier >= 0 {
			key = strconv.AppendInt(nil, a.Soldier, 10)
		}
		c.sess.Produce(ctx, &kgo.Record{Topic: c.cfg.Verdicts, Key: key, Value: a.Verdict}, promise)
		if a.Alert != nil {
			c.sess.Produce(ctx, &kgo.Record{Topic: c.cfg.Alerts, Key: key, Value: a.Alert}, promise)
		}
	}
}

// sleep waits d (or until ctx ends) and returns the next backoff.
func (c *Consumer) sleep(ctx context.Context, d time.Duration) time.Duration {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return min(2*d, c.cfg.MaxBackoff)
}

// noteLag records, per partition of a poll, how many messages are behind
// its high watermark as of that fetch: the poll's own records too while
// they are being scored (done false), only those after them once the poll
// is committed (done true). It reports the sum.
func (c *Consumer) noteLag(fs kgo.Fetches, done bool) {
	c.mu.Lock()
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if p.Topic != c.cfg.Topic || len(p.Records) == 0 {
			return
		}
		if _, owned := c.lag[p.Partition]; done && !owned {
			return // revoked meanwhile
		}
		next := p.Records[0].Offset
		if done {
			next = p.Records[len(p.Records)-1].Offset + 1
		}
		c.lag[p.Partition] = max(0, p.HighWatermark-next)
	})
	c.reportLagLocked()
	c.mu.Unlock()
}

// assign notes partitions assigned to this replica.
func (c *Consumer) assign(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	c.mu.Lock()
	c.owned += len(m[c.cfg.Topic])
	c.mu.Unlock()
	c.cfg.Log.Info("kafka: partitions assigned", "topic", c.cfg.Topic, "partitions", m[c.cfg.Topic])
}

// dropLag forgets partitions that were revoked or lost.
func (c *Consumer) dropLag(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	c.mu.Lock()
	c.owned = max(0, c.owned-len(m[c.cfg.Topic]))
	for _, p := range m[c.cfg.Topic] {
		delete(c.lag, p)
	}
	c.reportLagLocked()
	c.mu.Unlock()
}

func (c *Consumer) reportLagLocked() {
	var n int64
	for _, l := range c.lag {
		n += l
	}
	c.rep.SetLag(n)
}

// watchBrokers pings the brokers every HealthEvery and reports the
// health: a broker outage makes /ready answer 503 until they answer again.
func (c *Consumer) watchBrokers(ctx context.Context) {
	t := time.NewTicker(c.cfg.HealthEvery)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, c.cfg.HealthEvery)
		err := c.session().Client().Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		was := c.brokerErr
		if err != nil {
			c.brokerErr = fmt.Errorf("kafka: no broker of %v answers: %w", c.cfg.Brokers, err)
		} else {
			c.brokerErr = nil
		}
		c.reportHealthLocked()
		c.mu.Unlock()
		switch {
		case err != nil && was == nil:
			c.cfg.Log.Error("kafka: brokers unreachable; not ready until they answer", "brokers", c.cfg.Brokers, "err", err)
		case err == nil && was != nil:
			c.cfg.Log.Info("kafka: brokers reachable again")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *Consumer) setLoopErr(err error) {
	c.mu.Lock()
	c.loopErr = err
	c.reportHealthLocked()
	c.mu.Unlock()
}

func (c *Consumer) reportHealthLocked() {
	switch {
	case c.brokerErr != nil:
		c.rep.SetHealth(c.brokerErr)
	case c.loopErr != nil:
		c.rep.SetHealth(c.loopErr)
	default:
		c.rep.SetHealth(nil)
	}
}

// isFatal reports whether a transaction error means another process
// took this replica's transactional ID: two replicas with one ID.
func isFatal(err error) bool {
	return errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.TransactionalIDAuthorizationFailed)
}

// logWriter adapts slog to franz-go's BasicLogger.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Warn("kafka client: " + strings.TrimSpace(string(p)))
	return len(p), nil
}

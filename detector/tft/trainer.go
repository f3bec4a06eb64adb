package tft

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

func defaultWorkers() int { return runtime.NumCPU() }

// defaultEvalWorkers is the goroutines a validation pass may use by
// default: as many as may run at once.
func defaultEvalWorkers() int { return runtime.GOMAXPROCS(0) }

// microBatch is the number of examples one tape pass holds; a worker runs
// its share of a minibatch as several passes, accumulating gradients, so
// the tape's arena stays small enough for the caches.
const microBatch = 8

// worker is one goroutine's training state.
type worker struct {
	tp    *autodiff.Tape
	grads []float64
	b     batch
	idx   []int
	loss  float64 // Σ pinball over its share
	obs   int     // observed targets in its share
	err   error
}

// run computes the summed loss (and, if grad, its gradient into w.grads)
// of examples idx.
func (w *worker) run(m *Model, ds Dataset, idx []int, grad bool) {
	w.loss, w.obs, w.err = 0, 0, nil
	if grad {
		clear(w.grads)
	}
	for start := 0; start < len(idx); start += microBatch {
		end := min(start+microBatch, len(idx))
		if err := w.b.gather(&m.cfg, ds, idx[start:end]); err != nil {
			w.err = err
			return
		}
		w.tp.Reset()
		g := m.forward(w.tp, &w.b, true, 1)
		w.loss += w.tp.Value(g.loss)[0]
		w.obs += w.b.observed
		if grad {
			w.tp.Backward(g.loss)
		}
	}
}

// pool runs workers over contiguous shares of an index list.
type pool struct {
	m           *Model
	workers     []*worker
	eval        []*worker // extra tapes for evaluation only
	evalWorkers int       // goroutines an evaluation may use
	parts       []evalPart
	ids         []int
}

// newPool returns a pool of n training workers whose evaluations run on
// up to evalWorkers goroutines.
func newPool(m *Model, n, evalWorkers int) *pool {
	p := &pool{m: m, workers: make([]*worker, n), evalWorkers: evalWorkers}
	for i := range p.workers {
		p.workers[i] = newWorker(m)
	}
	return p
}

// newWorker returns a worker with its own tape bound to m's parameters.
func newWorker(m *Model) *worker {
	w := &worker{tp: autodiff.NewTape(), grads: make([]float64, len(m.params))}
	w.tp.Bind(m.params, w.grads)
	return w
}

// run splits idx into one contiguous share per worker and runs them in
// parallel. It returns the summed loss and observed-target count, summing
// in worker order so the result does not depend on scheduling.
func (p *pool) run(ds Dataset, idx []int, grad bool) (float64, int, error) {
	n := len(p.workers)
	var wg sync.WaitGroup
	for i, w := range p.workers {
		lo, hi := i*len(idx)/n, (i+1)*len(idx)/n
		w.idx = idx[lo:hi]
		if i == n-1 {
			w.run(p.m, ds, w.idx, grad) // the calling goroutine takes the last share
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(p.m, ds, w.idx, grad)
		}()
	}
	wg.Wait()
	loss, obs := 0.0, 0
	for _, w := range p.workers {
		if w.err != nil {
			return 0, 0, w.err
		}
		loss += w.loss
		obs += w.obs
	}
	return loss, obs, nil
}

// sumGrads adds the workers' gradients into dst in worker order.
func (p *pool) sumGrads(dst []float64) {
	copy(dst, p.workers[0].grads)
	for _, w := range p.workers[1:] {
		for i, g := range w.grads {
			dst[i] += g
		}
	}
}

// evalBatch is the number of examples per evaluation round.
const evalBatch = 256

// evalPart is one micro-batch of an evaluation: the examples idx, and the
// summed pinball loss and observed-target count it gives.
type evalPart struct {
	idx  []int
	loss float64
	obs  int
}

// loss returns the mean pinball loss of m over ds (NaN, with obs = 0, when
// ds has no observed target). The examples are cut into rounds of
// evalBatch, each round into one contiguous share per worker and each
// share into micro-batches, as a training step cuts a minibatch; the
// micro-batches are evaluated on up to evalWorkers goroutines at once (no
// gradients, so they are independent), and their losses summed in that
// fixed order — micro-batches into their share from zero, shares into
// their round, rounds into the total — so the result does not depend on
// the number of goroutines or their scheduling.
func (p *pool) loss(ctx context.Context, ds Dataset) (loss float64, obs int, err error) {
	n, nw := ds.Len(), len(p.workers)
	p.parts = p.parts[:0]
	var ends []int // per share, one past its last micro-batch in p.parts
	for start := 0; start < n; start += evalBatch {
		round := min(evalBatch, n-start)
		for i := range nw {
			lo, hi := start+i*round/nw, start+(i+1)*round/nw
			for m := lo; m < hi; m += microBatch {
				p.parts = append(p.parts, evalPart{idx: p.span(m, min(m+microBatch, hi))})
			}
			ends = append(ends, len(p.parts))
		}
	}
	if err := p.evaluate(ctx, ds); err != nil {
		return 0, 0, err
	}
	total, k := 0.0, 0
	for r := 0; r < len(ends); r += nw {
		l := 0.0
		for _, end := range ends[r : r+nw] {
			wl := 0.0
			for ; k < end; k++ {
				wl += p.parts[k].loss
				obs += p.parts[k].obs
			}
			l += wl
		}
		total += l
	}
	if obs == 0 {
		return math.NaN(), 0, nil
	}
	return total / float64(obs*len(p.m.cfg.Quantiles)), obs, nil
}

// span returns the example indices lo … hi−1 from a list kept by the pool.
func (p *pool) span(lo, hi int) []int {
	for len(p.ids) < hi {
		p.ids = append(p.ids, len(p.ids))
	}
	return p.ids[lo:hi]
}

// evaluate fills in the loss and observed count of every part, on the
// training workers' tapes and as many evaluation tapes beside them as
// evalWorkers allows, each goroutine taking the next part not yet taken.
func (p *pool) evaluate(ctx context.Context, ds Dataset) error {
	g := min(max(p.evalWorkers, 1), len(p.parts))
	for len(p.workers)+len(p.eval) < g {
		p.eval = append(p.eval, newWorker(p.m))
	}
	ws := append(append([]*worker(nil), p.workers...), p.eval...)[:max(g, 1)]
	var next atomic.Int64
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		run := func() {
			for {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					return
				}
				k := int(next.Add(1)) - 1
				if k >= len(p.parts) {
					return
				}
				pt := &p.parts[k]
				w.run(p.m, ds, pt.idx, false)
				if w.err != nil {
					errs[i] = w.err
					return
				}
				pt.loss, pt.obs = w.loss, w.obs
			}
		}
		if i == len(ws)-1 {
			run() // the calling goroutine takes a share too
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Loss returns the mean quantile (pinball) loss of m over ds, averaged over
// the observed targets, quantile levels and decoder steps, computed on
// workers goroutines (≤ 0: runtime.NumCPU()). It is NaN when ds has no
// observed target.
func (m *Model) Loss(ctx context.Context, ds Dataset, workers int) (float64, error) {
	if workers <= 0 {
		workers = defaultWorkers()
	}
	l, _, err := newPool(m, workers, max(workers, defaultEvalWorkers())).loss(ctx, ds)
	if err != nil {
		return 0, fmt.Errorf("evaluate loss: %w", err)
	}
	return l, nil
}

func train_(ctx context.Context, m *Model, train, val Dataset, cfg TrainConfig, progress func(Progress)) (Result, error) {
	cfg = cfg.withDefaults()
	start := time.Now()
	res := Result{Workers: cfg.Workers, BestValLoss: math.Inf(1)}
	if train == nil || train.Len() == 0 {
		return res, fmt.Errorf("train: %w (training set)", ErrNoData)
	}
	if val != nil && val.Len() == 0 {
		return res, fmt.Errorf("train: %w (validation set)", ErrNoData)
	}
	t := newTrainer(m, train.Len(), cfg, progress, start)
	t.res = res
	defer m.refresh()
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		loss, obs, err := t.epoch(ctx, train, epoch)
		if err != nil {
			return t.finish(fmt.Errorf("train: %w", err))
		}
		stop, err := t.endEpoch(ctx, val, epoch, loss, obs)
		if err != nil || stop {
			return t.finish(err)
		}
		t.lr *= cfg.LRDecay
	}
	return t.finish(nil)
}

// trainer is the state of one training run: the workers, the optimiser,
// the shuffled order of the examples, the best parameters so far and the
// result being filled in.
type trainer struct {
	m         *Model
	cfg       TrainConfig
	progress  func(Progress)
	start     time.Time
	n, steps  int // examples; steps per epoch
	pl        *pool
	adam      *autodiff.Adam
	grad      []float64
	best      []float64 // the parameters of the best epoch so far
	perm      []int
	rng       *rand.Rand
	nq        float64 // quantiles per target
	lr        float64 // this epoch's learning rate
	sinceBest int     // epochs since the best one
	res       Result
}

// newTrainer sets up training m on n examples with cfg (defaults filled).
func newTrainer(m *Model, n int, cfg TrainConfig, progress func(Progress), start time.Time) *trainer {
	steps := (n + cfg.BatchSize - 1) / cfg.BatchSize
	if cfg.StepsPerEpoch > 0 && cfg.StepsPerEpoch < steps {
		steps = cfg.StepsPerEpoch
	}
	t := &trainer{m: m, cfg: cfg, progress: progress, start: start, n: n, steps: steps}
	t.pl = newPool(m, cfg.Workers, cfg.EvalWorkers)
	t.adam = autodiff.NewAdam(len(m.params), cfg.LearningRate, cfg.Beta1, cfg.Beta2, cfg.Epsilon)
	t.grad = make([]float64, len(m.params))
	t.best = append([]float64(nil), m.params...)
	t.perm = make([]int, n)
	for i := range t.perm {
		t.perm[i] = i
	}
	t.rng = rand.New(rand.NewPCG(cfg.Seed, 0x7466742d74726169)) // "tft-trai"
	t.nq = float64(len(m.cfg.Quantiles))
	t.lr = cfg.LearningRate
	return t
}

// finish puts the best parameters back into the model and returns the
// result with err.
func (t *trainer) finish(err error) (Result, error) {
	copy(t.m.params, t.best)
	t.res.Elapsed = time.Since(t.start)
	return t.res, err
}

// epoch runs the optimiser steps of one epoch over a fresh shuffle of
// train and returns the summed loss and the number of observed targets.
func (t *trainer) epoch(ctx context.Context, train Dataset, epoch int) (epochLoss float64, epochObs int, err error) {
	perm, cfg := t.perm, t.cfg
	t.rng.Shuffle(t.n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	t.adam.LR = t.lr
	for step := range t.steps {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		idx := perm[step*cfg.BatchSize : min((step+1)*cfg.BatchSize, t.n)]
		loss, obs, err := t.pl.run(train, idx, true)
		if err != nil {
			return 0, 0, err
		}
		t.res.Steps++
		if obs == 0 {
			continue
		}
		norm := float64(obs) * t.nq
		t.pl.sumGrads(t.grad)
		for i := range t.grad {
			t.grad[i] /= norm
		}
		autodiff.ClipGlobalNorm(t.grad, cfg.ClipNorm)
		t.adam.Step(t.m.params, t.grad)
		epochLoss += loss
		epochObs += obs
		if t.progress != nil {
			t.progress(Progress{
				Epoch: epoch, Epochs: cfg.Epochs, Step: step + 1, Steps: t.steps, TotalSteps: t.res.Steps,
				TrainLoss: epochLoss / (float64(epochObs) * t.nq), LR: t.lr, Elapsed: time.Since(t.start),
				BestValLoss: t.res.BestValLoss, BestEpoch: t.res.BestEpoch, ValLoss: math.NaN(),
			})
		}
	}
	return epochLoss, epochObs, nil
}

// endEpoch closes an epoch (its summed loss over obs targets): it
// validates on val (nil: the training loss stands in), keeps the best
// parameters, reports progress, and says whether to stop early; a
// diverged loss is an error.
func (t *trainer) endEpoch(ctx context.Context, val Dataset, epoch int, epochLoss float64, epochObs int) (stop bool, err error) {
	cfg, res := t.cfg, &t.res
	trainLoss := math.NaN()
	if epochObs > 0 {
		trainLoss = epochLoss / (float64(epochObs) * t.nq)
	}
	res.Epochs = epoch
	res.FinalTrainLoss = trainLoss
	valLoss := trainLoss
	if val != nil {
		l, obs, err := t.pl.loss(ctx, val)
		if err != nil {
			return true, fmt.Errorf("train: validate: %w", err)
		}
		if obs == 0 {
			return true, fmt.Errorf("train: %w (no observed target in the validation set)", ErrNoData)
		}
		valLoss = l
	}
	improved := valLoss < res.BestValLoss-cfg.MinDelta
	if improved {
		res.BestValLoss, res.BestEpoch = valLoss, epoch
		copy(t.best, t.m.params)
		t.sinceBest = 0
	} else {
		t.sinceBest++
	}
	if t.progress != nil {
		t.progress(Progress{
			Epoch: epoch, Epochs: cfg.Epochs, Step: t.steps, Steps: t.steps, TotalSteps: res.Steps,
			TrainLoss: trainLoss, EndOfEpoch: true, ValLoss: valLoss, BestValLoss: res.BestValLoss,
			BestEpoch: res.BestEpoch, Improved: improved, LR: t.lr, Elapsed: time.Since(t.start),
		})
	}
	if math.IsNaN(valLoss) || math.IsInf(valLoss, 0) {
		return true, fmt.Errorf("train: epoch %d: loss is %v (diverged; lower the learning rate)", epoch, valLoss)
	}
	if cfg.Patience > 0 && t.sinceBest >= cfg.Patience {
		res.StoppedEarly = epoch < cfg.Epochs
		return true, nil
	}
	return false, nil
}

package tft

import (
	"context"
	"errors"
	"time"
)

// TrainConfig controls Train. Zero fields take the defaults noted.
type TrainConfig struct {
	// Epochs is the maximum number of passes over the training set
	// (default 50).
	Epochs int
	// StepsPerEpoch caps the minibatches per epoch (0: one full pass).
	StepsPerEpoch int
	// BatchSize is the number of examples per minibatch (default 64).
	BatchSize int
	// LearningRate is Adam's step size (default 3e-3).
	LearningRate float64
	// LRDecay multiplies the learning rate after every epoch (0 or 1: off).
	LRDecay float64
	// Beta1, Beta2 and Epsilon are Adam's constants (defaults 0.9, 0.999,
	// 1e-8).
	Beta1, Beta2, Epsilon float64
	// ClipNorm is the global gradient-norm limit (default 1; negative: no
	// clipping).
	ClipNorm float64
	// Patience is the number of epochs without a better validation loss
	// before training stops (default 5; negative: never stop early). The
	// model keeps the parameters of the best validation epoch.
	Patience int
	// MinDelta is the improvement of the validation loss that counts as
	// better (default 0).
	MinDelta float64
	// Workers is the number of goroutines sharing each minibatch (default
	// runtime.NumCPU()). Results are deterministic for a given seed and
	// worker count.
	Workers int
	// EvalWorkers is the number of goroutines the validation pass after
	// each epoch may use (default, and at least, Workers; with Workers
	// default, runtime.GOMAXPROCS(0)). The validation loss is the same
	// for any number: its micro-batches are summed in a fixed order.
	EvalWorkers int
	// Seed seeds the shuffling of the training set.
	Seed uint64
}

// Progress reports training progress to the callback of Train, after
// every minibatch and at the end of every epoch.
type Progress struct {
	Epoch      int // 1-based
	Epochs     int // maximum epochs
	Step       int // minibatch within the epoch, 1-based
	Steps      int // minibatches per epoch
	TotalSteps int // minibatches since the start
	// TrainLoss is the mean training loss of the epoch so far.
	TrainLoss float64
	// EndOfEpoch is set on the report after the validation pass; ValLoss,
	// BestValLoss and Improved are only meaningful then.
	EndOfEpoch  bool
	ValLoss     float64
	BestValLoss float64
	BestEpoch   int
	Improved    bool
	LR          float64
	Elapsed     time.Duration
}

// Result summarises a training run.
type Result struct {
	Epochs         int     // epochs run
	Steps          int     // minibatches run
	BestEpoch      int     // epoch whose parameters the model holds
	BestValLoss    float64 // its validation loss
	FinalTrainLoss float64 // mean training loss of the last epoch
	StoppedEarly   bool    // patience ran out before Epochs
	Elapsed        time.Duration
	Workers        int
}

// ErrNoData is returned by Train when a dataset is empty.
var ErrNoData = errors.New("tft: empty dataset")

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs <= 0 {
		c.Epochs = 50
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 64
	}
	if c.LearningRate <= 0 {
		c.LearningRate = 3e-3
	}
	if c.LRDecay <= 0 {
		c.LRDecay = 1
	}
	if c.Beta1 <= 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 <= 0 {
		c.Beta2 = 0.999
	}
	if c.Epsilon <= 0 {
		c.Epsilon = 1e-8
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.Patience == 0 {
		c.Patience = 5
	}
	if c.Workers <= 0 {
		c.Workers = defaultWorkers()
	}
	if c.EvalWorkers <= 0 {
		c.EvalWorkers = defaultEvalWorkers()
	}
	c.EvalWorkers = max(c.EvalWorkers, c.Workers)
	return c
}

// Train fits m to train with Adam on the quantile loss, evaluating on val
// after every epoch and keeping the parameters of the epoch with the best
// validation loss. val may be nil: the epoch's mean training loss then
// stands in for the validation loss. Each minibatch is split into Workers
// contiguous shares whose gradients are summed in worker order, then
// divided by the number of observed targets × quantiles, clipped to
// ClipNorm and applied by Adam. progress, if not nil, is called from
// Train's goroutine. When ctx is cancelled Train returns ctx's error,
// leaving m with the best parameters of the finished epochs (its initial
// parameters if none finished).
func Train(ctx context.Context, m *Model, train, val Dataset, cfg TrainConfig, progress func(Progress)) (Result, error) {
	return train_(ctx, m, train, val, cfg, progress)
}

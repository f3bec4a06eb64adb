package engine

import (
	"context"
	"errors"
	"io"
)

// FanOut delivers every published frame to many subscribers without ever
// blocking the publisher (a Broadcast of frames, without a backlog): a
// subscriber whose buffer is full loses its oldest frame to make room for
// the newest. Run publishes a source's frames.
type FanOut struct {
	*Broadcast[Frame]
}

// Subscription is one subscriber's feed of frames.
type Subscription = Sub[Frame]

// NewFanOut returns a fan-out without subscribers.
func NewFanOut() *FanOut { return &FanOut{NewBroadcast[Frame](0)} }

// Run publishes every frame of src (pace it with a Pacer) until src ends,
// fails or ctx is done, then closes the fan-out. It returns nil when src
// ends with io.EOF or ctx is cancelled, and src's error otherwise.
func (f *FanOut) Run(ctx context.Context, src Source) error {
	defer f.Close()
	for {
		fr, err := src.Next(ctx)
		switch {
		case err == nil:
			f.Publish(fr)
		case errors.Is(err, io.EOF), ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return nil
		default:
			return err
		}
	}
}

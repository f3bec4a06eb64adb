package detector

import (
	"errors"
	"fmt"
	"sync"
)

// embeddedModelBytes is the model `make model` trains.
var embeddedModelBytes []byte

var embedded struct {
	once sync.Once
	m    *Model
	err  error
}

// EmbeddedModel returns the model embedded in the binary, decoded once and
// shared.
func EmbeddedModel() (*Model, error) {
	embedded.once.Do(func() {
		if len(embeddedModelBytes) == 0 {
			embedded.err = fmt.Errorf("%w: no embedded model (run `make model`)", ErrModel)
			return
		}
		embedded.m, embedded.err = DecodeModel(embeddedModelBytes)
		if embedded.err != nil {
			embedded.err = fmt.Errorf("embedded model: %w", embedded.err)
		}
	})
	return embedded.m, embedded.err
}

var _ = errors.New

package detector

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sync"
)

// modelFS holds detector/model; model/tft.bin is the model `make model`
// trains. The directory is embedded rather than the file so the package
// still builds before a model exists (to train the first one).
//
//go:embed model
var modelFS embed.FS

// EmbeddedModelPath is the model file's path inside the embedded directory.
const EmbeddedModelPath = "model/tft.bin"

var embedded struct {
	once sync.Once
	m    *Model
	err  error
}

// EmbeddedModel returns the model embedded in the binary, decoded once and
// shared (a Model is read-only).
func EmbeddedModel() (*Model, error) {
	embedded.once.Do(func() {
		b, err := modelFS.ReadFile(EmbeddedModelPath)
		if errors.Is(err, fs.ErrNotExist) {
			embedded.err = fmt.Errorf("%w: no embedded model (run `make model` and rebuild)", ErrModel)
			return
		}
		if err != nil {
			embedded.err = fmt.Errorf("read embedded model: %w", err)
			return
		}
		if embedded.m, err = DecodeModel(b); err != nil {
			embedded.err = fmt.Errorf("embedded model: %w", err)
		}
	})
	return embedded.m, embedded.err
}

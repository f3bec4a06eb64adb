package series

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// ScoreFile reads the CSV series at in, scores it with a fresh detector from
// f and writes the result to out (through a temporary file renamed into
// place, so a failed run leaves no half-written output; the file and any
// folders created get the usual permissions less the umask). It returns the
// table's warnings (Table.Warnings). Errors name in.
func ScoreFile(in, out string, f Factory, opts ...ReadOption) ([]string, error) {
	return scoreFile(in, out, f, nil, opts...)
}

// scoreFile is ScoreFile reporting its rows through RunProgress.
func scoreFile(in, out string, f Factory, progress func(done, total int), opts ...ReadOption) ([]string, error) {
	t, err := ReadFile(in, opts...)
	if err != nil {
		return nil, err
	}
	s, err := RunProgress(t, f, progress)
	if err != nil {
		return nil, err
	}
	return t.Warnings(), WriteFile(out, t, s)
}

// WriteFile writes t and its scores to the file out as Write does, through
// a temporary file in the same folder renamed into place. The file is
// created with mode 0666 and folders with 0777, both less the umask, as
// other Unix tools do.
func WriteFile(out string, t *Table, s Scores) (err error) {
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
	}
	tmp, err := createTemp(filepath.Dir(out), "."+filepath.Base(out)+".")
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := Write(bw, t, s); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

// createTemp creates a new file named prefix plus a random number in dir,
// like os.CreateTemp but with mode 0666 less the umask instead of 0600, so
// that the renamed output has the permissions a user expects.
func createTemp(dir, prefix string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}

// Progress reports one finished file of a ScoreDir run.
type Progress struct {
	Done, Total int
	File        string   // path relative to the input folder
	Err         error    // nil when the file was scored
	Warnings    []string // the file's Table.Warnings when it was scored
}

// DirOption configures ScoreDir.
type DirOption func(*dirConfig)

type dirConfig struct {
	jobs     int
	progress func(Progress)
	rows     func(RowProgress)
	read     []ReadOption
}

// RowProgress reports how far one file in flight is (RunProgress's
// percentage steps).
type RowProgress struct {
	File       string // path relative to the input folder
	Done, Rows int    // rows scored so far, rows in the file
	Files      int    // files in the whole run
}

// WithRowProgress sets a callback run as the files in flight advance (at
// most 100 times per file, at each percentage of its rows), from one
// goroutine at a time (the same lock as WithProgress's).
func WithRowProgress(fn func(RowProgress)) DirOption { return func(c *dirConfig) { c.rows = fn } }

// WithJobs sets how many files are scored at once (default GOMAXPROCS).
func WithJobs(n int) DirOption { return func(c *dirConfig) { c.jobs = n } }

// WithProgress sets a callback run after each file, from one goroutine at
// a time.
func WithProgress(fn func(Progress)) DirOption { return func(c *dirConfig) { c.progress = fn } }

// WithRead passes read options (column names) to every file.
func WithRead(opts ...ReadOption) DirOption {
	return func(c *dirConfig) { c.read = append(c.read, opts...) }
}

// ListCSV returns the relative paths (with forward slashes) of every .csv
// file under dir, sorted, skipping the folder skip (when inside dir) and
// hidden files and folders.
func ListCSV(dir, skip string) ([]string, error) {
	absSkip := ""
	if skip != "" {
		absSkip, _ = filepath.Abs(skip)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if abs, _ := filepath.Abs(p); absSkip != "" && abs == absSkip {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.EqualFold(filepath.Ext(p), ".csv") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

// ErrNoFiles means a folder holds no CSV files.
var ErrNoFiles = errors.New("no .csv files")

// ScoreDir scores every CSV file under dir (recursively) in parallel and
// writes each result to the same relative path under out. A file that
// fails does not stop the others; the returned error joins every file's
// error. Cancelling ctx stops starting new files.
func ScoreDir(ctx context.Context, dir, out string, f Factory, opts ...DirOption) error {
	cfg := dirConfig{jobs: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(&cfg)
	}
	files, err := ListCSV(dir, out)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("score %s: %w", dir, ErrNoFiles)
	}
	largestFirst(dir, files)
	var (
		mu   sync.Mutex
		errs []error
		done int
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, cfg.jobs))
	for _, rel := range files {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			var rows func(done, total int)
			if cfg.rows != nil {
				rows = func(done, total int) {
					mu.Lock()
					defer mu.Unlock()
					cfg.rows(RowProgress{File: rel, Done: done, Rows: total, Files: len(files)})
				}
			}
			warn, err := scoreFile(filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(out, filepath.FromSlash(rel)), f, rows, cfg.read...)
			mu.Lock()
			defer mu.Unlock()
			done++
			if err != nil {
				errs = append(errs, err)
			}
			if cfg.progress != nil {
				cfg.progress(Progress{Done: done, Total: len(files), File: rel, Err: err, Warnings: warn})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		errs = append(errs, err)
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// largestFirst orders files (relative to dir) by size, largest first (ties
// and unreadable sizes by name), so that a parallel run does not end with
// one large file scored alone while the other workers idle. Each file is
// scored on its own, so the order changes no result.
func largestFirst(dir string, files []string) {
	size := make(map[string]int64, len(files))
	for _, rel := range files {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
			size[rel] = fi.Size()
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return size[files[i]] > size[files[j]] })
}

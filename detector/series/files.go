package series

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// ScoreFile reads the CSV series at in, scores it with a fresh detector from
// f and writes the result to out (through a temporary file renamed into
// place, so a failed run leaves no half-written output). Errors name in.
func ScoreFile(in, out string, f Factory, opts ...ReadOption) error {
	t, err := ReadFile(in, opts...)
	if err != nil {
		return err
	}
	s, err := Run(t, f)
	if err != nil {
		return err
	}
	return writeFile(out, t, s)
}

func writeFile(out string, t *Table, s Scores) (err error) {
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
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

// Progress reports one finished file of a ScoreDir run.
type Progress struct {
	Done, Total int
	File        string // path relative to the input folder
	Err         error  // nil when the file was scored
}

// DirOption configures ScoreDir.
type DirOption func(*dirConfig)

type dirConfig struct {
	jobs     int
	progress func(Progress)
	read     []ReadOption
}

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
			err := ScoreFile(filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(out, filepath.FromSlash(rel)), f, cfg.read...)
			mu.Lock()
			defer mu.Unlock()
			done++
			if err != nil {
				errs = append(errs, err)
			}
			if cfg.progress != nil {
				cfg.progress(Progress{Done: done, Total: len(files), File: rel, Err: err})
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

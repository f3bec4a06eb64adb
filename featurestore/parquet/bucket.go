package parquet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Bucket is where runs are kept: a directory on disk (Dir) or an
// S3-compatible bucket (featurestore/s3). Names are slash-separated paths
// relative to the bucket's root, such as "20250601T090000Z-sim-1/labels.parquet".
type Bucket interface {
	// Put stores data under name, whole or not at all: a reader never sees
	// part of an object. It replaces an object of that name.
	Put(ctx context.Context, name string, data []byte) error
	// Open opens the object name for reading.
	Open(ctx context.Context, name string) (Object, error)
	// List returns the names of the objects under prefix (a "dir/" prefix
	// lists that directory's tree), sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// String names the bucket for messages ("/data/runs", "s3://runs/chakra").
	String() string
}

// Object is one stored object opened for reading.
type Object interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Dir is a Bucket on a directory of the local file system. Put writes a
// temporary file beside the target, syncs it and renames it into place, so
// a killed process leaves either the old object or the new one (and at
// worst a ".tmp-" file, which List leaves out).
type Dir string

// tmpPrefix starts the names of Dir's temporary files.
const tmpPrefix = ".tmp-"

func (d Dir) path(name string) (string, error) {
	if name == "" || path.IsAbs(name) || strings.HasPrefix(path.Clean(name), "..") {
		return "", fmt.Errorf("object name %q outside the bucket", name)
	}
	return filepath.Join(string(d), filepath.FromSlash(path.Clean(name))), nil
}

// Put implements Bucket.
func (d Dir) Put(_ context.Context, name string, data []byte) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), tmpPrefix+filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("put %s: %w", p, err)
	}
	return nil
}

// Open implements Bucket.
func (d Dir) Open(_ context.Context, name string) (Object, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileObject{f, st.Size()}, nil
}

type fileObject struct {
	*os.File
	size int64
}

func (o fileObject) Size() int64 { return o.size }

// List implements Bucket.
func (d Dir) List(_ context.Context, prefix string) ([]string, error) {
	var names []string
	root := string(d)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, prefix) {
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	slices.Sort(names)
	return names, nil
}

// String implements Bucket.
func (d Dir) String() string { return string(d) }

// memObject is an Object held in memory.
type memObject struct{ *bytes.Reader }

func (memObject) Close() error { return nil }

// NewMemObject returns data as an Object (for buckets that download
// objects whole).
func NewMemObject(data []byte) Object { return memObject{bytes.NewReader(data)} }

// IsRunFile reports whether base is the name of one of a run's files (or
// of a leftover of writing one), as InspectRun reads or reports them.
func IsRunFile(base string) bool {
	switch {
	case base == ObservationsFile, base == LabelsFile, base == ProfilesFile, base == ObservationsFile+partialSuffix, isPart(base):
		return true
	case strings.HasPrefix(base, tmpPrefix):
		for _, f := range []string{ObservationsFile, LabelsFile, ProfilesFile, partPrefix} {
			if strings.HasPrefix(base[len(tmpPrefix):], f) {
				return true
			}
		}
	}
	return false
}

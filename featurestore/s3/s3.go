// Package s3 keeps offline-store runs (featurestore/parquet) on S3-compatible
// object storage — Amazon S3, MinIO, anything that speaks the S3 API —
// through minio-go. It is an adapter: only the command imports it.
//
// A bucket is named by a URL, s3://bucket/prefix; objects are
// prefix/run/file. The endpoint and credentials come from the environment
// (ConfigFromEnv), as the AWS tools and MinIO's read them.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
)

// Config says how to reach the object store.
type Config struct {
	// Endpoint is host:port; Secure says HTTPS.
	Endpoint string
	Secure   bool
	// AccessKey and SecretKey sign requests (both empty: anonymous).
	AccessKey, SecretKey string
	// Region (default us-east-1).
	Region string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// MaxObject is the largest object Open reads (default 1 GiB).
	MaxObject int64
}

// ConfigFromEnv reads the usual variables: AWS_ENDPOINT_URL (or
// MINIO_ENDPOINT; default https://s3.amazonaws.com), AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (else MINIO_ROOT_USER and MINIO_ROOT_PASSWORD, else
// MINIO_ACCESS_KEY and MINIO_SECRET_KEY), AWS_REGION (else
// AWS_DEFAULT_REGION).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	c := Config{Region: first("AWS_REGION", "AWS_DEFAULT_REGION")}
	ep := first("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "MINIO_ENDPOINT")
	if ep == "" {
		ep = "https://s3.amazonaws.com"
	}
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return c, fmt.Errorf("endpoint %q: want http(s)://host[:port]", ep)
	}
	c.Endpoint, c.Secure = u.Host, u.Scheme == "https"
	switch {
	case getenv("AWS_ACCESS_KEY_ID") != "":
		c.AccessKey, c.SecretKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	case getenv("MINIO_ROOT_USER") != "":
		c.AccessKey, c.SecretKey = getenv("MINIO_ROOT_USER"), getenv("MINIO_ROOT_PASSWORD")
	default:
		c.AccessKey, c.SecretKey = getenv("MINIO_ACCESS_KEY"), getenv("MINIO_SECRET_KEY")
	}
	return c, nil
}

// ParseURL splits s3://bucket/prefix.
func ParseURL(spec string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(spec, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q: want s3://bucket/prefix", spec)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if bucket == "" || strings.ContainsAny(bucket, " \\?#") {
		return "", "", fmt.Errorf("%q: want s3://bucket/prefix", spec)
	}
	return bucket, prefix, nil
}

// Bucket is a parquet.Bucket on S3-compatible storage.
type Bucket struct {
	c       *minio.Client
	bucket  string
	prefix  string // "" or "dir/" form
	timeout time.Duration
	max     int64
}

// Open connects to the bucket that spec (s3://bucket/prefix) names and
// creates it if it does not exist.
func Open(ctx context.Context, spec string, cfg Config) (*Bucket, error) {
	bucket, prefix, err := ParseURL(spec)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxObject <= 0 {
		cfg.MaxObject = 1 << 30
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	} else {
		creds = credentials.New(&credentials.Static{})
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: creds, Secure: cfg.Secure, Region: cfg.Region,
		Transport: tr, MaxRetries: 1, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("s3 %s: %w", cfg.Endpoint, err)
	}
	b := &Bucket{c: c, bucket: bucket, timeout: cfg.Timeout, max: cfg.MaxObject}
	if prefix != "" {
		b.prefix = prefix + "/"
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ok, err := c.BucketExists(cctx, bucket)
	if err != nil {
		return nil, b.wrap("open", err)
	}
	if !ok {
		if err := c.MakeBucket(cctx, bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, b.wrap("create bucket", err)
		}
	}
	return b, nil
}

// wrap marks network failures as featurestore.ErrUnavailable.
func (b *Bucket) wrap(op string, err error) error {
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s: %w: %w", op, b, featurestore.ErrUnavailable, err)
	}
	return fmt.Errorf("%s %s: %w", op, b, err)
}

// Put implements parquet.Bucket: one PutObject (S3 objects appear whole).
func (b *Bucket) Put(ctx context.Context, name string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.c.PutObject(ctx, b.bucket, b.prefix+name, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/vnd.apache.parquet", DisableMultipart: true})
	if err != nil {
		return b.wrap("put "+name+" to", err)
	}
	return nil
}

// Open implements parquet.Bucket: the object is read whole into memory
// (runs' parts are small; Parquet reads them at random).
func (b *Bucket) Open(ctx context.Context, name string) (parquet.Object, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*b.timeout)
	defer cancel()
	obj, err := b.c.GetObject(ctx, b.bucket, b.prefix+name, minio.GetObjectOptions{})
	if err != nil {
		return nil, b.wrap("get "+name+" from", err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, b.max+1))
	if err != nil {
		return nil, b.wrap("get "+name+" from", err)
	}
	if int64(len(data)) > b.max {
		return nil, fmt.Errorf("get %s from %s: larger than %d bytes", name, b, b.max)
	}
	return parquet.NewMemObject(data), nil
}

// List implements parquet.Bucket.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*b.timeout)
	defer cancel()
	var names []string
	for o := range b.c.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, b.wrap("list", o.Err)
		}
		names = append(names, strings.TrimPrefix(o.Key, b.prefix))
	}
	slices.Sort(names)
	return names, nil
}

// String implements parquet.Bucket: s3://bucket/prefix.
func (b *Bucket) String() string {
	if b.prefix == "" {
		return "s3://" + b.bucket
	}
	return "s3://" + b.bucket + "/" + strings.TrimSuffix(b.prefix, "/")
}

var _ parquet.Bucket = (*Bucket)(nil)

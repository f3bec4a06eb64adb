package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

// referenceFlags are the flags of chakra-bench reference.
type referenceFlags struct {
	addr     string
	explain  bool
	scorer   string
	timeouts httpapi.Timeouts
	shutdown time.Duration
}

const referenceUsage = `Usage: chakra-bench reference [flags]

Serve the do-nothing reference handler of the load benchmark on POST /predict: it reads the body
with the real server's limits, decodes it with the real server's decoder and answers a verdict of
the same shape with its encoder, built from the observation alone (no store, no scorer, no
metrics). chakra-bench --compare starts it beside the real servers; what they cost over it is
the pipeline. It prints "listening http://ADDR" once it accepts connections.

Flags:
`

// newReferenceFlags defines the flags of chakra-bench reference, with the
// real server's defaults.
func newReferenceFlags(stderr io.Writer) (*flag.FlagSet, *referenceFlags) {
	fs := flag.NewFlagSet("chakra-bench reference", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, referenceUsage)
		fs.PrintDefaults()
	}
	f := &referenceFlags{}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8001", "address to listen on")
	fs.BoolVar(&f.explain, "explain", false, "verdicts carry an explanation the size of the TFT's, as the real server's do with --scorer tft")
	fs.StringVar(&f.scorer, "scorer", "threshold", "scorer name the verdicts carry (--compare passes the real server's)")
	d := httpapi.DefaultTimeouts()
	fs.DurationVar(&f.timeouts.ReadHeader, "read-header-timeout", d.ReadHeader, "time to read a request's headers")
	fs.DurationVar(&f.timeouts.Read, "read-timeout", d.Read, "time to read a whole request")
	fs.DurationVar(&f.timeouts.Write, "write-timeout", d.Write, "time to write a response")
	fs.DurationVar(&f.timeouts.Idle, "idle-timeout", d.Idle, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", httpapi.DefaultShutdownTimeout, "how long in-flight requests may finish at shutdown")
	return fs, f
}

// runReference serves the reference handler until ctx ends.
func runReference(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newReferenceFlags(stderr)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("reference: unexpected argument %q", pos[0])
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("reference: listen on %s: %w", f.addr, err)
	}
	fmt.Fprintf(stdout, "listening http://%s\n", ln.Addr())
	log.Info("serving the do-nothing reference handler", "addr", ln.Addr().String(), "explanations", f.explain, "scorer", f.scorer)
	hs := referenceServer(httpapi.NewReference(f.explain, f.scorer), f.timeouts, log)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("reference: serve http on %s: %w", ln.Addr(), err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), f.shutdown)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return fmt.Errorf("reference: shut down http within %v: %w", f.shutdown, err)
		}
		return nil
	})
	return g.Wait()
}

// referenceServer is an http.Server for h with the settings of the real
// server (httpapi.Server.Serve): its timeouts, an idle timeout that falls
// back to the read timeout, 64 KiB of headers at most, warnings logged.
// Two differences, neither reached by the benchmark: the real server sets
// each request's read deadline from the end of its headers (to answer 408)
// where this one uses ReadTimeout from the start of the request, and the
// real server's connection cap (--max-conns, 1024) is not applied.
func referenceServer(h http.Handler, t httpapi.Timeouts, log *slog.Logger) *http.Server {
	idle := t.Idle
	if idle == 0 {
		idle = t.Read
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

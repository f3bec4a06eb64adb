# chakra-tui — see README.md. `make run` and `make test` are the set-up.
GO       ?= go
BIN      := bin/chakra-tui
BENCH    := bin/chakra-bench
PKGS     := ./...
SEED     ?= 1
# the commit --version names when Go's own VCS stamping is off
COMMIT   := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -modified)

.PHONY: run demo build test test-short bench lint golden model deps-test fmt

run: build
	./$(BIN)

# The dashboard at ×10 with the truth overlay on, on seed 2: a dozen events
# (heat strain, bradycardia, a stuck sensor, tachycardia) start in its first
# simulated minute.
demo: build
	./$(BIN) --seed 2 --speed 10 --truth

# The product and, beside it, the benchmark tools (load generator, reference
# server) that make bench-http and soak-http run; chakra-bench finds
# chakra-tui in its own directory.
build:
	$(GO) build -ldflags "-X main.commit=$(COMMIT)" -o $(BIN) ./cmd/chakra-tui
	$(GO) build -o $(BENCH) ./cmd/chakra-bench

# Everything, race detector on, including the integration tests against a
# real redis-server and a real Alertmanager (installed with apt-get when
# missing).
test: deps-test
	$(GO) vet $(PKGS)
	$(GO) test -race -timeout 20m $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

# What the integration tests run, installed with apt-get (as root, or
# through sudo) only when missing: redis-server (featurestore), the
# Alertmanager and amtool (ui/alertsink), and promtool (Debian's prometheus,
# about 22 MB, to check the shipped rules in deploy/prometheus; without it
# that one test skips, saying so). apt-get may start the packages' services
# where systemd runs; the tests start their own servers on free loopback
# ports and never talk to those.
# And minio, the S3-compatible server the offline store's S3 tests run against
# (featurestore/s3/miniotest), built from the Go module proxy into
# $(go env GOPATH)/bin when missing: a pinned pseudo-version, about 5 minutes
# of CPU and 500 MB of module downloads on a cold cache (docs/featurestore.md).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
deps-test:
	@need=; \
	command -v redis-server >/dev/null 2>&1 || need="$$need redis-server"; \
	{ command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1; } || need="$$need prometheus-alertmanager"; \
	command -v promtool >/dev/null 2>&1 || need="$$need prometheus"; \
	if [ -n "$$need" ]; then \
	  echo "installing$$need (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
	  command -v redis-server >/dev/null 2>&1 || { echo "redis-server still missing" >&2; exit 1; }; \
	  command -v amtool >/dev/null 2>&1 || { echo "prometheus-alertmanager (amtool) still missing" >&2; exit 1; }; \
	fi
	@command -v minio >/dev/null 2>&1 || [ -x "$$($(GO) env GOPATH)/bin/minio" ] || { \
	  echo "building minio $(MINIO_VERSION) into $$($(GO) env GOPATH)/bin (go install; several minutes)"; \
	  GOFLAGS=-buildvcs=false $(GO) install github.com/minio/minio@$(MINIO_VERSION) || { echo "minio build failed" >&2; exit 1; }; }

# Regenerate the embedded TFT model (detector/model/tft.bin) from SEED:
# simulate normal runs, train, validate, calibrate. Deterministic for a
# given SEED (and the fixed 2 workers); a few minutes on 2 cores.
model:
	$(GO) run ./cmd/chakra-tui train --seed $(SEED) --workers 2 --world field --out detector/model/tft.bin --force

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(PKGS)

# Refresh the dashboard's golden views (ui/testdata) after a deliberate
# change to what it draws; review the diff like code.
golden:
	$(GO) test ./ui/... -update

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l lists files to format:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

fmt:
	gofmt -w .

# The HTTP load benchmark (docs/http.md): chakra-bench starts the do-nothing
# reference handler (chakra-bench reference), the chakra-tui --headless
# server on the in-memory store and, when redis-server is installed, on a
# Redis it starts, all on 127.0.0.1; drives
# each with 16 connections cycling 100 soldiers in interleaved rounds; prints
# req/s, latency percentiles, errors, peak RSS and CPU per request.
.PHONY: bench-http
bench-http: build
	./$(BENCH) --compare --conns 16 --soldiers 100 --duration 10s

# 50 000 simulated soldiers at ×1 in chakra-tui --headless --simulate
# with the in-memory store for SCALE_DURATION (docs/scale.md): ticks
# published against ticks due, verdicts/s, tick lag p50/p99/max, peak RSS
# per soldier, CPU per tick. GOGC=20 (the server's own default at this
# size) trades some CPU for a heap 1.2× the live data instead of 2×.
# SCALE_SOLDIERS, SCALE_DURATION and SCALE_ARGS
# (e.g. --store redis) change the run.
SCALE_SOLDIERS ?= 50000
SCALE_DURATION ?= 10m
SCALE_ARGS     ?=
.PHONY: bench-scale
bench-scale: build
	./$(BENCH) scale --soldiers $(SCALE_SOLDIERS) --duration $(SCALE_DURATION) --gogc 20 $(SCALE_ARGS)

# The declared-length attack of issue 16 (chakra-bench --soak) against a
# default chakra-tui --headless server on 127.0.0.1 (docs/http.md): 8 waves
# of 2000 connections, each declaring a 1 MiB body, sending one byte and
# holding on for 5 s. Samples the server's RSS and /health every 250 ms
# during and 5 s after; fails if the peak RSS reaches 150 MB or /health does
# not answer 200 within 2 s. About a minute.
.PHONY: soak-http
soak-http: build
	./$(BENCH) --soak --attack declared-length --conns 2000 --waves 8 --hold 5s --after 5s --rss-limit 150

# The deployment files, offline (README, "Deploy"): deploy/check, a Go
# module of its own (Helm and the Kubernetes modules stay out of go.mod),
# renders deploy/helm/chakra-tui with Helm's
# engine (defaults and deploy/check/testdata/all-on.yaml), decodes every
# manifest strictly into the Kubernetes API types, runs bin/chakra-tui with
# the Deployment's args on 127.0.0.1 and checks the probes, the flags and
# every metric the Grafana dashboard queries against it, and lints
# deploy/Dockerfile. No cluster, no docker.
.PHONY: deploy-check
deploy-check: build
	cd deploy && $(GO) vet ./...
	@out=$$(gofmt -l deploy); if [ -n "$$out" ]; then echo "gofmt -l lists files to format:"; echo "$$out"; exit 1; fi
	cd deploy && CHAKRA_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 ./...

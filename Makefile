# ctrace — build, generate, test, benchmark.
#
#   make build      static binary dist/ctrace (no cgo, no clang needed)
#   make generate   rebuild the committed BPF objects/bindings and syscall tables (needs clang-14, libbpf-dev)
#   make test       everything CI runs: setup, generated-code check, unit + privileged tests, e2e tests, quick benchmarks (as root)
#   make bench      benchmark suite (docs/performance.md, bench/results.json)

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

GO       ?= go
# The BPF objects are committed; they are rebuilt with this exact compiler so
# that `make check-generate` can tell whether they are stale.
CLANG    ?= clang-14
STRIP    ?= llvm-strip-14
CLANG_PIN := Debian clang version 14.0.6
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

GENERATED := internal/bpf/ctrace_x86_bpfel.go internal/bpf/ctrace_x86_bpfel.o \
             internal/bpf/ctrace_arm64_bpfel.go internal/bpf/ctrace_arm64_bpfel.o \
             internal/bpf/record_x86_bpfel.go internal/bpf/record_x86_bpfel.o \
             internal/bpf/record_arm64_bpfel.go internal/bpf/record_arm64_bpfel.o \
             internal/bpf/hooks_x86_bpfel.go internal/bpf/hooks_x86_bpfel.o \
             internal/bpf/hooks_arm64_bpfel.go internal/bpf/hooks_arm64_bpfel.o \
             internal/syscalls/zz_generated.go

.PHONY: all build generate check-generate docs test test-unit test-e2e setup bench bench-quick fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o dist/ctrace ./cmd/ctrace

generate:
	cd internal/bpf && BPF2GO_CC=$(CLANG) BPF2GO_STRIP=$(STRIP) $(GO) generate ./
	cd internal/syscalls && $(GO) generate ./

# Regenerate and fail if the committed output differs. CI (Debian 12) has the
# pinned clang; elsewhere a different clang only warns.
check-generate:
	@if ! command -v $(CLANG) >/dev/null; then echo "check-generate: $(CLANG) missing (run test/setup.sh)"; exit 1; fi
	@if [ "$$($(CLANG) --version | head -1)" != "$(CLANG_PIN)" ] && [ -z "$$CI" ]; then \
		echo "check-generate: skipped: $$($(CLANG) --version | head -1) is not the pinned '$(CLANG_PIN)'"; exit 0; fi; \
	$(MAKE) --no-print-directory generate && \
	if ! git diff --quiet -- $(GENERATED); then \
		git --no-pager diff --stat -- $(GENERATED); \
		echo "check-generate: generated files are stale: run 'make generate' and commit them"; exit 1; \
	else echo "check-generate: generated files are up to date"; fi

# Reference pages generated from the event catalogue (a test checks they are current).
docs: build
	./dist/ctrace list --markdown > docs/catalogue.md

setup:
	bash test/setup.sh

# Unit tests and privileged tests (BPF loading) in one run. Privileged tests
# fail instead of skipping when CTRACE_REQUIRE_PRIVILEGED=1.
test-unit:
	$(GO) vet ./...
	CTRACE_REQUIRE_PRIVILEGED=1 $(GO) test -count=1 ./...

test-e2e: build
	CTRACE_REQUIRE_E2E=1 CTRACE_BIN=$(CURDIR)/dist/ctrace $(GO) test -count=1 -tags e2e -timeout 20m ./test/e2e/

test: setup check-generate test-unit test-e2e bench-quick

# Benchmark suite (root + Docker; see docs/performance.md). `make bench` (about
# 20 minutes) rewrites bench/results.json and the generated section of
# docs/performance.md. `make bench-quick` (under 2 minutes, part of `make test`)
# runs every mode once at small sizes and fails only when a mode produces no
# figures, never on a timing; it writes to bench/out/ (gitignored).
# Extra harness flags: make bench BENCH_FLAGS='-runs 7' (partial runs, e.g.
# -modes/-workloads, default to bench/out/ so they never overwrite the results).
BENCH_FLAGS ?=

bench: setup build
	$(GO) run ./bench/cmd/ctracebench -ctrace dist/ctrace $(BENCH_FLAGS)

bench-quick: setup build
	$(GO) run ./bench/cmd/ctracebench -quick -ctrace dist/ctrace $(BENCH_FLAGS)

fuzz:
	$(GO) test ./internal/events/ -run '^$$' -fuzz 'FuzzDecode$$' -fuzztime 30s
	$(GO) test ./internal/events/ -run '^$$' -fuzz FuzzDecodeNetFile -fuzztime 30s
	$(GO) test ./internal/containers/ -run '^$$' -fuzz FuzzParseCgroupPath -fuzztime 30s
	$(GO) test ./internal/output/ -run '^$$' -fuzz FuzzAppendJSONString -fuzztime 30s
	$(GO) test ./internal/sysfmt/ -run '^$$' -fuzz FuzzAppend -fuzztime 30s
	$(GO) test ./internal/recording/ -run '^$$' -fuzz FuzzFromTrace -fuzztime 30s
	$(GO) test ./internal/recording/ -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./internal/seccomp/ -run '^$$' -fuzz FuzzParseProfile -fuzztime 30s
	$(GO) test ./internal/tracefile/ -run '^$$' -fuzz FuzzDecodeEvent -fuzztime 30s

clean:
	rm -rf dist bench/out

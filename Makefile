# The whole test suite: `make test` (what .ci/run calls).
GO ?= go
PYTHON ?= /usr/bin/python3

.PHONY: test vet build peers data fmt-check fuzz-smoke gpu-pack gpu-check-emulated

# SLUICE_POISON_FREED=1: executors' allocators fill the freed buffers they
# keep for reuse, so a use of memory after its release reads garbage and
# fails the tests that compare values.
test: fmt-check vet peers data
	SLUICE_POISON_FREED=1 $(GO) test -count=1 -timeout 30m ./...
	SLUICE_POISON_FREED=1 $(GO) test -race -count=1 -timeout 30m ./engine/... ./scheduler/
	$(MAKE) fuzz-smoke
	$(MAKE) gpu-check-emulated
	$(PYTHON) -m pytest -q python/tests

# Every Go fuzzer briefly past its seed corpus (the corpora themselves run
# in `go test`). Longer: make fuzz-smoke FUZZTIME=5m, or go test -fuzz.
# The smoke run counts executions (1000x), not seconds: a duration makes the
# fuzzing coordinator race its own deadline against a busy worker and fail
# with a bare "context deadline exceeded" on a loaded machine, with no
# failing input. No minimization either; a failing input is still saved.
FUZZTIME ?= 1000x
FUZZERS = input:FuzzParquetFile input:FuzzArrowFile input:FuzzInputRoundTrip input:FuzzCSV \
	sink:FuzzVerifyMutatedFile sink:FuzzManifest serving:FuzzTransformer cluster:FuzzFetchStream shuffle:FuzzOpenReader \
	expr:FuzzEval expr:FuzzParse jobspec:FuzzParse
fuzz-smoke:
	@set -e; for f in $(FUZZERS); do \
		echo "fuzz $$f ($(FUZZTIME))"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./$${f%%:*}/ 2>&1) || \
		{ echo "$$out"; exit 1; }; \
	done

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

build:
	$(GO) build -o driver ./cmd/driver

# Independent readers (Polars) for the output checks.
peers:
	cd tools/peers && npm install --no-audit --no-fund --loglevel=error

# Real data for the flights example and its tests.
data:
	scripts/fetch-flights.sh

# The device check: gpu-pack builds what a bare GPU machine (driver, no Go)
# needs under .gpu-pack (bench/gpu-pack.sh); there, run
# `bench/gpu-run.sh .gpu-pack OUT`. gpu-check-emulated runs the same
# run step end to end against the emulated device at small sizes (two
# pipeline pieces a batch) and on a subset of the device tests (all of
# them run on the emulated device in `go test ./...`), so the harness
# itself is tested here.
gpu-pack:
	GO=$(GO) bench/gpu-pack.sh .gpu-pack

gpu-check-emulated: gpu-pack
	rm -rf .gpu-pack/out
	ENGINE=gpu-emulated CHECK_ROWS=33000 JOB_ROWS=20000 BENCH_ROWS=20000 BUDGET=900 \
		CHECK_TESTS='ConformanceRowHashes|ConformanceHashColumn|ConformanceAssignSplits|ConformanceHashAndAssign|PoolPressure|Sticky|DriverErrorNamed|PoolFailure|CallLoop' \
		bench/gpu-run.sh .gpu-pack .gpu-pack/out

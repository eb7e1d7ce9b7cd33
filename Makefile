# The whole test suite: `make test` (what .ci/run calls).
GO ?= go
PYTHON ?= /usr/bin/python3

.PHONY: test vet build peers data fmt-check

test: fmt-check vet peers data
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 ./engine/
	$(PYTHON) -m pytest -q python/tests

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

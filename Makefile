# rtmprecd build, test and tooling targets. `make test` is what the README and CI run.
GO      ?= go
BIN     ?= bin/rtmprecd
CONF    ?= rtmprecd.conf
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build test lint fuzz bench run clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/rtmprecd

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Short fuzz runs of every fuzz target; FUZZTIME=5m for longer ones.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg || exit 1; \
	  done; done

# Go benchmarks (never in CI).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

run: build
	mkdir -p recordings
	./$(BIN) -c $(CONF)

clean:
	rm -rf bin

# rtmprecd build, test and tooling targets. `make test` is what the README and CI run.
GO      ?= go
BIN     ?= bin/rtmprecd
CONF    ?= rtmprecd.conf
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build test lint fuzz bench bench-go run clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/rtmprecd

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	$(GO) test -run '^$$' -bench . -benchtime=1x ./...

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

# Side-by-side benchmark of rtmprecd and nginx-rtmp on 127.0.0.1 (never in
# CI; minutes to an hour): table on stdout and in bench/results.md.
# BENCHFLAGS=-quick for a short check; see `go run ./cmd/rtmpbench compare -h`.
BENCHFLAGS ?=
bench: build
	$(GO) build -o bin/rtmpbench ./cmd/rtmpbench
	./bin/rtmpbench compare -bin $(BIN) $(BENCHFLAGS)

# Go micro-benchmarks, run properly (CI runs each once in `test`).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

run: build
	mkdir -p recordings
	./$(BIN) -c $(CONF)

clean:
	rm -rf bin

# Install the binary, the systemd unit, its sysusers.d user and the
# configuration (with absolute paths under /var/lib/rtmprecd,
# /var/log/rtmprecd and /run/rtmprecd, since systemd starts in /). An
# existing configuration is never overwritten. DESTDIR stages a package.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
.PHONY: install
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/rtmprecd
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/rtmprecd $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	sed -e 's#/usr/local/bin/#$(BINDIR)/#g' -e 's#/etc/rtmprecd/#$(SYSCONFDIR)/rtmprecd/#g' \
	  dist/rtmprecd.service > $(DESTDIR)$(UNITDIR)/rtmprecd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/rtmprecd.service
	install -m 0644 dist/rtmprecd.sysusers $(DESTDIR)$(SYSUSERSDIR)/rtmprecd.conf
	sed -e 's#/usr/local/bin/#$(BINDIR)/#g' -e 's#/etc/rtmprecd/#$(SYSCONFDIR)/rtmprecd/#g' \
	  dist/rtmprecd.logrotate > $(DESTDIR)$(SYSCONFDIR)/logrotate.d/rtmprecd
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/logrotate.d/rtmprecd
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/rtmprecd/rtmprecd.conf ]; then \
	  echo "keeping $(DESTDIR)$(SYSCONFDIR)/rtmprecd/rtmprecd.conf; the new one is rtmprecd.conf.dist"; \
	  install -m 0644 dist/rtmprecd.conf $(DESTDIR)$(SYSCONFDIR)/rtmprecd/rtmprecd.conf.dist; \
	else install -m 0644 dist/rtmprecd.conf $(DESTDIR)$(SYSCONFDIR)/rtmprecd/rtmprecd.conf; fi
	@echo "next: systemd-sysusers && systemctl daemon-reload && systemctl enable --now rtmprecd"

# profilestream. The two commands: `make demo` and `make test`. See README.md.
GO        ?= go
PYTHON    ?= /usr/bin/python3
BIN       := bin/streamer
FUZZTIME  ?= 5s

.PHONY: all build demo test test-short fuzz lint bench chaos eval-encoder eval-segments eval-apps eval-scrub \
        python-tools compose-config deps clean

all: build

deps:
	@scripts/ensure-deps.sh

build:
	$(GO) build -o $(BIN) ./cmd/streamer

## demo: embedded Kafka + private Redis + the bundled sample through the whole pipeline.
demo: deps build
	$(BIN) demo

## test: every test (unit, integration against private redis-servers and embedded Kafka,
## end-to-end, the short chaos run, the scrubber's evaluation), vet, and short fuzz runs.
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) fuzz

test-short: deps
	$(GO) test -short -count=1 ./...

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./internal/consumer/
	@for t in $$($(GO) test -list '^Fuzz' ./internal/encoder/ | grep '^Fuzz'); do \
	  $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) ./internal/encoder/ || exit 1; done
	@for t in $$($(GO) test -list '^Fuzz' ./internal/privacy/ | grep '^Fuzz'); do \
	  $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) ./internal/privacy/ || exit 1; done

## lint: gofmt, go vet, staticcheck, go mod tidy -diff, deadcode, the metrics naming lint (FIGURE lines).
lint:
	@GO=$(GO) scripts/lint.sh

## bench: performance figures, each as a ratio against a reference measured in the same run.
bench: deps
	$(GO) run ./cmd/storebench
	$(GO) run ./cmd/encbench

## chaos: 50k events, >= 10 SIGKILLs of the worker, a second worker joining and leaving;
## every profile is compared with a clean single-worker run.
chaos: deps build
	CHAOS_FULL=1 $(GO) test -count=1 -timeout 30m -run 'TestChaos' -v ./internal/chaos/ | grep -E '^(FIGURE|---|===|ok|FAIL|PASS)|chaos:'

eval-encoder:
	$(GO) run ./cmd/evalencoder

eval-segments:
	$(GO) run ./cmd/evalsegments

eval-apps: deps
	$(GO) run ./cmd/evalapps

eval-scrub:
	$(GO) test -count=1 -run 'TestScrubCorpus' -v ./internal/privacy/ | grep -E '^(FIGURE|ok|FAIL|---)'

## python-tools: Debian's torch and sklearn, the offline references of benchmarks and evaluations.
python-tools:
	apt-get install -y python3-torch python3-sklearn

compose-config:
	docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"

clean:
	rm -rf bin

## test-console: the console in a real browser against a live worker (installs Debian's chromium
## and playwright-core into tools/console-test; screenshot in bin/console.png).
.PHONY: test-console
test-console: deps
	@command -v chromium >/dev/null || apt-get install -y chromium chromium-driver
	cd tools/console-test && npm ci --no-audit --no-fund
	@mkdir -p bin
	@CONSOLE_SCREENSHOT=$(CURDIR)/bin/console.png $(GO) test -count=1 -run 'TestConsoleInBrowser' -v ./internal/serve/ > bin/console-test.log 2>&1; \
	  st=$$?; grep -E '^(FIGURE|---|ok|FAIL|PASS)|CHECK|screenshot' bin/console-test.log; exit $$st

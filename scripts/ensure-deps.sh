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

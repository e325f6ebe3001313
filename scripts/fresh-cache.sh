#!/usr/bin/env bash
# fresh-cache.sh CMD [ARG...]: runs CMD with an empty, temporary Go module cache (GOMODCACHE),
# removed afterwards, so that CMD takes the path a newcomer's first run takes: every module is
# "downloaded" again and the go command prints its `go: downloading` lines. `make lint-fresh` and
# `make demo-fresh` (both run by `make test`) use it.
#
# To keep it cheap on a machine that has run before, modules already in the usual module cache
# are read from there (GOPROXY=file://<cache>/cache/download, then the configured proxy), and
# -trimpath keeps the compiled packages independent of the cache's path, so the build cache
# serves them across runs. On a fresh machine both are empty and everything comes from the proxy.
set -uo pipefail
GO=${GO:-go}
mc=$(mktemp -d)
trap 'chmod -R u+w "$mc" 2>/dev/null; rm -rf "$mc"' EXIT
warm=$($GO env GOMODCACHE)/cache/download
proxy=$($GO env GOPROXY)
[ -d "$warm" ] && proxy="file://$warm,$proxy"
echo "fresh-cache: GOMODCACHE=$mc (empty) for: $*" >&2
GOMODCACHE=$mc GOPROXY=$proxy GOFLAGS="${GOFLAGS:-} -modcacherw -trimpath" "$@"

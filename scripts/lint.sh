#!/usr/bin/env bash
# make lint: gofmt, go vet, staticcheck, go mod tidy -diff, deadcode (with tests as roots) and the
# metrics naming lint. Prints one FIGURE line per checker and exits non-zero on any finding.
# The checkers are pinned and run with `go run pkg@version`, so a fresh machine needs only Go.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEADCODE=golang.org/x/tools/cmd/deadcode@v0.52.0
fail=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

gofmt -l $(git ls-files '*.go') >"$out/gofmt"
n=$(grep -c . "$out/gofmt")
cat "$out/gofmt"; echo "FIGURE lint.gofmt_files $n"; [ "$n" -eq 0 ] || fail=1

if ! $GO vet ./... 2>"$out/vet"; then cat "$out/vet"; fail=1; fi
n=$(grep -c '\.go:' "$out/vet"); echo "FIGURE lint.vet_findings $n"

$GO run $STATICCHECK ./... >"$out/sc" 2>&1
n=$(grep -c '\.go:' "$out/sc")
cat "$out/sc"; echo "FIGURE lint.staticcheck_findings $n"; [ "$n" -eq 0 ] || fail=1
grep -q '\.go:' "$out/sc" || ! grep -q . "$out/sc" || { echo "staticcheck did not run cleanly"; fail=1; }

$GO mod tidy -diff >"$out/tidy" 2>&1; rc=$?
n=$(grep -c '^[-+][^-+]' "$out/tidy")
cat "$out/tidy"; echo "FIGURE lint.tidy_diff_lines $n"; [ "$n" -eq 0 ] || fail=1
[ "$rc" -eq 0 ] || [ "$n" -gt 0 ] || { echo "go mod tidy -diff failed to run"; fail=1; }

# deadcode -test: functions unreachable from any main or test. The tools/ programs are mains too.
$GO run $DEADCODE -test ./... >"$out/dead" 2>&1; rc=$?
n=$(grep -c 'unreachable func' "$out/dead")
cat "$out/dead"; echo "FIGURE lint.deadcode_functions $n"; [ "$n" -eq 0 ] || fail=1
[ "$rc" -eq 0 ] || { echo "deadcode failed to run"; fail=1; }
grep -v 'unreachable func' "$out/dead" | grep -q . && { echo "deadcode printed something else"; fail=1; }

if ! $GO test -count=1 -run 'Lint' ./internal/metrics/ >"$out/mlint" 2>&1; then cat "$out/mlint"; fail=1; fi

[ "$fail" -eq 0 ] && echo "lint: clean" || echo "lint: findings above"
exit "$fail"

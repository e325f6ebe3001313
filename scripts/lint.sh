#!/usr/bin/env bash
# make lint: gofmt, go vet, staticcheck, go mod tidy -diff, deadcode (with tests as roots) and the
# metrics naming lint. Prints one FIGURE line per checker and exits non-zero on any finding, and on
# any checker that did not run (it never counts a checker that failed to start as 0 findings).
# The checkers are pinned and built with `go install pkg@version` into a temporary folder, so a
# fresh machine needs only Go. Each checker's stdout (its findings) is read apart from its stderr:
# on an empty module cache the go command prints `go: downloading ...` lines on stderr, which are
# progress, not findings; any other stderr line of a checker fails the lint.
# `make lint-fresh` (run by `make test`) runs this script on an empty, temporary module cache.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEADCODE=golang.org/x/tools/cmd/deadcode@v0.52.0
fail=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# stderr_problems FILE: the lines of a checker's stderr that are not the go command's download
# progress (printed, and the function fails, when there are any).
stderr_problems() {
  if grep -v -E '^go: (downloading|extracting|finding) ' "$1" | grep -q .; then
    grep -v -E '^go: (downloading|extracting|finding) ' "$1"
    return 0
  fi
  return 1
}

# tool NAME PKG@VERSION: builds a pinned checker into $out/bin; fails the lint when it cannot.
tool() {
  if ! GOBIN="$out/bin" $GO install "$2" 2>"$out/install-$1"; then
    cat "$out/install-$1"; echo "lint: could not build $1 ($2)"; fail=1; return 1
  fi
}

gofmt -l $(git ls-files '*.go') >"$out/gofmt" 2>"$out/gofmt.err"; rc=$?
n=$(grep -c . "$out/gofmt")
cat "$out/gofmt"; echo "FIGURE lint.gofmt_files $n"; [ "$n" -eq 0 ] || fail=1
if [ "$rc" -ne 0 ] || grep -q . "$out/gofmt.err"; then cat "$out/gofmt.err"; echo "gofmt did not run cleanly"; fail=1; fi

# go vet's exit status is its verdict; its findings and the download progress both go to stderr.
if ! $GO vet ./... 2>"$out/vet"; then cat "$out/vet"; fail=1; fi
n=$(grep -c '\.go:' "$out/vet"); echo "FIGURE lint.vet_findings $n"

# staticcheck: findings on stdout and exit status 1; any other status, or a status without a
# finding, or a stray stderr line, means it did not run.
if tool staticcheck $STATICCHECK; then
  "$out/bin/staticcheck" ./... >"$out/sc" 2>"$out/sc.err"; rc=$?
  n=$(grep -c '\.go:' "$out/sc")
  cat "$out/sc"; echo "FIGURE lint.staticcheck_findings $n"; [ "$n" -eq 0 ] || fail=1
  if { [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; } || [ "$rc" -gt 1 ] || stderr_problems "$out/sc.err"; then
    echo "staticcheck did not run cleanly (exit $rc)"; fail=1
  fi
fi

$GO mod tidy -diff >"$out/tidy" 2>"$out/tidy.err"; rc=$?
n=$(grep -c '^[-+][^-+]' "$out/tidy")
cat "$out/tidy"; echo "FIGURE lint.tidy_diff_lines $n"; [ "$n" -eq 0 ] || fail=1
if { [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; } || stderr_problems "$out/tidy.err"; then
  echo "go mod tidy -diff failed to run (exit $rc)"; fail=1
fi

# deadcode -test: functions unreachable from any main or test. The tools/ programs are mains too.
if tool deadcode $DEADCODE; then
  "$out/bin/deadcode" -test ./... >"$out/dead" 2>"$out/dead.err"; rc=$?
  n=$(grep -c 'unreachable func' "$out/dead")
  cat "$out/dead"; echo "FIGURE lint.deadcode_functions $n"; [ "$n" -eq 0 ] || fail=1
  [ "$rc" -eq 0 ] || { echo "deadcode failed to run (exit $rc)"; fail=1; }
  grep -v 'unreachable func' "$out/dead" | grep -q . && { echo "deadcode printed something else"; fail=1; }
  stderr_problems "$out/dead.err" && { echo "deadcode printed something else on stderr"; fail=1; }
fi

if ! $GO test -count=1 -run 'Lint' ./internal/metrics/ >"$out/mlint" 2>&1; then cat "$out/mlint"; fail=1; fi

[ "$fail" -eq 0 ] && echo "lint: clean" || echo "lint: findings above"
exit "$fail"

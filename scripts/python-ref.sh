#!/usr/bin/env bash
# python-ref.sh: a Python that can run a benchmark's or an evaluation's reference, installed when
# missing, the way scripts/ensure-deps.sh installs what the tests need.
#
#   scripts/python-ref.sh [--no-install] MODULE[=PIP_SPEC]...
#
# Prints on stdout the path of one Python 3 interpreter that imports every MODULE (and nothing
# else: progress and errors go to stderr), so a caller writes
#
#   py=$(scripts/python-ref.sh sklearn threadpoolctl) || exit 1
#
# Where the interpreter comes from, first match wins:
#   1. $PROFILESTREAM_PYTHON when set: checked, never installed into (a missing module fails).
#   2. Debian's /usr/bin/python3 with the modules' Debian packages (python3-<name>: sklearn is
#      python3-sklearn, torch python3-torch, onnxruntime has none), installed with apt-get when
#      missing. Debian's builds are CPU-only and small next to PyPI's torch wheels.
#   3. For modules Debian does not package, or that apt-get could not install: a venv in
#      ${PROFILESTREAM_CACHE:-$HOME/.cache/profilestream}/pyref, made with --system-site-packages
#      (so it also sees Debian's packages), with the PyPI packages installed by pip: PIP_SPEC when
#      given (`onnxruntime=onnxruntime==1.31.1`), else the module's PyPI name (sklearn is
#      scikit-learn, the others their own name). torch is not taken from PyPI without a PIP_SPEC:
#      its default Linux wheels pull gigabytes of CUDA libraries.
#   The venv's python is printed when anything was installed there, /usr/bin/python3 otherwise.
# --no-install only checks. Exit status 1, with a message naming each missing module and what was
# tried, when no interpreter imports them all: the caller then fails, it never measures without
# its reference.
set -uo pipefail

install=1
mods=()
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "python-ref: unknown flag $a" >&2; exit 2 ;;
    *) mods+=("$a") ;;
  esac
done
[ "${#mods[@]}" -gt 0 ] || { echo "usage: scripts/python-ref.sh [--no-install] MODULE[=PIP_SPEC]..." >&2; exit 2; }

say() { echo "python-ref: $*" >&2; }
name() { echo "${1%%=*}"; }
# imports PY MODULE...: whether PY imports every module.
imports() {
  local py=$1; shift
  local stmt="import $(IFS=,; echo "$*")"
  [ -x "$py" ] && "$py" -c "$stmt" >/dev/null 2>&1
}
# missing PY: the module names of mods that PY does not import, one per line.
missing() {
  local m
  for m in "${mods[@]}"; do imports "$1" "$(name "$m")" || name "$m"; done
}
debian_pkg() {
  case "$1" in
    sklearn) echo python3-sklearn ;;
    onnxruntime) ;;
    *) echo "python3-$(echo "$1" | tr '_A-Z' '-a-z')" ;;
  esac
}
pypi_spec() {
  local m
  for m in "${mods[@]}"; do
    if [ "$(name "$m")" = "$1" ]; then
      if [ "$m" != "$1" ]; then echo "${m#*=}"; return; fi
      case "$1" in
        sklearn) echo scikit-learn ;;
        torch) ;;
        *) echo "$1" ;;
      esac
      return
    fi
  done
}
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=0
aptlog=$(mktemp)
trap 'rm -f "$aptlog"' EXIT
# apt_install PKG...: installs with apt-get; its output is shown only when it fails.
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq >"$aptlog" 2>&1 || { cat "$aptlog" >&2; return 1; }
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >"$aptlog" 2>&1 \
    || { cat "$aptlog" >&2; return 1; }
}
all_names() { local m; for m in "${mods[@]}"; do name "$m"; done; }

if [ -n "${PROFILESTREAM_PYTHON:-}" ]; then
  miss=$(missing "$PROFILESTREAM_PYTHON")
  if [ -n "$miss" ]; then
    say "PROFILESTREAM_PYTHON=$PROFILESTREAM_PYTHON does not import: $(echo $miss) (unset it to let this script install them)"
    exit 1
  fi
  echo "$PROFILESTREAM_PYTHON"; exit 0
fi

SYS=/usr/bin/python3
VENV=${PROFILESTREAM_CACHE:-$HOME/.cache/profilestream}/pyref
if [ -x "$SYS" ] && [ -z "$(missing "$SYS")" ]; then echo "$SYS"; exit 0; fi
# A venv made earlier that already imports everything (it also sees Debian's packages).
if imports "$VENV/bin/python" $(all_names); then echo "$VENV/bin/python"; exit 0; fi
if [ "$install" -eq 0 ]; then
  say "no Python imports $(all_names | xargs) (missing from $SYS: $(missing "$SYS" | xargs)); run without --no-install to install them"
  exit 1
fi

# 2. Debian packages.
if ! [ -x "$SYS" ]; then
  say "$SYS missing; installing Debian's python3 with apt-get"
  apt_install python3 || { say "FAILED to install python3 with apt-get"; exit 1; }
fi
pkgs=()
for m in $(missing "$SYS"); do
  p=$(debian_pkg "$m")
  [ -n "$p" ] && pkgs+=("$p")
done
if [ "${#pkgs[@]}" -gt 0 ]; then
  say "installing ${pkgs[*]} with apt-get (the reference needs $(missing "$SYS" | xargs))"
  if ! apt_install "${pkgs[@]}"; then
    # One package Debian does not have must not stop the others.
    for p in "${pkgs[@]}"; do apt_install "$p" || say "apt-get could not install $p"; done
  fi
fi
left=$(missing "$SYS")
if [ -z "$left" ]; then echo "$SYS"; exit 0; fi

# 3. A venv with PyPI packages for what Debian did not provide.
specs=()
for m in $left; do
  s=$(pypi_spec "$m")
  if [ -z "$s" ]; then
    say "FAILED: $SYS does not import $m, Debian's $(debian_pkg "$m") did not provide it, and no PyPI package is taken for it without a spec (MODULE=PIP_SPEC)"
    exit 1
  fi
  specs+=("$s")
done
if ! [ -x "$VENV/bin/python" ]; then
  if ! "$SYS" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    v=$("$SYS" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    say "installing python$v-venv with apt-get (for the venv in $VENV)"
    apt_install "python$v-venv" || apt_install python3-venv || { say "FAILED to install python3-venv"; exit 1; }
  fi
  say "making the venv $VENV (with the system site packages)"
  mkdir -p "$(dirname "$VENV")"
  "$SYS" -m venv --system-site-packages "$VENV" >&2 || { say "FAILED to make the venv $VENV"; exit 1; }
fi
# Debian's compiled packages (sklearn, scipy, torch) are built against Debian's numpy: pip must not
# shadow it with another version in the venv, so numpy is pinned to the one the system has.
cons="$VENV/constraints.txt"
"$SYS" -c 'import numpy; print("numpy==" + numpy.__version__)' >"$cons" 2>/dev/null || : >"$cons"
say "installing ${specs[*]} from PyPI into $VENV (constraints: $(xargs <"$cons"))"
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q -c "$cons" "${specs[@]}" >&2; then
  say "FAILED: pip could not install ${specs[*]}"
  exit 1
fi
left=$(missing "$VENV/bin/python")
if [ -n "$left" ]; then
  say "FAILED: $VENV/bin/python still does not import $(echo $left)"
  exit 1
fi
echo "$VENV/bin/python"

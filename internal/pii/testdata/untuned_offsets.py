#!/usr/bin/env python3
"""Builds untuned.jsonl from the hand-written untuned_src.txt (issue 26, step 3).

The cases were written blind: by someone who read neither the detectors nor the earlier sets.
This script only does bookkeeping: it turns the [[TYPE|value]] markup into UTF-8 byte offsets and
fills in check digits so that a checker could accept the fabricated values.

Source format, one case a line:  <lang>\t<text>   (lines starting with # and blank lines skipped).
A case with no [[...]] markup is a hard negative ("spans": []).
A value may start with a checksum function name and a colon; each "_" in it is replaced by the
computed check character(s):
  luhn:   card or Canadian SIN (O->0, l/I->1 when computing)     iban:  "__" are the two check digits
  cnid:   Chinese resident id, last char                          aadhaar: Verhoeff, last digit
  hkid:   Hong Kong id check char                                 nir:   French NIR key, "__"
  dni:    Spanish DNI letter                                      bsn:   Dutch BSN 11-test, last digit
  nric:   Singapore NRIC/FIN check letter

  python3 internal/pii/testdata/untuned_offsets.py   # rewrites untuned.jsonl next to it
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = re.compile(r"\[\[([A-Z_]+)\|(.*?)\]\]")
TYPES = {"EMAIL", "PHONE", "CARD", "IBAN", "IP", "URL", "SSN", "NATIONAL_ID", "CN_ID", "ADDRESS", "PERSON"}


def norm_digits(s):
    return "".join({"O": "0", "o": "0", "l": "1", "I": "1"}.get(c, c) for c in s if c.isdigit() or c in "OolI")


def luhn(v):
    d = norm_digits(v.replace("_", "0"))
    for c in "0123456789":
        ds = d[:-1] + c
        tot = 0
        for i, ch in enumerate(reversed(ds)):
            n = int(ch)
            if i % 2 == 1:
                n *= 2
                if n > 9:
                    n -= 9
            tot += n
        if tot % 10 == 0:
            return v.replace("_", c)
    raise ValueError(v)


def iban(v):
    raw = re.sub(r"[^0-9A-Za-z_]", "", v).upper()
    bban = raw[4:] + raw[:2] + "00"
    num = int("".join(str(int(c, 36)) for c in bban))
    return v.replace("__", "%02d" % (98 - num % 97))


def cnid(v):
    d = v.replace("_", "")
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    digits = [c for c in d if c.isdigit()]
    s = sum(int(a) * b for a, b in zip(digits, w))
    return v.replace("_", "10X98765432"[s % 11])


VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
      [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
      [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
      [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
      [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def aadhaar(v):
    d = [int(c) for c in v if c.isdigit()]
    c = 0
    for i, n in enumerate(reversed(d)):
        c = VD[c][VP[(i + 1) % 8][n]]
    return v.replace("_", str(VINV[c]))


def hkid(v):
    m = re.match(r"([A-Z]{1,2})(\d{6})", re.sub(r"[^A-Z0-9]", "", v.replace("_", "")))
    letters, digits = m.group(1), m.group(2)
    vals = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters] + [int(c) for c in digits]
    s = sum(x * w for x, w in zip(vals, range(9, 1, -1)))
    chk = (11 - s % 11) % 11
    return v.replace("_", "A" if chk == 10 else str(chk))


def nir(v):
    d = "".join(c for c in v.replace("__", "") if c.isdigit())
    return v.replace("__", "%02d" % (97 - int(d) % 97))


def dni(v):
    d = int("".join(c for c in v if c.isdigit()))
    return v.replace("_", "TRWAGMYFPDXBNJZSQVHLCKE"[d % 23])


def bsn(v):
    d = [int(c) for c in v if c.isdigit()]
    s = sum(n * w for n, w in zip(d, range(9, 1, -1)))
    for c in range(10):
        if (s - c) % 11 == 0:
            return v.replace("_", str(c))
    raise ValueError("no BSN check digit for " + v)


def nric(v):
    m = re.match(r"([STFG])(\d{7})", v.replace("_", ""))
    w = [2, 7, 6, 5, 4, 3, 2]
    s = sum(int(a) * b for a, b in zip(m.group(2), w)) + (4 if m.group(1) in "TG" else 0)
    table = "JZIHGFEDCBA" if m.group(1) in "ST" else "XWUTRQPNMLK"
    return v.replace("_", table[s % 11])


FUNCS = {"luhn": luhn, "iban": iban, "cnid": cnid, "aadhaar": aadhaar, "hkid": hkid, "nir": nir,
         "dni": dni, "bsn": bsn, "nric": nric}


def build(src_path, out_path):
    out, n = [], {"pos": 0, "neg": 0}
    with open(src_path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            lang, marked = line.split("\t", 1)
            assert lang in ("en", "zh"), (lineno, lang)
            text, spans, pos = "", [], 0
            for m in MARK.finditer(marked):
                typ, val = m.group(1), m.group(2)
                assert typ in TYPES, (lineno, typ)
                fn, sep, rest = val.partition(":")
                if sep and fn in FUNCS:
                    val = FUNCS[fn](rest)
                assert "_" not in val or typ in ("EMAIL", "URL"), (lineno, val)
                text += marked[pos:m.start()]
                start = len(text.encode("utf-8"))
                text += val
                spans.append({"type": typ, "start": start, "end": len(text.encode("utf-8")), "text": val})
                pos = m.end()
            text += marked[pos:]
            assert "[[" not in text and "]]" not in text, lineno
            n["pos" if spans else "neg"] += 1
            out.append({"id": "untuned-%04d" % (len(out) + 1), "lang": lang, "text": text, "spans": spans})
    with open(out_path, "w", encoding="utf-8") as f:
        for c in out:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    return out


def validate(path):
    ids = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            assert c["id"] not in ids, c["id"]
            ids.add(c["id"])
            b = c["text"].encode("utf-8")
            for s in c["spans"]:
                assert b[s["start"]:s["end"]].decode("utf-8") == s["text"], (c["id"], s)
                assert s["type"] in TYPES
    return len(ids)


if __name__ == "__main__":
    cases = build(os.path.join(HERE, "untuned_src.txt"), os.path.join(HERE, "untuned.jsonl"))
    validate(os.path.join(HERE, "untuned.jsonl"))
    per = {}
    for c in cases:
        for s in c["spans"]:
            k = (s["type"], c["lang"])
            per[k] = per.get(k, 0) + 1
    neg = {}
    for c in cases:
        if not c["spans"]:
            neg[c["lang"]] = neg.get(c["lang"], 0) + 1
    for k in sorted(per):
        print("%-12s %s %d" % (k[0], k[1], per[k]))
    print("positive spans", sum(per.values()), "negatives", neg, "cases", len(cases), file=sys.stderr)

"""Reference token ids for internal/encoder's tokenizer edge-case test (TestTokenizerReference).

    python tools/st_reference/make_tokenizer_fixture.py --minilm DIR \
        [--out internal/encoder/testdata/tokenizer-reference.json]

Needs transformers (and tokenizers) from PyPI; see tools/st_reference/README.md. DIR is a folder
written by `streamer model fetch all-minilm-l6-v2`. Two vocabularies, two references:

- models/default (vocab.txt, trained with BERT's original basic tokenizer, which lowercases each
  whitespace-delimited word with Python's str.lower): transformers' BasicTokenizer followed by
  WordpieceTokenizer, cross-checked against tools/torch_reference/bert_ref.py.
- all-MiniLM-L6-v2 (tokenizer.json): the fast tokenizer that sentence-transformers runs,
  cross-checked against transformers' slow BertTokenizer. Both lowercase character by character
  (the slow one in its do_lower_case pre-pass), so a capital sigma always becomes σ.
- all-MiniLM-L6-v2's vocabulary under BERT's original basic tokenizer (minilm_basic), where a
  word-final capital sigma becomes ς: this vocabulary has both, so it checks Go's str.lower mode.

Texts are stored as parts (string, repeat count) so that 200,000 spaces stay small.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "torch_reference"))

from transformers import AutoTokenizer, BertTokenizer  # noqa: E402
from transformers.models.bert.tokenization_bert import BasicTokenizer, WordpieceTokenizer  # noqa: E402

CASES = [
    ([["ΟΔΟΣ", 1]], 64),
    ([["ΟΔΟΣ. ΟΔΟΣ.Α ΣΑΣ Σ AΣ' ΑΣ\u0301 ὈΔΥΣΣΕΎΣ", 1]], 64),
    ([["Ο ΚΟΣΜΟΣ ΤΗΣ ΕΛΛΑΔΑΣ είναι ΩΡΑΙΟΣ", 1]], 64),
    ([["İstanbul İİ KIZILAY", 1]], 64),
    ([[" ", 200000], ["hello world", 1]], 128),
    ([[" ", 65530], ["supercalifragilistic unbelievable", 1]], 128),
    ([["x", 65530], [" unbelievable hello", 1]], 128),
    ([["\u3000", 30000], ["great phone 很好", 1]], 128),
    ([["\x00", 70000], ["\u200b", 20000], ["good product", 1]], 128),
    ([["a.", 60000], [" end", 1]], 64),
    ([["unbelievably " * 3, 1], ["x" * 101, 1], [" ok", 1]], 64),
    ([["the quality is good and the price is cheap ", 3000]], 512),
    ([["书很好看，孩子很喜欢。", 100]], 128),
    ([["Café crème résumé — naïve façade!!! ΠΟΛΥ ΚΑΛΟΣ", 1]], 32),
    ([["unaffable running ", 10]], 9),
]


def text_of(parts):
    return "".join(s * n for s, n in parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--default", default="models/default")
    ap.add_argument("--minilm", required=True)
    ap.add_argument("--out", default="internal/encoder/testdata/tokenizer-reference.json")
    args = ap.parse_args()

    from bert_ref import BertTokenizer as RefTokenizer

    with open(os.path.join(args.default, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    while vocab and vocab[-1] == "":
        vocab.pop()
    vmap = {}
    for i, t in enumerate(vocab):
        vmap.setdefault(t, i)
    basic = BasicTokenizer(do_lower_case=True, strip_accents=None, tokenize_chinese_chars=True)
    wp = WordpieceTokenizer(vocab=vmap, unk_token="[UNK]", max_input_chars_per_word=100)
    ref = RefTokenizer(vocab, lower=True)

    def basic_ids(wp, vmap, text, max_len):
        pieces = []
        for w in basic.tokenize(text):
            pieces.extend(wp.tokenize(w))
        ids = [vmap[p] for p in pieces][: max_len - 2]
        return [vmap["[CLS]"]] + ids + [vmap["[SEP]"]]

    def default_ids(text, max_len):
        return basic_ids(wp, vmap, text, max_len)

    fast = AutoTokenizer.from_pretrained(args.minilm)
    mvocab = fast.get_vocab()
    mwp = WordpieceTokenizer(vocab=mvocab, unk_token="[UNK]", max_input_chars_per_word=100)
    slow = BertTokenizer.from_pretrained(args.minilm)
    assert fast.is_fast

    out = {"default": [], "minilm": [], "minilm_basic": []}
    for parts, max_len in CASES:
        text = text_of(parts)
        d = default_ids(text, max_len)
        r = ref.encode(text, max_len)
        if d != r:
            print("bert_ref.py disagrees with transformers' BasicTokenizer on", repr(text[:60]), d, r)
            sys.exit(1)
        out["default"].append({"parts": parts, "max_len": max_len, "ids": d})
        m = fast(text, truncation=True, max_length=max_len)["input_ids"]
        s = slow(text, truncation=True, max_length=max_len)["input_ids"]
        if m != s:
            print("note: slow BertTokenizer differs from the fast one on", repr(text[:60]), m, s)
        out["minilm"].append({"parts": parts, "max_len": max_len, "ids": m})
        b = basic_ids(mwp, mvocab, text, max_len)
        out["minilm_basic"].append({"parts": parts, "max_len": max_len, "ids": b})
    with open(args.out, "w") as f:
        json.dump(out, f, ensure_ascii=False)
    print("wrote", args.out)


if __name__ == "__main__":
    main()

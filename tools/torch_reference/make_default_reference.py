"""Write the PyTorch reference outputs of the bundled default model (models/default), so that
internal/encoder's TestDefaultModelMatchesPyTorch checks the real trained checkpoint end to end.

    /usr/bin/python3 tools/torch_reference/make_default_reference.py \
        [--model models/default] [--out internal/encoder/testdata/default-reference.json]

The output records the sha256 of model.safetensors; the Go test fails when the embedded model
has another hash (new weights need a new reference: rerun this script). Uses bert_ref.py's independent
tokenizer and BERT, reading config.json, vocab.txt, tokenizer_config.json and model.safetensors.
"""
import argparse
import hashlib
import json
import os

import torch

from bench_torch import read_safetensors
from bert_ref import Bert, BertTokenizer, mean_pool_normalize

TEXTS = [
    "This phone is great, the battery lasts two days!",
    "Terrible quality. The strap broke after a week and I returned it.",
    "这个手机质量很好，物流也很快。",
    "衣服太大了，颜色不错，但是面料一般。",
    "Mixed review: 东西不错 but shipping was slow 😀",
    "",
    "Café crème résumé — naïve façade!!!",
    "good\u200bproduct\u202e with hidden marks",
    "the quality is good and the price is cheap " * 30,
    "书很好看，孩子很喜欢。" * 12,
    " " * 70000 + "the battery died after two days, 电池不行",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--out", default="internal/encoder/testdata/default-reference.json")
    args = ap.parse_args()
    d = args.model
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    cfg.setdefault("layer_norm_eps", 1e-12)
    cfg.setdefault("type_vocab_size", 2)
    cfg.setdefault("hidden_act", "gelu")
    with open(os.path.join(d, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    while vocab and vocab[-1] == "":
        vocab.pop()
    tc = {}
    if os.path.exists(os.path.join(d, "tokenizer_config.json")):
        with open(os.path.join(d, "tokenizer_config.json")) as f:
            tc = json.load(f)
    with open(os.path.join(d, "model.safetensors"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    model = Bert(cfg).eval()
    sd = read_safetensors(os.path.join(d, "model.safetensors"))
    model.load_state_dict({k: v for k, v in sd.items() if k in model.state_dict()}, strict=True)
    tok = BertTokenizer(vocab, lower=tc.get("do_lower_case", True), strip_accents=tc.get("strip_accents"))
    cases = []
    for t in TEXTS:
        ids = tok.encode(t, cfg["max_position_embeddings"])
        x = torch.tensor([ids])
        m = torch.ones_like(x)
        with torch.no_grad():
            v = mean_pool_normalize(model(x, m), m)[0]
        cases.append({"text": t, "ids": ids, "pooled": [float("%.7g" % a) for a in v.tolist()]})
    with open(args.out, "w") as f:
        json.dump({"weights_sha256": sha, "cases": cases}, f)
    print("wrote", args.out, "for weights", sha[:8])


if __name__ == "__main__":
    main()

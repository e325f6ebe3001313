"""Reference token ids and sentence vectors of a fetched model, computed by sentence-transformers,
for internal/encoder's TestFetchedModelsMatchSentenceTransformers.

    python tools/st_reference/make_st_fixture.py models/all-minilm-l6-v2 [models/bge-small-zh-v1.5 ...]

writes internal/encoder/testdata/st-reference-<folder name>.json for each folder (a folder written by
`streamer model fetch NAME`). The model is loaded by sentence-transformers exactly as a user would
load it (modules.json: Transformer, Pooling, Normalize; the fast tokenizer; max_seq_length from
sentence_bert_config.json); ids are its tokenizer's input_ids with the same truncation. The file
records the sha256 of model.safetensors: the Go test refuses a reference made for other weights.

For a folder converted from ONNX, --onnx FILE also runs the original graph with onnxruntime and
fails unless its last hidden states match PyTorch on the converted weights within 1e-4 (this
checks the conversion itself, which a comparison on the converted weights alone cannot).
See README.md for the environment (Debian's torch plus sentence-transformers from PyPI).
"""
import argparse
import hashlib
import json
import os

import torch
from sentence_transformers import SentenceTransformer

TEXTS = [
    "This phone is great, the battery lasts two days!",
    "Terrible quality. The strap broke after a week and I returned it.",
    "这个手机质量很好，物流也很快。",
    "衣服太大了，颜色不错，但是面料一般。",
    "Mixed review: 东西不错 but shipping was slow 😀",
    "",
    "Café crème résumé — naïve façade!!! ΟΔΟΣ ΚΑΛΟΣ İstanbul",
    "good\u200bproduct\u202e with hidden marks\x00 and NUL",
    "the quality is good and the price is cheap " * 60,
    "书很好看，孩子很喜欢。" * 60,
    " " * 5000 + "after many spaces: Works well with iPhone 15 Pro, USB-C 3.1",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism " + "x" * 120,
    "5 stars. Would buy again :) 10/10",
    "味道很好，包装精美，送人很有面子。下次还会再来购买！",
    "屏幕很清晰，但是电池不耐用，充电一次只能用半天。",
    "Great value for the money; arrived on time and well packed.",
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_onnx(model, onnx_path):
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    tok = model.tokenizer
    worst = 0.0
    for t in TEXTS:
        enc = tok(t, truncation=True, max_length=model.max_seq_length, return_tensors="np")
        feeds = {i.name: enc[i.name].astype(np.int64) for i in sess.get_inputs()}
        want = sess.run(None, feeds)[0]
        with torch.no_grad():
            got = model[0].auto_model(**{k: torch.tensor(v) for k, v in feeds.items()}).last_hidden_state.numpy()
        worst = max(worst, float(abs(want - got).max()))
    print("onnx vs converted weights in PyTorch: max abs diff of last hidden states %.2e" % worst)
    if worst > 1e-4:
        raise SystemExit("conversion check failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--onnx", help="original ONNX graph of the (single) converted folder")
    ap.add_argument("--outdir", default="internal/encoder/testdata")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for d in args.folders:
        name = os.path.basename(os.path.normpath(d))
        model = SentenceTransformer(d, device="cpu")
        model.eval()
        if args.onnx:
            check_onnx(model, args.onnx)
        pool = model[1].get_pooling_mode_str()
        cases = []
        vecs = model.encode(TEXTS, batch_size=4, convert_to_numpy=True, normalize_embeddings=False)
        for t, v in zip(TEXTS, vecs):
            ids = model.tokenizer(t, truncation=True, max_length=model.max_seq_length)["input_ids"]
            cases.append({"text": t, "ids": ids, "pooled": [float("%.7g" % a) for a in v.tolist()]})
        out = {
            "model": name,
            "weights_sha256": sha256(os.path.join(d, "model.safetensors")),
            "max_seq_length": model.max_seq_length,
            "pooling": pool,
            "normalized": any(type(m).__name__ == "Normalize" for m in model),
            "reference": "sentence-transformers %s, transformers %s, torch %s" % (
                __import__("sentence_transformers").__version__, __import__("transformers").__version__, torch.__version__),
            "cases": cases,
        }
        path = os.path.join(args.outdir, "st-reference-%s.json" % name)
        with open(path, "w") as f:
            json.dump(out, f, ensure_ascii=False)
        print("wrote", path, "pooling", pool, "max_seq_length", model.max_seq_length)


if __name__ == "__main__":
    main()

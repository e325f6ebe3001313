"""Sentences/s of the plain BERT in bert_ref.py on given shapes, with Debian's torch (a manual
tool; `make bench` measures its peers with tools/peers/bench_peers.py instead).

    /usr/bin/python3 tools/torch_reference/bench_torch.py --cases minilm6:32:1,minilm6:128:2 \
        [--default-dir models/default] [--batch 64] [--min-seconds 2]
    ... --serve   (cases come one per line on stdin, so that encbench can interleave them with
                   its own measurements on a machine whose load varies)

For every case model:len:threads it builds the model (minilm6: 6 layers, hidden 384, 12 heads,
FFN 1536, random weights; default: the checkpoint in --default-dir; any other name: the folder
--model-root/<name>; checkpoints are read from model.safetensors),
runs one warm-up batch, then full batches of --batch random sequences of exactly len tokens
until --min-seconds have passed, timing the forward pass plus mean pooling and normalization
under torch.no_grad with torch.set_num_threads(threads). threads 0 means PyTorch's own default
(torch.get_num_threads() at start, which follows OMP_NUM_THREADS or the number of cores).
Prints one line per case:
    TORCH <model> <len> <threads> <sentences_per_second>
In --serve mode it first prints PyTorch's parallel_info (its intra-op and BLAS threading) as
"INFO ..." lines, then "READY <default threads>".
"""
import argparse
import json
import struct
import time

import torch

from bert_ref import Bert, mean_pool_normalize

MINILM6 = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
           "intermediate_size": 1536, "hidden_act": "gelu", "max_position_embeddings": 512,
           "type_vocab_size": 2, "layer_norm_eps": 1e-12}

_DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for k, h in header.items():
        if k == "__metadata__" or h["dtype"] not in _DT:
            continue
        a, b = h["data_offsets"]
        t = torch.frombuffer(bytearray(body[a:b]), dtype=_DT[h["dtype"]]).reshape(h["shape"])
        out[k[5:] if k.startswith("bert.") else k] = t.float()
    return out


def build(name, default_dir, model_root):
    if name == "minilm6":
        torch.manual_seed(1)
        return Bert(MINILM6).eval(), MINILM6
    if name != "default":
        default_dir = model_root + "/" + name
    with open(default_dir + "/config.json") as f:
        cfg = json.load(f)
    cfg.setdefault("layer_norm_eps", 1e-12)
    cfg.setdefault("type_vocab_size", 2)
    cfg.setdefault("hidden_act", "gelu")
    m = Bert(cfg).eval()
    sd = read_safetensors(default_dir + "/model.safetensors")
    m.load_state_dict({k: v for k, v in sd.items() if k in m.state_dict()}, strict=True)
    return m, cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="", help="comma-separated model:len:threads")
    ap.add_argument("--serve", action="store_true",
                    help="read one model:len:threads case per stdin line, answer each (for encbench)")
    ap.add_argument("--default-dir", default="models/default")
    ap.add_argument("--model-root", default="models", help="folder of fetched models (any other model name)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    args = ap.parse_args()
    models = {}
    default_threads = torch.get_num_threads()
    if args.serve:
        for line in torch.__config__.parallel_info().splitlines():
            print("INFO " + line)
        print("READY %d" % default_threads, flush=True)
    cases = (line.strip() for line in __import__("sys").stdin) if args.serve else args.cases.split(",")
    for case in cases:
        if not case:
            continue
        name, L, th = case.split(":")
        L, th = int(L), int(th)
        if name not in models:
            models[name] = build(name, args.default_dir, args.model_root)
        model, cfg = models[name]
        torch.set_num_threads(th if th > 0 else default_threads)
        g = torch.Generator().manual_seed(L)
        ids = torch.randint(5, cfg["vocab_size"], (args.batch, L), generator=g)
        mask = torch.ones_like(ids)
        with torch.no_grad():
            mean_pool_normalize(model(ids[:8], mask[:8]), mask[:8])  # warm-up
            n, t0 = 0, time.perf_counter()
            while True:
                mean_pool_normalize(model(ids, mask), mask)
                n += args.batch
                el = time.perf_counter() - t0
                if el >= args.min_seconds:
                    break
        print("TORCH %s %d %d %.3f" % (name, L, th, n / el), flush=True)


if __name__ == "__main__":
    main()

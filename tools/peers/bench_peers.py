"""The peers `make bench` measures the encoder against (internal/encbench drives this script).

Run with the venv scripts/python-peers.sh installs (PyPI torch, onnxruntime, onnx). One process
serves one thread count: encbench starts it with OMP_NUM_THREADS, MKL_NUM_THREADS,
OPENBLAS_NUM_THREADS and ORT's thread settings all equal to --threads, and the script also
calls torch.set_num_threads(threads) and torch.set_num_interop_threads(1), so that "1 thread"
means one core (every BENCH answer reports the process's CPU time over wall time, so a peer
that used more cores than it was given shows).

Peers, each at its best setting on a CPU:
  torch-fp32  PyTorch, float32, the forward `transformers` uses (fused
              torch.nn.functional.scaled_dot_product_attention), inference_mode
  torch-bf16  the same module in bfloat16 (oneDNN's AVX512-BF16/AMX kernels where the CPU has them)
  ort-fp32    ONNX Runtime on the module exported to ONNX (graph optimizations on)
  ort-int8    ONNX Runtime on that graph quantized by onnxruntime.quantization.quantize_dynamic
              (per-channel, signed int8 weights, dynamic activations)
The forward includes mean or [CLS] pooling and L2 normalization, as the Go encoder's does.

Protocol (one command per stdin line, one answer line each):
  LOAD <name> <folder>|minilm6 <pooling mean|cls>   -> LOADED <name> <peer>...
  EMBED <name> <in.json> <out.json>                 -> EMBEDDED <name>
      in.json: {"ids": [[int,...], ...]}; out.json: {"<peer>": [[float,...], ...]} (one vector per
      sequence, each run alone: no padding)
  BENCH <name> <peer> <len> <batch> <min_seconds>   -> RESULT <peer> <sentences_per_s> <cpu_per_wall>
Errors answer "ERROR <message>" and the process goes on.
"""
import argparse
import hashlib
import json
import math
import os
import struct
import sys
import time
import traceback

import numpy as np
import torch
import torch.nn.functional as F

_DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}

MINILM6 = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
           "intermediate_size": 1536, "hidden_act": "gelu", "max_position_embeddings": 512,
           "type_vocab_size": 2, "layer_norm_eps": 1e-12}


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


class Layer(torch.nn.Module):
    def __init__(self, H, I, heads, eps):
        super().__init__()
        nn = torch.nn
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
        self.attn_out, self.attn_norm = nn.Linear(H, H), nn.LayerNorm(H, eps=eps)
        self.inter, self.out, self.out_norm = nn.Linear(H, I), nn.Linear(I, H), nn.LayerNorm(H, eps=eps)

    def forward(self, x):
        B, T, H = x.shape
        d = H // self.heads

        def split(t):
            return t.view(B, T, self.heads, d).transpose(1, 2)

        ctx = F.scaled_dot_product_attention(split(self.query(x)), split(self.key(x)), split(self.value(x)))
        ctx = ctx.transpose(1, 2).reshape(B, T, H)
        x = self.attn_norm(x + self.attn_out(ctx))
        return self.out_norm(x + self.out(F.gelu(self.inter(x))))


class Encoder(torch.nn.Module):
    """BERT with pooling and normalization; sequences of one batch have one length (no mask)."""

    def __init__(self, cfg, pooling):
        super().__init__()
        nn = torch.nn
        H = cfg["hidden_size"]
        self.pooling = pooling
        self.word = nn.Embedding(cfg["vocab_size"], H)
        self.pos = nn.Embedding(cfg["max_position_embeddings"], H)
        self.typ = nn.Embedding(cfg.get("type_vocab_size", 2), H)
        self.emb_norm = nn.LayerNorm(H, eps=cfg.get("layer_norm_eps", 1e-12))
        self.layers = nn.ModuleList(Layer(H, cfg["intermediate_size"], cfg["num_attention_heads"],
                                          cfg.get("layer_norm_eps", 1e-12)) for _ in range(cfg["num_hidden_layers"]))

    def forward(self, ids):
        T = ids.shape[1]
        x = self.word(ids) + self.pos.weight[:T].unsqueeze(0) + self.typ.weight[0]
        x = self.emb_norm(x)
        for L in self.layers:
            x = L(x)
        v = x[:, 0] if self.pooling == "cls" else x.mean(dim=1)
        return F.normalize(v.float(), dim=-1)

    def load_hf(self, sd):
        m = {"embeddings.word_embeddings.weight": "word.weight",
             "embeddings.position_embeddings.weight": "pos.weight",
             "embeddings.token_type_embeddings.weight": "typ.weight",
             "embeddings.LayerNorm.weight": "emb_norm.weight", "embeddings.LayerNorm.bias": "emb_norm.bias"}
        names = {"attention.self.query": "query", "attention.self.key": "key", "attention.self.value": "value",
                 "attention.output.dense": "attn_out", "attention.output.LayerNorm": "attn_norm",
                 "intermediate.dense": "inter", "output.dense": "out", "output.LayerNorm": "out_norm"}
        for i in range(len(self.layers)):
            for hf, ours in names.items():
                for p in ("weight", "bias"):
                    m[f"encoder.layer.{i}.{hf}.{p}"] = f"layers.{i}.{ours}.{p}"
        own = {m[k]: v for k, v in sd.items() if k in m}
        self.load_state_dict(own, strict=True)


def build(folder, pooling):
    if folder == "minilm6":
        torch.manual_seed(1)
        return Encoder(MINILM6, pooling).eval(), MINILM6, "minilm6-seed1"
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    enc = Encoder(cfg, pooling).eval()
    path = os.path.join(folder, "model.safetensors")
    enc.load_hf(read_safetensors(path))
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return enc, cfg, h.hexdigest()[:12]


class Peers:
    def __init__(self, threads, cache):
        self.threads = threads
        self.cache = cache
        self.models = {}

    def ort_session(self, path):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.add_session_config_entry("session.intra_op.allow_spinning", "1")
        return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    def load(self, name, folder, pooling):
        enc, cfg, tag = build(folder, pooling)
        peers = {"torch-fp32": ("torch", enc)}
        bf = Encoder(cfg, pooling).eval()
        bf.load_state_dict(enc.state_dict())
        peers["torch-bf16"] = ("torch", bf.to(torch.bfloat16))
        os.makedirs(self.cache, exist_ok=True)
        base = os.path.join(self.cache, f"{name}-{tag}-{pooling}")
        fp32, int8 = base + ".onnx", base + ".int8.onnx"
        if not os.path.exists(fp32):
            ids = torch.randint(5, cfg["vocab_size"] - 1, (2, 16))
            tmp = fp32 + ".tmp"
            torch.onnx.export(enc, (ids,), tmp, input_names=["input_ids"], output_names=["embedding"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}}, opset_version=17,
                              dynamo=False)
            os.replace(tmp, fp32)
        if not os.path.exists(int8):
            from onnxruntime.quantization import QuantType, quantize_dynamic
            tmp = int8 + ".tmp.onnx"
            quantize_dynamic(fp32, tmp, per_channel=True, weight_type=QuantType.QInt8)
            os.replace(tmp, int8)
        peers["ort-fp32"] = ("ort", self.ort_session(fp32))
        peers["ort-int8"] = ("ort", self.ort_session(int8))
        self.models[name] = (cfg, peers)
        return list(peers)

    @staticmethod
    def run(kind, obj, ids):
        if kind == "torch":
            with torch.inference_mode():
                return obj(torch.from_numpy(ids)).numpy()
        return obj.run(None, {"input_ids": ids})[0]

    def embed(self, name, src, dst):
        cfg, peers = self.models[name]
        with open(src) as f:
            seqs = json.load(f)["ids"]
        out = {}
        for peer, (kind, obj) in peers.items():
            out[peer] = [self.run(kind, obj, np.array([s], dtype=np.int64))[0].tolist() for s in seqs]
        with open(dst, "w") as f:
            json.dump(out, f)

    def bench(self, name, peer, length, batch, min_seconds):
        cfg, peers = self.models[name]
        kind, obj = peers[peer]
        rng = np.random.default_rng(length)
        ids = rng.integers(5, cfg["vocab_size"] - 1, size=(batch, length), dtype=np.int64)
        self.run(kind, obj, ids[: min(8, batch)])  # warm-up
        self.run(kind, obj, ids)
        n, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            self.run(kind, obj, ids)
            n += batch
            el = time.perf_counter() - t0
            if el >= min_seconds:
                return n / el, (time.process_time() - c0) / el


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/profilestream/peers"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    import onnxruntime
    p = Peers(args.threads, args.cache)
    print(f"READY threads={torch.get_num_threads()} torch={torch.__version__} onnxruntime={onnxruntime.__version__} "
          f"cpu_capability={torch.backends.cpu.get_cpu_capability()}", flush=True)
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        try:
            if f[0] == "LOAD":
                print("LOADED", f[1], *p.load(f[1], f[2], f[3]), flush=True)
            elif f[0] == "EMBED":
                p.embed(f[1], f[2], f[3])
                print("EMBEDDED", f[1], flush=True)
            elif f[0] == "BENCH":
                sps, util = p.bench(f[1], f[2], int(f[3]), int(f[4]), float(f[5]))
                print(f"RESULT {f[2]} {sps:.3f} {util:.2f}", flush=True)
            else:
                print("ERROR unknown command", f[0], flush=True)
        except Exception as e:  # report and go on: the Go side decides
            traceback.print_exc(file=sys.stderr)
            print("ERROR", type(e).__name__, str(e).replace("\n", " ")[:300], flush=True)


if __name__ == "__main__":
    main()

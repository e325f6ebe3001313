"""Write the tiny random BERT fixture that internal/encoder's tests check against.

    /usr/bin/python3 tools/torch_reference/make_fixture.py [--out internal/encoder/testdata/tiny-bert]

Deterministic (torch.manual_seed(20261128)). Writes, in Hugging Face layout:
  config.json, vocab.txt, tokenizer.json, tokenizer_config.json,
  model.safetensors      F32, keys without prefix ("embeddings....", plus an unused pooler),
  pytorch_model.bin      torch.save of a F16 state_dict with "bert." prefixed keys,
  dtypes.safetensors     the same small tensor stored as F32, F16 and BF16,
  reference.json.gz      per text: token ids, last hidden states, mean-pooled L2-normalized vector.
Weights are rounded to bfloat16-representable values (and tiny ones flushed to 0), so the F32,
F16 and BF16 encodings hold identical numbers and one reference serves every weight file.
"""
import argparse
import gzip
import json
import os
import string

import torch

from bert_ref import Bert, BertTokenizer, mean_pool_normalize, write_safetensors

SEED = 20261128

WORDS = """the this that is was it i a an and or not very good great bad love like works work
phone product quality battery screen price cheap fast slow book clothes size fit color
delivery service buy bought would recommend again perfect perfectly terrible nice cafe naive
resume facade unicode hello world test line here tab separated lines ctrl chars char""".split()
PIECES = ["##s", "##ed", "##ing", "##ly", "##er", "##able", "##ness", "##un", "##i", "##e", "##d", "##t"]
CJK = list("这个手机质量很好不错我喜欢的是了差便宜快递书衣服太大小颜色")
PUNCT = list(string.punctuation) + list("，。！？、：；“”（）")

TEXTS = [
    "This phone is great!",
    "The battery life is not good, the screen is very bright.",
    "I LOVE it!!! Works perfectly.",
    "这个手机质量很好",
    "快递很快，书不错。",
    "mixed 中文 and English 很好 text",
    "😀😀 great",
    "🤖🦄",
    "",
    "   \t\n ",
    "the quality is good and the price is cheap " * 12,
    "Café naïve résumé façade",
    "hello,world...(test)[x]{y}<z>!?",
    "good\x00product",
    "good\u200bproduct\u200d works",
    "\u202egood\u202c \u05e9\u05dc\u05d5\u05dd",
    "price 199.99 $ 5%",
    "a" * 150,
    "unbelievableness xyzzy workable",
    "不错！很好。",
    "ÜNÏCÖDÉ ÀÉÎ",
    "tab\tseparated\nlines\r\nhere",
    "bad\ufffdchar",
    "ｇｏｏｄ ｐｈｏｎｅ",
    "line\u2028sep\u3000here",
    "ctrl\x07\x1bchars",
    "衣服太大了，颜色不错 but size is small",
]


def build_vocab():
    v = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    v += list(string.ascii_lowercase) + list(string.digits) + PUNCT
    v += ["##" + c for c in string.ascii_lowercase]
    v += WORDS + PIECES + CJK + ["😀", "##😀"]
    seen, out = set(), []
    for t in v:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def bf16_round(t):
    t = t.to(torch.bfloat16).to(torch.float32)
    t[t.abs() < 2.0 ** -14] = 0.0
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="internal/encoder/testdata/tiny-bert")
    ap.add_argument("--placeholder", action="store_true",
                    help="write only the model files (no reference, no .bin), for models/default")
    args = ap.parse_args()
    torch.manual_seed(SEED)
    vocab = build_vocab()
    cfg = {
        "architectures": ["BertModel"], "model_type": "bert", "_name_or_path": "tiny-bert",
        "vocab_size": len(vocab), "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
        "max_position_embeddings": 48, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
    }
    model = Bert(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif "embeddings" in name:
                p.copy_(torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) / p.shape[1] ** 0.5)
            p.copy_(bf16_round(p))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer"}, f)
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    st = dict(sd)
    st["pooler.dense.weight"] = bf16_round(torch.randn(32, 32))  # present in real checkpoints, unused
    write_safetensors(os.path.join(args.out, "model.safetensors"), st)
    if args.placeholder:
        return
    tj = {
        "version": "1.0",
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    bin_sd = {"bert." + k: v.half() for k, v in sd.items()}
    bin_sd["bert.embeddings.position_ids"] = torch.arange(cfg["max_position_embeddings"]).unsqueeze(0)
    torch.save(bin_sd, os.path.join(args.out, "pytorch_model.bin"))
    x = bf16_round(torch.randn(3, 5) * 3)
    write_safetensors(os.path.join(args.out, "dtypes.safetensors"),
                      {"f32": x, "f16": x.half(), "bf16": x.to(torch.bfloat16)})

    tok = BertTokenizer(vocab, lower=True)
    max_len = cfg["max_position_embeddings"]
    ids = [tok.encode(t, max_len) for t in TEXTS]
    T = max(len(i) for i in ids)
    batch = torch.tensor([i + [0] * (T - len(i)) for i in ids])
    mask = torch.tensor([[1] * len(i) + [0] * (T - len(i)) for i in ids])
    with torch.no_grad():
        hidden = model(batch, mask)
        pooled = mean_pool_normalize(hidden, mask)
    ref = {"max_length": max_len, "dtypes_values": x.flatten().tolist(), "cases": []}
    for n, t in enumerate(TEXTS):
        L = len(ids[n])
        ref["cases"].append({
            "text": t, "ids": ids[n],
            "hidden": [[float("%.7g" % v) for v in row] for row in hidden[n, :L].tolist()],
            "pooled": [float("%.7g" % v) for v in pooled[n].tolist()],
        })
    with gzip.GzipFile(os.path.join(args.out, "reference.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps(ref).encode())
    print("wrote", args.out, "vocab", len(vocab), "texts", len(TEXTS))


if __name__ == "__main__":
    main()

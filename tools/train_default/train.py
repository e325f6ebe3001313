#!/usr/bin/env python3
"""Train profilestream's bundled default sentence encoder (models/default).

A small BERT (Hugging Face layout, post-LayerNorm, erf GELU) is trained from scratch on the
review corpora in ../shared/data: English Amazon reviews (amazon-reviews-5core and
amazon-reviews-2023-multicat) and Chinese online-shopping reviews (online-shopping-10-cats).

Steps
  1. Held-out split (never used for the vocabulary or training), a seeded rule that Go reproduces
     (cmd/evalencoder): an Amazon review is held out when its *user* is held out,
     sha256("profilestream-heldout-user:" + user_id)[:8] as big-endian uint64 % 5 == 0 (20% of
     users); a Chinese row (0-based data row index i, header excluded) is held out when
     sha256("profilestream-heldout-zh-row:" + str(i))[:8] % 5 == 0 (20% of rows).
  2. Vocabulary: BERT basic tokenization (lowercase, strip accents, CJK characters one token each,
     punctuation split), then a frequency-based WordPiece selection: the most frequent CJK
     characters, all frequent single characters (plain and "##"), the most frequent whole English
     words, and the most frequent word-initial prefixes and "##" continuation pieces of the words
     that are not whole entries. Encoding is BERT's greedy longest-match-first WordPiece.
  3. Objective, on mean-pooled L2-normalized embeddings (the pooling the Go encoder uses):
       - InfoNCE with in-batch negatives (temperature 0.05): two views per example; English: two
         reviews of the same item (or two random crops of one review when the item has only one
         training review), Chinese: two random crops of one review; every other view in the batch
         that shares the group (item, or row) also counts as a positive (SupCon-style average);
       - category classification with a cosine classifier (scale 20) over 37 categories
         (27 English Amazon categories + 10 Chinese), so that categories are directions;
       - sentiment (rating >= 4 vs <= 2, or the Chinese label) with a linear head, weight 0.5.
     No MLM (its 14k-way softmax would cost as much as the encoder on one CPU core).
  4. Export: config.json, vocab.txt, tokenizer_config.json and model.safetensors with F16 weights
     (written by hand: 8-byte little-endian header length, JSON header, raw little-endian bytes).
     The export is rewritten periodically (atomically) so that a usable model exists early.

Run (Debian torch 1.13, one thread):
  nohup /usr/bin/python3 tools/train_default/train.py --out models/default > /tmp/train.log 2>&1 &
"""
import argparse
import csv
import gzip
import hashlib
import html
import io
import json
import math
import os
import random
import re
import struct
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


# ---------------------------------------------------------------- held-out rule

def _h(s):
    return int.from_bytes(hashlib.sha256(s.encode("utf-8")).digest()[:8], "big")


def heldout_user(uid):
    return _h("profilestream-heldout-user:" + uid) % 5 == 0


def heldout_zh_row(i):
    return _h("profilestream-heldout-zh-row:%d" % i) % 5 == 0


# ---------------------------------------------------------------- data

_BR = re.compile(r"<br\s*/?>", re.I)


def clean_en(s):
    """The same cleaning cmd/evalencoder applies: <br> tags to spaces, HTML entities decoded."""
    return html.unescape(_BR.sub(" ", s or "")).strip()


def load_data(root):
    en, zh = [], []
    for name in ("amazon-reviews-5core", "amazon-reviews-2023-multicat"):
        with gzip.open(os.path.join(root, name, "reviews.jsonl.gz"), "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                body = clean_en(r.get("text"))
                summ = clean_en(r.get("summary"))
                if not body and not summ:
                    continue
                rating = float(r.get("rating") or 0)
                en.append(dict(user=r["user_id"], item=name + ":" + r["item_id"], cat="en:" + r["category"],
                               body=body, summary=summ,
                               sent=1 if rating >= 4 else (0 if 0 < rating <= 2 else -100),
                               held=heldout_user(r["user_id"])))
    path = os.path.join(root, "online-shopping-10-cats", "online_shopping_10_cats.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        next(rd)
        for i, row in enumerate(rd):
            cat, label, text = row[0], row[1], row[2] if len(row) > 2 else ""
            text = text.strip()
            if not text:
                continue
            zh.append(dict(row=i, cat="zh:" + cat, body=text, sent=int(label), held=heldout_zh_row(i)))
    return en, zh


# ---------------------------------------------------------------- BERT basic tokenization

def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def _is_ws(ch):
    if ch in " \t\n\r":
        return True
    return unicodedata.category(ch) == "Zs"


def basic_tokenize(text):
    out = []
    buf = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_ws(ch):
            buf.append(" ")
        elif _is_cjk(cp):
            buf.append(" " + ch + " ")
        else:
            buf.append(ch)
    words = []
    for tok in "".join(buf).split():
        tok = tok.lower()
        tok = "".join(c for c in unicodedata.normalize("NFD", tok) if unicodedata.category(c) != "Mn")
        cur = []
        for ch in tok:
            if _is_punct(ch):
                if cur:
                    words.append("".join(cur))
                    cur = []
                words.append(ch)
            else:
                cur.append(ch)
        if cur:
            words.append("".join(cur))
    return words


# ---------------------------------------------------------------- vocabulary

def build_vocab(texts, n_cjk, n_words, n_pieces, min_char):
    wc = Counter()
    for t in texts:
        wc.update(basic_tokenize(t))
    cjk = Counter()
    chars = Counter()
    words = Counter()
    for w, c in wc.items():
        if len(w) == 1 and _is_cjk(ord(w)):
            cjk[w] += c
            continue
        words[w] += c
        for i, ch in enumerate(w):
            chars[ch if i == 0 else "##" + ch] += c
    vocab = list(SPECIALS)
    seen = set(vocab)

    def add(t):
        if t not in seen:
            seen.add(t)
            vocab.append(t)

    for ch, c in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0])):
        if c >= min_char:
            add(ch)
            if not ch.startswith("##"):
                add("##" + ch)
    for ch, _ in sorted(cjk.items(), key=lambda kv: (-kv[1], kv[0]))[:n_cjk]:
        add(ch)
    whole = [w for w, c in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if len(w) > 1][:n_words]
    for w in whole:
        add(w)
    wholeset = set(whole)
    pc = Counter()
    for w, c in words.items():
        if w in wholeset or len(w) < 3 or len(w) > 40:
            continue
        for k in range(2, min(len(w), 8) + 1):
            pc[w[:k]] += c
        for i in range(1, len(w)):
            for k in range(2, 7):
                if i + k > len(w):
                    break
                pc["##" + w[i:i + k]] += c
    n = 0
    for p, c in sorted(pc.items(), key=lambda kv: (-kv[1] * (len(kv[0].lstrip("#")) ** 0.5), kv[0])):
        if p in seen:
            continue
        add(p)
        n += 1
        if n >= n_pieces:
            break
    return vocab


class WordPiece:
    def __init__(self, vocab):
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.unk = self.vocab["[UNK]"]
        self.cache = {}

    def word(self, w):
        r = self.cache.get(w)
        if r is not None:
            return r
        if len(w) > 100:
            r = [self.unk]
        else:
            r = []
            start = 0
            while start < len(w):
                end = len(w)
                cur = None
                while start < end:
                    s = w[start:end]
                    if start > 0:
                        s = "##" + s
                    if s in self.vocab:
                        cur = self.vocab[s]
                        break
                    end -= 1
                if cur is None:
                    r = [self.unk]
                    break
                r.append(cur)
                start = end
        self.cache[w] = r
        return r

    def encode(self, text, limit):
        ids = []
        for w in basic_tokenize(text):
            ids.extend(self.word(w))
            if len(ids) >= limit:
                break
        return ids[:limit]


# ---------------------------------------------------------------- model (HF BERT key names)

class SelfAttn(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)


class AttnOut(nn.Module):
    def __init__(self, h, eps):
        super().__init__()
        self.dense = nn.Linear(h, h)
        self.LayerNorm = nn.LayerNorm(h, eps=eps)


class Attention(nn.Module):
    def __init__(self, h, eps):
        super().__init__()
        self.self = SelfAttn(h)
        self.output = AttnOut(h, eps)


class Inter(nn.Module):
    def __init__(self, h, i):
        super().__init__()
        self.dense = nn.Linear(h, i)


class Out(nn.Module):
    def __init__(self, i, h, eps):
        super().__init__()
        self.dense = nn.Linear(i, h)
        self.LayerNorm = nn.LayerNorm(h, eps=eps)


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.nh = cfg["num_attention_heads"]
        self.attention = Attention(h, eps)
        self.intermediate = Inter(h, cfg["intermediate_size"])
        self.output = Out(cfg["intermediate_size"], h, eps)
        self.drop = cfg.get("dropout", 0.1)

    def forward(self, x, bias):
        B, L, H = x.shape
        d = H // self.nh
        sa = self.attention.self

        def split(t):
            return t.view(B, L, self.nh, d).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        s = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
        p = F.dropout(s.softmax(-1), self.drop, self.training)
        c = (p @ v).transpose(1, 2).reshape(B, L, H)
        ao = self.attention.output
        x = ao.LayerNorm(x + F.dropout(ao.dense(c), self.drop, self.training))
        hmid = F.gelu(self.intermediate.dense(x))  # erf GELU
        o = self.output
        return o.LayerNorm(x + F.dropout(o.dense(hmid), self.drop, self.training))


class Emb(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], h, padding_idx=0)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])


class Enc(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([Layer(cfg) for _ in range(cfg["num_hidden_layers"])])


class Bert(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = Emb(cfg)
        self.encoder = Enc(cfg)
        self.drop = cfg.get("dropout", 0.1)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        with torch.no_grad():
            self.embeddings.word_embeddings.weight[0].zero_()

    def forward(self, ids, mask):
        B, L = ids.shape
        e = self.embeddings
        pos = torch.arange(L).unsqueeze(0)
        x = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(torch.zeros_like(ids))
        x = F.dropout(e.LayerNorm(x), self.drop, self.training)
        bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        for lay in self.encoder.layer:
            x = lay(x, bias)
        m = mask.unsqueeze(-1).float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1)
        return F.normalize(pooled, dim=-1)


# ---------------------------------------------------------------- export

def write_safetensors(path, tensors, dtype="F16"):
    header = {}
    blobs = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().float().contiguous().numpy()
        b = t.astype("<f2" if dtype == "F16" else "<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def export(model, cfg, vocab, out, info):
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".export-", dir=out)
    hf = {k: v for k, v in cfg.items() if k != "dropout"}
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(hf, f, indent=2)
        f.write("\n")
    with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(tmp, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True,
                   "model_max_length": cfg["max_position_embeddings"], "tokenizer_class": "BertTokenizer"}, f)
        f.write("\n")
    sd = {k: v for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(tmp, "model.safetensors"), sd)
    with open(os.path.join(tmp, "training_info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    for name in os.listdir(tmp):
        os.replace(os.path.join(tmp, name), os.path.join(out, name))
    os.rmdir(tmp)


# ---------------------------------------------------------------- training

def crop(ids, rng, min_frac=0.6):
    n = len(ids)
    if n <= 8:
        return ids
    k = max(8, int(math.ceil(n * rng.uniform(min_frac, 1.0))))
    s = rng.randrange(0, n - k + 1)
    return ids[s:s + k]


def pad_batch(seqs, cls, sep):
    L = max(len(s) for s in seqs) + 2
    ids = torch.zeros(len(seqs), L, dtype=torch.long)
    mask = torch.zeros(len(seqs), L, dtype=torch.long)
    for i, s in enumerate(seqs):
        row = [cls] + s + [sep]
        ids[i, :len(row)] = torch.tensor(row)
        mask[i, :len(row)] = 1
    return ids, mask


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
    ap.add_argument("--out", default="models/default")
    ap.add_argument("--ckpt", default="/tmp/train_default.pt")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--pairs", type=int, default=16, help="examples per batch (2 views each)")
    ap.add_argument("--short", type=int, default=62, help="most batches cut views to a random window this long")
    ap.add_argument("--p-long", type=float, default=0.2, help="share of batches whose views are kept up to "
                    "--max-len (decided per batch, so short batches carry no padding to 128)")
    ap.add_argument("--budget-s", type=float, default=3000, help="training wall-time budget; the LR schedule "
                    "follows max(step/steps, time/budget) and training stops when either reaches 1")
    ap.add_argument("--max-len", type=int, default=128, help="tokens incl. [CLS]/[SEP]")
    ap.add_argument("--lr", type=float, default=8e-4)
    ap.add_argument("--warmup", type=int, default=40)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--n-cjk", type=int, default=3500)
    ap.add_argument("--n-words", type=int, default=7000)
    ap.add_argument("--n-pieces", type=int, default=2500)
    ap.add_argument("--first-export-s", type=float, default=600)
    ap.add_argument("--export-every-s", type=float, default=600)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", type=int, default=0, help="only time this many steps, export nothing")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    t0 = time.time()

    en, zh = load_data(a.data)
    en_tr = [r for r in en if not r["held"]]
    zh_tr = [r for r in zh if not r["held"]]
    print(f"data: en {len(en)} rows ({len(en_tr)} train), zh {len(zh)} rows ({len(zh_tr)} train)", flush=True)

    vocab = build_vocab([r["summary"] + " " + r["body"] for r in en_tr] + [r["body"] for r in zh_tr],
                        a.n_cjk, a.n_words, a.n_pieces, min_char=5)
    print(f"vocab: {len(vocab)} entries ({time.time()-t0:.0f}s)", flush=True)
    wp = WordPiece(vocab)
    cls, sep = wp.vocab["[CLS]"], wp.vocab["[SEP]"]
    lim = a.max_len - 2
    for r in en_tr:
        r["ids"] = wp.encode(r["body"] or r["summary"], lim)
        r["ids_s"] = wp.encode((r["summary"] + ". " + r["body"]) if r["summary"] else r["body"], lim)
    for r in zh_tr:
        r["ids"] = wp.encode(r["body"], lim)
    unk = sum(x == wp.unk for r in zh_tr[:2000] + en_tr[:2000] for x in r["ids"])
    tot = sum(len(r["ids"]) for r in zh_tr[:2000] + en_tr[:2000])
    print(f"tokenized ({time.time()-t0:.0f}s); unk rate on 4000 train texts {unk/max(tot,1):.4f}; "
          f"mean len en {np.mean([len(r['ids']) for r in en_tr]):.1f} zh {np.mean([len(r['ids']) for r in zh_tr]):.1f}",
          flush=True)

    cats = sorted({r["cat"] for r in en} | {r["cat"] for r in zh})
    cat_ix = {c: i for i, c in enumerate(cats)}
    by_item = defaultdict(list)
    for i, r in enumerate(en_tr):
        by_item[r["item"]].append(i)

    cfg = {"architectures": ["BertModel"], "model_type": "bert", "_name_or_path": "profilestream-default",
           "vocab_size": len(vocab), "hidden_size": a.hidden, "num_hidden_layers": a.layers,
           "num_attention_heads": a.heads, "intermediate_size": a.ffn, "hidden_act": "gelu",
           "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
           "max_position_embeddings": a.max_len, "type_vocab_size": 2, "initializer_range": 0.02,
           "layer_norm_eps": 1e-12, "pad_token_id": 0, "dropout": 0.1}
    model = Bert(cfg)
    cat_w = nn.Parameter(torch.randn(len(cats), a.hidden) * 0.02)
    sent_head = nn.Linear(a.hidden, 2)
    params = list(model.parameters()) + [cat_w] + list(sent_head.parameters())
    decay = [p for p in params if p.dim() >= 2]
    nodecay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-6)
    nparam = sum(p.numel() for p in model.parameters())
    print(f"model: {nparam/1e6:.2f}M parameters; cats {len(cats)}; steps {a.steps}", flush=True)

    def progress(step):
        return max(step / a.steps, (time.time() - train_t0) / a.budget_s)

    def lr_at(step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        p = progress(step)
        return a.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))

    long_batch = [False]

    def view(ids, frac=0.6):
        v = crop(ids, rng, frac)
        if len(v) > a.short and not long_batch[0]:
            s = rng.randrange(0, len(v) - a.short + 1)
            v = v[s:s + a.short]
        return v or [wp.unk]

    def make_batch(step):
        views, groups, cl, se = [], [], [], []
        long_batch[0] = rng.random() < a.p_long
        if step % 2 == 0:
            for _ in range(a.pairs):
                i = rng.randrange(len(en_tr))
                r = en_tr[i]
                same = by_item[r["item"]]
                src = r["ids_s"] if rng.random() < 0.5 else r["ids"]
                if len(same) > 1 and rng.random() < 0.7:
                    j = rng.choice([x for x in same if x != i])
                    r2 = en_tr[j]
                    v1, v2 = view(src, 0.8), view(r2["ids"] if rng.random() < 0.5 else r2["ids_s"], 0.8)
                    pair = [(r, v1), (r2, v2)]
                else:
                    pair = [(r, view(src)), (r, view(src))]
                for rr, v in pair:
                    views.append(v)
                    groups.append(hash(rr["item"]))
                    cl.append(cat_ix[rr["cat"]])
                    se.append(rr["sent"])
        else:
            for _ in range(a.pairs):
                i = rng.randrange(len(zh_tr))
                r = zh_tr[i]
                for _ in range(2):
                    views.append(view(r["ids"]))
                    groups.append(i)
                    cl.append(cat_ix[r["cat"]])
                    se.append(r["sent"])
        ids, mask = pad_batch(views, cls, sep)
        return ids, mask, torch.tensor(groups), torch.tensor(cl), torch.tensor(se)

    train_t0 = time.time()
    start = 0
    if os.path.exists(a.ckpt) and not a.bench:
        st = torch.load(a.ckpt)
        if st.get("vocab") == vocab:
            model.load_state_dict(st["model"])
            with torch.no_grad():
                cat_w.copy_(st["cat_w"])
            sent_head.load_state_dict(st["sent"])
            opt.load_state_dict(st["opt"])
            start = st["step"]
            rng.setstate(st["rng"])
            print(f"resumed from {a.ckpt} at step {start}", flush=True)

    last_export = None
    ema = None
    info = {"seed": a.seed, "argv": sys.argv, "vocab_size": len(vocab), "categories": cats,
            "en_train_rows": len(en_tr), "zh_train_rows": len(zh_tr), "parameters": nparam}
    model.train()
    step = start
    while step < a.steps:
        last = step == a.steps - 1 or progress(step + 1) >= 1.0
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        ids, mask, groups, cl, se = make_batch(step)
        emb = model(ids, mask)
        sim = emb @ emb.t() / 0.05
        n = sim.shape[0]
        eye = torch.eye(n, dtype=torch.bool)
        sim = sim.masked_fill(eye, -1e9)
        pos = (groups[:, None] == groups[None, :]) & ~eye
        logp = sim.log_softmax(-1)
        l_nce = -(logp.masked_fill(~pos, 0).sum(-1) / pos.sum(-1).clamp(min=1)).mean()
        logits = 20.0 * emb @ F.normalize(cat_w, dim=-1).t()
        l_cat = F.cross_entropy(logits, cl)
        l_sent = F.cross_entropy(sent_head(emb * 4.0), se, ignore_index=-100) if (se >= 0).any() else emb.sum() * 0
        loss = l_nce + l_cat + 0.5 * l_sent
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            model.embeddings.word_embeddings.weight[0].zero_()
            acc = (logits.argmax(-1) == cl).float().mean().item()
        cur = [loss.item(), l_nce.item(), l_cat.item(), l_sent.item(), acc]
        ema = cur if ema is None else [0.95 * e + 0.05 * c for e, c in zip(ema, cur)]
        el = time.time() - train_t0
        if step % 20 == 0 or last:
            print(f"step {step} {'en' if step % 2 == 0 else 'zh'} L={ids.shape[1]} lr={lr_at(step):.2e} "
                  f"loss={ema[0]:.3f} nce={ema[1]:.3f} cat={ema[2]:.3f} sent={ema[3]:.3f} cat_acc={ema[4]:.3f} "
                  f"t={el:.0f}s ({el/(step-start+1):.2f}s/step)", flush=True)
        if a.bench and step - start + 1 >= a.bench:
            return
        due = (last_export is None and el >= a.first_export_s) or \
              (last_export is not None and time.time() - last_export >= a.export_every_s) or last
        if due:
            model.eval()
            info.update({"step": step + 1, "train_seconds": round(time.time() - train_t0), "final": last,
                         "ema_loss": ema})
            export(model, cfg, vocab, a.out, info)
            torch.save({"model": model.state_dict(), "cat_w": cat_w.detach(), "sent": sent_head.state_dict(),
                        "opt": opt.state_dict(), "step": step + 1, "rng": rng.getstate(), "vocab": vocab}, a.ckpt)
            model.train()
            last_export = time.time()
            print(f"exported to {a.out} at step {step+1} ({time.time()-t0:.0f}s total)", flush=True)
        step += 1
        if last:
            break
    print(f"done in {time.time()-t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()

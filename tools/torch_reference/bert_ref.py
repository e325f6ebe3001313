"""Plain reference implementations used to verify internal/encoder.

Nothing here imports transformers: the BERT tokenizer (basic tokenization + WordPiece) and the
BERT encoder (erf GELU, post-LayerNorm) are written out from the original BERT description so
that the Go code is checked against an independent implementation. Run with Debian's torch:
/usr/bin/python3.
"""
import json
import struct
import unicodedata

import torch

# ---------------------------------------------------------------- tokenizer


def _is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class BertTokenizer:
    def __init__(self, vocab, lower=True, strip_accents=None, max_chars=100):
        self.vocab = {}
        for i, t in enumerate(vocab):
            self.vocab.setdefault(t, i)
        self.lower = lower
        self.strip = lower if strip_accents is None else strip_accents
        self.max_chars = max_chars

    def basic(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            if _is_whitespace(ch):
                out.append(" ")
            elif _is_cjk(cp):
                out.append(" " + ch + " ")
            else:
                out.append(ch)
        words = "".join(out).split()
        pieces = []
        for w in words:
            if self.lower:
                w = w.lower()
            if self.strip:
                w = "".join(c for c in unicodedata.normalize("NFD", w) if unicodedata.category(c) != "Mn")
            cur = []
            for c in w:
                if _is_punctuation(c):
                    if cur:
                        pieces.append("".join(cur))
                        cur = []
                    pieces.append(c)
                else:
                    cur.append(c)
            if cur:
                pieces.append("".join(cur))
        return " ".join(pieces).split()

    def wordpiece(self, word):
        if len(word) > self.max_chars:
            return [self.vocab["[UNK]"]]
        ids, start = [], 0
        while start < len(word):
            end, cur = len(word), None
            while start < end:
                sub = word[start:end]
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab:
                    cur = self.vocab[sub]
                    break
                end -= 1
            if cur is None:
                return [self.vocab["[UNK]"]]
            ids.append(cur)
            start = end
        return ids

    def encode(self, text, max_len):
        ids = []
        for w in self.basic(text):
            ids.extend(self.wordpiece(w))
        ids = ids[: max_len - 2]
        return [self.vocab["[CLS]"]] + ids + [self.vocab["[SEP]"]]


# ---------------------------------------------------------------- model


class Bert(torch.nn.Module):
    """BERT encoder in Hugging Face parameter layout (names match BertModel's state_dict)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        H, I = cfg["hidden_size"], cfg["intermediate_size"]
        nn = torch.nn
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(cfg["vocab_size"], H)
        self.embeddings.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], H)
        self.embeddings.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], H)
        self.embeddings.LayerNorm = nn.LayerNorm(H, eps=cfg["layer_norm_eps"])
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList()
        for _ in range(cfg["num_hidden_layers"]):
            L = nn.Module()
            L.attention = nn.Module()
            L.attention.self = nn.Module()
            L.attention.self.query = nn.Linear(H, H)
            L.attention.self.key = nn.Linear(H, H)
            L.attention.self.value = nn.Linear(H, H)
            L.attention.output = nn.Module()
            L.attention.output.dense = nn.Linear(H, H)
            L.attention.output.LayerNorm = nn.LayerNorm(H, eps=cfg["layer_norm_eps"])
            L.intermediate = nn.Module()
            L.intermediate.dense = nn.Linear(H, I)
            L.output = nn.Module()
            L.output.dense = nn.Linear(I, H)
            L.output.LayerNorm = nn.LayerNorm(H, eps=cfg["layer_norm_eps"])
            self.encoder.layer.append(L)

    def act(self, x):
        a = self.cfg.get("hidden_act", "gelu")
        if a == "gelu":
            return 0.5 * x * (1.0 + torch.erf(x / 1.4142135623730951))  # exact erf GELU
        if a == "relu":
            return torch.relu(x)
        raise ValueError(a)

    def forward(self, ids, mask):
        B, T = ids.shape
        H = self.cfg["hidden_size"]
        nh = self.cfg["num_attention_heads"]
        d = H // nh
        e = self.embeddings
        pos = torch.arange(T).unsqueeze(0)
        x = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(torch.zeros_like(ids))
        x = e.LayerNorm(x)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for L in self.encoder.layer:
            s = L.attention.self

            def heads(t):
                return t.view(B, T, nh, d).transpose(1, 2)

            q, k, v = heads(s.query(x)), heads(s.key(x)), heads(s.value(x))
            att = q @ k.transpose(-1, -2) / (d ** 0.5) + bias
            att = torch.softmax(att, dim=-1)
            ctx = (att @ v).transpose(1, 2).reshape(B, T, H)
            x = L.attention.output.LayerNorm(L.attention.output.dense(ctx) + x)
            h = self.act(L.intermediate.dense(x))
            x = L.output.LayerNorm(L.output.dense(h) + x)
        return x


def mean_pool_normalize(hidden, mask):
    m = mask.unsqueeze(-1).float()
    v = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(v, p=2, dim=-1)


# ---------------------------------------------------------------- safetensors, by hand

_DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors):
    """tensors: dict name -> torch tensor (F32/F16/BF16). Format: u64 LE header length, JSON
    header {name: {dtype, shape, data_offsets}}, raw little-endian bytes."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": _DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)

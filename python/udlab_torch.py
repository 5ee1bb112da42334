#!/usr/bin/env python3
"""Load a udlab checkpoint into PyTorch and evaluate it the way `udlab-cli eval` does.

Reference modules whose state_dict names are udlab's tensor names, so `load_state_dict(strict=True)`
checks every tensor: nn.LSTM / nn.RNN for `lstm` / `rnn-tanh`, and small PyTorch re-implementations of
`group-rnn` (groups o, so, u, su) and `lru` (docs/groups.md, docs/lru.md). Needs only torch and numpy
(Debian 12: python3-torch 1.13); checkpoints are read without the safetensors package.

    python3 python/udlab_torch.py RUN_DIR... --data tinyshakespeare/input.txt [--split val] [--max-tokens N]

prints {"loss", "bpc", "ppl", "tokens"} for each run, like `udlab-cli eval --run RUN_DIR`. See docs/checkpoint.md.
"""
import argparse
import json
import math
import struct

import numpy as np
import torch
from torch import nn

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8,
           "U64": np.uint64}


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file. U64 (udlab checkpoints before 0.1.0) becomes int64 bits."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        arr = np.frombuffer(data, dtype=_DTYPES[e["dtype"]], count=(end - begin) // np.dtype(_DTYPES[e["dtype"]]).itemsize,
                            offset=8 + n + begin).reshape(e["shape"])
        if arr.dtype == np.uint64:
            arr = arr.view(np.int64)
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


class RecurrentLM(nn.Module):
    """lstm / rnn-tanh: embedding -> nn.LSTM or nn.RNN (tanh) -> linear head."""

    def __init__(self, cfg, vocab):
        super().__init__()
        self.embedding = nn.Embedding(vocab, cfg["embed"])
        rnn = nn.LSTM if cfg["model"] == "lstm" else nn.RNN
        self.rnn = rnn(cfg["embed"], cfg["hidden"], cfg["layers"], batch_first=True)
        self.head = nn.Linear(cfg["hidden"], vocab)

    def forward(self, ids):  # [B, T] -> logits [B, T, V]
        y, _ = self.rnn(self.embedding(ids))
        return self.head(y)


def project(group, d, a):
    """Pi: the nearest Lie-algebra element of a batch of real n x n matrices (n = d, or 2d realified)."""
    if group in ("o", "so"):
        return (a - a.transpose(-1, -2)) / 2
    if group in ("u", "su"):
        # Complex entry (j, k) is the 2x2 block [[x, -y], [y, x]] at rows 2j.., columns 2k.. (realify.h).
        blk = a.reshape(*a.shape[:-2], d, 2, d, 2)
        z = torch.complex((blk[..., :, 0, :, 0] + blk[..., :, 1, :, 1]) / 2,
                          (blk[..., :, 1, :, 0] - blk[..., :, 0, :, 1]) / 2)
        z = (z - z.conj().transpose(-1, -2)) / 2
        if group == "su":
            tr = torch.diagonal(z, dim1=-2, dim2=-1).sum(-1) / d
            z = z - tr[..., None, None] * torch.eye(d, dtype=z.dtype)
        out = torch.stack([torch.stack([z.real, -z.imag], -1), torch.stack([z.imag, z.real], -1)], -3)
        return out.reshape(a.shape)  # [..., j, row, k, col] -> [..., 2d, 2d]
    raise NotImplementedError(f"group-rnn reference: group '{group}' (supported: o, so, u, su)")


class GroupRNNLayer(nn.Module):
    def __init__(self, n, fan_in, mixing, learn_h0):
        super().__init__()
        self.W = nn.Parameter(torch.zeros(n * n, fan_in))
        self.U = nn.Parameter(torch.zeros(n, n))
        self.B = nn.Parameter(torch.zeros(n, n))
        if mixing:
            self.alpha = nn.Parameter(torch.ones(1))
            self.beta = nn.Parameter(torch.zeros(1))
        if learn_h0:
            self.h0 = nn.Parameter(torch.zeros(n, n))


class GroupRNN(nn.Module):
    """group-rnn: A_t = mat(W x_t) + U h_t + B, xi_t = Pi(A_t) (mixed: alpha xi_t + beta xi_{t-1}),
    h_{t+1} = h_t exp(xi_t), h_0 = I or exp(Pi(h0)), row 0 negated with --reflect; logits from vec(h).
    udlab's variants: --xi-bound c applies exp to c tanh(|xi|_F/c) xi/|xi|_F; --readout token-xi reads
    [vec h_{t+1}, vec Pi(A_t)] of the last layer."""

    def __init__(self, cfg, vocab):
        super().__init__()
        self.group, self.d = cfg["group"], cfg["d"]
        self.n = 2 * self.d if self.group in ("u", "su") else self.d
        self.mixing, self.reflect = cfg["mixing"], cfg["reflect"]
        self.xi_bound = cfg.get("xi_bound", 0)
        self.xi_readout = cfg.get("readout") == "token-xi"
        nn_ = self.n * self.n
        self.embedding = nn.Embedding(vocab, cfg["embed"])
        self.layers = nn.ModuleList(GroupRNNLayer(self.n, cfg["embed"] if l == 0 else nn_, cfg["mixing"],
                                                  cfg["learn_h0"]) for l in range(cfg["layers"]))
        self.head = nn.Linear(2 * nn_ if self.xi_readout else nn_, vocab)

    def forward(self, ids):
        x = self.embedding(ids)
        B, T = ids.shape
        n = self.n
        for layer in self.layers:
            a_in = (x @ layer.W.T + layer.B.reshape(-1)).reshape(B, T, n, n)
            if hasattr(layer, "h0"):
                h = torch.matrix_exp(project(self.group, self.d, layer.h0))
            else:
                h = torch.eye(n, dtype=x.dtype)
            if self.reflect:
                h = h.clone()
                h[0] = -h[0]
            h = h.expand(B, n, n)
            prev, out, xis = None, [], []
            for t in range(T):
                xi = project(self.group, self.d, a_in[:, t] + layer.U @ h)
                xis.append(xi.reshape(B, n * n))
                if self.mixing:
                    xi = layer.alpha * xi + (layer.beta * prev if prev is not None else 0)
                    prev = xi
                if self.xi_bound > 0:
                    r = xi.flatten(1).norm(dim=1).clamp_min(1e-30).reshape(B, 1, 1)
                    xi = self.xi_bound * torch.tanh(r / self.xi_bound) * xi / r
                h = h @ torch.matrix_exp(xi)
                out.append(h.reshape(B, n * n))
            x = torch.stack(out, 1)
        if self.xi_readout:
            x = torch.cat([x, torch.stack(xis, 1)], 2)
        return self.head(x)


class LRULayer(nn.Module):
    """lambda = exp(-exp(nu_log) + i exp(theta_log)), x_k = lambda x_{k-1} + gamma (B u_k),
    y_k = Re(C x_k) + D u_k, gamma = exp(gamma_log) (1 without --lru-gamma)."""

    def __init__(self, H, N, gamma):
        super().__init__()
        for name, shape in [("nu_log", (N,)), ("theta_log", (N,)), ("B_re", (N, H)), ("B_im", (N, H)),
                            ("C_re", (H, N)), ("C_im", (H, N)), ("D", (H,))] + ([("gamma_log", (N,))] if gamma else []):
            setattr(self, name, nn.Parameter(torch.zeros(shape)))

    def forward(self, u):  # [B, T, H]
        lam = torch.exp(torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log)))
        bu = torch.complex(u @ self.B_re.T, u @ self.B_im.T)
        if hasattr(self, "gamma_log"):
            bu = bu * torch.exp(self.gamma_log)
        x = torch.zeros_like(bu[:, 0])
        xs = []
        for t in range(u.shape[1]):
            x = lam * x + bu[:, t]
            xs.append(x)
        xs = torch.stack(xs, 1)
        return xs.real @ self.C_re.T - xs.imag @ self.C_im.T + self.D * u


class GLU(nn.Module):
    def __init__(self, H):
        super().__init__()
        self.W1, self.W2 = nn.Linear(H, H), nn.Linear(H, H)

    def forward(self, z):
        return self.W1(z) * torch.sigmoid(self.W2(z))


class LRUBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        H = cfg["hidden"]
        self.norm = nn.LayerNorm(H, eps=1e-5)
        self.lru = LRULayer(H, cfg["state"], cfg["lru_gamma"])
        self.glu = GLU(H)

    def forward(self, x):  # pre-norm residual: x + GLU(GELU(LRU(LayerNorm(x)))); no dropout in eval
        return x + self.glu(nn.functional.gelu(self.lru(self.norm(x))))


class LRU(nn.Module):
    def __init__(self, cfg, vocab):
        super().__init__()
        self.embedding = nn.Embedding(vocab, cfg["hidden"])
        self.blocks = nn.ModuleList(LRUBlock(cfg) for _ in range(cfg["layers"]))
        self.norm_f = nn.LayerNorm(cfg["hidden"], eps=1e-5)
        self.head = nn.Linear(cfg["hidden"], vocab)

    def forward(self, ids):
        x = self.embedding(ids)
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm_f(x))


class OrthRNN(nn.Module):
    """orth-rnn (group-valued weights, uRNN/expRNN): h_t = act(x_t W_ih^T + b_ih + b_hh + h_{t-1} W^T), h_{-1} = 0,
    W = matrix_exp(Pi(A)); act = modReLU (per (Re, Im) pair for complex groups) or tanh; logits from h."""

    def __init__(self, cfg, vocab):
        super().__init__()
        self.group, self.d, self.act = cfg["group"], cfg["d"], cfg["orth_act"]
        self.n = 2 * self.d if self.group in ("u", "su") else self.d
        self.pair = 2 if self.group in ("u", "su") else 1
        n, self.L = self.n, cfg["layers"]
        self.embedding = nn.Embedding(vocab, cfg["embed"])
        self.rnn = nn.Module()
        for k in range(self.L):
            setattr(self.rnn, f"weight_ih_l{k}", nn.Parameter(torch.zeros(n, cfg["embed"] if k == 0 else n)))
            setattr(self.rnn, f"generator_hh_l{k}", nn.Parameter(torch.zeros(n, n)))
            setattr(self.rnn, f"bias_ih_l{k}", nn.Parameter(torch.zeros(n)))
            setattr(self.rnn, f"bias_hh_l{k}", nn.Parameter(torch.zeros(n)))
            if self.act == "modrelu":
                setattr(self.rnn, f"modrelu_bias_l{k}", nn.Parameter(torch.zeros(n // self.pair)))
        self.head = nn.Linear(n, vocab)

    def modrelu(self, z, b):
        zz = z.reshape(*z.shape[:-1], -1, self.pair)
        r = zz.norm(dim=-1, keepdim=True)
        scale = torch.where((r > 0) & (r + b[:, None] > 0), 1 + b[:, None] / torch.where(r > 0, r, torch.ones_like(r)),
                            torch.zeros_like(r))
        return (zz * scale).reshape(z.shape)

    def forward(self, ids):
        x = self.embedding(ids)
        B, T = ids.shape
        for k in range(self.L):
            g = lambda name: getattr(self.rnn, f"{name}_l{k}")
            W = torch.matrix_exp(project(self.group, self.d, g("generator_hh")))
            pre = x @ g("weight_ih").T + g("bias_ih") + g("bias_hh")
            h, out = torch.zeros(B, self.n, dtype=x.dtype), []
            for t in range(T):
                z = pre[:, t] + h @ W.T
                h = self.modrelu(z, g("modrelu_bias")) if self.act == "modrelu" else torch.tanh(z)
                out.append(h)
            x = torch.stack(out, 1)
        return self.head(x)


MODELS = {"lstm": RecurrentLM, "rnn-tanh": RecurrentLM, "group-rnn": GroupRNN, "lru": LRU, "orth-rnn": OrthRNN}


def load_model(checkpoint_path, dtype=torch.float64):
    """(model, config) with every parameter of the checkpoint loaded (strict: names and shapes must match)."""
    tensors, meta = read_safetensors(checkpoint_path)
    cfg = json.loads(meta["config"])
    if cfg["model"] not in MODELS:
        raise NotImplementedError(f"no PyTorch reference for model '{cfg['model']}' (have {', '.join(MODELS)})")
    vocab = tensors["head.bias"].shape[0]
    model = MODELS[cfg["model"]](cfg, vocab)
    params = {k: v for k, v in tensors.items() if not k.startswith(("optim.", "train."))}
    model.load_state_dict(params, strict=True)
    return model.to(dtype).eval(), cfg


def char_corpus(path, split):
    """Token ids of a char-level split as udlab cuts it: vocabulary = sorted code points, 90% train / 10% val."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    index = {c: i for i, c in enumerate(sorted(set(text)))}
    ids = [index[c] for c in text]
    cut = len(ids) * 9 // 10
    return torch.tensor(ids[:cut] if split == "train" else ids[cut:], dtype=torch.long)


@torch.no_grad()
def evaluate(model, tokens, seq_len, batch=64):
    """Mean next-token cross-entropy over windows of seq_len+1 tokens with stride seq_len, each from the
    initial state: every token but the first predicted once (docs/datasets.md "Evaluation")."""
    starts = list(range(0, len(tokens) - 1, seq_len))
    total, count = 0.0, 0
    for i in range(0, len(starts), batch):
        windows = [tokens[s:s + seq_len + 1] for s in starts[i:i + batch]]
        for w in ([x for x in windows if len(x) == seq_len + 1], [x for x in windows if len(x) < seq_len + 1]):
            if not w:
                continue
            w = torch.stack(w)  # the short (last) window alone: a causal model predicts it the same unpadded
            logits = model(w[:, :-1])
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1),
                                                 reduction="sum").item()
            count += w[:, 1:].numel()
    return total / count, count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", nargs="+", help="udlab run directories (checkpoint.safetensors); one JSON line each")
    ap.add_argument("--data", required=True, help="the char-level text file the run trained on")
    ap.add_argument("--split", default="val", choices=["train", "val"])
    ap.add_argument("--max-tokens", type=int, default=0, help="evaluate the split's first N tokens (0 = all)")
    args = ap.parse_args()
    tokens = char_corpus(args.data, args.split)
    if args.max_tokens > 0:
        tokens = tokens[:args.max_tokens]
    for run in args.run:
        model, cfg = load_model(run + "/checkpoint.safetensors")
        loss, n = evaluate(model, tokens, cfg["seq_len"])
        print(json.dumps({"loss": loss, "bpc": loss / math.log(2), "ppl": math.exp(loss), "tokens": n}), flush=True)


if __name__ == "__main__":
    main()

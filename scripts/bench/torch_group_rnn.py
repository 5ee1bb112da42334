#!/usr/bin/env python3
"""PyTorch reference for udlab's group-rnn O(d) (issue 15): the same model (embedding m, A_t = mat(W x_t)
+ U h_t + B, xi_t = (A_t - A_t^T)/2, h_{t+1} = h_t exp(xi_t) with torch.linalg.matrix_exp, logits = R vec(h_{t+1})
+ c, mean cross-entropy, AdamW), timed for a few training steps on random tokens. Prints one JSON line with
tokens_per_s. Debian's python3-torch (CPU); no pip."""
import argparse, json, time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=65)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    n, m, V, B, T = a.d, a.embed, a.vocab, a.batch, a.seq_len
    g = 0.5 / (n * (n - 1) / 2) ** 0.5 if n > 1 else 0.5
    emb = torch.nn.Parameter(torch.randn(V, m))
    W = torch.nn.Parameter(torch.randn(n * n, m) * (g / (2 * m) ** 0.5))
    U = torch.nn.Parameter(torch.randn(n, n) * (g / 2 ** 0.5))
    Bi = torch.nn.Parameter(torch.zeros(n, n))
    R = torch.nn.Parameter(torch.randn(V, n * n) * (0.5 / n ** 0.5))
    c = torch.nn.Parameter(torch.zeros(V))
    params = [emb, W, U, Bi, R, c]
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=0.0)

    def step():
        tok = torch.randint(0, V, (B, T + 1))
        x = emb[tok[:, :T]]                                 # [B, T, m]
        xa = (x @ W.t()).view(B, T, n, n) + Bi              # input part of A_t for all t
        h = torch.eye(n).expand(B, n, n)
        hs = []
        for t in range(T):
            A = xa[:, t] + U @ h
            xi = 0.5 * (A - A.transpose(1, 2))
            h = h @ torch.linalg.matrix_exp(xi)
            hs.append(h)
        Hs = torch.stack(hs, 1).reshape(B * T, n * n)
        loss = torch.nn.functional.cross_entropy(Hs @ R.t() + c, tok[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = time.perf_counter() - t0
    print(json.dumps({"model": "torch-group-rnn-o", "d": n, "torch": torch.__version__, "threads": a.threads,
                      "steps": a.steps, "tokens_per_s": B * T * a.steps / s, "s_per_step": s / a.steps}))


if __name__ == "__main__":
    main()

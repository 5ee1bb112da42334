#!/usr/bin/env python3
"""The PyTorch side of scripts/gpu-check.sh (issue 12): the same models and sizes as
`udlab-cli bench --device cuda`, timed the same way (training steps only: forward, backward, AdamW,
after warm-up steps, on uniformly random tokens of a 65-symbol vocabulary, Tiny Shakespeare's).

  bench_torch.py --udlab-flags                 the configs as "name<TAB>udlab-cli bench flags" lines
  bench_torch.py --device cuda --out FILE      time every config in PyTorch, one JSON line each
  bench_torch.py --report DIR ...              the Markdown report from DIR's raw files

This is PyTorch as a user would write it, not a tuned kernel: torch.linalg.matrix_exp with autograd
for group-rnn (complex d×d for U(d), where udlab uses realified 2d×2d real matrices), nn.LSTM (cuDNN),
a chunked scan for the LRU, and F.scaled_dot_product_attention for the transformer. group-transformer
has no PyTorch twin here. torch is imported only when timing.
"""
import argparse
import json
import math
import os
import sys
import time

VOCAB = 65
# name, udlab-cli flags, PyTorch builder arguments. The benchmark configs.
CONFIGS = [
    ("group-rnn O(32) B256 T256", "--model group-rnn --group o --d 32 --embed 64 --batch 256 --seq-len 256",
     dict(kind="grnn", group="o", d=32, m=64, B=256, T=256)),
    ("group-rnn O(64) B64 T128", "--model group-rnn --group o --d 64 --embed 64 --batch 64 --seq-len 128",
     dict(kind="grnn", group="o", d=64, m=64, B=64, T=128)),
    ("group-rnn U(32) B64 T128", "--model group-rnn --group u --d 32 --embed 64 --batch 64 --seq-len 128",
     dict(kind="grnn", group="u", d=32, m=64, B=64, T=128)),
    ("group-rnn O(87) m64 B32 T128", "--model group-rnn --group o --d 87 --embed 64 --batch 32 --seq-len 128",
     dict(kind="grnn", group="o", d=87, m=64, B=32, T=128)),
    ("lru H256 N256 L4 B32 T1024", "--model lru --hidden 256 --state 256 --layers 4 --batch 32 --seq-len 1024",
     dict(kind="lru", H=256, N=256, L=4, B=32, T=1024)),
    ("lru H256 N256 L4 B4 T16384", "--model lru --hidden 256 --state 256 --layers 4 --batch 4 --seq-len 16384",
     dict(kind="lru", H=256, N=256, L=4, B=4, T=16384)),
    ("lstm H1024 B32 T128", "--model lstm --hidden 1024 --embed 64 --batch 32 --seq-len 128",
     dict(kind="lstm", H=1024, m=64, B=32, T=128)),
    ("transformer L6 W384 B64 T256", "--model transformer --layers 6 --hidden 384 --heads 6 --batch 64 --seq-len 256",
     dict(kind="transformer", L=6, W=384, heads=6, B=64, T=256)),
    ("group-transformer L4 B32 T128", "--model group-transformer --layers 4 --batch 32 --seq-len 128", None),
]


def build(torch, cfg, dev):
    nn, F = torch.nn, torch.nn.functional

    class GroupRnn(nn.Module):  # h_{t+1} = h_t exp(Π(mat(W x_t) + U h_t + B)), logits = R vec(h) + c
        def __init__(s, group, d, m):
            super().__init__()
            s.d, s.cplx = d, group == "u"
            dt = torch.cfloat if s.cplx else torch.float
            s.emb = nn.Embedding(VOCAB, m)
            s.W = nn.Linear(m, d * d * (2 if s.cplx else 1))
            s.U = nn.Parameter(0.01 * torch.randn(d, d, dtype=dt))
            s.head = nn.Linear(d * d * (2 if s.cplx else 1), VOCAB)

        def forward(s, tok):
            B, T = tok.shape
            x = s.W(s.emb(tok))
            if s.cplx:
                x = torch.view_as_complex(x.view(B, T, s.d, s.d, 2))
            else:
                x = x.view(B, T, s.d, s.d)
            h = torch.eye(s.d, dtype=x.dtype, device=x.device).expand(B, s.d, s.d)
            outs = []
            for t in range(T):
                a = x[:, t] + s.U @ h
                xi = 0.5 * (a - a.transpose(-1, -2).conj())
                h = h @ torch.linalg.matrix_exp(xi)
                outs.append(torch.view_as_real(h).flatten(1) if s.cplx else h.flatten(1))
            return s.head(torch.stack(outs, 1))

    class Lru(nn.Module):  # pre-norm residual LRU blocks with a GELU-GLU, as core/models/lru
        def __init__(s, H, N, L):
            super().__init__()
            s.emb = nn.Embedding(VOCAB, H)
            s.blocks = nn.ModuleList()
            for _ in range(L):
                b = nn.Module()
                b.norm = nn.LayerNorm(H)
                r = torch.rand(N) * (0.999 ** 2 - 0.9 ** 2) + 0.9 ** 2
                b.nu_log = nn.Parameter(torch.log(-0.5 * torch.log(r)))
                b.theta_log = nn.Parameter(torch.log(torch.rand(N) * 2 * math.pi))
                b.B = nn.Parameter(torch.randn(N, H, dtype=torch.cfloat) / math.sqrt(2 * H))
                b.C = nn.Parameter(torch.randn(H, N, dtype=torch.cfloat) / math.sqrt(N))
                b.D = nn.Parameter(torch.randn(H))
                b.glu = nn.Linear(H, 2 * H)
                s.blocks.append(b)
            s.norm, s.head = nn.LayerNorm(H), nn.Linear(H, VOCAB)

        @staticmethod
        def scan(lam, v, chunk=64):  # x_t = λ x_{t-1} + v_t: closed form inside chunks, carry across
            B, T, N = v.shape
            c = min(chunk, T)
            v = v.view(B, T // c, c, N)
            p = lam ** torch.arange(1, c + 1, device=v.device).unsqueeze(-1)  # λ^{j+1}
            inside = torch.cumsum(v / p, 2) * p  # exact in exact arithmetic; |λ|^-64 stays small
            outs, carry = [], torch.zeros(B, N, dtype=v.dtype, device=v.device)
            for k in range(T // c):
                xk = inside[:, k] + p * carry.unsqueeze(1)
                outs.append(xk)
                carry = xk[:, -1]
            return torch.cat(outs, 1)

        def forward(s, tok):
            x = s.emb(tok)
            for b in s.blocks:
                u = b.norm(x)
                lam = torch.polar(torch.exp(-torch.exp(b.nu_log)), torch.exp(b.theta_log))
                gamma = torch.sqrt(1 - torch.abs(lam) ** 2)
                st = s.scan(lam, gamma * (u.to(torch.cfloat) @ b.B.T))
                y = F.gelu((st @ b.C.T).real + b.D * u)
                z = b.glu(y)
                x = x + z[..., : z.shape[-1] // 2] * torch.sigmoid(z[..., z.shape[-1] // 2:])
            return s.head(s.norm(x))

    class Lstm(nn.Module):
        def __init__(s, H, m):
            super().__init__()
            s.emb, s.rnn, s.head = nn.Embedding(VOCAB, m), nn.LSTM(m, H, batch_first=True), nn.Linear(H, VOCAB)

        def forward(s, tok):
            return s.head(s.rnn(s.emb(tok))[0])

    class Gpt(nn.Module):  # nanoGPT's Shakespeare config without dropout
        def __init__(s, L, W, heads, T):
            super().__init__()
            s.heads = heads
            s.tok, s.pos = nn.Embedding(VOCAB, W), nn.Embedding(T, W)
            s.blocks = nn.ModuleList()
            for _ in range(L):
                b = nn.Module()
                b.ln1, b.ln2 = nn.LayerNorm(W), nn.LayerNorm(W)
                b.qkv, b.proj = nn.Linear(W, 3 * W), nn.Linear(W, W)
                b.fc, b.out = nn.Linear(W, 4 * W), nn.Linear(4 * W, W)
                s.blocks.append(b)
            s.ln, s.head = nn.LayerNorm(W), nn.Linear(W, VOCAB)

        def forward(s, tok):
            B, T = tok.shape
            x = s.tok(tok) + s.pos(torch.arange(T, device=tok.device))
            for b in s.blocks:
                q, k, v = b.qkv(b.ln1(x)).view(B, T, 3, s.heads, -1).permute(2, 0, 3, 1, 4)
                if hasattr(F, "scaled_dot_product_attention"):
                    a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                else:  # torch < 2.0 (e.g. Debian's 1.13, for a CPU dry run)
                    w = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
                    w = w.masked_fill(torch.ones(T, T, dtype=torch.bool, device=w.device).triu(1), float("-inf"))
                    a = torch.softmax(w, -1) @ v
                x = x + b.proj(a.transpose(1, 2).reshape(B, T, -1))
                x = x + b.out(F.gelu(b.fc(b.ln2(x))))
            return s.head(s.ln(x))

    k = cfg["kind"]
    if k == "grnn":
        m = GroupRnn(cfg["group"], cfg["d"], cfg["m"])
    elif k == "lru":
        m = Lru(cfg["H"], cfg["N"], cfg["L"])
    elif k == "lstm":
        m = Lstm(cfg["H"], cfg["m"])
    else:
        m = Gpt(cfg["L"], cfg["W"], cfg["heads"], cfg["T"])
    return m.to(dev)


def time_config(torch, cfg, dev, steps, warmup):
    torch.manual_seed(1)
    model = build(torch, cfg, dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    B, T = cfg["B"], cfg["T"]
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    timed = 0.0
    for i in range(warmup + steps):
        tok = torch.randint(0, VOCAB, (B, T + 1), device=dev)
        sync()
        t0 = time.perf_counter()
        logits = model(tok[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), tok[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sync()
        if i >= warmup:
            timed += time.perf_counter() - t0
    out = {"tokens_per_s": B * T * steps / timed, "ms_per_step": 1000 * timed / steps, "batch": B, "seq_len": T,
           "steps": steps, "params": sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters()),
           "loss": float(loss)}
    if dev == "cuda":
        out["peak_mem_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
    return out


def bench(args):
    try:
        import torch  # only here: --udlab-flags and --report run without torch
    except ImportError as e:
        sys.exit("bench_torch.py: no PyTorch in this python3 (%s); the udlab side of the check is unaffected" % e)
    dev = args.device
    if dev == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_torch.py: torch %s sees no CUDA device" % torch.__version__)
    with open(args.out, "w") as f:
        for name, _, cfg in CONFIGS:
            rec = {"config": name, "torch": torch.__version__, "device": dev}
            if dev == "cuda":
                rec["gpu"] = torch.cuda.get_device_name(0)
            if cfg is None:
                rec["error"] = "no PyTorch twin in bench_torch.py"
            elif args.only and args.only not in name:
                continue
            else:
                if args.dry:
                    cfg = dict(cfg, B=2, T=min(cfg["T"], 128))
                try:
                    rec.update(time_config(torch, cfg, dev, args.steps, args.warmup))
                except Exception as e:  # one config's failure (e.g. out of memory) must not stop the rest
                    rec["error"] = ("%s: %s" % (type(e).__name__, e)).splitlines()[0][:300]
                if dev == "cuda":
                    torch.cuda.empty_cache()
                    torch.cuda.reset_peak_memory_stats()
            print(json.dumps(rec), flush=True)
            f.write(json.dumps(rec) + "\n")


def read_jsonl(path):
    if not os.path.exists(path):
        return {}
    rows = [json.loads(l) for l in open(path) if l.strip()]
    return {r.get("config"): r for r in rows}


def report(args):
    d = args.report
    ud, pt = read_jsonl(os.path.join(d, "bench-udlab.jsonl")), read_jsonl(os.path.join(d, "bench-torch.jsonl"))
    p = print
    p("# udlab GPU check\n")
    p("Written by scripts/gpu-check.sh; raw files beside this report (bench-*.jsonl, tests-gpu.xml/.log, "
      "nvidia-smi.txt, configure.log, build.log).\n")
    gpu = os.path.join(d, "gpu.csv")
    p("- GPU: " + (open(gpu).read().strip().splitlines()[-1] if os.path.exists(gpu) else "none found (no nvidia-smi)"))
    p("- build (configure + compile): %s s; whole check: %s s" % (args.build_s, args.total_s))
    p("- tests/gpu: " + ("all passed (ctest exit 0)" if args.tests_rc == "0" else
                         "**FAILURES** (ctest exit %s; see tests-gpu.log)" % args.tests_rc))
    log = os.path.join(d, "tests-gpu.log")
    if os.path.exists(log):
        lines = open(log).read().splitlines()
        skipped = sum(1 for l in lines if "Skipped" in l or "***Not Run" in l)
        summary = [l for l in lines if "tests passed" in l]
        p("- " + (summary[-1].strip() if summary else "no ctest summary") + "; %d reported skipped" % skipped)
    for n in filter(None, args.notes.splitlines()):
        p("- note: " + n)
    p("\n## Training throughput (tokens/s, forward + backward + AdamW)\n")
    p("| config | udlab CUDA | PyTorch CUDA | udlab / PyTorch | udlab ms/step | PyTorch ms/step |")
    p("|---|---:|---:|---:|---:|---:|")
    for name, _, _ in CONFIGS:
        u, t = ud.get(name, {}), pt.get(name, {})
        fu = "%.0f" % u["tokens_per_s"] if "tokens_per_s" in u else "error: " + u.get("error", "not run")
        ft = "%.0f" % t["tokens_per_s"] if "tokens_per_s" in t else "error: " + t.get("error", "not run")
        ratio = "%.2f×" % (u["tokens_per_s"] / t["tokens_per_s"]) if "tokens_per_s" in u and "tokens_per_s" in t else "–"
        mu = "%.1f" % u["ms_per_step"] if "ms_per_step" in u else "–"
        mt = "%.1f" % t["ms_per_step"] if "ms_per_step" in t else "–"
        p("| %s | %s | %s | %s | %s | %s |" % (name, fu, ft, ratio, mu, mt))
    p("\nGoals (issue 12): group-rnn ≥ 5× PyTorch at every group config; the LRU scan within 2× of its bytes "
      "at the measured bandwidth (needs the scan's own timing, not in this table).")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--udlab-flags", action="store_true")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--only", default="", help="time only configs whose name contains this")
    ap.add_argument("--dry", action="store_true", help="B = 2, T <= 128: checks that every model runs (e.g. on a CPU)")
    ap.add_argument("--out")
    ap.add_argument("--report")
    ap.add_argument("--tests-rc", default="?")
    ap.add_argument("--build-s", default="?")
    ap.add_argument("--total-s", default="?")
    ap.add_argument("--notes", default="")
    a = ap.parse_args()
    if a.udlab_flags:
        for name, flags, _ in CONFIGS:
            print("%s\t%s" % (name, flags))
    elif a.report:
        report(a)
    elif a.out:
        bench(a)
    else:
        ap.error("one of --udlab-flags, --out FILE or --report DIR")


if __name__ == "__main__":
    main()

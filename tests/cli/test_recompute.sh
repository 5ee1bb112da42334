#!/usr/bin/env bash
# Issue 15: a group-rnn trained with --recompute-chunk gives the same run, bit for bit, as one without it:
# every logged loss, gradient norm and telemetry value, the validation loss, and the checkpoint's weights
# and AdamW moments after 12 steps (2 layers, U(6), mixing, learned h0, T = 40 not a multiple of 16).
set -u
cli=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for k in 0 16; do
  "$cli" train --model group-rnn --group u --d 6 --mixing true --learn-h0 true --layers 2 --embed 16 --batch 4 \
    --seq-len 40 --steps 12 --log-every 1 --eval-every 6 --val-tokens 4096 --threads 2 --recompute-chunk $k --out "$tmp/r$k" --quiet \
    >/dev/null 2>"$tmp/err$k" || { echo "train --recompute-chunk $k failed: $(cat "$tmp/err$k")"; exit 1; }
done
python3 - "$tmp/r0" "$tmp/r16" <<'PY'
import json, struct, sys
a, b = sys.argv[1], sys.argv[2]
def records(d):
    out = []
    for line in open(d + "/metrics.jsonl"):
        r = json.loads(line)
        # wall-clock fields differ between any two runs
        out.append({k: v for k, v in r.items() if not any(s in k for s in ("time", "tokens_per_s", "wall", "elapsed"))})
    return out
ra, rb = records(a), records(b)
if len(ra) < 12 or ra != rb:
    diff = [k for x, y in zip(ra, rb) for k in x if x.get(k) != y.get(k)]
    sys.exit(f"metrics differ ({len(ra)} vs {len(rb)} records; fields {sorted(set(diff))[:8]})")
if not any("val_loss" in r for r in ra):
    sys.exit("no validation record")
def tensors(d):
    raw = open(d + "/checkpoint.safetensors", "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n]); body = raw[8 + n:]
    # train.accum holds the elapsed wall time, which differs between any two runs
    return {k: body[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in head.items()
            if k not in ("__metadata__", "train.accum")}
ta, tb = tensors(a), tensors(b)
bad = [k for k in ta if ta[k] != tb.get(k)]
if not ta or bad or ta.keys() != tb.keys():
    sys.exit(f"checkpoint tensors differ: {bad[:8]}")
print(f"identical: {len(ra)} metrics records, {len(ta)} checkpoint tensors")
PY

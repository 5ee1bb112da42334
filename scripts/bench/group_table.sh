#!/usr/bin/env bash
# Issue 15's table: group-rnn O(d) at B=32, T=128, m=64, 2 threads, for each d: udlab bench (tokens/s, the
# counted FLOP/s and their share of the GEMM peak measured in the same process) and, with --torch, the
# PyTorch reference (scripts/bench/torch_group_rnn.py, Debian's python3-torch) right after it, so each
# ratio comes from back-to-back runs (both with OMP_WAIT_POLICY=PASSIVE: torch uses libgomp too). Prints a markdown table and the load average before and after.
# STEPS (default 3) timed udlab steps per row below d = 64 (1 from d = 64 up). "per peak GFLOP/s" divides
# tokens/s × d³ by the GEMM peak read in the same process, which cancels the shared VM's speed drifting
# between rows (the peak read 105–196 GFLOP/s within one idle pass).
# usage: [STEPS=n] scripts/bench/group_table.sh path/to/udlab-cli [--torch] [d ...]
set -euo pipefail
cli=$1; shift
torch=0
if [ "${1:-}" = "--torch" ]; then torch=1; shift; fi
ds=("$@"); [ ${#ds[@]} -gt 0 ] || ds=(8 12 16 24 32 48 64 96 128)
here=$(cd "$(dirname "$0")" && pwd)
echo "load before: $(cat /proc/loadavg)"
echo "| d | udlab tokens/s | counted GFLOP/s | GEMM peak GFLOP/s | share of peak | tokens/s × d³ | tokens/s × d³ per peak GFLOP/s | PyTorch tokens/s | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for d in "${ds[@]}"; do
  steps=${STEPS:-3}; [ "$d" -ge 64 ] && steps=1
  j=$(OMP_WAIT_POLICY=PASSIVE "$cli" bench --model group-rnn --group o --d "$d" --embed 64 --batch 32 --seq-len 128 \
      --threads 2 --steps $steps --warmup 1 | tail -1)
  t='{}'
  if [ $torch = 1 ] && [ "$d" -le "${TORCH_MAX_D:-64}" ]; then  # one torch step at d = 128 takes minutes
    tw=1; [ "$d" -ge 48 ] && tw=0
    t=$(OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/torch_group_rnn.py" --d "$d" --steps 1 --warmup $tw | tail -1)
  fi
  /usr/bin/python3 - "$d" "$j" "$t" <<'PY'
import json, sys
d = int(sys.argv[1]); u = json.loads(sys.argv[2]); t = json.loads(sys.argv[3])
tok = u["tokens_per_s"]; tt = t.get("tokens_per_s")
print(f"| {d} | {tok:,.0f} | {u['gflops']:.1f} | {u['peak_gflops']:.1f} | {100*u['frac_of_peak']:.0f}% | {tok*d**3:.2e} | {tok*d**3/u['peak_gflops']:.2e} | "
      + (f"{tt:,.0f} | {tok/tt:.0f}× |" if tt else "– | – |"))
PY
done
echo "load after: $(cat /proc/loadavg)"

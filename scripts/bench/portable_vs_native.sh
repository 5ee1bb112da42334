#!/usr/bin/env bash
# Portable build (run-time AVX2/AVX-512 kernels, the default and the .deb) against a -DUDLAB_NATIVE=ON
# build on this machine (issue 13): `udlab-cli bench` for each model, the two binaries alternating,
# ROUNDS times, so that both see the same machine load. Prints the per-run tokens/s and a markdown table
# of medians with the portable/native ratio: by wall clock (bench's tokens_per_s) and by CPU time (tokens
# of all steps, warmup included, over the process's user+sys seconds: steadier on a loaded machine).
# Usage: portable_vs_native.sh NATIVE_CLI PORTABLE_CLI [ROUNDS (3)] [THREADS (1)]
set -euo pipefail
NATIVE=$1 PORTABLE=$2 ROUNDS=${3:-3} THREADS=${4:-1}
COMMON="--batch 32 --seq-len 128 --threads $THREADS --warmup 1 --dataset tinyshakespeare --no-peak"
TOKENS_PER_STEP=$((32 * 128))
MODELS=("lstm --embed 256 --hidden 256 --steps 4"
        "group-rnn --group o --d 16 --embed 64 --steps 20"
        "lru --hidden 128 --state 256 --layers 4 --steps 3"
        "transformer --hidden 128 --layers 2 --heads 4 --steps 4")
out=$(mktemp)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  for m in "${MODELS[@]}"; do
    # Alternate which binary goes first, so that neither always follows the other.
    if [ $((r % 2)) = 1 ]; then order="native portable"; else order="portable native"; fi
    for which in $order; do
      cli=$NATIVE
      [ "$which" = portable ] && cli=$PORTABLE
      # shellcheck disable=SC2086
      line=$(/usr/bin/time -f "%U %S" -o "$out.time" "$cli" bench --model $m $COMMON 2>/dev/null)
      tok=$(python3 -c "
import json, sys
j = json.loads(sys.argv[1]); u, s = map(float, open(sys.argv[2]).read().split()[-2:])
cpu_tok = $TOKENS_PER_STEP * (j['steps'] + 1) / (u + s)
print(j['model'], round(j['tokens_per_s'], 1), j.get('kernel_path', '?'), round(cpu_tok, 1))" "$line" "$out.time")
      echo "round $r $which $tok" | tee -a "$out"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, r, which, model, tok, path, cpu = line.split()
    runs.setdefault(model, {}).setdefault(which, []).append((float(tok), path, float(cpu)))
print("\n| model | native tokens/s | portable tokens/s | portable / native | native tokens per CPU-s | portable tokens per CPU-s | portable / native (CPU) |")
print("|---|---|---|---|---|---|---|")
for model, d in runs.items():
    med = lambda which, k: statistics.median(x[k] for x in d[which])
    n, p, nc, pc = med("native", 0), med("portable", 0), med("native", 2), med("portable", 2)
    print(f"| {model} | {n:,.0f} | {p:,.0f} ({d['portable'][0][1]}) | {p / n:.2f} | {nc:,.0f} | {pc:,.0f} | {pc / nc:.2f} |")
print(f"(medians of {len(d['native'])} runs each)")
EOF
rm -f "$out" "$out.time"

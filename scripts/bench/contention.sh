#!/usr/bin/env bash
# Issue 15, throughput under contention: for lstm, the nanoGPT-sized transformer and group-rnn O(16),
# `bench` solo, then two benches at once (2 threads each on the 2 cores), then one bench beside a busy
# non-udlab process (a shell spin loop), for each wait policy in POLICIES: `passive` (OMP_WAIT_POLICY=PASSIVE),
# `bounded` (GOMP_SPINCOUNT=$SPIN, default 100000: spin that long, then sleep), `spin` (libgomp's own default,
# UDLAB_OMP_REEXEC=0), `default` (whatever udlab-cli chooses). Prints tokens/s and each shared run's share of
# its solo figure.
# usage: [MODELS="lstm transformer group-rnn-o16"] [POLICIES="passive bounded spin"] [STEPS=6] [SPIN=100000]
#        scripts/bench/contention.sh path/to/udlab-cli
set -uo pipefail
cli=$1
tok() { python3 -c 'import json,sys; print(round(json.loads(sys.stdin.read().strip().splitlines()[-1])["tokens_per_s"]))'; }
declare -A cfg=(
  [lstm]="--model lstm --batch 32 --seq-len 128"
  [transformer]="--model transformer --layers 4 --hidden 128 --batch 12 --seq-len 64"
  [group-rnn-o16]="--model group-rnn --group o --d 16 --embed 64 --batch 32 --seq-len 128"
)
echo "load before: $(cat /proc/loadavg)"
echo "| model | policy | solo tokens/s | two at once (each) | share | beside a busy process | share |"
echo "|---|---|---|---|---|---|---|"
for m in ${MODELS:-lstm transformer group-rnn-o16}; do
  for policy in ${POLICIES:-passive bounded spin}; do
    case $policy in
      passive) env=(OMP_WAIT_POLICY=PASSIVE) ;;
      bounded) env=(GOMP_SPINCOUNT=${SPIN:-100000}) ;;
      spin) env=(UDLAB_OMP_REEXEC=0) ;;
      *) env=() ;;
    esac
    run() { env "${env[@]}" "$cli" bench ${cfg[$m]} --threads 2 --steps ${STEPS:-6} --warmup 1 --no-peak 2>/dev/null | tok; }
    solo=$(run)
    a=$(mktemp); b=$(mktemp)
    run > "$a" & p1=$!; run > "$b" & p2=$!; wait $p1 $p2
    pair="$(cat "$a")/$(cat "$b")"
    ( while :; do :; done ) & spin=$!
    busy=$(run)
    kill $spin
    rm -f "$a" "$b"
    python3 - "$m" "$policy" "$solo" "$pair" "$busy" <<'PY'
import sys
m, p, solo, pair, busy = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
x, y = (float(v) for v in pair.split("/"))
print(f"| {m} | {p} | {solo:,.0f} | {x:,.0f} / {y:,.0f} | {100*x/solo:.0f}% / {100*y/solo:.0f}% | {busy:,.0f} | {100*busy/solo:.0f}% |")
PY
  done
done
echo "load after: $(cat /proc/loadavg)"

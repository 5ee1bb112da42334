#!/usr/bin/env bash
# Before/after on a shared machine: OLD and NEW udlab-cli run group-rnn O(d) bench at the same time (1 thread
# each, B=32, T=128, m=64), so both see the same co-runners; CPU ms per step = task-clock of an N-step run
# minus a 1-step run (each also a simultaneous pair), so start-up cancels. Needs perf. R rounds per d.
# usage: scripts/bench/cpu_pair.sh OLD NEW N R d...
set -euo pipefail
old=$1 new=$2 N=$3 R=$4; shift 4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tc() { perf stat -x, -e task-clock -o "$1" "${@:2}" >/dev/null 2>&1; }
g() { grep task-clock "$1" | cut -d, -f1; }
echo "load before: $(cat /proc/loadavg)"
for d in "$@"; do
  args=(bench --model group-rnn --group o --d "$d" --embed 64 --batch 32 --seq-len 128 --threads 1 --warmup 1 --no-peak)
  for r in $(seq "$R"); do
    tc "$tmp/o1" "$old" "${args[@]}" --steps "$N" & tc "$tmp/n1" "$new" "${args[@]}" --steps "$N" & wait
    tc "$tmp/o0" "$old" "${args[@]}" --steps 1 & tc "$tmp/n0" "$new" "${args[@]}" --steps 1 & wait
    python3 -c "o=($(g "$tmp/o1")-$(g "$tmp/o0"))/($N-1); n=($(g "$tmp/n1")-$(g "$tmp/n0"))/($N-1); print('d=$d round $r: old %.2f new %.2f CPU ms/step, new/old %.3f' % (o, n, n/o))"
  done
done
echo "load after: $(cat /proc/loadavg)"

#!/usr/bin/env bash
# Reproduces the training results quoted in the issues' closing notes. Usage:
#   scripts/experiments.sh [OUT_DIR] [quality|bench|all]
# "quality" trains the runs (results do not depend on machine load, wall times do);
# "bench" runs `udlab-cli bench` for the configurations the issues name (run it on an idle machine).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-experiments}"
WHAT="${2:-all}"
CLI=./build/app/udlab-cli
export UDLAB_DATA_DIR="${UDLAB_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
mkdir -p "$OUT"

train() {  # name, flags...
  local name=$1; shift
  rm -rf "$OUT/$name"
  local t0=$(date +%s.%N)
  "$CLI" train "$@" --threads 2 --out "$OUT/$name" --quiet | tee "$OUT/$name.summary"
  echo "wall_s $(echo "$(date +%s.%N) - $t0" | bc)" >>"$OUT/$name.summary"
}
width() {  # model flags... -> the matched width (hidden or d) for the budget in $BUDGET
  "$CLI" params "$@" --match "$BUDGET" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["total"], j["hidden"], j["d"])'
}

if [ "$WHAT" = quality ] || [ "$WHAT" = all ]; then
  # Issue 2: the reference LSTM run. Issue 4: the LRU at the same budget and step count.
  LM="--dataset tinyshakespeare --batch 32 --seq-len 128 --lr 2e-3 --steps 500 --eval-every 100 --log-every 25"
  train lstm500 --model lstm --hidden 256 --embed 256 $LM
  BUDGET=$(python3 -c "import json; print(json.load(open('$OUT/lstm500/run_info.json'))['params'])")
  read -r p h d < <(width --model lru --layers 4 --state 256 --dataset tinyshakespeare)
  train lru500 --model lru --layers 4 --state 256 --hidden "$h" $LM

  # Issue 4: long memory, copy with delay 200, four models at ~20k parameters, same steps and seed.
  COPY="--dataset copy --copy-k 10 --copy-delay 200 --batch 32 --steps 200 --lr 3e-3 --warmup 20 --eval-every 50 --log-every 25 --val-tokens 22100 --seed 1"
  BUDGET=20000
  read -r p h d < <(width --model lru --layers 1 --state 64 --dataset copy); train copy-lru --model lru --layers 1 --state 64 --hidden "$h" $COPY
  read -r p h d < <(width --model lstm --embed 32 --dataset copy); train copy-lstm --model lstm --embed 32 --hidden "$h" $COPY
  read -r p h d < <(width --model rnn-tanh --embed 32 --dataset copy); train copy-rnn-tanh --model rnn-tanh --embed 32 --hidden "$h" $COPY
  read -r p h d < <(width --model group-rnn --group o --embed 32 --dataset copy); train copy-group-rnn --model group-rnn --group o --embed 32 --d "$d" $COPY
fi

if [ "$WHAT" = bench ] || [ "$WHAT" = all ]; then
  B="--batch 32 --seq-len 128 --threads 2 --steps 10 --warmup 2 --dataset tinyshakespeare"
  {
    "$CLI" bench --model lstm --embed 256 --hidden 256 $B
    "$CLI" bench --model rnn-tanh --embed 256 --hidden 256 $B --no-peak
    "$CLI" bench --model group-rnn --group o --d 16 --embed 64 $B --no-peak
    "$CLI" bench --model group-rnn --group u --d 8 --embed 64 $B --no-peak
    "$CLI" bench --model group-transformer --group o --d 8 --layers 2 --heads 4 $B --no-peak
    "$CLI" bench --model transformer --hidden 128 --layers 2 --heads 4 $B --no-peak
    "$CLI" bench --model lru --hidden 128 --state 256 --layers 4 $B --no-peak
    UDLAB_LRU_SCAN=loop "$CLI" bench --model lru --hidden 128 --state 256 --layers 4 $B --no-peak
    "$CLI" bench --model lru --hidden 128 --state 256 --layers 4 --batch 32 --seq-len 1024 --threads 2 --steps 4 --warmup 1 --dataset tinyshakespeare --no-peak
    UDLAB_LRU_SCAN=loop "$CLI" bench --model lru --hidden 128 --state 256 --layers 4 --batch 32 --seq-len 1024 --threads 2 --steps 4 --warmup 1 --dataset tinyshakespeare --no-peak
  } | tee "$OUT/bench.jsonl"
fi

#!/usr/bin/env bash
# The main job on a default that works offline: a short LSTM training run on Tiny Shakespeare when
# its file is found ($UDLAB_DATA_DIR, ../shared/datasets or the user cache), else the copy task.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${UDLAB_DATA_DIR:-}" ] && [ -f ../shared/datasets/tinyshakespeare/input.txt ]; then
  export UDLAB_DATA_DIR="$(cd .. && pwd)/shared/datasets"
fi
exec ./build/app/udlab-cli train --model lstm --hidden 256 --embed 256 --batch 32 --seq-len 128 \
  --lr 2e-3 --steps 500 --eval-every 100 --log-every 25 "$@"

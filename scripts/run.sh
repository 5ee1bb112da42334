#!/usr/bin/env bash
# The main job: the udlab desktop app, training its default experiment at once (Tiny Shakespeare when
# its file is found via $UDLAB_DATA_DIR, ../shared/datasets or the user cache). Without a display it
# runs the same kind of training headless with udlab-cli (a synthetic task if the text is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${UDLAB_DATA_DIR:-}" ] && [ -f ../shared/datasets/tinyshakespeare/input.txt ]; then
  export UDLAB_DATA_DIR="$(cd .. && pwd)/shared/datasets"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/app/udlab ]; then
  exec ./build/app/udlab --train "$@"
fi
echo "no display: training headless with udlab-cli (open the run directory in udlab later)" >&2
exec ./build/app/udlab-cli train --model lstm --hidden 256 --embed 256 --batch 32 --seq-len 128 \
  --lr 2e-3 --steps 500 --eval-every 100 --log-every 25 "$@"

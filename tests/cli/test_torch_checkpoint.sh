#!/usr/bin/env bash
# Checkpoints load in Debian 12's PyTorch (1.13, python3-torch): python/udlab_torch.py loads tiny
# lstm, rnn-tanh, group-rnn (o; u with mixing and a learned h0; su; o reflected), lru and orth-rnn (o; u) runs trained on
# the bundled Tiny Shakespeare into nn.LSTM / nn.RNN and its reference modules (strict state_dict
# loading), and its loss must equal `udlab-cli eval` to 1e-5 relative. Skips (77) only where
# python3-torch is not installed (scripts/setup.sh installs it on Debian).
set -u
CLI=$1
HERE=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "SKIP: Debian's python3-torch is not installed (apt-get install python3-torch libopenblas0-pthread)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DATA=$(cd "$(dirname "$CLI")/.." && pwd)/share/udlab/datasets/tinyshakespeare/input.txt
[ -f "$DATA" ] || { echo "FAIL: bundled $DATA missing"; exit 1; }
common=(--dataset "$DATA" --batch 4 --seq-len 24 --steps 3 --lr 1e-2 --val-tokens 500 --threads 1 --quiet)
runs=(
  "lstm:--model lstm --hidden 24 --embed 12 --layers 2"
  "rnn-tanh:--model rnn-tanh --hidden 24 --embed 12"
  "group-o:--model group-rnn --group o --d 5 --embed 8 --layers 2"
  "group-u:--model group-rnn --group u --d 3 --embed 8 --mixing --learn-h0"
  "group-su:--model group-rnn --group su --d 3 --embed 8"
  "group-o-reflect:--model group-rnn --group o --d 4 --embed 8 --reflect"
  "group-o-variants:--model group-rnn --group o --d 4 --embed 8 --mixing --xi-bound 0.5 --readout token-xi"
  "lru:--model lru --hidden 16 --state 12 --layers 2"
  "orth-o:--model orth-rnn --group o --d 6 --embed 8 --layers 2"
  "orth-u-tanh:--model orth-rnn --group u --d 3 --embed 8 --orth-act tanh --orth-init cayley"
)
fails=0
dirs=()
for r in "${runs[@]}"; do
  name=${r%%:*}
  # shellcheck disable=SC2086
  "$CLI" train ${r#*:} "${common[@]}" --out "$T/$name" >/dev/null 2>"$T/$name.err" || { echo "FAIL: train $name"; cat "$T/$name.err"; fails=$((fails + 1)); continue; }
  "$CLI" eval --run "$T/$name" --max-tokens 3000 >"$T/$name.cli" || fails=$((fails + 1))
  dirs+=("$T/$name")
done
"$PY" "$HERE/python/udlab_torch.py" "${dirs[@]}" --data "$DATA" --max-tokens 3000 >"$T/torch.out" 2>"$T/torch.err" ||
  { echo "FAIL: udlab_torch.py"; cat "$T/torch.err"; exit 1; }
i=0
for d in "${dirs[@]}"; do
  i=$((i + 1))
  sed -n "${i}p" "$T/torch.out" >"$T/one.json"
  "$PY" - "$d" "$d.cli" "$T/one.json" <<'PYEOF' || fails=$((fails + 1))
import json, sys
cli, torch_ = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
rel = abs(cli["loss"] - torch_["loss"]) / abs(cli["loss"])
ok = rel <= 1e-5 and int(cli["tokens"]) == torch_["tokens"]
print(f"{'ok  ' if ok else 'FAIL'} {sys.argv[1].rsplit('/', 1)[1]:16s} udlab {cli['loss']:.8f}  torch {torch_['loss']:.8f}  rel {rel:.1e}  tokens {torch_['tokens']}")
sys.exit(0 if ok else 1)
PYEOF
done
[ $fails -eq 0 ] && echo "torch checkpoints: all runs match"
exit $((fails > 0))

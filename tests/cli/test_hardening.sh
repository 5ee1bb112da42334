#!/usr/bin/env bash
# Issue 16's defects found by fuzzing udlab-cli, as end-to-end regressions: divergence is a final state
# (never a crash or "internal error"), damaged numbers in run files are one-line errors, plot survives
# NaN, 1e308 on log axes, huge arrays and wrongly typed records, and a paused run still obeys SIGTERM.
# $1 = path to udlab-cli; UDLAB_DATA_DIR points at the datasets.
set -u
CLI="$1"
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
wait_for() {
  for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
  fail "timed out waiting for: $*"
}
state_is() { grep -q "\"state\": \"$1\"" "$2/status.json" 2>/dev/null; }
no_internal() { ! grep -q "internal error" "$tmp/err" || fail "$1: internal error: $(cat "$tmp/err")"; }

# 1. lr 100 on an LSTM: a validation perplexity near 1e224 used to overflow the progress line (SIGSEGV),
#    and ppl = inf an internal error. Now: a clean "diverged", exit 3, status.json final.
"$CLI" train --model lstm --hidden 32 --embed 32 --batch 4 --seq-len 32 --steps 200 --lr 100 --warmup 0 \
  --eval-every 50 --dataset copy --threads 2 --out "$tmp/div" >"$tmp/out" 2>"$tmp/err"
rc=$?
no_internal "divergence"
[ $rc -eq 3 ] || [ $rc -eq 0 ] || fail "divergence run exit $rc: $(tail -3 "$tmp/err")"
if [ $rc -eq 3 ]; then
  state_is diverged "$tmp/div" || fail "status after divergence: $(cat "$tmp/div/status.json")"
  grep -q "diverged" "$tmp/err" || fail "divergence message"
fi

# 2. Numbers in config.json out of range: one line naming the file and the key.
small="--model rnn-tanh --hidden 16 --embed 8 --dataset copy --batch 4 --threads 1 --quiet"
"$CLI" train $small --steps 4 --log-every 2 --eval-every 2 --out "$tmp/run" >/dev/null 2>&1 || fail "train"
cp "$tmp/run/config.json" "$tmp/config.good"
python3 - "$tmp/run/config.json" <<'PY'
import sys; p = sys.argv[1]; s = open(p).read()
open(p, "w").write(s.replace('"val_tokens": 65536', '"val_tokens": 1e999'))
PY
for cmd in "eval --run $tmp/run" "sample --run $tmp/run --length 5" "train --resume $tmp/run --quiet"; do
  "$CLI" $cmd >"$tmp/out" 2>"$tmp/err" && fail "$cmd accepted val_tokens 1e999"
  no_internal "$cmd"
  grep -q "config.json" "$tmp/err" || fail "$cmd: error does not name config.json: $(cat "$tmp/err")"
done
cp "$tmp/config.good" "$tmp/run/config.json"

# 3. threads 2147483647 is clamped to the machine's cores, with a note (not 481 GB for libgomp).
sed -i 's/"threads": 1/"threads": 2147483647/' "$tmp/run/config.json"
timeout 120 "$CLI" train --resume "$tmp/run" --steps 6 >"$tmp/out" 2>"$tmp/err" || fail "resume with huge threads: $(cat "$tmp/err")"
grep -q "clamped" "$tmp/err" || fail "no clamp note: $(cat "$tmp/err")"
cp "$tmp/config.good" "$tmp/run/config.json"

# 4. Unvalidated optimiser settings and dropout a model ignores are refused up front.
for bad in "--min-lr-frac -5" "--beta1 1.5" "--beta2 -1" "--eps 0" "--model lstm --dropout 0.2" "--model group-rnn --dropout 0.2"; do
  "$CLI" train $small $bad --steps 2 --out "$tmp/bad" >"$tmp/out" 2>"$tmp/err" && fail "accepted $bad"
  no_internal "$bad"
  rm -rf "$tmp/bad"
done

# 5. SIGTERM while paused: the run stops (cancelled, with a checkpoint) instead of ignoring it.
"$CLI" train $small --steps 10000000 --log-every 10 --eval-every 0 --out "$tmp/pause" >/dev/null 2>&1 &
pid=$!
wait_for state_is running "$tmp/pause"
"$CLI" control "$tmp/pause" pause >/dev/null || fail "pause"
wait_for state_is paused "$tmp/pause"
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "SIGTERM ignored while paused"
pid=""
state_is cancelled "$tmp/pause" || fail "status after SIGTERM while paused: $(cat "$tmp/pause/status.json")"

# 6. plot on damaged metrics: NaN/null values, 1e308 on a log axis, a 100,000-element array, an event
#    record with wrongly typed fields, a step of 1e300. Each renders (skipping what it cannot draw) or
#    gives one line, within the timeout; never a crash or hang.
mkrun() { mkdir -p "$tmp/p/$1"; cp "$tmp/config.good" "$tmp/p/$1/config.json"; cat >"$tmp/p/$1/metrics.jsonl"; }
mkrun nan <<'J'
{"step": 2, "train_loss": null, "grad_norm": null}
{"step": 4, "train_loss": 1.5, "grad_norm": 1e308, "val_loss": null, "val_ppl": null}
{"step": 6, "train_loss": 1e308, "grad_norm": 1e-320, "grad_norms": {"w": 1e308}}
J
python3 - "$tmp/p" <<'PY'
import json, os, sys
d = sys.argv[1]
def write(name, recs):
    os.makedirs(f"{d}/{name}", exist_ok=True)
    with open(f"{d}/{name}/metrics.jsonl", "w") as f:
        for r in recs: f.write(json.dumps(r) + "\n")
big = [1.0] * 100000
write("big", [{"step": 2, "train_loss": 1.0, "profiles": {"h_norm": big}, "eigenvalues": {"W": [[0.5, 0.1]] * 100000}}])
write("eig", [{"step": 2, "train_loss": 1.0, "eigenvalues": {"W": [[(i % 997) / 997.0, (i % 991) / 991.0] for i in range(60000)]}}])
write("event", [{"step": 2, "train_loss": 1.0}, {"step": 3, "event": "edit", "reason": 5, "changes": {"lr": {"from": "x", "to": "y"}}, "wall_time": "z"}])
write("step", [{"step": 1e300, "train_loss": 1.0}, {"step": -5, "train_loss": 2.0}, {"step": 4, "train_loss": 1.0}])
write("prof", [{"step": 2, "train_loss": 1.0, "profiles": {"h_norm": [1e308, -1e308, None, 0, 1e-320]}, "eigenvalues": {"W": [[1e308, 1e308], [None, 1]]}, "scalars": {"r_min": 1e308, "r_max": None}}])
PY
for r in nan big eig event step prof; do
  [ -f "$tmp/p/$r/config.json" ] || cp "$tmp/config.good" "$tmp/p/$r/config.json"
  for chart in all eigen grad; do
    timeout 60 "$CLI" plot --run "$tmp/p/$r" --chart $chart --out "$tmp/p/$r-$chart.png" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "plot $r --chart $chart: exit $rc $(tail -2 "$tmp/err")"
    no_internal "plot $r"
  done
done
echo "ok"

#!/usr/bin/env bash
# Issue 16: udlab-cli plot on damaged run files (found by fuzzing) renders what it can or gives one
# line, within a timeout: never a crash, hang or "internal error".
# $1 = path to udlab-cli; UDLAB_DATA_DIR points at the datasets.
set -u
CLI="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
no_internal() { ! grep -q "internal error" "$tmp/err" || fail "$1: internal error: $(cat "$tmp/err")"; }

small="--model rnn-tanh --hidden 16 --embed 8 --dataset copy --batch 4 --threads 1 --quiet"
"$CLI" train $small --steps 4 --log-every 2 --eval-every 2 --out "$tmp/run" >/dev/null 2>&1 || fail "train"
cp "$tmp/run/config.json" "$tmp/config.good"

# Damaged metrics: NaN/null values, 1e308 on a log axis, a 100,000-element array, an event record with
# wrongly typed fields, a step of 1e300, a torn status.json. Each renders (skipping what it cannot
# draw) or gives one line, within the timeout; never a crash or hang.
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
mkdir -p "$tmp/p/torn" && cp "$tmp/run/metrics.jsonl" "$tmp/p/torn/" && printf '{"state": "fini' >"$tmp/p/torn/status.json"
for r in nan big eig event step prof torn; do
  [ -f "$tmp/p/$r/config.json" ] || cp "$tmp/config.good" "$tmp/p/$r/config.json"
  for chart in all eigen grad; do
    timeout 60 "$CLI" plot --run "$tmp/p/$r" --chart $chart --out "$tmp/p/$r-$chart.png" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "plot $r --chart $chart: exit $rc $(tail -2 "$tmp/err")"
    no_internal "plot $r"
  done
done
# A torn status.json costs the state only: the run's curves are drawn, with a warning.
timeout 60 "$CLI" plot --run "$tmp/p/torn" --chart loss --out "$tmp/p/torn.png" >"$tmp/out" 2>"$tmp/err" ||
  fail "plot with a torn status.json: $(cat "$tmp/err")"
grep -q "status.json" "$tmp/err" || fail "no warning about the torn status.json: $(cat "$tmp/err")"
echo "ok"

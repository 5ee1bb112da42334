#!/usr/bin/env bash
# udlab-cli compare --preset lru-ladder on a tiny ListOps: seven rungs, each changing one option from the one
# above (the run's config.json says which), every rung trains to finite numbers with accuracy on the labels,
# the figure is written (Qt build), and listops on a non-recurrent model is a one-line error. A train run of
# listops writes the label-entropy baseline.
# $1 = udlab-cli.
set -u
CLI="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
common="--dataset listops --listops-max-depth 3 --listops-max-args 3 --listops-min-len 2 --listops-max-len 14
  --steps 4 --batch 4 --hidden 8 --state 4 --embed 8 --threads 2 --val-tokens 600 --r-min 0 --r-max 0.99 --glorot-radius 0.99"
"$CLI" compare --preset lru-ladder $common --out "$tmp/l" >"$tmp/l.md" 2>"$tmp/l.err" \
  || fail "compare lru-ladder: $(cat "$tmp/l.err")"
python3 - "$tmp/l" <<'PY' || fail "ladder table"
import csv, json, math, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/compare.csv")))
assert len(rows) == 7, rows
assert "val accuracy" in open(d + "/compare.md").read()
keys = ("recurrence", "lru_param", "lru_init", "lru_gamma")
prev = None
for i, r in enumerate(rows):
    assert r["status"] == "finished", r
    acc, loss = float(r["val_accuracy"]), float(r["val_loss"])
    assert 0 <= acc <= 1 and math.isfinite(loss) and loss > 0, r
    slug = ["tanh", "linear", "diag", "exp", "stable-exp", "ring", "gamma"][i]
    cfg = json.load(open(f"{d}/runs/{i + 1}-{slug}/config.json"))
    rung = tuple(cfg[k] for k in keys)
    assert cfg["glorot_radius"] == 0.99, cfg  # the base flags reach every rung
    if prev is not None:
        assert sum(a != b for a, b in zip(rung, prev)) == 1, (prev, rung)  # exactly one change per rung
    prev = rung
assert prev == ("linear", "stable-exp", "ring", True), prev
PY
# --rungs runs a subset (the paper's four named rungs, say) crossed with seeds; points keep their rung numbers.
"$CLI" compare --preset lru-ladder --rungs gamma,tanh --grid seed=1,2 $common --steps 2 --out "$tmp/r" >"$tmp/r.md" \
  2>"$tmp/r.err" || fail "compare --rungs: $(cat "$tmp/r.err")"
[ "$(ls "$tmp/r/runs" | tr '\n' ' ')" = "1-tanh_seed-1 1-tanh_seed-2 7-gamma_seed-1 7-gamma_seed-2 " ] \
  || fail "--rungs points: $(ls "$tmp/r/runs")"
grep -q "Over seeds" "$tmp/r/compare.md" || fail "--rungs: no table over seeds"
[ -s "$tmp/r/compare.png" ] || grep -q "built without Qt" "$tmp/r.err" || fail "--rungs: no figure: $(cat "$tmp/r.err")"
if "$CLI" compare --preset lru-ladder --rungs tanh,lstm $common --out "$tmp/x" 2>"$tmp/e"; then fail "--rungs lstm accepted"; fi
grep -q "unknown rung 'lstm' (rungs: tanh,linear,diag,exp,stable-exp,ring,gamma)" "$tmp/e" || fail "--rungs error: $(cat "$tmp/e")"
[ ! -e "$tmp/x" ] || fail "--rungs error left $tmp/x behind"
# sweep cancel stops a compare pool too (its command line says compare, not sweep): no point starts after it.
"$CLI" compare --preset lru-ladder --rungs tanh,linear,ring $common --steps 1000000 --eval-every 1000 --parallel 1 \
  --threads 1 --out "$tmp/c" >/dev/null 2>"$tmp/c.err" &
pool=$!
for _ in $(seq 300); do grep -q '"pid"' "$tmp/c/runs/1-tanh/status.json" 2>/dev/null && break; sleep 0.1; done
"$CLI" sweep cancel "$tmp/c" >"$tmp/cancel" 2>&1 || fail "cancel compare: $(cat "$tmp/cancel")"
grep -q "stopped the sweep's pool (pid $pool)" "$tmp/cancel" || fail "cancel of a compare pool said: $(cat "$tmp/cancel")"
wait "$pool"
[ ! -e "$tmp/c/runs/2-linear" ] || fail "a point started after sweep cancel: $(cat "$tmp/c.err")"
# A Qt-less udlab-cli has no figure renderer and says so; every other build must write the figure.
[ -s "$tmp/l/compare.png" ] || grep -q "built without Qt" "$tmp/l.err" || fail "no figure: $(cat "$tmp/l.err")"
"$CLI" train $common --model lstm --hidden 8 --out "$tmp/t" --quiet 2>"$tmp/t.err" || fail "listops lstm: $(cat "$tmp/t.err")"
python3 -c "
import json, math
b = json.load(open('$tmp/t/run_info.json'))['baseline_loss']
assert 0 < b < math.log(10), b" || fail "listops baseline_loss"
if "$CLI" train $common --model transformer --out "$tmp/y" 2>"$tmp/e"; then fail "listops transformer accepted"; fi
grep -q "recurrent model" "$tmp/e" || fail "transformer error: $(cat "$tmp/e")"
echo "cli lru-ladder: all checks passed"

#!/usr/bin/env bash
# udlab-cli compare at a tiny budget on a tiny corpus (the first 30 kB of Tiny Shakespeare, copied into a
# temporary directory): both table files exist, every trained row has finite numbers, parameter counts
# are those of `params`, and bad requests are one-line errors. $1 = udlab-cli; UDLAB_DATA_DIR is set.
set -u
CLI="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
src="${UDLAB_DATA_DIR:?UDLAB_DATA_DIR must point at the datasets}/tinyshakespeare/input.txt"
[ -f "$src" ] || fail "missing $src"
head -c 30000 "$src" >"$tmp/tiny.txt"
common="--dataset $tmp/tiny.txt --steps 6 --batch 4 --seq-len 16 --threads 2 --val-tokens 2000"

# Checks a compare output directory: $1 dir, $2 expected number of rows, $3 number that must have trained.
check_table() {
  python3 - "$1" "$2" "$3" <<'PY' || fail "table check for $1"
import csv, math, sys
d, nrows, ntrained = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = list(csv.DictReader(open(d + "/compare.csv")))
assert len(rows) == nrows, rows
md = open(d + "/compare.md").read()
trained = [r for r in rows if r["status"] == "finished"]
assert len(trained) >= ntrained, [(r["label"], r["status"]) for r in rows]
for r in rows:
    assert r["label"] in md, r["label"]
    if r["status"].startswith("skipped"):
        continue
    assert r["status"] == "finished", r
    for k in ("params", "val_ppl", "val_bpc", "tokens_per_s", "wall_s"):
        v = float(r[k])
        assert math.isfinite(v) and v > 0, (r["label"], k, r[k])
    assert abs(float(r["val_bpc"]) - math.log2(float(r["val_ppl"]))) < 1e-4, r
PY
}

"$CLI" compare --preset paper-table --budget 20000 $common --out "$tmp/paper" >"$tmp/paper.md" 2>"$tmp/paper.err" \
  || fail "compare paper-table: $(cat "$tmp/paper.err")"
[ -s "$tmp/paper/compare.md" ] && [ -s "$tmp/paper/compare.csv" ] || fail "missing table files"
cmp -s "$tmp/paper.md" "$tmp/paper/compare.md" || fail "printed Markdown differs from compare.md"
# The figure, or (a Qt-less udlab-cli has no renderer) the one line saying why.
[ -s "$tmp/paper/compare.png" ] || grep -q "built without Qt" "$tmp/paper.err" || fail "no compare.png: $(cat "$tmp/paper.err")"
# lstm, transformer and group-transformer are always built in; group-rnn rows train when it is registered.
check_table "$tmp/paper" 5 3
for m in "group-rnn O(d)" "group-rnn O(d) + mixing" "group-transformer O(d)" lstm transformer; do
  grep -q "^| $m |" "$tmp/paper/compare.md" || fail "row $m missing"
done
# The transformer row's count is what `params` reports for the chosen width.
python3 - "$tmp/paper/compare.csv" >"$tmp/tf_args" <<'PY' || fail "csv"
import csv, sys
r = [r for r in csv.DictReader(open(sys.argv[1])) if r["model"] == "transformer"][0]
print(r["match_value"], r["params"])
PY
read -r tf_hidden tf_params <"$tmp/tf_args"
"$CLI" params --model transformer --hidden "$tf_hidden" --max-len 16 --dataset "$tmp/tiny.txt" --json >"$tmp/p.json" || fail "params"
python3 -c "import json,sys; assert json.load(open('$tmp/p.json'))['total'] == $tf_params" || fail "params disagree with compare"

"$CLI" compare --groups o,u,torus,blockdiag:2 --model group-transformer --budget 15000 $common --heads 2 \
  --out "$tmp/groups" >/dev/null 2>"$tmp/groups.err" || fail "compare --groups: $(cat "$tmp/groups.err")"
check_table "$tmp/groups" 4 4

# Bad requests: one line on stderr, non-zero exit.
expect_error() {
  local want="$1"; shift
  if "$@" >"$tmp/out" 2>"$tmp/err"; then fail "expected failure: $*"; fi
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one error line for '$*', got: $(cat "$tmp/err")"
  grep -q -- "$want" "$tmp/err" || fail "error for '$*' does not mention '$want': $(cat "$tmp/err")"
}
expect_error "exactly one of" "$CLI" compare $common --out "$tmp/x"
expect_error "needs --budget" "$CLI" compare --preset paper-table $common --out "$tmp/x"
expect_error "unknown preset" "$CLI" compare --preset nope --budget 100 $common --out "$tmp/x"
expect_error "unknown group" "$CLI" compare --groups o,nope --model group-transformer --budget 15000 $common --out "$tmp/x"
expect_error "group model" "$CLI" compare --groups o --model lstm $common --out "$tmp/x"
echo "cli compare: all checks passed"

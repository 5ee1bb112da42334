#!/usr/bin/env bash
# udlab-cli end to end: train → eval → sample → resume, params/bench output, and one-line errors with
# non-zero exits for bad input. $1 = path to udlab-cli; UDLAB_DATA_DIR points at the datasets.
set -u
CLI="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Runs a command that must fail: non-zero exit and exactly one line on stderr containing $1.
expect_error() {
  local want="$1"; shift
  local err
  if "$@" >"$tmp/out" 2>"$tmp/err"; then fail "expected failure: $*"; fi
  err=$(cat "$tmp/err")
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one error line for '$*', got: $err"
  grep -q -- "$want" "$tmp/err" || fail "error for '$*' does not mention '$want': $err"
}

small="--model lstm --hidden 32 --embed 16 --batch 4 --seq-len 16 --val-tokens 2000 --threads 2"
"$CLI" train $small --steps 12 --log-every 4 --eval-every 6 --out "$tmp/run" --quiet >"$tmp/train.out" || fail "train"
grep -q "finished 12 steps" "$tmp/train.out" || fail "train summary: $(cat "$tmp/train.out")"
[ "$(wc -l <"$tmp/run/metrics.jsonl")" -eq 4 ] || fail "metrics lines (steps 4, 6, 8, 12)"
grep -q '"state": "finished"' "$tmp/run/status.json" || fail "status"

"$CLI" eval --run "$tmp/run" --max-tokens 500 >"$tmp/eval.json" || fail "eval"
python3 - "$tmp/eval.json" <<'PY' || fail "eval json"
import json, math, sys
j = json.loads(open(sys.argv[1]).read())
assert all(k in j for k in ("loss", "bpc", "ppl", "tokens")), j
assert math.isclose(j["bpc"], j["loss"] / math.log(2), rel_tol=1e-9) and math.isclose(j["ppl"], math.exp(j["loss"]), rel_tol=1e-9)
assert j["tokens"] == 499, j   # every token of the first 500 but the first is predicted once
PY
"$CLI" sample --run "$tmp/run" --prompt "ROMEO:" --length 40 --temperature 0.8 --seed 3 >"$tmp/s1" || fail "sample"
"$CLI" sample --run "$tmp/run" --prompt "ROMEO:" --length 40 --temperature 0.8 --seed 3 >"$tmp/s2" || fail "sample"
cmp -s "$tmp/s1" "$tmp/s2" || fail "sampling with one seed is not reproducible"
grep -q "^ROMEO:" "$tmp/s1" || fail "sample does not start with the prompt"

# Resume with more steps continues the same directory.
"$CLI" train --resume "$tmp/run" --steps 16 --quiet >/dev/null || fail "resume"
grep -q '"step": 16' "$tmp/run/status.json" || fail "resumed status"

"$CLI" params --model lstm --hidden 256 --embed 256 --vocab 65 | grep -q "rnn.weight_hh_l0 *1024x256 *262144" || fail "params table"
"$CLI" params --model lstm --embed 64 --vocab 65 --match 100000 --json >"$tmp/match.json" || fail "match"
python3 -c "import json,sys; j=json.load(open('$tmp/match.json')); assert abs(j['total']-100000)<=2000, j" || fail "match within 2%"
"$CLI" bench --model rnn-tanh --hidden 32 --embed 16 --batch 4 --seq-len 16 --steps 3 --warmup 1 --no-peak >"$tmp/bench.json" || fail "bench"
python3 -c "import json; j=json.load(open('$tmp/bench.json')); assert j['tokens_per_s']>0 and j['params']>0 and j['gflops']>0, j" || fail "bench json"

# Bad input: one line, non-zero exit, nothing created.
expect_error "unknown flag --bogus" "$CLI" train --bogus 3
expect_error "unknown model" "$CLI" train --model nosuch --out "$tmp/x1"
expect_error "bad value" "$CLI" train --hidden abc --out "$tmp/x2"
echo '{"hidden": 32, "nosuchkey": 1}' >"$tmp/bad.json"
expect_error "nosuchkey" "$CLI" train --config "$tmp/bad.json" --out "$tmp/x3"
echo '{"hidden": ' >"$tmp/broken.json"
expect_error "not valid JSON" "$CLI" train --config "$tmp/broken.json" --out "$tmp/x4"
# tinyshakespeare is bundled (tests/cli/test_bundled_data.sh); ptb is download-only, so it can be missing.
expect_error "ptb.train.txt" env -u UDLAB_DATA_DIR XDG_CACHE_HOME=/nonexistent "$CLI" train --dataset ptb --data-dir /nonexistent --out "$tmp/x5" --steps 1
expect_error "available" "$CLI" train --model lstm --hidden 20000 --layers 2 --embed 16 --out "$tmp/x6"
expect_error "already holds a run" "$CLI" train $small --steps 1 --out "$tmp/run"
head -c 100 "$tmp/run/checkpoint.safetensors" >"$tmp/trunc" && cp "$tmp/trunc" "$tmp/run/checkpoint.safetensors"
expect_error "truncated" "$CLI" eval --run "$tmp/run"
expect_error "not a udlab run directory" "$CLI" eval --run "$tmp"
for d in x1 x2 x3 x4 x5 x6; do [ ! -e "$tmp/$d" ] || fail "a failed start left $d behind"; done
echo "cli train/eval/sample/params/bench: all checks passed"

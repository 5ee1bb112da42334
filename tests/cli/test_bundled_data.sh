#!/usr/bin/env bash
# A fresh machine (issue 13): no network, no cache, empty HOME, XDG_CACHE_HOME and UDLAB_DATA_DIR.
# Tiny Shakespeare comes from the copy bundled with udlab (build/share/udlab/datasets beside the
# executable): `data list` says "bundled", `data verify` checks it, training 3 steps and `eval` work,
# while ptb stays missing and names the fetch command.
set -u
CLI=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/home" "$T/cache" "$T/data"
export HOME=$T/home XDG_CACHE_HOME=$T/cache UDLAB_DATA_DIR=$T/data
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$CLI" data list >"$T/list" || fail "data list"
grep -q "tinyshakespeare/input.txt *bundled: .*share/udlab/datasets/tinyshakespeare/input.txt" "$T/list" ||
  { fail "data list does not say bundled"; cat "$T/list"; }
"$CLI" data verify tinyshakespeare >"$T/verify" || { fail "bundled copy fails verify"; cat "$T/verify"; }
grep -q "^ok .*share/udlab/datasets/tinyshakespeare/input.txt" "$T/verify" || fail "verify did not check the bundled copy"

"$CLI" train --dataset tinyshakespeare --model lstm --hidden 16 --embed 8 --batch 4 --seq-len 16 \
  --steps 3 --val-tokens 2000 --threads 1 --out "$T/run" >"$T/train.out" 2>"$T/train.err" ||
  { fail "3 steps on tinyshakespeare"; cat "$T/train.err"; }
grep -q "using the copy bundled with udlab" "$T/train.err" || fail "train does not say it uses the bundled copy"
grep -q '"state": *"finished"' "$T/run/status.json" || fail "run not finished"
"$CLI" eval --run "$T/run" --max-tokens 2000 >"$T/eval" 2>"$T/eval.err" || { fail "eval"; cat "$T/eval.err"; }
python3 -c 'import json,sys,math; j=json.load(open(sys.argv[1])); assert j["tokens"]>0 and math.isfinite(j["loss"])' "$T/eval" ||
  fail "eval output"

# A file in a data directory still wins over the bundled copy.
mkdir -p "$T/data/tinyshakespeare"
printf 'To be, or not to be, that is the question.\n' >"$T/data/tinyshakespeare/input.txt"
"$CLI" data list | grep -q "tinyshakespeare/input.txt *$T/data/tinyshakespeare/input.txt" || fail "data directory does not win"

"$CLI" train --dataset ptb --steps 1 >"$T/ptb.out" 2>"$T/ptb.err" && fail "ptb trained without files"
grep -q "ptb.train.txt not found.*udlab-cli data fetch ptb" "$T/ptb.err" || { fail "ptb error"; cat "$T/ptb.err"; }

[ $fails -eq 0 ] && echo "bundled data: all checks passed"
exit $((fails > 0))

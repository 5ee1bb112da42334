#!/usr/bin/env bash
# Issue 10 headless: `udlab-cli plot --size` (PNG at a dpi, PDF page size, run labels in the figure),
# `train --label`, `udlab-cli lesson list|run|check` at a reduced budget (every claim of every lesson
# evaluated), and bad input (unknown size, unwritable path, a label with a newline, a bad lesson file).
# $1 = path to udlab-cli.
set -u
CLI="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$CLI" train --model lru --hidden 16 --state 16 --dataset copy --batch 4 --steps 40 --log-every 5 --eval-every 20 \
  --telemetry-every 10 --threads 1 --label "LRU ring, tiny" --out "$tmp/a" --quiet >/dev/null 2>&1 || fail "train a"
grep -q '"label": "LRU ring, tiny"' "$tmp/a/run_info.json" || fail "label not in run_info.json"
"$CLI" train --model group-rnn --group o --d 4 --dataset copy --batch 4 --steps 40 --log-every 5 --eval-every 20 \
  --telemetry-every 10 --threads 1 --out "$tmp/b" --quiet >/dev/null 2>&1 || fail "train b"

# A slide PNG at 100 dpi: 13.33 x 7.5 in -> 1333 x 750 pixels (PNG header, big-endian width/height).
"$CLI" plot --run "$tmp/a" --run "$tmp/b" --size slide --dpi 100 --out "$tmp/fig.png" >/dev/null || fail "plot png"
python3 - "$tmp/fig.png" <<'PY' || fail "png size"
import struct, sys
d = open(sys.argv[1], 'rb').read(24)
w, h = struct.unpack('>II', d[16:24])
assert abs(w - 1333) <= 2 and abs(h - 750) <= 2, (w, h)
PY
# PDF: the page is the requested size (column: 3.5 in wide = 252 pt).
"$CLI" plot --run "$tmp/a" --chart loss --size column --out "$tmp/fig.pdf" >/dev/null || fail "plot pdf"
grep -aqE "MediaBox \[0 0 252(\.0+)? 189(\.0+)?\]" "$tmp/fig.pdf" || fail "PDF page is not 252x189 pt: $(grep -ao 'MediaBox[^]]*]' "$tmp/fig.pdf" | head -1)"
# SVG: the label is in the legend, nothing elided.
"$CLI" plot --run "$tmp/a" --run "$tmp/b" --size 8x4.5in --out "$tmp/fig.svg" >/dev/null || fail "plot svg"
grep -q "LRU ring, tiny" "$tmp/fig.svg" || fail "run label missing from the figure"
grep -q "…" "$tmp/fig.svg" && fail "elided text in the SVG"

# Bad input: one clear line each, non-zero exit.
out=$("$CLI" plot --run "$tmp/a" --size poster --out "$tmp/x.png" 2>&1) && fail "unknown size accepted"
echo "$out" | grep -q "unknown size 'poster'" || fail "unknown size message: $out"
out=$("$CLI" plot --run "$tmp/a" --out "$tmp/no/such/dir/x.png" 2>&1) && fail "missing folder accepted"
echo "$out" | grep -q "cannot write" || fail "unwritable path message: $out"
out=$("$CLI" train --model lstm --dataset copy --steps 2 --label "two
lines" --out "$tmp/c" 2>&1) && fail "label with a newline accepted"
echo "$out" | grep -q "label must be one line" || fail "label message: $out"

# Lessons: the list; a bad lesson folder names the file and key and keeps the good lessons.
"$CLI" lesson list >"$tmp/list.txt" 2>&1 || fail "lesson list: $(cat "$tmp/list.txt")"
[ "$(grep -c '^[0-9]' "$tmp/list.txt")" -ge 6 ] || fail "fewer than 6 lessons: $(cat "$tmp/list.txt")"
mkdir "$tmp/lessons"
sed -n '1,$p' "$(dirname "$0")/../../resources/lessons/05-copy-task.json" >"$tmp/lessons/01-ok.json"
sed 's/"model": "lstm"/"model": "lstmx"/' "$tmp/lessons/01-ok.json" >"$tmp/lessons/02-bad.json"
out=$("$CLI" lesson list --dir "$tmp/lessons" 2>&1)
echo "$out" | grep -q "02-bad.json: runs\[1\].config.model: unknown model 'lstmx'" || fail "bad lesson message: $out"
echo "$out" | grep -q "01-ok" || fail "the good lesson did not load: $out"

# Every lesson at a reduced budget: each claim is evaluated (held or not), none is missing data.
for n in $(awk '/^[0-9]/ {print $2}' "$tmp/list.txt"); do
  "$CLI" lesson run "$n" --steps 6 --threads 1 --quiet --out "$tmp/lesson-$n" >"$tmp/$n.out" 2>&1
  rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "lesson $n at 6 steps: rc $rc: $(cat "$tmp/$n.out")"
  grep -q "\[??\]" "$tmp/$n.out" && fail "lesson $n: a claim was not evaluated: $(cat "$tmp/$n.out")"
  "$CLI" lesson check "$tmp/lesson-$n" >/dev/null 2>&1
  [ $? -eq $rc ] || fail "lesson check $n disagrees with lesson run"
done
echo "ok"

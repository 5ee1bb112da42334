#!/usr/bin/env bash
# udlab-cli sweep on the local launcher: a 2×2 grid trains one run directory per point (configs as the
# axes say, sweep.json atomic and complete, the summary built from the directory); a sweep file; a
# preset crossed with seeds; cancel of a running pool leaves no process behind and marks the points;
# a second trainer into a sweep's run is refused naming the holder's pid; resume finishes the rest;
# bad input (unknown axis, empty grid, existing directory, missing sbatch, sbatch refusing) gives one
# line and loses nothing. $1 = udlab-cli.
set -u
CLI="$1"
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
common="--dataset copy --hidden 16 --embed 8 --batch 4 --seq-len 16 --log-every 5 --val-tokens 512"

# 1. A grid: model × seed, 2 at once.
"$CLI" sweep --grid model=lstm,rnn-tanh seed=1,2 $common --steps 20 --eval-every 20 --parallel 2 --out "$tmp/grid" \
  >"$tmp/grid.md" 2>"$tmp/grid.err" || fail "grid sweep: $(cat "$tmp/grid.err")"
python3 - "$tmp/grid" <<'PY' || fail "grid sweep directory check"
import json, os, sys, csv, math
d = sys.argv[1]
s = json.load(open(d + "/sweep.json"))
assert s["format"] == "udlab-sweep" and [a["key"] for a in s["axes"]] == ["model", "seed"], s["axes"]
assert len(s["points"]) == 4, s["points"]
assert s["launcher"]["kind"] == "local" and s["launcher"]["parallel"] == 2, s["launcher"]
seen = set()
for p in s["points"]:
    run = d + "/" + p["run"]
    cfg = json.load(open(run + "/config.json"))
    ax = dict(p["axes"])
    assert cfg["model"] == ax["model"] and str(cfg["seed"]) == ax["seed"], (cfg["model"], cfg["seed"], ax)
    assert cfg["threads"] == 1, cfg["threads"]  # 2 runs at once on this machine's cores / 2 (CI: 2 cores)
    st = json.load(open(run + "/status.json"))
    assert st["state"] == "finished" and st["step"] == 20, st
    job = s["jobs"][p["name"]]
    assert job["exit"] == "exited with code 0" and job["pid"] > 0, job
    seen.add((ax["model"], ax["seed"]))
assert len(seen) == 4
rows = list(csv.DictReader(open(d + "/compare.csv")))
assert len(rows) == 4 and all(r["status"] == "finished" for r in rows), rows
for r in rows:
    assert math.isfinite(float(r["val_ppl"])) and float(r["tokens_per_s"]) > 0, r
# Same seed, same model: the sweep's run is the plain `train` run (the table reads that run's record).
PY
cmp -s "$tmp/grid.md" "$tmp/grid/compare.md" || fail "printed table differs from compare.md"
# The seed axis folds into mean ± std per model, from the same rows (val loss, first column).
python3 - "$tmp/grid" <<'PY' || fail "seed table: $(cat "$tmp/grid.md")"
import csv, re, statistics, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/compare.csv")))
md = open(d + "/compare.md").read()
assert "### Over seeds" in md
for model in ("lstm", "rnn-tanh"):
    # the copy task reports accuracy, so the tables give val loss and accuracy
    ppl = [float(r["val_loss"]) for r in rows if r["label"].startswith("model=%s " % model)]
    m = re.search(r"^\| model=%s \| 2 / 2 \| ([0-9.]+) ± ([0-9.]+) \|" % re.escape(model), md, re.M)
    assert m, md
    assert abs(float(m.group(1)) - statistics.mean(ppl)) < 2e-3 and abs(float(m.group(2)) - statistics.stdev(ppl)) < 2e-3, (m.groups(), ppl)
PY
"$CLI" sweep status "$tmp/grid" >"$tmp/st" || fail "sweep status"
grep -q "4 finished" "$tmp/st" || fail "status: $(cat "$tmp/st")"
# The run a sweep point trains is exactly `train` with that point's flags.
"$CLI" train $common --model rnn-tanh --seed 2 --steps 20 --eval-every 20 --threads 1 --quiet --out "$tmp/alone" >/dev/null 2>&1 \
  || fail "plain train"
python3 - "$tmp/alone/metrics.jsonl" "$tmp/grid/runs/model-rnn-tanh_seed-2/metrics.jsonl" <<'PY' || fail "sweep run differs from plain train"
import json, sys
a, b = ([json.loads(l) for l in open(f)] for f in sys.argv[1:])
last = lambda rs: [r for r in rs if "val_loss" in r][-1]["val_loss"]
assert abs(last(a) - last(b)) < 1e-9, (last(a), last(b))
PY

# 2. A sweep file and a preset crossed with seeds.
echo '{"base": {"model": "lstm", "steps": 10, "eval_every": 10}, "grid": {"hidden": [8, 12]}}' >"$tmp/sweep.json"
"$CLI" sweep --file "$tmp/sweep.json" --dataset copy --batch 4 --seq-len 16 --val-tokens 512 --out "$tmp/file" >/dev/null 2>"$tmp/err" \
  || fail "sweep --file: $(cat "$tmp/err")"
[ "$(grep -c '"hidden": 12' "$tmp/file/runs/hidden-12/config.json")" = 1 ] || fail "file sweep hidden=12"
"$CLI" sweep --preset groups --groups o,u --grid seed=1,2 --model group-rnn --d 4 --batch 4 --seq-len 16 --dataset copy \
  --val-tokens 512 --steps 6 --eval-every 6 --out "$tmp/preset" >/dev/null 2>"$tmp/err" || fail "preset sweep: $(cat "$tmp/err")"
python3 - "$tmp/preset" <<'PY' || fail "preset sweep check"
import json, sys
s = json.load(open(sys.argv[1] + "/sweep.json"))
assert [a["key"] for a in s["axes"]] == ["group", "seed"], s["axes"]
names = sorted(p["name"] for p in s["points"])
assert names == ["1-group-rnn-o_seed-1", "1-group-rnn-o_seed-2", "2-group-rnn-u_seed-1", "2-group-rnn-u_seed-2"], names
PY

# 3. Cancel: a pool of long runs, cancel, nothing left, resume.
"$CLI" sweep --grid seed=1,2,3 $common --steps 1000000 --eval-every 200 --parallel 2 --out "$tmp/long" >/dev/null 2>"$tmp/long.err" &
pool=$!
pids+=("$pool")
run1="$tmp/long/runs/seed-1"
for _ in $(seq 300); do grep -q '"pid"' "$run1/status.json" 2>/dev/null && break; sleep 0.1; done
grep -q '"pid"' "$run1/status.json" 2>/dev/null || fail "the sweep's first run did not start in 30 s: $(cat "$tmp/long.err")"
trainers=$(python3 -c "import json; s=json.load(open('$tmp/long/sweep.json')); print(' '.join(str(j['pid']) for j in s['jobs'].values() if 'pid' in j))")
"$CLI" sweep cancel "$tmp/long" >"$tmp/cancel" 2>&1 || fail "sweep cancel: $(cat "$tmp/cancel")"
grep -q "stopped the sweep's pool (pid $pool)" "$tmp/cancel" || fail "cancel said: $(cat "$tmp/cancel")"
kill -0 "$pool" 2>/dev/null && fail "the pool still runs after cancel"
for p in $trainers; do kill -0 "$p" 2>/dev/null && fail "trainer $p still runs after cancel"; done
"$CLI" sweep status "$tmp/long" >"$tmp/st"
grep -q "3 cancelled" "$tmp/st" && grep -Eq "seed-3 +cancelled 0/1000000: cancelled before it started" "$tmp/st" \
  || fail "status after cancel: $(cat "$tmp/st")"
[ -f "$run1/checkpoint.safetensors" ] || fail "cancelled run kept no checkpoint"
# Resume to a step past wherever the cancelled runs got: they continue from their checkpoints, the
# one never started trains from 0, and all finish.
last=$(cat "$tmp/long"/runs/*/metrics.jsonl | grep -o '"step":[0-9]*' | cut -d: -f2 | sort -n | tail -1)
target=$(( (last / 100 + 5) * 100 ))
"$CLI" sweep resume "$tmp/long" --parallel 2 --steps $target >/dev/null 2>"$tmp/err" || fail "sweep resume: $(cat "$tmp/err")"
"$CLI" sweep status "$tmp/long" >"$tmp/st"
grep -q "3 finished" "$tmp/st" && grep -Eq "seed-3 +finished $target/" "$tmp/st" || fail "after resume: $(cat "$tmp/st" "$tmp/err")"
head -1 "$run1/metrics.jsonl" | grep -q '"step":5[,}]' || fail "the resumed run's history does not start at step 5"

# 4. A second trainer into a sweep's run is refused naming the holder's pid; so is resuming a sweep
# whose pool still runs. kill -9 of the pool: its trainers stop too (the kernel sends them SIGTERM), nothing is orphaned,
# and status says how to go on.
"$CLI" sweep --grid seed=1,2,3 $common --steps 1000000 --eval-every 200 --parallel 2 --out "$tmp/killed" >/dev/null 2>&1 &
pool=$!
pids+=("$pool")
for _ in $(seq 300); do grep -q '"pid"' "$tmp/killed/runs/seed-2/status.json" 2>/dev/null && break; sleep 0.1; done
trainers=$(python3 -c "import json; s=json.load(open('$tmp/killed/sweep.json')); print(' '.join(str(j['pid']) for j in s['jobs'].values() if 'pid' in j))")
[ -n "$trainers" ] || fail "no trainers recorded"
run2="$tmp/killed/runs/seed-2"
holder=$(python3 -c "import json; print(json.load(open('$run2/status.json'))['pid'])")
out=$("$CLI" train --resume "$run2" --quiet 2>&1) && fail "a second trainer into a sweep run was allowed"
echo "$out" | grep -q "(pid $holder on" || fail "lock message does not name pid $holder: $out"
out=$("$CLI" sweep resume "$tmp/killed" 2>&1) && fail "resume of a running sweep was allowed"
echo "$out" | grep -q "still runs it" || fail "resume while running: $out"
kill -9 "$pool"
wait "$pool" 2>/dev/null
for p in $trainers; do
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && fail "trainer $p outlived its killed pool"
done
"$CLI" sweep status "$tmp/killed" >"$tmp/st"
grep -q "2 cancelled" "$tmp/st" && grep -Eq "seed-3 +pending.*its pool is gone; udlab-cli sweep resume" "$tmp/st" \
  || fail "status after kill -9 of the pool: $(cat "$tmp/st")"

# 5. Bad input: one line each, nothing created or lost.
expect_error() {
  local want="$1"; shift
  if "$@" >"$tmp/out" 2>"$tmp/err"; then fail "expected failure: $*"; fi
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one error line for '$*', got: $(cat "$tmp/err")"
  grep -q -- "$want" "$tmp/err" || fail "error for '$*' does not mention '$want': $(cat "$tmp/err")"
}
expect_error "unknown sweep axis 'colour'" "$CLI" sweep --grid colour=red,blue $common --out "$tmp/bad1"
[ -e "$tmp/bad1" ] && fail "a refused sweep created its directory"
expect_error "empty grid" "$CLI" sweep --grid $common --out "$tmp/bad2"
expect_error "empty grid" "$CLI" sweep $common --out "$tmp/bad2"
expect_error "has no values" "$CLI" sweep --grid seed= $common --out "$tmp/bad2"
expect_error "bad value" "$CLI" sweep --grid hidden=8,x $common --out "$tmp/bad2"
[ -e "$tmp/bad2" ] && fail "a refused sweep created its directory"
before=$(find "$tmp/grid" -type f | sort | xargs md5sum | md5sum)
expect_error "exists" "$CLI" sweep --grid seed=1 $common --steps 5 --out "$tmp/grid"
[ "$(find "$tmp/grid" -type f | sort | xargs md5sum | md5sum)" = "$before" ] || fail "an existing sweep directory was changed"
# sbatch missing (an empty PATH but for python-free basics) and sbatch refusing the job.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2\nexit 1\n' >"$tmp/bin/sbatch"
chmod +x "$tmp/bin/sbatch"
expect_error "sbatch not found on PATH" env PATH=/nonexistent "$CLI" sweep --launcher slurm --grid seed=1,2 $common --steps 5 --out "$tmp/nosb"
[ -e "$tmp/nosb" ] && fail "a sweep refused for a missing sbatch created its directory"
expect_error "sbatch refused the job: sbatch: error: Batch job submission failed: Invalid partition name" \
  env PATH="$tmp/bin:$PATH" "$CLI" sweep --launcher slurm --partition nope --grid seed=1,2 $common --steps 5 --out "$tmp/refused"
grep -q "sweep resume $tmp/refused --launcher slurm" "$tmp/err" || fail "the refusal does not say how to resubmit: $(cat "$tmp/err")"
grep -q '"error": "sbatch refused the job' "$tmp/refused/sweep.json" || fail "sweep.json does not record the refusal"
[ -f "$tmp/refused/points/seed-2.json" ] && [ -f "$tmp/refused/slurm/sweep.sbatch" ] || fail "the refused sweep lost its files"
echo "cli sweep: all checks passed"

#!/usr/bin/env bash
# The Slurm launcher against a real one-node Slurm cluster on localhost (scripts/slurm_local_cluster.sh:
# munged, slurmctld, slurmd from a generated slurm.conf in a temporary directory): a 3-point sweep of
# 20-step runs is submitted as one sbatch --array job, waited for, and every run directory and the
# summary are checked; a compare preset runs as a Slurm sweep; then a long sweep is cancelled with scancel. Skips (exit 77) only when the
# daemons cannot start, saying why. $1 = udlab-cli.
set -u
CLI="$1"
here="$(cd "$(dirname "$0")" && pwd)"
cluster="$here/../../scripts/slurm_local_cluster.sh"
tmp=$(mktemp -d)
trap '"$cluster" stop "$tmp/cluster" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; "$CLI" sweep status "$tmp/sweep" 2>&1 | head -20; tail -5 "$tmp/cluster/slurmctld.log" 2>/dev/null; exit 1; }
mkdir -p "$tmp/cluster"
t0=$(date +%s.%N)
if ! env_line=$("$cluster" start "$tmp/cluster" 2>"$tmp/why"); then
  echo "SKIP: no one-node Slurm cluster: $(cat "$tmp/why")"
  exit 77
fi
eval "$env_line"
echo "cluster up in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
common="--dataset copy --hidden 16 --embed 8 --batch 4 --seq-len 16 --log-every 5 --val-tokens 512"

# Budget: 120 s to wait (each run takes well under a second of CPU; the rest is Slurm's scheduling).
timeout 180 "$CLI" sweep --launcher slurm --cpus-per-task 1 --time 5 --mem 200M --grid model=lstm,rnn-tanh,lru $common \
  --steps 20 --eval-every 20 --out "$tmp/sweep" --wait --wait-timeout 120 >"$tmp/out.md" 2>"$tmp/err" \
  || fail "slurm sweep: $(cat "$tmp/err")"
grep -q "submitted Slurm array job" "$tmp/err" || fail "no submission line: $(cat "$tmp/err")"
python3 - "$tmp/sweep" <<'PY' || fail "slurm sweep directory check"
import csv, json, math, os, sys
d = sys.argv[1]
s = json.load(open(d + "/sweep.json"))
l = s["launcher"]
assert l["kind"] == "slurm" and l["job_id"].isdigit() and l["job_ids"] == [l["job_id"]], l
script = open(d + "/slurm/sweep.sbatch").read()
for opt in ("#SBATCH --array=0,1,2", "#SBATCH --cpus-per-task=1", "#SBATCH --time=5", "#SBATCH --mem=200M"):
    assert opt in script, opt
for i, p in enumerate(s["points"]):
    run = d + "/" + p["run"]
    st = json.load(open(run + "/status.json"))
    assert st["state"] == "finished" and st["step"] == 20, (p["name"], st)
    cfg = json.load(open(run + "/config.json"))
    assert cfg["model"] == dict(p["axes"])["model"] and cfg["threads"] == 1, cfg
    assert os.path.exists(run + "/checkpoint.safetensors"), run
    out = open(d + "/slurm/%s_%d.out" % (l["job_id"], i)).read()
    assert "finished 20 steps" in out, out
rows = list(csv.DictReader(open(d + "/compare.csv")))
assert [r["label"] for r in rows] == ["model=lstm", "model=rnn-tanh", "model=lru"], rows
for r in rows:
    assert r["status"] == "finished" and math.isfinite(float(r["val_ppl"])), r
PY
cmp -s "$tmp/out.md" "$tmp/sweep/compare.md" || fail "printed table differs from compare.md"
"$CLI" sweep status "$tmp/sweep" | grep -q "3 finished" || fail "status"

# A compare preset on the Slurm launcher: the table is built from the sweep directory once both end.
timeout 180 "$CLI" compare --groups o,u --model group-rnn --budget 3000 --launcher slurm $common --steps 10 \
  --out "$tmp/compare" --wait --wait-timeout 120 >"$tmp/cmp.md" 2>"$tmp/err" || fail "compare on slurm: $(cat "$tmp/err")"
python3 - "$tmp/compare/compare.csv" <<'PY' || fail "compare table from the Slurm sweep: $(cat "$tmp/cmp.md")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["group"] for r in rows] == ["o", "u"] and all(r["status"] == "finished" for r in rows), rows
assert all(abs(float(r["budget_error_pct"])) < 25 for r in rows), rows
PY

# Cancel: at most one task at a time, so one runs and two wait in Slurm's queue; status shows
# Slurm's state for those; scancel stops the running one (status cancelled, checkpoint kept).
"$CLI" sweep --launcher slurm --max-running 1 --grid seed=1,2,3 $common --steps 1000000 --eval-every 100 \
  --out "$tmp/long" 2>"$tmp/err" >/dev/null || fail "long slurm sweep: $(cat "$tmp/err")"
run1="$tmp/long/runs/seed-1"
for _ in $(seq 300); do [ -f "$run1/checkpoint.safetensors" ] && break; sleep 0.1; done
[ -f "$run1/checkpoint.safetensors" ] || fail "the first array task did not start in 30 s"
"$CLI" sweep status "$tmp/long" >"$tmp/st"
grep -Eq "seed-2 +PENDING" "$tmp/st" || fail "waiting task's Slurm state not shown: $(cat "$tmp/st")"
"$CLI" sweep cancel "$tmp/long" >"$tmp/c" 2>&1 || fail "sweep cancel: $(cat "$tmp/c")"
for _ in $(seq 100); do grep -q '"cancelled"' "$run1/status.json" && break; sleep 0.1; done
"$CLI" sweep status "$tmp/long" >"$tmp/st"
grep -q "3 cancelled" "$tmp/st" || fail "after scancel: $(cat "$tmp/st")"
# A cancelled task stays in the queue as CG (completing) until slurmd has reaped it: give it 15 s.
for _ in $(seq 150); do [ -z "$(squeue -h)" ] && break; sleep 0.1; done
[ -z "$(squeue -h)" ] || fail "jobs left in the queue 15 s after scancel: $(squeue -h)"
for p in $(pgrep -f "udlab-cli train"); do grep -q "$tmp" "/proc/$p/cmdline" 2>/dev/null && fail "trainer $p left running"; done
echo "cli sweep slurm: all checks passed in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"

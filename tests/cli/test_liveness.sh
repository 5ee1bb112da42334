#!/usr/bin/env bash
# Liveness of a run directory: a second process training into a directory is refused by its lock,
# naming the holder's pid; a kill -9'd run shows "stopped unexpectedly" in udlab-cli status (its
# status.json still says running) and resumes from its checkpoint. $1 = udlab-cli.
set -u
CLI="$1"
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run="$tmp/run"
args="--dataset copy --hidden 16 --embed 8 --batch 4 --threads 1 --log-every 5 --eval-every 20 --val-tokens 512"

"$CLI" train $args --steps 1000000 --out "$run" --quiet >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
for _ in $(seq 300); do [ -f "$run/checkpoint.safetensors" ] && grep -q '"pid"' "$run/status.json" 2>/dev/null && break; sleep 0.1; done
[ -f "$run/checkpoint.safetensors" ] || fail "no checkpoint after 30 s"
grep -q "\"pid\": $pid" "$run/status.json" || fail "status.json lacks the pid: $(cat "$run/status.json")"
grep -q '"heartbeat"' "$run/status.json" || fail "status.json lacks a heartbeat"

# A second trainer into the same directory (a resume, so the config is not what refuses it).
out=$("$CLI" train --resume "$run" --quiet 2>&1) && fail "a second trainer was allowed: $out"
echo "$out" | grep -q "already being trained by another process (pid $pid on" || fail "lock message: $out"
"$CLI" status "$run" | grep -q ": running at step" || fail "status of a live run: $("$CLI" status "$run")"

kill -9 "$pid"
wait "$pid" 2>/dev/null
grep -q '"state": "running"' "$run/status.json" || fail "expected the dead run's status.json to still say running"
st=$("$CLI" status "$run")
echo "$st" | grep -q "stopped unexpectedly" || fail "status after kill -9: $st"
echo "$st" | grep -q "train --resume" || fail "status does not say how to resume: $st"

# The lock died with its holder: the run resumes and finishes.
# The target lies past wherever the killed run got to (how far depends on the machine's speed).
last=$(grep -o '"step":[0-9]*' "$run/metrics.jsonl" | tail -n 1 | cut -d: -f2)
target=$(( (last / 100 + 10) * 100 ))
"$CLI" train --resume "$run" --steps $target --quiet >/dev/null 2>&1 || fail "resume after kill -9"
"$CLI" status "$run" | grep -q ": finished at step $target" || fail "after resume to $target: $("$CLI" status "$run")"
head -1 "$run/metrics.jsonl" | grep -q '"step":5[,}]' || fail "the resumed run's history does not start at step 5"
echo "ok"

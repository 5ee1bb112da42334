#!/usr/bin/env bash
# udlab-cli control steers a run another udlab-cli process is training, through its directory:
# edit, pause, resume and stop, each visible in status.json / metrics.jsonl; bad requests are refused.
# $1 = path to udlab-cli.
set -u
CLI="$1"
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Waits up to 60 s for a command to succeed.
wait_for() {
  for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
  fail "timed out waiting for: $*"
}
state_is() { grep -q "\"state\": \"$1\"" "$tmp/run/status.json" 2>/dev/null; }

"$CLI" train --model rnn-tanh --hidden 16 --embed 8 --dataset copy --batch 4 --steps 10000000 --log-every 10 \
  --eval-every 0 --threads 1 --out "$tmp/run" --quiet >"$tmp/train.out" 2>"$tmp/train.err" &
pid=$!
wait_for state_is running

"$CLI" control "$tmp/run" edit lr=0.0005 clip=1 >/dev/null || fail "edit"
wait_for grep -q '"event":"edit"' "$tmp/run/metrics.jsonl"
grep -q '"lr": 0.0005' "$tmp/run/config.json" || fail "config.json does not hold the edited lr"

"$CLI" control "$tmp/run" pause >/dev/null || fail "pause"
wait_for state_is paused
step=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$tmp/run/status.json")
sleep 0.5
state_is paused || fail "left the paused state by itself"
"$CLI" control "$tmp/run" step >/dev/null || fail "step"
"$CLI" control "$tmp/run" step >/dev/null || fail "step"
step_is() { [ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$tmp/run/status.json" 2>/dev/null)" = "$1" ]; }
wait_for step_is $((step + 2))
state_is paused || fail "a single step left the paused state"
"$CLI" control "$tmp/run" resume >/dev/null || fail "resume"
wait_for state_is running

"$CLI" control "$tmp/run" stop >/dev/null || fail "stop"
wait "$pid"
rc=$?
pid=""
[ "$rc" -eq 130 ] || fail "a stopped run exits 130, got $rc: $(cat "$tmp/train.err")"
state_is cancelled || fail "status after stop: $(cat "$tmp/run/status.json")"
grep -q "request: edit" "$tmp/train.err" || fail "the training process did not report the request"
[ -z "$(ls -A "$tmp/run/requests")" ] || fail "requests left behind"

# Refused: an impossible value, an unknown action, a directory that holds no run. Nothing is written.
if "$CLI" control "$tmp/run" edit lr=-1 2>"$tmp/err"; then fail "lr=-1 accepted"; fi
grep -q "lr" "$tmp/err" || fail "lr=-1 error: $(cat "$tmp/err")"
if "$CLI" control "$tmp/run" explode 2>"$tmp/err"; then fail "unknown action accepted"; fi
grep -q "explode" "$tmp/err" || fail "unknown action error: $(cat "$tmp/err")"
if "$CLI" control "$tmp" pause 2>"$tmp/err"; then fail "a non-run directory accepted"; fi
grep -q "not a run directory" "$tmp/err" || fail "non-run error: $(cat "$tmp/err")"
[ -z "$(ls -A "$tmp/run/requests")" ] || fail "a refused request was written"
echo "control: ok (paused at step $step, stepped twice)"

#!/usr/bin/env bash
# udlab-cli device selection as a user sees it: without a usable GPU, --device cuda is a one-line error
# (exit 1, no crash) and --device auto trains on the CPU and says so. Exits 77 (skipped) on a machine
# where CUDA works, since neither path can be exercised there.
set -u
CLI="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ARGS=(--model lstm --embed 8 --hidden 16 --batch 2 --seq-len 32 --steps 2 --dataset copy --eval-every 0)

"$CLI" train "${ARGS[@]}" --device cuda --out "$T/cuda" >"$T/cuda.out" 2>"$T/cuda.err"
rc=$?
if [ $rc -eq 0 ]; then
  echo "SKIP: --device cuda trained successfully here (a GPU is present)"
  exit 77
fi
if [ $rc -ne 1 ]; then
  echo "FAIL: --device cuda exited $rc (want 1: a clear error, not a crash)"; cat "$T/cuda.err"; exit 1
fi
if ! grep -q "^udlab-cli train: device cuda" "$T/cuda.err"; then
  echo "FAIL: --device cuda error is not the one-line device message:"; cat "$T/cuda.err"; exit 1
fi
if [ "$(wc -l <"$T/cuda.err")" -ne 1 ]; then
  echo "FAIL: --device cuda printed more than one line:"; cat "$T/cuda.err"; exit 1
fi

"$CLI" train "${ARGS[@]}" --device auto --out "$T/auto" >"$T/auto.out" 2>"$T/auto.err"
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: --device auto exited $rc"; cat "$T/auto.err"; exit 1
fi
if ! grep -q "device auto: CUDA unavailable (.*), using the CPU" "$T/auto.err"; then
  echo "FAIL: --device auto did not tell the user it fell back to the CPU:"; cat "$T/auto.err"; exit 1
fi
if ! grep -q "backend cpu" "$T/auto.err"; then
  echo "FAIL: --device auto did not train on the cpu backend:"; cat "$T/auto.err"; exit 1
fi
echo "ok: $(head -1 "$T/cuda.err")"
echo "ok: $(grep 'device auto' "$T/auto.err")"

#!/usr/bin/env bash
# Issue 10, labelled "lessons" (slow: about a minute per lesson on 2 idle cores): lessons 1, 2 and 5
# at their own full budget, and every claim must hold. Deterministic for a fixed seed and thread
# count, so a failure means the lesson's text no longer matches what its runs do.
# $1 = path to udlab-cli.
set -u
CLI="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 01-why-orthogonal 02-lru-ring-vs-glorot 05-copy-task; do
  start=$(date +%s)
  "$CLI" lesson run "$n" --threads 2 --quiet --out "$tmp/$n" >"$tmp/$n.out" 2>&1
  rc=$?
  cat "$tmp/$n.out"
  echo "($n: $(( $(date +%s) - start )) s)"
  [ $rc -eq 0 ] || { echo "FAIL: lesson $n: a claim did not hold (rc $rc)"; exit 1; }
done
echo ok

#!/usr/bin/env bash
# udlab-cli built without Qt: plot and data exit 2 with one stderr line saying Qt is needed; --help
# still lists them; the engine commands are all there.
set -u
CLI=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
for cmd in plot data; do
  "$CLI" $cmd --out x.png >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q "built without Qt" "$T/err"; then
    echo "FAIL: $cmd without Qt (rc=$rc)"; cat "$T/err"; fails=$((fails + 1))
  fi
done
"$CLI" --help >"$T/help"
for cmd in train eval sample bench params compare control plot data; do
  grep -q "^  $cmd " "$T/help" || { echo "FAIL: --help lacks $cmd"; fails=$((fails + 1)); }
done
[ $fails -eq 0 ] && echo "udlab-cli without Qt: all checks passed"
exit $((fails > 0))

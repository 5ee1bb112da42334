#!/usr/bin/env bash
# udlab-cli data list|fetch|verify: resolution order, a fetch from a file:// mirror, verification
# failures and one-line errors. (The HTTP path is covered by tests/datasets/test_download.cpp.)
set -u
CLI=$1
: "${UDLAB_DATA_DIR:?tests need UDLAB_DATA_DIR}"
SHARED=$UDLAB_DATA_DIR
T=$(mktemp -d)
srv=""
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$T"' EXIT
export HOME=$T/home XDG_CACHE_HOME=
unset UDLAB_DATA_DIR
fails=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if ! "$@"; then echo "FAIL: $what"; fails=$((fails + 1)); fi
}
# expect_error DESCRIPTION PATTERN CLI-ARGS...: non-zero exit, exactly one stderr line matching PATTERN
expect_error() {
  local what=$1 pat=$2; shift 2
  "$CLI" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 0 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q -- "$pat" "$T/err"; then
    echo "FAIL: $what (rc=$rc)"; cat "$T/err"; fails=$((fails + 1))
  fi
}

check "help" bash -c "'$CLI' data --help | grep -q 'data fetch NAME'"

# Resolution: --data-dir, then UDLAB_DATA_DIR, then the cache directory.
mkdir -p "$T/flag" "$HOME"
UDLAB_DATA_DIR=$SHARED "$CLI" data list --data-dir "$T/flag" >"$T/list" || { echo "FAIL: list"; fails=$((fails + 1)); }
check "list shows the search order" bash -c "grep -A3 'search directories' '$T/list' | tr -d ' ' | paste -sd' ' | grep -q '$T/flag $SHARED $HOME/.cache/udlab/datasets'"
check "list finds the shared file" grep -q "tinyshakespeare/input.txt *$SHARED/tinyshakespeare/input.txt" "$T/list"
check "list shows synthetic tasks" grep -q '^copy ' "$T/list"

check "verify shared tinyshakespeare" bash -c "UDLAB_DATA_DIR='$SHARED' '$CLI' data verify tinyshakespeare | grep -q '^ok  *tinyshakespeare/input.txt'"

# Fetch from a file:// mirror into the cache directory (no --data-dir, no UDLAB_DATA_DIR).
mkdir -p "$T/mirror/tinyshakespeare"
cp "$SHARED/tinyshakespeare/input.txt" "$T/mirror/tinyshakespeare/"
CACHE=$HOME/.cache/udlab/datasets
check "fetch" bash -c "'$CLI' data fetch tinyshakespeare --mirror 'file://$T/mirror' >'$T/fetch' 2>'$T/fetch.err'"
check "fetch reports the download" grep -q "downloaded: $CACHE/tinyshakespeare/input.txt" "$T/fetch"
check "fetched file is intact" cmp -s "$SHARED/tinyshakespeare/input.txt" "$CACHE/tinyshakespeare/input.txt"
check "no progress bar when not a terminal" test ! -s "$T/fetch.err"
check "second fetch skips" bash -c "'$CLI' data fetch tinyshakespeare --mirror 'file://$T/mirror' | grep -q 'already present'"

# A corrupt copy fails verification and is replaced by a forced fetch.
echo "corrupt" >>"$CACHE/tinyshakespeare/input.txt"
"$CLI" data verify tinyshakespeare >"$T/verify" 2>"$T/verify.err"
check "verify fails on a corrupt copy" test $? -ne 0
check "verify names the bad file" grep -q '^BAD  *tinyshakespeare/input.txt .*SHA-256 is' "$T/verify"
check "verify error is one line" test "$(wc -l <"$T/verify.err")" -eq 1
check "forced fetch repairs" bash -c "'$CLI' data fetch tinyshakespeare --force --mirror 'file://$T/mirror' >/dev/null && '$CLI' data verify tinyshakespeare >/dev/null"

# A corrupt mirror never replaces the good copy.
echo "corrupt" >"$T/mirror/tinyshakespeare/input.txt"
expect_error "bad download" "is not the expected file" data fetch tinyshakespeare --force --mirror "file://$T/mirror"
check "good copy kept" cmp -s "$SHARED/tinyshakespeare/input.txt" "$CACHE/tinyshakespeare/input.txt"

expect_error "missing file in mirror" "download of file://$T/mirror/ptb/ptb.train.txt failed" data fetch ptb --mirror "file://$T/mirror"
expect_error "incomplete ptb" "dataset 'ptb' is incomplete" data verify ptb --data-dir "$T/flag"
expect_error "unknown dataset" "unknown dataset 'shakespear'" data fetch shakespear
expect_error "synthetic has no files" "'copy' is generated from the seed" data fetch copy
expect_error "no name" "data fetch needs a dataset name" data fetch
expect_error "unknown option" "unknown option --frobnicate" data list --frobnicate
expect_error "unknown action" "unknown action 'grab'" data grab
expect_error "bad timeout" "--timeout must be a whole number" data fetch ptb --timeout 1.5
expect_error "bad mirror" "mirror 'nowhere' is not a URL" data fetch tinyshakespeare --force --mirror nowhere
expect_error "option value missing" "option --data-dir needs a value" data list --data-dir

# SIGTERM mid-download (issue 16): the partial file is removed, not left behind. A loopback HTTP server
# sends the headers and 1000 bytes of the 1.1 MB file, then holds the connection open.
python3 - "$T/port" <<'PY' &
import socket, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1115394\r\nConnection: close\r\n\r\n" + b"x" * 1000)
    threading.Thread(target=lambda c=c: (time.sleep(120), c.close()), daemon=True).start()
PY
srv=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
"$CLI" data fetch tinyshakespeare --data-dir "$T/sig" --mirror "http://127.0.0.1:$(cat "$T/port")" --timeout 60 \
  >/dev/null 2>&1 &
fetch=$!
part_exists() { [ -n "$(find "$T/sig/tinyshakespeare" -name 'input.txt.tmp-*' 2>/dev/null)" ]; }
for _ in $(seq 300); do part_exists && break; sleep 0.1; done
check "partial file appears during the fetch" part_exists
sleep 0.5  # the first bytes are in
kill -TERM $fetch
wait $fetch
check "SIGTERM ends the fetch as the signal would (exit 143)" test $? -eq 143
check "no partial file after SIGTERM" test -z "$(ls -A "$T/sig/tinyshakespeare" 2>/dev/null)"
kill $srv 2>/dev/null
srv=""

[ $fails -eq 0 ] && echo "test_data: all checks passed"
exit $((fails > 0))

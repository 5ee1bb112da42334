#!/usr/bin/env bash
# The sanitizer stage of CI (issue 16): a second tree, build-asan, compiled by clang-14 with
# -fsanitize=address,undefined (and libFuzzer's coverage hooks). Replays every fuzz corpus, then fuzzes
# each target for UDLAB_FUZZ_SECONDS (default 15). Any sanitizer report fails the stage.
# UDLAB_SANITIZE_SCOPE=fuzz (the default in CI): the fuzz targets that need no models (their readers
# compile on their own, ~3 CPU-minutes). =full: also core, udlab-cli, the core GoogleTest executables
# and fuzz_checkpoint, and runs the core and CLI tests under the sanitizers (the slowest, in SLOW
# below, are left to the main build); not yet timed on CI's machine, so not the default.
set -euo pipefail
cd "$(dirname "$0")/../.."
export UDLAB_DATA_DIR="${UDLAB_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
B=build-asan
JOBS="${UDLAB_JOBS:-$(nproc)}"
FUZZ_SECONDS="${UDLAB_FUZZ_SECONDS:-15}"

SAN="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS="$SAN" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DUDLAB_CUDA=OFF -DUDLAB_BUILD_GUI=OFF -DUDLAB_FUZZ=ON ${UDLAB_ASAN_CMAKE_ARGS:-} >/dev/null

SCOPE="${UDLAB_SANITIZE_SCOPE:-fuzz}"
fuzzers=$(sed -n 's/^set(UDLAB_FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
[ "$SCOPE" = full ] || fuzzers=$(echo $fuzzers | tr ' ' '\n' | grep -v '^checkpoint$')
targets="$(for f in $fuzzers; do echo fuzz_$f; done)"
if [ "$SCOPE" = full ]; then
  targets="$targets udlab-cli $(cd tests/core && ls test_*.cpp | sed 's/\.cpp$//' | grep -v -E '_bench$')"
fi
time cmake --build $B -j "$JOBS" --target $targets

# Qt's and fontconfig's one-time allocations are not ours (udlab-cli plot starts a QApplication).
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Slowest under the sanitizers (run in the main build only): the long training scripts and the
# finite-difference sweeps.
SLOW='NOT_BUILT|_bench|GroupRnnGradients|TransformerGradients'
if [ "$SCOPE" = full ]; then
  time ctest --test-dir $B --output-on-failure -j "${UDLAB_TEST_JOBS:-2}" --timeout 900 -R '^(cli_|fuzz_replay_|[A-Z])' -E "$SLOW"
else
  time ctest --test-dir $B --output-on-failure -j "${UDLAB_TEST_JOBS:-2}" --timeout 300 -R '^fuzz_replay_' -E checkpoint
fi

# Fuzz each target for a fixed time from its corpus; new inputs go to a scratch directory so that the
# repository's corpus only grows by hand (small regression files).
for f in $fuzzers; do
  scratch=$(mktemp -d)
  "$B/tests/fuzz/fuzz_$f" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch/" "$scratch" "tests/fuzz/corpus/$f" 2>&1 | tail -n 2
  rm -rf "$scratch"
done

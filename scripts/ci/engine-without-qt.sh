#!/usr/bin/env bash
# CI stage (issue 12): the engine without Qt. A second build tree, configured as if Qt 6 were absent
# (-DCMAKE_DISABLE_FIND_PACKAGE_Qt6=ON), must build core, the CUDA backend (when nvcc is found), the
# headless udlab-cli and tests/core + tests/gpu, and pass the tests that differ from the main tree's.
#
# Time: core and tests/core compile with exactly the main tree's flags, so with ccache (which
# scripts/setup.sh installs and the main build uses) they are cache hits; udlab-cli's objects (no Qt
# flags) are compiled afresh, and so is gpu/ + tests/gpu in CI, whose main tree is CPU-only (.ci/run). Every test is built and linked; the slowest core tests (gradient
# checks, loss-falls runs, long scans) and most CLI scripts, which the main tree already ran on the same
# objects, are not run again. tests/gpu and udlab-cli's train/without-Qt scripts always run.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${UDLAB_NOQT_BUILD_DIR:-build-noqt}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
data_dir=${UDLAB_DATA_DIR:-$(cd .. && pwd)/shared/datasets}
start=$(date +%s)
mkdir -p "$B"
# shellcheck disable=SC2086  # UDLAB_CMAKE_ARGS is a flag list, as in scripts/setup.sh
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_FIND_PACKAGE_Qt6=ON \
  -DUDLAB_TEST_DATA_DIR="$data_dir" "${launcher[@]}" ${UDLAB_CMAKE_ARGS:-} >"$B/configure.log" 2>&1 ||
  { cat "$B/configure.log"; exit 1; }
cmake --build "$B" -j "${UDLAB_JOBS:-$(nproc)}"
test -x "$B/app/udlab-cli" || { echo "engine-without-qt: udlab-cli was not built"; exit 1; }
if ldd "$B/app/udlab-cli" | grep -q "libQt6"; then
  echo "engine-without-qt: udlab-cli links Qt"; exit 1
fi
# Not run again: the slow core tests, and the CLI scripts whose commands are the same objects as the
# main tree's (sweeps, lessons, PyTorch interop, wait policy, hardening, ISA, recompute, ladder).
ctest --test-dir "$B" --output-on-failure -j "${UDLAB_TEST_JOBS:-2}" --timeout 900 \
  -E "FiniteDifferences|ThreadedShapes|ReducesTheLoss|LossFalls|TenThousand|ChunkedScanEqualsLoop|TanhCellForwardAndBackward|ExpAndAdjointAtEverySize|OrthRnnCopy|MemoryMargin|^cli_test_(control|compare|sweep|sweep_slurm|lessons_full|torch_checkpoint|omp_wait_policy|hardening|portable_binary|recompute|lru_ladder)$"
echo "engine-without-qt: built and tested in $(($(date +%s) - start)) s"

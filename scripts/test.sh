#!/usr/bin/env bash
# Runs the whole test suite (GoogleTest, CLI scripts, offscreen Qt tests) through CTest.
# Datasets come from $UDLAB_DATA_DIR, by default ../shared/datasets beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
export UDLAB_DATA_DIR="${UDLAB_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
ctest --test-dir build --output-on-failure -j "${UDLAB_TEST_JOBS:-2}" --timeout 900
./scripts/ci/engine-without-qt.sh
./scripts/ci/deb_package.sh   # the .deb: build, contents, install/upgrade, run from /usr/bin, remove (issue 13)
[ "${UDLAB_SANITIZE:-1}" = 0 ] || ./scripts/ci/sanitize.sh  # issue 16: fuzz targets under ASan/UBSan (docs/fuzzing.md)

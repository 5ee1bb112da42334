#!/usr/bin/env bash
# Builds the portable release .deb into BUILD_DIR (default build-deb): baseline x86-64 (-DUDLAB_NATIVE=OFF,
# hot kernels picked at run time by CPU feature) and no CUDA, so the package runs on any x86-64 Debian 12
# without the CUDA runtime. Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-deb}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUDLAB_NATIVE=OFF -DUDLAB_CUDA=OFF -DUDLAB_BUILD_TESTS=OFF \
  ${UDLAB_CMAKE_ARGS:-} >/dev/null
cmake --build "$B" -j "${UDLAB_JOBS:-$(nproc)}"
(cd "$B" && cpack -G DEB >/dev/null)
ls "$B"/udlab_*.deb

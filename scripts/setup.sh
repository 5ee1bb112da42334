#!/usr/bin/env bash
# Installs udlab's Debian 12 dependencies (with sudo when not root) and builds into ./build.
# Re-running is cheap: apt skips what is installed, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ninja-build pkg-config python3
          libeigen3-dev nlohmann-json3-dev libgtest-dev
          qt6-base-dev qt6-charts-dev qt6-svg-dev libgl1-mesa-dev
          xvfb xauth
          zlib1g-dev clang-14 libclang-rt-14-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# CUDA is optional: CMake's check_language(CUDA) finds nvcc (e.g. /usr/local/cuda) or builds CPU-only.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${UDLAB_CMAKE_ARGS:-}
cmake --build build -j "${UDLAB_JOBS:-$(nproc)}"

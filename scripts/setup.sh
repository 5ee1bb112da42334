#!/usr/bin/env bash
# Installs udlab's Debian 12 dependencies (with sudo when not root) and builds into ./build.
# Re-running is cheap: apt skips what is installed, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ninja-build pkg-config python3
          libeigen3-dev nlohmann-json3-dev libgtest-dev
          qt6-base-dev qt6-charts-dev qt6-svg-dev libgl1-mesa-dev
          xvfb xauth
          libxsmm-dev ccache
          zlib1g-dev clang-14 libclang-rt-14-dev lld-14)  # zlib: checkpoint CRC-32; clang, lld: fuzz/sanitizer stage (issue 16)
# install_missing [APT-OPTION...] -- PACKAGE...: apt-get installs those not installed yet.
install_missing() {
  local opts=() missing=() p
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  local SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${opts[@]}" "${missing[@]}"
}
install_missing -- "${PACKAGES[@]}"
# Test-only, without Recommends (libtorch-dev, …): the validators of the .deb test, and Debian's PyTorch
# for the checkpoint interop test (tests/cli/test_torch_checkpoint.sh) with an optimised BLAS. PyTorch
# pulls in ~200 packages (about 3.5 min here): UDLAB_NO_TORCH=1 skips it, and that test then skips.
install_missing --no-install-recommends -- desktop-file-utils appstream
# The Slurm launcher's test runs a one-node cluster (tests/cli/test_sweep_slurm.sh): 7 packages, ~22 s here.
install_missing --no-install-recommends -- slurmctld slurmd slurm-client munge
[ "${UDLAB_NO_TORCH:-0}" = 1 ] || install_missing --no-install-recommends -- python3-torch libopenblas0-pthread

# CUDA is optional: CMake's check_language(CUDA) finds nvcc (e.g. /usr/local/cuda) or builds CPU-only.
# ccache (when present) lets scripts/ci/engine-without-qt.sh's second tree reuse this tree's objects.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" ${UDLAB_CMAKE_ARGS:-}
cmake --build build -j "${UDLAB_JOBS:-$(nproc)}"

#!/usr/bin/env bash
# The whole GPU verification in one command (issue 12, docs/cuda.md), for a bare CUDA machine: nvcc,
# cmake, g++ and python3 (with torch for the PyTorch comparison), but no Qt, Eigen, apt or network.
#
#   scripts/gpu-check.sh --prepare   here, beforehand: copies Eigen, nlohmann-json and the GoogleTest
#                                    sources from this machine's Debian packages into .gpu-deps/
#   scripts/gpu-check.sh OUT_DIR     there: configures (CUDA, no Qt, sm_90), builds with all cores,
#                                    prints nvidia-smi, runs every test in tests/gpu, benchmarks
#                                    `udlab-cli bench --device cuda` and scripts/bench_torch.py on the
#                                    same configs, and writes OUT_DIR/report.md with the raw files beside it.
#
# Environment: UDLAB_GPU_ARCH (CMAKE_CUDA_ARCHITECTURES, default 90), UDLAB_GPU_DEPS (default
# .gpu-deps), UDLAB_GPU_BUILD (default build-gpu), UDLAB_GPU_BENCH_STEPS (timed steps, default 10).
# Nothing here needs Qt, apt or a network; a missing GPU, nvcc, ninja or torch is noted in the report.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS=${UDLAB_GPU_DEPS:-$ROOT/.gpu-deps}
BUILD=${UDLAB_GPU_BUILD:-$ROOT/build-gpu}
ARCH=${UDLAB_GPU_ARCH:-90}
STEPS=${UDLAB_GPU_BENCH_STEPS:-10}
say() { echo "gpu-check: $*"; }

prepare() {
  set -e
  local missing=()
  [ -f /usr/share/eigen3/cmake/Eigen3Config.cmake ] || missing+=(libeigen3-dev)
  [ -f /usr/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake ] || missing+=(nlohmann-json3-dev)
  [ -f /usr/src/googletest/CMakeLists.txt ] || missing+=(libgtest-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    say "--prepare copies Debian's packages, and these are not installed: ${missing[*]} (apt-get install them)"
    exit 2
  fi
  rm -rf "$DEPS"
  mkdir -p "$DEPS/include" "$DEPS/share/cmake"
  # The CMake package files locate their headers relative to themselves (../../..), so this tree is
  # a relocatable prefix: include/{eigen3,nlohmann}, share/eigen3/cmake, share/cmake/nlohmann_json.
  cp -r /usr/include/eigen3 /usr/include/nlohmann "$DEPS/include/"
  cp -r /usr/share/eigen3 "$DEPS/share/"
  cp -r /usr/share/cmake/nlohmann_json "$DEPS/share/cmake/"
  cp -r /usr/src/googletest "$DEPS/googletest"
  say "prepared $DEPS ($(du -sh "$DEPS" | cut -f1)); copy it along (the device tool: carry [\"${DEPS#"$ROOT"/}\"])"
}

[ $# -ge 1 ] || { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
case "$1" in
  --prepare) prepare; exit 0 ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) say "unknown option '$1' (--prepare, or an output folder)"; exit 2 ;;
esac
OUT=$(mkdir -p "$1" && cd "$1" && pwd) || { say "cannot create output folder '$1'"; exit 2; }
if [ ! -f "$DEPS/share/eigen3/cmake/Eigen3Config.cmake" ] || [ ! -f "$DEPS/googletest/CMakeLists.txt" ]; then
  say "dependency folder $DEPS is missing or incomplete: run 'scripts/gpu-check.sh --prepare' first on a" \
      "machine with Debian's libeigen3-dev, nlohmann-json3-dev and libgtest-dev, and copy .gpu-deps/ along"
  exit 2
fi
start=$(date +%s)
notes=()
note() { notes+=("$*"); say "$*"; }

# Toolchain: nvcc may live outside PATH; ninja is optional.
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
command -v nvcc >/dev/null || note "no nvcc: building without the CUDA backend (CPU path only)"
gen=(-G Ninja)
command -v ninja >/dev/null || { gen=(-G "Unix Makefiles"); note "no ninja: using make"; }
jobs=$(nproc)

say "configuring $BUILD (CUDA architectures $ARCH, no Qt)"
# shellcheck disable=SC2086  # UDLAB_CMAKE_ARGS is a flag list, as in scripts/setup.sh
cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DUDLAB_BUILD_GUI=OFF \
  -DCMAKE_CUDA_ARCHITECTURES="$ARCH" \
  -DEigen3_DIR="$DEPS/share/eigen3/cmake" -Dnlohmann_json_DIR="$DEPS/share/cmake/nlohmann_json" \
  -DUDLAB_GTEST_SOURCE_DIR="$DEPS/googletest" ${UDLAB_CMAKE_ARGS:-} >"$OUT/configure.log" 2>&1 ||
  { tail -30 "$OUT/configure.log"; say "configure failed (log: $OUT/configure.log)"; exit 1; }
say "building udlab-cli and tests/gpu with $jobs jobs"
cmake --build "$BUILD" -j "$jobs" --target udlab-cli udlab_gpu_tests >"$OUT/build.log" 2>&1 ||
  { tail -40 "$OUT/build.log"; say "build failed (log: $OUT/build.log)"; exit 1; }
build_s=$(($(date +%s) - start))
CLI=$BUILD/app/udlab-cli

if command -v nvidia-smi >/dev/null; then
  nvidia-smi 2>&1 | tee "$OUT/nvidia-smi.txt"
  nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,clocks.max.mem,driver_version --format=csv \
    >"$OUT/gpu.csv" 2>&1 || true
else
  note "no nvidia-smi on PATH"
fi

say "running tests/gpu"
ctest --test-dir "$BUILD/tests/gpu" --output-on-failure --timeout 300 --output-junit "$OUT/tests-gpu.xml" \
  2>&1 | tee "$OUT/tests-gpu.log"
tests_rc=${PIPESTATUS[0]}

say "benchmarks: udlab-cli bench --device cuda ($STEPS timed steps each)"
: >"$OUT/bench-udlab.jsonl"
while IFS=$'\t' read -r name flags; do
  # Word splitting of $flags is intended: it is a flag list from bench_torch.py --udlab-flags.
  # shellcheck disable=SC2086
  if line=$(timeout 90 "$CLI" bench --device cuda --no-peak --steps "$STEPS" --warmup 2 $flags 2>"$OUT/bench.err"); then
    python3 -c 'import json,sys; d=json.loads(sys.argv[2]); d["config"]=sys.argv[1]; print(json.dumps(d))' \
      "$name" "$line" >>"$OUT/bench-udlab.jsonl"
  else
    python3 -c 'import json,sys; print(json.dumps({"config": sys.argv[1], "error": sys.argv[2]}))' \
      "$name" "$(tail -1 "$OUT/bench.err")" >>"$OUT/bench-udlab.jsonl"
  fi
  say "  $name: $(tail -1 "$OUT/bench-udlab.jsonl")"
done < <(python3 "$ROOT/scripts/bench_torch.py" --udlab-flags)
rm -f "$OUT/bench.err"

say "benchmarks: PyTorch (scripts/bench_torch.py)"
timeout 300 python3 "$ROOT/scripts/bench_torch.py" --device cuda --steps "$STEPS" --out "$OUT/bench-torch.jsonl" \
  2>&1 | tee "$OUT/bench-torch.log" || note "bench_torch.py failed (log: bench-torch.log)"

python3 "$ROOT/scripts/bench_torch.py" --report "$OUT" --tests-rc "$tests_rc" --build-s "$build_s" \
  --total-s "$(($(date +%s) - start))" --notes "$(printf '%s\n' "${notes[@]+"${notes[@]}"}")" >"$OUT/report.md"
say "report: $OUT/report.md (total $(($(date +%s) - start)) s)"
exit "$tests_rc"

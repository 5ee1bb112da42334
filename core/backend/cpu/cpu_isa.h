// Which compiled copy of the CPU ops a CpuBackend runs: its "kernel path".
// A portable build (UDLAB_NATIVE=OFF, the default) compiles the hot CPU ops (core/backend/cpu/cpu_*_ops.cpp)
// three times: "baseline" (plain x86-64, runs anywhere), "avx2" (x86-64-v3: AVX2 + FMA) and "avx512"
// (x86-64-v4: AVX-512 F/BW/DQ/VL), and picks the best one this CPU supports at run time. A
// -DUDLAB_NATIVE=ON build compiles everything once with -march=native: its only path is "native".
// $UDLAB_ISA (baseline|avx2|avx512|native|auto) forces a path; an unknown or unsupported one is an error.
#pragma once
#include <string>
#include <vector>

namespace udlab {

// Paths compiled into this build, slowest first.
std::vector<std::string> cpu_kernel_paths_built();
// The subset this CPU can run (OS support for the wider registers included).
std::vector<std::string> cpu_kernel_paths_supported();
// The path for `requested` ("" or "auto": $UDLAB_ISA if set, else the best supported). Throws udlab::Error
// naming the choices when the path is unknown, not built, or not supported by this CPU.
std::string resolve_cpu_kernel_path(const std::string& requested = "");

}  // namespace udlab

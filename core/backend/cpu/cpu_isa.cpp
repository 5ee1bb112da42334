#include "core/backend/cpu/cpu_isa.h"

#include <algorithm>
#include <cstdlib>

#include "core/util/error.h"

namespace udlab {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
bool has_f16c() {
#if defined(__clang__) && __clang_major__ < 16
  // clang before 16 does not know "f16c" here (the sanitizer tree is built by clang-14, without the ISA
  // copies); every CPU with AVX2 and FMA has F16C, which came earlier (Ivy Bridge, Piledriver).
  return true;
#else
  return __builtin_cpu_supports("f16c");
#endif
}
#endif

bool cpu_runs(const std::string& path) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // libgcc's (and compiler-rt's) checks include the OS's XSAVE support for the wider registers.
  if (path == "avx2")
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2") &&
           has_f16c() && __builtin_cpu_supports("bmi");
  if (path == "avx512")
    return cpu_runs("avx2") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512cd");
#endif
  return path == "baseline" || path == "native";
}

}  // namespace

std::vector<std::string> cpu_kernel_paths_built() {
#if defined(UDLAB_CPU_ISA_VARIANTS)
  return {"baseline", "avx2", "avx512"};
#elif defined(UDLAB_CPU_NATIVE)
  return {"native"};
#else
  return {"baseline"};
#endif
}

std::vector<std::string> cpu_kernel_paths_supported() {
  std::vector<std::string> out;
  for (const auto& p : cpu_kernel_paths_built())
    if (cpu_runs(p)) out.push_back(p);
  return out;
}

std::string resolve_cpu_kernel_path(const std::string& requested) {
  std::string want = requested, origin = "kernel path ";
  if (want.empty() || want == "auto") {
    const char* env = std::getenv("UDLAB_ISA");
    want = env ? env : "";
    origin = "UDLAB_ISA=";
  }
  const auto supported = cpu_kernel_paths_supported();
  if (want.empty() || want == "auto") return supported.back();
  const auto built = cpu_kernel_paths_built();
  const std::vector<std::string> known = {"baseline", "avx2", "avx512", "native"};
  if (std::find(known.begin(), known.end(), want) == known.end())
    throw Error(origin + want + ": unknown CPU kernel path (choose auto, " + join(built) + ")");
  if (std::find(built.begin(), built.end(), want) == built.end())
    throw Error(origin + want + ": this build has only the " + join(built) + " kernel path" +
                (built.size() > 1 ? "s" : "") +
                (built == std::vector<std::string>{"native"} ? " (built with -DUDLAB_NATIVE=ON)" : ""));
  if (std::find(supported.begin(), supported.end(), want) == supported.end())
    throw Error(origin + want + ": this CPU cannot run the " + want + " kernels (it runs " + join(supported) + ")");
  return want;
}

}  // namespace udlab

#include "core/backend/cpu/cpu_backend.h"

#include "core/backend/cpu/cpu_isa.h"

#include <omp.h>

#include <Eigen/Core>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace udlab {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? int(hw) : 1;
}

template <class S>
CpuBackend<S>::CpuBackend(int threads, const std::string& kernel_path)
    : threads_(resolve_threads(threads)), kernel_path_(resolve_cpu_kernel_path(kernel_path)) {
#define UDLAB_MAKE_CPU_OPS(ns)                              \
  do {                                                      \
    this->dense_ = ns::make_cpu_dense_ops<S>(threads_);     \
    this->rnn_ = ns::make_cpu_rnn_ops<S>(threads_);         \
    this->group_ = ns::make_cpu_group_ops<S>(threads_);     \
    this->lru_ = ns::make_cpu_lru_ops<S>(threads_);         \
    this->attention_ = ns::make_cpu_attention_ops<S>(threads_); \
  } while (0)
#if defined(UDLAB_CPU_ISA_VARIANTS)
  if (kernel_path_ == "avx512") UDLAB_MAKE_CPU_OPS(isa_avx512);
  else if (kernel_path_ == "avx2") UDLAB_MAKE_CPU_OPS(isa_avx2);
  else
#endif
    UDLAB_MAKE_CPU_OPS(isa_baseline);
#undef UDLAB_MAKE_CPU_OPS
}

template <class S>
void* CpuBackend<S>::alloc_bytes(size_t bytes) {
  if (bytes == 0) return nullptr;
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes on the CPU");
  std::memset(p, 0, rounded);
  return p;
}
template <class S>
void CpuBackend<S>::free_bytes(void* p) { std::free(p); }
template <class S>
void CpuBackend<S>::upload_bytes(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
template <class S>
void CpuBackend<S>::download_bytes(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
template <class S>
void CpuBackend<S>::copy_bytes(void* dst, const void* src, size_t bytes) { if (bytes) std::memmove(dst, src, bytes); }
template <class S>
void CpuBackend<S>::zero_bytes(void* dst, size_t bytes) { if (bytes) std::memset(dst, 0, bytes); }

template class CpuBackend<float>;
template class CpuBackend<double>;

namespace {
struct RegisterCpu {
  RegisterCpu() {
    BackendRegistry::instance().add(BackendInfo{
        "cpu", [](std::string*) { return true; },
        [](int threads, bool) -> std::unique_ptr<Backend<float>> { return std::make_unique<CpuBackend<float>>(threads); }});
  }
} register_cpu;
}  // namespace

}  // namespace udlab

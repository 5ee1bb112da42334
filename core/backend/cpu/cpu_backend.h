// The CPU reference backend: Eigen for GEMMs, OpenMP (static schedules, so results are bit-identical
// for a fixed thread count) for the rest. Instantiated for float (training) and double (gradient checks).
#pragma once
#include <memory>

#include "core/backend/backend.h"

namespace udlab {

// The ops' factories. A portable build compiles cpu_*_ops.cpp once per instruction set (core/CMakeLists.txt,
// cpu_isa.h); each copy defines its factories in its own namespace, named by UDLAB_CPU_ISA_NS, and its
// other symbols are made local to that copy, so the linker cannot swap one copy's Eigen code for another's.
#ifndef UDLAB_CPU_ISA_NS
#define UDLAB_CPU_ISA_NS isa_baseline
#endif
#define UDLAB_DECLARE_CPU_OPS_FACTORIES                                   \
  template <class S>                                                      \
  std::unique_ptr<DenseOps<S>> make_cpu_dense_ops(int threads);           \
  template <class S>                                                      \
  std::unique_ptr<RnnOps<S>> make_cpu_rnn_ops(int threads);               \
  template <class S>                                                      \
  std::unique_ptr<GroupOps<S>> make_cpu_group_ops(int threads);           \
  template <class S>                                                      \
  std::unique_ptr<LruOps<S>> make_cpu_lru_ops(int threads);               \
  template <class S>                                                      \
  std::unique_ptr<AttentionOps<S>> make_cpu_attention_ops(int threads);
namespace isa_baseline { UDLAB_DECLARE_CPU_OPS_FACTORIES }
namespace isa_avx2 { UDLAB_DECLARE_CPU_OPS_FACTORIES }
namespace isa_avx512 { UDLAB_DECLARE_CPU_OPS_FACTORIES }

template <class S>
class CpuBackend final : public Backend<S> {
 public:
  // threads <= 0 means all hardware threads. kernel_path: "" or "auto" (the default, see cpu_isa.h),
  // or one of cpu_kernel_paths_supported(); anything else throws udlab::Error.
  explicit CpuBackend(int threads = 0, const std::string& kernel_path = "");
  std::string name() const override { return "cpu"; }
  std::string kernel_path() const { return kernel_path_; }
  bool host_accessible() const override { return true; }
  void* alloc_bytes(size_t bytes) override;
  void free_bytes(void* p) override;
  void upload_bytes(void* dst, const void* src, size_t bytes) override;
  void download_bytes(void* dst, const void* src, size_t bytes) override;
  void copy_bytes(void* dst, const void* src, size_t bytes) override;
  void zero_bytes(void* dst, size_t bytes) override;
  int threads() const override { return threads_; }

 private:
  int threads_;
  std::string kernel_path_;
};

// Resolves a --threads value (<= 0: all cores) to a count.
int resolve_threads(int requested);

}  // namespace udlab

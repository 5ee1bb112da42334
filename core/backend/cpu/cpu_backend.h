// The CPU reference backend: Eigen for GEMMs, OpenMP (static schedules, so results are bit-identical
// for a fixed thread count) for the rest. Instantiated for float (training) and double (gradient checks).
#pragma once
#include <memory>

#include "core/backend/backend.h"

namespace udlab {

template <class S>
std::unique_ptr<DenseOps<S>> make_cpu_dense_ops(int threads);
template <class S>
std::unique_ptr<RnnOps<S>> make_cpu_rnn_ops(int threads);
template <class S>
std::unique_ptr<GroupOps<S>> make_cpu_group_ops(int threads);
template <class S>
std::unique_ptr<LruOps<S>> make_cpu_lru_ops(int threads);
template <class S>
std::unique_ptr<AttentionOps<S>> make_cpu_attention_ops(int threads);

template <class S>
class CpuBackend final : public Backend<S> {
 public:
  // threads <= 0 means all hardware threads.
  explicit CpuBackend(int threads = 0);
  std::string name() const override { return "cpu"; }
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
};

// Resolves a --threads value (<= 0: all cores) to a count.
int resolve_threads(int requested);

}  // namespace udlab

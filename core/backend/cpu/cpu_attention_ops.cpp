#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

template <class S>
class CpuAttentionOps final : public AttentionOps<S> {
 public:
  explicit CpuAttentionOps(int threads) : threads_(threads) {}

 private:
  int threads_;
};

}  // namespace

template <class S>
std::unique_ptr<AttentionOps<S>> make_cpu_attention_ops(int threads) {
  return std::make_unique<CpuAttentionOps<S>>(threads);
}
template std::unique_ptr<AttentionOps<float>> make_cpu_attention_ops<float>(int);
template std::unique_ptr<AttentionOps<double>> make_cpu_attention_ops<double>(int);

}  // namespace udlab

#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

template <class S>
class CpuLruOps final : public LruOps<S> {
 public:
  explicit CpuLruOps(int threads) : threads_(threads) {}

 private:
  int threads_;
};

}  // namespace

template <class S>
std::unique_ptr<LruOps<S>> make_cpu_lru_ops(int threads) {
  return std::make_unique<CpuLruOps<S>>(threads);
}
template std::unique_ptr<LruOps<float>> make_cpu_lru_ops<float>(int);
template std::unique_ptr<LruOps<double>> make_cpu_lru_ops<double>(int);

}  // namespace udlab

#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

template <class S>
class CpuGroupOps final : public GroupOps<S> {
 public:
  explicit CpuGroupOps(int threads) : threads_(threads) {}

 private:
  int threads_;
};

}  // namespace

template <class S>
std::unique_ptr<GroupOps<S>> make_cpu_group_ops(int threads) {
  return std::make_unique<CpuGroupOps<S>>(threads);
}
template std::unique_ptr<GroupOps<float>> make_cpu_group_ops<float>(int);
template std::unique_ptr<GroupOps<double>> make_cpu_group_ops<double>(int);

}  // namespace udlab

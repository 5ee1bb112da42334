#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

template <class S>
class CpuRnnOps final : public RnnOps<S> {
 public:
  explicit CpuRnnOps(int threads) : threads_(threads) {}

 private:
  int threads_;
};

}  // namespace

template <class S>
std::unique_ptr<RnnOps<S>> make_cpu_rnn_ops(int threads) {
  return std::make_unique<CpuRnnOps<S>>(threads);
}
template std::unique_ptr<RnnOps<float>> make_cpu_rnn_ops<float>(int);
template std::unique_ptr<RnnOps<double>> make_cpu_rnn_ops<double>(int);

}  // namespace udlab

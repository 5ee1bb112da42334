// Op family: LSTM and tanh-RNN cell kernels (issue 2).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_rnn_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace udlab {

template <class S>
class RnnOps {
 public:
  virtual ~RnnOps() = default;
};

}  // namespace udlab

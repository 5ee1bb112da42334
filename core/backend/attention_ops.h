// Op family: causal multi-head attention for both transformers (issue 3).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_attention_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace udlab {

template <class S>
class AttentionOps {
 public:
  virtual ~AttentionOps() = default;
};

}  // namespace udlab

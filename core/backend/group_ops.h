// Op family: batched Lie-algebra projection, matrix exponential and its adjoint (issue 3).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_group_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace udlab {

template <class S>
class GroupOps {
 public:
  virtual ~GroupOps() = default;
};

}  // namespace udlab

// Op family: LRU diagonal complex recurrence: parallel scan and reverse scan (issue 4).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_lru_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace udlab {

template <class S>
class LruOps {
 public:
  virtual ~LruOps() = default;
};

}  // namespace udlab

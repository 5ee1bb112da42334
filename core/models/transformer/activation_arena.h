// One device block for all activations of a step (llm.c style), carved into named pointers. The same
// layout function sizes the block for workspace_bytes() and binds the pointers, so the memory estimate
// is the allocation itself rather than a second formula that can drift from it.
#pragma once
#include <cstddef>
#include <vector>

namespace udlab {

template <class S>
class ActivationLayout {
 public:
  // Reserves n elements; *slot (may be nullptr when only sizing) receives the address on bind().
  void add(size_t n, S** slot) {
    // 16-element alignment keeps every tensor on a 64-byte boundary for float.
    offsets_.push_back(total_);
    slots_.push_back(slot);
    total_ += (n + 15) / 16 * 16;
  }
  size_t total() const { return total_; }
  void bind(S* base) const {
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i]) *slots_[i] = base + offsets_[i];
  }

 private:
  std::vector<size_t> offsets_;
  std::vector<S**> slots_;
  size_t total_ = 0;
};

}  // namespace udlab

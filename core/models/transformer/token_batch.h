// A Batch's tokens on the device, split into inputs [B*T] and targets [B*T], after validation: a token
// outside the vocabulary or a malformed batch is a udlab::Error, never an out-of-bounds read in an op.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/backend/device.h"
#include "core/models/model.h"
#include "core/util/error.h"

namespace udlab {

class TokenBatch {
 public:
  static size_t bytes(int B, int T) { return 2 * size_t(B) * T * sizeof(int32_t); }

  void load(Device& dev, const Batch& b, int vocab) {
    if (b.B <= 0 || b.T <= 0) throw Error("batch has no sequences or no positions");
    const size_t rows = size_t(b.B), cols = size_t(b.T) + 1;
    if (b.tokens.size() != rows * cols)
      throw Error("batch holds " + std::to_string(b.tokens.size()) + " tokens, expected B*(T+1) = " +
                  std::to_string(rows * cols));
    if (!b.weights.empty() && b.weights.size() != rows * b.T)
      throw Error("batch weights hold " + std::to_string(b.weights.size()) + " entries, expected B*T");
    if (!b.targets.empty() && b.targets.size() != rows * b.T)
      throw Error("batch targets hold " + std::to_string(b.targets.size()) + " entries, expected B*T");
    in_.resize(rows * b.T);
    tg_.resize(rows * b.T);
    for (size_t r = 0; r < rows; ++r)
      for (size_t t = 0; t < size_t(b.T); ++t) {
        int32_t x = b.tokens[r * cols + t], y = b.target(int(r), int(t));
        if (x < 0 || x >= vocab || y < 0 || y >= vocab)
          throw Error("token id " + std::to_string(x < 0 || x >= vocab ? x : y) + " is outside the vocabulary (" +
                      std::to_string(vocab) + ")");
        in_[r * b.T + t] = x;
        tg_[r * b.T + t] = y;
      }
    inputs_.resize(dev, in_.size());
    targets_.resize(dev, tg_.size());
    inputs_.upload(in_);
    targets_.upload(tg_);
  }

  const int32_t* inputs() const { return inputs_.data(); }
  const int32_t* targets() const { return targets_.data(); }
  const std::vector<int32_t>& host_inputs() const { return in_; }

  // The loss weights on the device as S, or nullptr when the batch has none (every position counts 1).
  template <class S>
  const S* weights(Device& dev, const Batch& b, Buffer<S>& buf) const {
    if (b.weights.empty()) return nullptr;
    std::vector<S> w(b.weights.begin(), b.weights.end());
    buf.resize(dev, w.size());
    buf.upload(w);
    return buf.data();
  }
  static double weight_sum(const Batch& b) {
    if (b.weights.empty()) return double(b.B) * b.T;
    double s = 0;
    for (float w : b.weights) s += w;
    return s;
  }

 private:
  std::vector<int32_t> in_, tg_;
  Buffer<int32_t> inputs_, targets_;
};

}  // namespace udlab

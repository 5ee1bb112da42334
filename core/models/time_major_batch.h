// Stages a (validated) Batch on the device in time-major row order t·B + b: the layout of the
// recurrent models, whose per-step kernels read the B rows of one time step contiguously.
#pragma once
#include <cstdint>
#include <vector>

#include "core/backend/device.h"
#include "core/models/model.h"

namespace udlab {

// ids and targets are [T·B] int32 buffers, weights [T·B] (all ones when the batch has none), already
// sized by the caller. Returns the sum of the loss weights.
template <class S>
double stage_time_major(const Batch& batch, Buffer<int32_t>& ids, Buffer<int32_t>& targets, Buffer<S>& weights) {
  const int B = batch.B, T = batch.T, TB = B * T;
  std::vector<int32_t> id(TB), tg(TB);
  std::vector<S> w(TB, S(1));
  double weight_sum = 0;
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      size_t r = size_t(t) * B + b;
      id[r] = batch.tokens[size_t(b) * (T + 1) + t];
      tg[r] = batch.target(b, t);
      if (!batch.weights.empty()) w[r] = S(batch.weights[size_t(b) * T + t]);
      weight_sum += double(w[r]);
    }
  ids.upload(id);
  targets.upload(tg);
  weights.upload(w);
  return weight_sum;
}

}  // namespace udlab

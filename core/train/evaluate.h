// Held-out loss: the split cut into consecutive windows of T+1 tokens with stride T, each window
// starting from the initial state; mean cross-entropy over all predicted tokens (weighted for tasks).
#pragma once
#include <vector>

#include "core/data/dataset.h"
#include "core/models/model.h"

namespace udlab {

template <class S>
StepResult evaluate_batches(Model<S>& model, const std::vector<Batch>& batches) {
  StepResult total;
  for (const auto& b : batches) {
    StepResult r = model.forward_backward(b, false, nullptr);
    total.loss_sum += r.loss_sum;
    total.weight_sum += r.weight_sum;
    total.correct += r.correct;
  }
  return total;
}

}  // namespace udlab

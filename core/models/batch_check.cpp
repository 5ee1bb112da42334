#include "core/models/batch_check.h"

#include <cmath>
#include <limits>

#include "core/util/error.h"

namespace udlab {

void check_batch_for(const Batch& batch, int vocab, double widest, const std::string& n) {
  if (batch.B < 1 || batch.T < 1)
    throw Error(n + ": batch must have B >= 1 and T >= 1 (got B=" + std::to_string(batch.B) + ", T=" +
                std::to_string(batch.T) + ")");
  if (double(batch.B) * (batch.T + 1) * widest > double(std::numeric_limits<int>::max()))
    throw Error(n + ": batch too large (B*T*width exceeds the addressable size)");
  if (batch.tokens.size() != size_t(batch.B) * (batch.T + 1))
    throw Error(n + ": batch has " + std::to_string(batch.tokens.size()) + " tokens, expected B*(T+1) = " +
                std::to_string(size_t(batch.B) * (batch.T + 1)));
  if (!batch.weights.empty() && batch.weights.size() != size_t(batch.B) * batch.T)
    throw Error(n + ": batch has " + std::to_string(batch.weights.size()) + " weights, expected B*T = " +
                std::to_string(size_t(batch.B) * batch.T));
  if (!batch.targets.empty() && batch.targets.size() != size_t(batch.B) * batch.T)
    throw Error(n + ": batch has " + std::to_string(batch.targets.size()) + " targets, expected B*T = " +
                std::to_string(size_t(batch.B) * batch.T));
  for (const auto* ids : {&batch.tokens, &batch.targets})
    for (int32_t tok : *ids)
      if (tok < 0 || tok >= vocab)
        throw Error(n + ": token id " + std::to_string(tok) + " outside the vocabulary [0, " + std::to_string(vocab) + ")");
  for (float w : batch.weights)
    if (!(w >= 0) || !std::isfinite(w)) throw Error(n + ": batch weights must be finite and non-negative");
}

Batch context_batch(const std::vector<int32_t>& context, const std::string& model) {
  if (context.empty()) throw Error(model + ": predict_next needs at least one context token");
  Batch b;
  b.B = 1;
  b.T = int(context.size());
  b.tokens = context;
  b.tokens.push_back(0);
  return b;
}

}  // namespace udlab

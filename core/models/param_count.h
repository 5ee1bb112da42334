// Parameter counting and `--match N`: models declare their tensors in the constructor without
// allocating, so counting is cheap and safe for any size.
#pragma once
#include <cstddef>
#include <string>

#include "core/models/model_config.h"

namespace udlab {

size_t count_params(const ModelConfig& cfg, int vocab);

struct MatchResult {
  ModelConfig cfg;     // cfg with the model's match field (hidden or d) set
  size_t params = 0;
  double rel_error = 0;  // (params - target) / target
};

// Chooses the model's match field (ModelInfo::match_field) so that the count lands within ±tol of
// target. Throws udlab::Error naming the closest count when no value does.
MatchResult match_params(ModelConfig cfg, int vocab, size_t target, double tol = 0.02);

}  // namespace udlab

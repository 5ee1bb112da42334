// Parameter matching for fair comparisons (`params --match N`, `compare --budget N`): vary the model's
// registered match field ("hidden" for the baselines, "d" for group models) until the parameter count
// is as close as possible to a budget. Counting only declares tensors; nothing is allocated.
#pragma once
#include <cstddef>
#include <string>

#include "core/models/model_config.h"

namespace udlab {

// Parameter count of a model as configured (throws udlab::Error for an invalid config).
size_t count_params(const ModelConfig& cfg, int vocab);

struct ParamMatch {
  ModelConfig config;     // the base config with the match field set
  std::string field;      // "hidden" or "d"
  int value = 0;          // the chosen value of that field
  size_t params = 0;
  double rel_error = 0;   // (params - budget) / budget
  bool within(double tol) const { return rel_error <= tol && rel_error >= -tol; }
};

// The value of the match field whose parameter count is closest to budget (ties: the smaller value).
// Values the model rejects (e.g. hidden not divisible by heads, d not a multiple of the block size) are
// skipped. Throws udlab::Error when the model has no match field or no value is valid.
ParamMatch match_params(const ModelConfig& base, int vocab, size_t budget);

}  // namespace udlab

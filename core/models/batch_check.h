// The batch validation every model runs before touching a kernel: a malformed batch or a token outside
// the vocabulary must be a udlab::Error, never an out-of-bounds read inside an op.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/models/model.h"

namespace udlab {

// Checks B, T >= 1; that B·(T+1)·widest stays addressable by 32-bit GEMM indices (widest = the
// model's widest per-position buffer); the token and weight counts; token ids in [0, vocab); and
// finite, non-negative weights. Messages start with `model`.
void check_batch_for(const Batch& batch, int vocab, double widest, const std::string& model);

// The one-sequence batch predict_next runs: the context as inputs plus a dummy final target (no loss
// is computed from it). Throws udlab::Error, prefixed by `model`, for an empty context.
Batch context_batch(const std::vector<int32_t>& context, const std::string& model);

}  // namespace udlab

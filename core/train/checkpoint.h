// Checkpoints in safetensors (docs/checkpoint.md): every parameter under its model name (F32),
// AdamW moments as "optim.m.<name>" / "optim.v.<name>", the step as "train.step" (I64 [1]),
// the data RNG as "train.rng" (I64 [2]: the bit patterns of its uint64
// state and increment; U64 in older files, still read), the partial logging interval as
// "train.accum" (F64), and the resolved config in the metadata under "config".
#pragma once
#include <string>
#include <vector>

#include "core/tensor/param_store.h"
#include "core/train/adamw.h"
#include "core/train/run_config.h"
#include "core/util/rng.h"

namespace udlab {

struct TrainState {
  long step = 0;
  Rng rng;
  std::vector<double> accum;  // trainer's interval accumulators and elapsed wall time
  bool has_dropout_rng = false;  // the model's dropout stream ("train.dropout_rng", optional)
  Rng dropout_rng;
};

void save_checkpoint(const std::string& path, const RunConfig& cfg, ParamStore<float>& ps, AdamW<float>* opt,
                     const TrainState& st);
// Loads into an allocated ParamStore (and optimiser/state when given). Every tensor is checked by name,
// dtype and size; a truncated or foreign file gives a udlab::Error naming the file and the problem.
void load_checkpoint(const std::string& path, ParamStore<float>& ps, AdamW<float>* opt, TrainState* st);

}  // namespace udlab

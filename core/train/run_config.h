// The full resolved configuration of a run: written as config.json into the run directory, read back
// by --resume, `eval`, `sample` and the GUI. Unknown keys and bad values are errors, never ignored.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/models/model_config.h"

namespace udlab {

struct TrainConfig {
  std::string dataset = "tinyshakespeare";  // name, synthetic task (copy, recall) or a file path
  std::string data_dir;                     // overrides $UDLAB_DATA_DIR when set
  int seq_len = 128;
  int batch = 32;
  int steps = 1000;
  double lr = 2e-3;
  int warmup = 100;                         // linear warmup steps, then cosine decay
  double min_lr_frac = 0.1;                 // cosine floor as a fraction of lr
  std::string schedule = "cosine";          // cosine | constant
  double clip = 0.0;                        // global gradient-norm clip; 0 = off
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  uint64_t seed = 1;
  int threads = 0;                          // 0 = all cores
  int eval_every = 100;
  int log_every = 10;
  int telemetry_every = 0;                  // 0 = every log_every
  int checkpoint_every = 0;                 // 0 = at every eval
  size_t val_tokens = 65536;                // 0 = the whole split
  std::string device = "cpu";               // cpu | cuda | auto
  bool deterministic = false;
  // Synthetic tasks
  int copy_k = 10, copy_delay = 20, copy_symbols = 8;
  std::string copy_loss = "answers";        // answers (udlab's variant) | all (the standard copying problem)
  int recall_pairs = 8, recall_keys = 16, recall_values = 16;
  // ListOps (LRA): the original generator's options and defaults (depth, arguments per operator, and the
  // exclusive bounds on the token count).
  int listops_max_depth = 10, listops_max_args = 10, listops_min_len = 500, listops_max_len = 2000;
};

struct RunConfig {
  ModelConfig model;
  TrainConfig train;
};

nlohmann::json to_json(const RunConfig& c);
// Throws udlab::Error naming the offending key for unknown keys, wrong types or invalid values.
RunConfig run_config_from_json(const nlohmann::json& j);
// Merges a JSON object of overrides into an existing config (same validation).
void apply_json(RunConfig& c, const nlohmann::json& j);
// Checks value ranges (positive sizes, r_min < r_max, ...). Throws udlab::Error.
void validate(const RunConfig& c);
// Fills values that depend on the data: max_len = 0 means "the sequence length T", so positional
// tables are sized for the windows the model will see. Call before building a model.
inline void resolve_seq_len(RunConfig& c, int T) {
  if (c.model.max_len == 0) c.model.max_len = T;
}

}  // namespace udlab

namespace udlab {
// Sets one key from its textual form (CLI flags: "--seq-len 64" arrives as key "seq_len", "64").
// Booleans accept true/false/1/0/on/off. Throws udlab::Error for unknown keys and unparsable values.
void set_from_string(RunConfig& c, const std::string& key, const std::string& value);
// True for keys that are booleans (CLI flags that may be given without a value).
bool is_bool_key(const std::string& key);
bool is_config_key(const std::string& key);
}  // namespace udlab

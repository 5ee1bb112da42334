// The training engine: one run of one model on one dataset, on one backend, reporting through a
// TrainObserver and obeying a RunControl. The CLI and the GUI both drive exactly this class.
#pragma once
#include <memory>
#include <string>

#include "core/train/run_config.h"
#include "core/train/run_control.h"
#include "core/train/train_observer.h"

namespace udlab {

class RunDirIdentity;  // core/io/run_dir.h

struct TrainerOptions {
  std::string run_dir;      // where config.json, metrics.jsonl, checkpoint.safetensors, status.json go; "" = none
  bool resume = false;      // continue from run_dir/checkpoint.safetensors (config read from run_dir)
  // A human name for legends ("O(8), lr 3e-3"), kept in run_info.json as "label"; "" keeps the one a
  // resumed run already has. Not part of the config: two runs differing only in label are the same model.
  std::string label;
};

// The bytes the memory pre-check requires for cfg (core/util/memory.h TrainingMemory, margin
// included): opens the dataset and builds the model without allocating its parameters.
size_t estimate_training_bytes(const RunConfig& cfg, bool with_run_dir);

// Throws udlab::Error unless `label` is one printable line of at most 80 bytes.
void validate_run_label(const std::string& label);

class Trainer {
 public:
  // Validates the config, opens the dataset, builds the model and checks memory before allocating.
  // Throws udlab::Error with a one-line message on any problem.
  Trainer(RunConfig cfg, TrainerOptions opts, TrainObserver* observer = nullptr, RunControl* control = nullptr);
  ~Trainer();
  // Runs to completion, cancellation or divergence. Never throws for NaN/Inf (status "diverged").
  RunStatus run();
  const RunConfig& config() const;
  size_t param_count() const;
  // The run directory as this trainer found it, once locked: a RunRequestWatcher takes a copy, so both
  // judge a removal or replacement against the same directory.
  const RunDirIdentity& dir_identity() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace udlab

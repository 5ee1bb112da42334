// Opens a finished (or interrupted) run directory for evaluation and sampling: its config, dataset,
// model and checkpointed parameters. Used by `udlab-cli eval`, `udlab-cli sample` and the GUI.
#pragma once
#include <memory>
#include <string>

#include "core/data/dataset.h"
#include "core/models/model.h"
#include "core/train/run_config.h"

namespace udlab {

struct LoadedRun {
  RunConfig cfg;
  std::unique_ptr<Dataset> data;
  std::unique_ptr<Backend<float>> backend;
  std::unique_ptr<Model<float>> model;
  int seq_len = 0;  // the window length the model was trained on
};

// data_dir (if not empty) overrides the run's data_dir. Throws udlab::Error with a clear message.
LoadedRun load_run(const std::string& run_dir, int threads = 0, const std::string& data_dir = "");

// Autoregressive sampling: the prompt, then `length` tokens drawn at `temperature` (0 = argmax) from
// a seeded RNG. The context fed to the model is the last seq_len tokens.
std::string sample_text(LoadedRun& run, const std::string& prompt, int length, double temperature, uint64_t seed);

}  // namespace udlab

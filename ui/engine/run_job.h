// What a worker thread runs: anything that reports through a TrainObserver and obeys a RunControl.
// The GUI's real job is the engine's Trainer (makeTrainerJob); tests may pass their own.
#pragma once
#include <functional>
#include <string>

#include "core/train/run_config.h"
#include "core/train/run_control.h"
#include "core/train/train_observer.h"

namespace udlab::ui {

using RunJob = std::function<RunStatus(TrainObserver&, RunControl&)>;

// Builds a job that constructs udlab::Trainer on the worker thread (so dataset loading and the memory
// check never block the GUI) and runs it, writing the run directory runDir ("" = none).
// label: the run's name in legends, kept in run_info.json (issue 10).
RunJob makeTrainerJob(const RunConfig& cfg, const std::string& runDir, const std::string& label = {});

}  // namespace udlab::ui

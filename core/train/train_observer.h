// How the engine reports: the CLI writes these to the run directory and a terminal; the GUI buffers
// them and plots. Called on the training thread: implementations must be cheap and thread-safe.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/io/metrics_record.h"

namespace udlab {

struct RunStatus {
  std::string state = "running";  // running | paused | finished | cancelled | diverged | failed
  int step = 0;                   // optimiser steps completed
  std::string reason;             // for diverged/failed: what happened (tensor named)
  nlohmann::json to_json() const { return {{"state", state}, {"step", step}, {"reason", reason}}; }
};

class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  // Once, before the first step: the resolved config plus {"params": N, "tensors": [...], "vocab": V, ...}.
  virtual void on_start(const nlohmann::json& run_info) {}
  // One metrics record (the same object that becomes a line of metrics.jsonl; schema in docs/metrics.md).
  virtual void on_metrics(const MetricsRecord& record) {}
  // After every step: cheap progress for bars and ETA.
  virtual void on_progress(int step, int total_steps, double tokens_per_s) {}
  virtual void on_status(const RunStatus& status) {}
};

}  // namespace udlab

// Terminal output for `udlab-cli train`: a progress bar with ETA on a terminal, plain lines when
// piped. Also turns Ctrl-C into a clean cancel (checkpoint + status "cancelled").
#pragma once
#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "cli/progress_bar.h"
#include "core/train/run_control.h"
#include "core/train/train_observer.h"

namespace udlab::cli {

class ProgressObserver : public TrainObserver {
 public:
  ProgressObserver(RunControl& ctl, bool quiet);
  ~ProgressObserver() override;
  void on_start(const nlohmann::json& info) override;
  void on_metrics(const MetricsRecord& rec) override;
  void on_progress(int step, int total, double tokens_per_s) override;
  void on_status(const RunStatus& s) override;
  std::optional<MetricsRecord> last_eval;  // the latest record that had val_loss

 private:
  RunControl& ctl_;
  bool quiet_;
  ProgressBar bar_{"train"};
  int start_step_ = -1;
  std::string last_line_;
  std::atomic<bool> stop_watcher_{false};
  std::thread watcher_;  // turns SIGINT/SIGTERM into a cancel, also while the run is paused
};

}  // namespace udlab::cli

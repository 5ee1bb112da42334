// Steering a run from another process through its directory: a window following a run that
// udlab-cli trains in a terminal can pause, resume, stop or hot-edit it. Each request is one JSON file
// in DIR/requests/, written under a temporary name and renamed to *.json (so a reader never sees half
// a request), applied in name order by the process that trains, then deleted:
//   {"action": "pause"}  {"action": "resume"}  {"action": "step"} (one step while paused)  {"action": "stop"}
//   {"action": "edit", "changes": {"lr": 0.001}}          (keys as in core/train/hot_edit.h)
// The answer is what the directory shows next: status.json's state, an "edit" metrics record.
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/io/run_dir.h"
#include "core/train/run_control.h"

namespace udlab {

// Throws udlab::Error with a one-line message for an unknown action or an invalid edit.
void validate_run_request(const nlohmann::json& request);
// Validates, then writes the request into run_dir/requests/. Throws udlab::Error (naming the path)
// when run_dir is not a run directory or the file cannot be written. `before_start`: the caller is
// about to start (or has just started) the process that trains run_dir, so config.json may not exist
// yet; the process takes the request once it runs.
void write_run_request(const std::string& run_dir, const nlohmann::json& request, bool before_start = false);

// Forwards run_dir/requests/*.json to a RunControl, from its own thread every kPollMs and on poll().
// Also aborts the run (RunControl::request_abort) when run_dir is removed or replaced meanwhile.
class RunRequestWatcher {
 public:
  static constexpr int kPollMs = 200;
  // `run_dir` as the trainer found it (Trainer::dir_identity). `report` receives a line for each
  // request applied or rejected (the CLI prints it to stderr).
  RunRequestWatcher(RunDirIdentity run_dir, RunControl& ctl, std::function<void(const std::string&)> report = {});
  ~RunRequestWatcher();
  RunRequestWatcher(const RunRequestWatcher&) = delete;
  RunRequestWatcher& operator=(const RunRequestWatcher&) = delete;
  // Applies the pending requests now; returns how many were applied (rejected ones are deleted too).
  int poll();

 private:
  RunDirIdentity identity_;
  RunControl& ctl_;
  std::function<void(const std::string&)> report_;
  std::mutex poll_m_, stop_m_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace udlab

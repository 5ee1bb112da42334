// Follows a run directory that another process is still writing (udlab-cli train, or a second
// window), as TensorBoard follows a logdir: new complete lines of metrics.jsonl are parsed into the
// run's mirror, and status.json's state is re-read. A half-written last line waits for its newline.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "ui/engine/run_data.h"

namespace udlab::ui {

class RunDirectoryFollower {
 public:
  // `offset`: bytes of metrics.jsonl already in the mirror (LoadedRun::metricsBytes).
  RunDirectoryFollower(std::string dir, uint64_t offset);
  // Applies what was appended since the last poll; returns whether the mirror changed. Never throws:
  // a line that is not a record is skipped and counted, since the writer may not be udlab.
  bool poll(RunData& mirror);
  // Lines skipped since the last call, for a message in the window.
  int takeSkippedLines() { return std::exchange(unreported_skips_, 0); }
  // Deletes requests (DIR/requests/*.json) nobody took within `age` and returns how many: a run
  // trained in another window does not read them, and a pause applied minutes later would surprise.
  int withdrawUnansweredRequests(std::chrono::seconds age);

 private:
  // The bytes just before offset_, compared on each poll: a file that no longer ends the same way
  // there was rewritten, whatever its length now.
  bool sameTail(const std::filesystem::path& metrics) const;
  static constexpr size_t kTailBytes = 64;

  std::string dir_;
  uint64_t offset_;
  std::string tail_;
  int unreported_skips_ = 0;
};

}  // namespace udlab::ui

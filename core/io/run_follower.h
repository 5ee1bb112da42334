// Follows a run directory that another process is still writing (udlab-cli train, a window's child),
// as TensorBoard follows a logdir: new complete lines of metrics.jsonl are parsed into the
// run's mirror, and status.json's state is re-read. A half-written last line waits for its newline.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/io/run_data.h"

namespace udlab {

// What one read of the directory found, parsed: read() may run on a reader thread, apply() on the GUI's.
struct FollowUpdate {
  bool reset = false;  // metrics.jsonl was rewritten (a resume): the mirror's history starts over
  std::vector<MetricsRecord> records;
  std::optional<StatusRecord> status;  // status.json as last read (none when unreadable)
  // run_info.json when it appeared or changed since the previous read (null otherwise): the child
  // writes it at its start, so params, label and baseline reach the window's mirror.
  nlohmann::json runInfo;
  // Later reads after this one (records appended, the newer status kept; a reset drops what came before).
  void merge(FollowUpdate&& later);
};

class RunDirectoryFollower {
 public:
  // `offset`: bytes of metrics.jsonl already in the mirror (LoadedRunDir::metricsBytes).
  RunDirectoryFollower(std::string dir, uint64_t offset);
  // Reads and parses what was appended since the last read. Never throws: a line that is not a record
  // is skipped and counted, since the writer may not be udlab. One caller at a time.
  FollowUpdate read();
  // Applies an update to the mirror; returns whether it changed.
  static bool apply(FollowUpdate&& u, RunData& mirror);
  bool poll(RunData& mirror) { return apply(read(), mirror); }
  // Lines skipped since the last call, for a message in the window.
  int takeSkippedLines() { return unreported_skips_.exchange(0); }
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
  std::filesystem::file_time_type infoTime_{};  // run_info.json's mtime when last read
  std::atomic<int> unreported_skips_{0};
};

}  // namespace udlab

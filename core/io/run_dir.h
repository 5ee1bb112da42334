// The run directory shared by the CLI and the GUI: config.json, run_info.json, metrics.jsonl,
// status.json and checkpoint.safetensors (schema in docs/metrics.md). JSON files are written
// atomically; metrics.jsonl is appended a line at a time and flushed.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/io/metrics_record.h"
#include "core/train/run_config.h"

namespace udlab {

struct RunPaths {
  std::string dir;
  std::string config() const { return dir + "/config.json"; }
  std::string info() const { return dir + "/run_info.json"; }
  std::string metrics() const { return dir + "/metrics.jsonl"; }
  std::string status() const { return dir + "/status.json"; }
  std::string checkpoint() const { return dir + "/checkpoint.safetensors"; }
};

void write_json_atomic(const std::string& path, const nlohmann::json& j);
// Throws udlab::Error naming the file when it is missing or not valid JSON.
nlohmann::json read_json_file(const std::string& path);
// Reads and validates config.json of a run directory.
RunConfig load_run_config(const std::string& dir);

// The run directory as the training process found it: one that is removed (or replaced by another
// of the same name) while it trains must end the run, not leave it writing on into an unlinked file.
// Its lock file going away counts too: that is a removal under way.
class RunDirIdentity {
 public:
  explicit RunDirIdentity(std::string dir);
  // "" while the directory is the one found at construction, else one line naming it.
  std::string problem() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  unsigned long long dev_ = 0, ino_ = 0;
  bool known_ = false, locked_ = false;
};

class MetricsLog {
 public:
  MetricsLog() = default;
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  // Opens for appending. With keep_until_step >= 0, first rewrites the file (atomically) keeping only
  // records whose step <= keep_until_step, so a resumed run continues the file it left.
  void open(const std::string& path, long keep_until_step = -1);
  void append(const MetricsRecord& record);
  void close();

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
};

}  // namespace udlab

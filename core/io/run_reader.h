// Loads any run directory, whether udlab-cli or the GUI wrote it: config.json, metrics.jsonl,
// status.json and run_info.json. Corrupt or foreign directories raise udlab::Error with a one-line
// message naming the file and line; a truncated last line of metrics.jsonl (a run killed mid-write)
// is tolerated and reported in `warning`.
#pragma once
#include <cstdint>
#include <string>

#include "core/io/run_data.h"

namespace udlab {

struct LoadedRunDir {
  RunData data;
  std::string dir;
  std::string warning;  // non-fatal problems, e.g. "ignored a truncated last line"
  uint64_t metricsBytes = 0;  // bytes of metrics.jsonl read, up to the end of the last complete line
};

LoadedRunDir readRunDirectory(const std::string& dir);

}  // namespace udlab

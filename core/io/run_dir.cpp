#include "core/io/run_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {

void write_json_atomic(const std::string& path, const nlohmann::json& j) { write_file_atomic(path, j.dump(2) + "\n"); }

nlohmann::json read_json_file(const std::string& path) {
  std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + " is not valid JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception& e) {
    // e.g. a number such as 1e999 that overflows a double
    throw Error(path + " is not valid JSON: " + e.what());
  }
}

RunConfig load_run_config(const std::string& dir) {
  RunPaths p{dir};
  if (!file_exists(p.config())) throw Error(dir + " is not a udlab run directory (no config.json)");
  try {
    const nlohmann::json j = read_json_file(p.config());
    RunConfig cfg = run_config_from_json(j);
    // Runs written before io_lr_factor existed trained group-rnn's embedding and head at lr × 1; resuming
    // one at today's default (10) would silently change the run it continues.
    if (j.is_object() && !j.contains("io_lr_factor")) cfg.model.io_lr_factor = 1.0;
    return cfg;
  } catch (const Error& e) {
    throw Error(p.config() + ": " + e.what());
  }
}

RunDirIdentity::RunDirIdentity(std::string dir) : dir_(std::move(dir)) {
  struct stat st {};
  known_ = ::stat(dir_.c_str(), &st) == 0;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  locked_ = ::stat((dir_ + "/lock").c_str(), &st) == 0;
}

std::string RunDirIdentity::problem() const {
  if (!known_) return "";
  struct stat st, lock;
  if (::stat(dir_.c_str(), &st) != 0 || (locked_ && ::stat((dir_ + "/lock").c_str(), &lock) != 0))
    return "run directory " + dir_ + " was removed while training";
  if (st.st_dev != dev_ || st.st_ino != ino_) return "run directory " + dir_ + " was replaced while training";
  return "";
}

MetricsLog::~MetricsLog() { close(); }

void MetricsLog::open(const std::string& path, long keep_until_step) {
  close();
  path_ = path;
  if (keep_until_step >= 0 && file_exists(path)) {
    std::istringstream in(read_file(path));
    std::string line, kept;
    while (std::getline(in, line)) {
      try {
        if (parse_metrics_line(line).step <= keep_until_step) kept += line + "\n";
      } catch (const Error&) {
        break;  // a torn last line from a killed process: drop it
      }
    }
    write_file_atomic(path, kept);
  }
  f_ = std::fopen(path.c_str(), "a");
  if (!f_) throw Error("cannot open " + path + " for writing: " + std::strerror(errno));
}

void MetricsLog::append(const MetricsRecord& record) {
  if (!f_) return;
  std::string line = to_json(record).dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0)
    throw Error("cannot write " + path_ + ": " + std::strerror(errno));
}

void MetricsLog::close() {
  if (f_) std::fclose(f_);
  f_ = nullptr;
}

}  // namespace udlab

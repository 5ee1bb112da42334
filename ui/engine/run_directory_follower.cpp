#include "ui/engine/run_directory_follower.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace udlab::ui {

namespace fs = std::filesystem;

RunDirectoryFollower::RunDirectoryFollower(std::string dir, uint64_t offset) : dir_(std::move(dir)), offset_(offset) {}

bool RunDirectoryFollower::finalState(const std::string& s) {
  return s == "finished" || s == "cancelled" || s == "diverged" || s == "failed";
}

int RunDirectoryFollower::withdrawUnansweredRequests(std::chrono::seconds age) {
  std::error_code ec;
  const fs::path dir = fs::path(dir_) / "requests";
  if (!fs::is_directory(dir, ec)) return 0;
  const auto now = fs::file_time_type::clock::now();
  int n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".json") continue;
    const auto t = fs::last_write_time(it->path(), ec);
    if (!ec && now - t > age && fs::remove(it->path(), ec)) ++n;
  }
  return n;
}

bool RunDirectoryFollower::poll(RunData& mirror) {
  bool changed = false;
  std::error_code ec;
  const fs::path met = fs::path(dir_) / "metrics.jsonl";
  const auto size = fs::file_size(met, ec);
  if (!ec && size < offset_) offset_ = 0, skipped_ = 0;  // rewritten from the start (a resume truncates it)
  if (!ec && size > offset_) {
    std::ifstream f(met, std::ios::binary);
    f.seekg(std::streamoff(offset_));
    std::string chunk(size - offset_, '\0');
    f.read(chunk.data(), std::streamsize(chunk.size()));
    chunk.resize(size_t(f.gcount()));
    size_t pos = 0;
    for (size_t nl; (nl = chunk.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      const std::string line = chunk.substr(pos, nl - pos);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        mirror.addRecord(nlohmann::json::parse(line));
        changed = true;
      } catch (const std::exception&) {
        ++skipped_;
      }
    }
    offset_ += pos;  // only complete lines: a half-written one is read again once it ends
  }
  std::ifstream st(fs::path(dir_) / "status.json");
  if (st) {
    std::stringstream text;
    text << st.rdbuf();
    try {
      // status.json is replaced atomically, so a parse failure means another writer: keep the old state.
      const auto s = nlohmann::json::parse(text.str());
      const std::string state = s.value("state", mirror.state);
      const int step = s.value("step", mirror.status_step);
      const std::string reason = s.value("reason", mirror.reason);
      if (state != mirror.state || step != mirror.status_step || reason != mirror.reason) {
        mirror.state = state;
        mirror.status_step = step;
        mirror.reason = reason;
        changed = true;
      }
    } catch (const std::exception&) {
    }
  }
  return changed;
}

}  // namespace udlab::ui

#include "core/io/run_follower.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace udlab {

namespace fs = std::filesystem;

RunDirectoryFollower::RunDirectoryFollower(std::string dir, uint64_t offset) : dir_(std::move(dir)), offset_(offset) {
  const size_t n = size_t(std::min<uint64_t>(offset_, kTailBytes));
  std::ifstream f(fs::path(dir_) / "metrics.jsonl", std::ios::binary);
  f.seekg(std::streamoff(offset_ - n));
  tail_.assign(n, '\0');
  f.read(tail_.data(), std::streamsize(n));
  tail_.resize(size_t(f.gcount()));
  if (tail_.size() != n) tail_.clear();  // unreadable now: the next poll decides
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

bool RunDirectoryFollower::sameTail(const fs::path& met) const {
  if (tail_.empty()) return true;
  std::ifstream f(met, std::ios::binary);
  f.seekg(std::streamoff(offset_ - tail_.size()));
  std::string now(tail_.size(), '\0');
  f.read(now.data(), std::streamsize(now.size()));
  return f.gcount() == std::streamsize(now.size()) && now == tail_;
}

void FollowUpdate::merge(FollowUpdate&& later) {
  if (later.reset) {
    *this = std::move(later);
    return;
  }
  for (auto& r : later.records) records.push_back(std::move(r));
  if (later.status) status = std::move(later.status);
  if (!later.runInfo.is_null()) runInfo = std::move(later.runInfo);
}

bool RunDirectoryFollower::apply(FollowUpdate&& u, RunData& mirror) {
  bool changed = false;
  if (u.reset) {
    RunData fresh;
    fresh.config = mirror.config;
    fresh.run_info = mirror.run_info;
    mirror = std::move(fresh);
    changed = true;
  }
  for (auto& r : u.records) mirror.apply(std::move(r));
  changed = changed || !u.records.empty();
  if (u.status && mirror.applyStatus(*u.status)) changed = true;
  if (u.runInfo.is_object()) {
    mirror.run_info = std::move(u.runInfo);
    changed = true;
  }
  return changed;
}

FollowUpdate RunDirectoryFollower::read() {
  FollowUpdate u;
  // status.json before metrics.jsonl: the writer appends its last records before its final status, so
  // a final status read here always comes with every record (read the other way round, a status
  // written between the two reads ended the following without the run's last records).
  std::ifstream st(fs::path(dir_) / "status.json");
  if (st) {
    std::stringstream text;
    text << st.rdbuf();
    // status.json is replaced atomically, so a parse failure means another writer: keep the old state.
    const auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_object()) u.status = status_record_from_json(j);
  }
  std::error_code ec;
  // run_info.json: once it appears, and again when rewritten (a hot edit, a label set in a window).
  const fs::path info = fs::path(dir_) / "run_info.json";
  const auto infoTime = fs::last_write_time(info, ec);
  if (!ec && infoTime != infoTime_) {
    std::ifstream in(info);
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);  // written atomically: a failure is not udlab's
    if (j.is_object()) {
      u.runInfo = std::move(j);
      infoTime_ = infoTime;
    }
  }
  ec.clear();
  const fs::path met = fs::path(dir_) / "metrics.jsonl";
  const auto size = fs::file_size(met, ec);
  if (!ec && (size < offset_ || !sameTail(met))) {
    // Not the file that was read: a resume cut it back to its checkpoint (and may have written past
    // the old length since). Start the history over.
    u.reset = true;
    offset_ = 0;
    tail_.clear();
  }
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
        u.records.push_back(parse_metrics_line(line));
      } catch (const Error&) {
        ++unreported_skips_;
      }
    }
    offset_ += pos;  // only complete lines: a half-written one is read again once it ends
    if (pos > 0) {
      const std::string seen = tail_ + chunk.substr(0, pos);
      tail_ = seen.substr(seen.size() - std::min<size_t>(seen.size(), kTailBytes));
    }
  }
  return u;
}

}  // namespace udlab

#include "core/train/run_requests.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/train/hot_edit.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {

namespace fs = std::filesystem;

void validate_run_request(const nlohmann::json& r) {
  if (!r.is_object() || !r.contains("action") || !r["action"].is_string())
    throw Error("a run request is a JSON object with an \"action\" string");
  const std::string a = r["action"].get<std::string>();
  if (a == "pause" || a == "resume" || a == "step" || a == "stop") return;
  if (a != "edit") throw Error("unknown run request action '" + a + "' (pause, resume, step, stop or edit)");
  if (!r.contains("changes")) throw Error("an edit request needs \"changes\"");
  validate_hot_edit(r["changes"]);
}

void write_run_request(const std::string& run_dir, const nlohmann::json& request, bool before_start) {
  validate_run_request(request);
  if (!before_start && !file_exists((fs::path(run_dir) / "config.json").string()))
    throw Error("'" + run_dir + "' is not a run directory (no config.json)");
  const fs::path dir = fs::path(run_dir) / "requests";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
  // Zero-padded milliseconds first, so that name order is the order in which requests were made.
  static std::atomic<unsigned> counter{0};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  char name[96];
  std::snprintf(name, sizeof name, "%015lld-%06u-%08x.json", static_cast<long long>(ms), counter++ % 1000000u,
                static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  // write_file_atomic writes beside the target and renames, so the watcher never reads half a request.
  write_file_atomic((dir / name).string(), request.dump());
}

RunRequestWatcher::RunRequestWatcher(RunDirIdentity run_dir, RunControl& ctl, std::function<void(const std::string&)> report)
    : identity_(std::move(run_dir)), ctl_(ctl), report_(std::move(report)) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> l(stop_m_);
    while (!stop_) {
      l.unlock();
      poll();
      l.lock();
      stop_cv_.wait_for(l, std::chrono::milliseconds(kPollMs), [&] { return stop_; });
    }
  });
}

RunRequestWatcher::~RunRequestWatcher() {
  {
    std::lock_guard<std::mutex> l(stop_m_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

int RunRequestWatcher::poll() {
  std::lock_guard<std::mutex> l(poll_m_);
  if (std::string why = identity_.problem(); !why.empty()) {
    ctl_.request_abort(std::move(why));
    return 0;
  }
  const fs::path dir = fs::path(identity_.dir()) / "requests";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::vector<fs::path> files;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".json") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  int applied = 0;
  for (const auto& p : files) {
    std::string line;
    try {
      const auto r = nlohmann::json::parse(read_file(p.string()));
      validate_run_request(r);
      const std::string a = r["action"].get<std::string>();
      if (a == "pause") ctl_.request_pause();
      else if (a == "resume") ctl_.request_resume();
      else if (a == "step") ctl_.request_step();
      else if (a == "stop") ctl_.request_cancel();
      else ctl_.request_edit(r["changes"]);
      line = "request: " + a;
      if (a == "edit") line += ' ' + r["changes"].dump();
      ++applied;
    } catch (const std::exception& e) {
      line = "ignored request " + p.filename().string() + ": " + e.what();
    }
    fs::remove(p, ec);
    if (report_) report_(line);
  }
  return applied;
}

}  // namespace udlab

#include "cli/progress_observer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace udlab::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted = true; }

// printf into a growing string: a value of any size (a perplexity of 1e224 is 225 digits) fits.
template <class... A>
void appendf(std::string& s, const char* fmt, A... a) {
  int n = std::snprintf(nullptr, 0, fmt, a...);
  if (n <= 0) return;
  size_t old = s.size();
  s.resize(old + size_t(n) + 1);
  std::snprintf(s.data() + old, size_t(n) + 1, fmt, a...);
  s.resize(old + size_t(n));
}

// A metric that may be absent or null (JSON's stand-in for a non-finite value) reads as NaN.
double num(const nlohmann::json& rec, const char* key) {
  auto it = rec.find(key);
  return it != rec.end() && it->is_number() ? it->get<double>() : NAN;
}

}  // namespace

ProgressObserver::ProgressObserver(RunControl& ctl, bool quiet)
    : ctl_(ctl), quiet_(quiet) {
  g_interrupted = false;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  // A signal handler may only set a flag; this thread turns it into a cancel, which also wakes a
  // paused run (the trainer waits on RunControl's condition variable, not on steps).
  watcher_ = std::thread([this] {
    while (!stop_watcher_) {
      if (g_interrupted.exchange(false)) {
        if (!quiet_) std::fprintf(stderr, "\ninterrupted: saving a checkpoint and stopping\n");
        ctl_.request_cancel();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

ProgressObserver::~ProgressObserver() {
  stop_watcher_ = true;
  watcher_.join();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

void ProgressObserver::on_start(const nlohmann::json& info) {
  if (quiet_) return;
  std::fprintf(stderr, "model %s: %s parameters, dataset %s (vocab %d), backend %s with %d threads\n",
               info["config"]["model"].get<std::string>().c_str(), info["params"].dump().c_str(),
               info["dataset"].get<std::string>().c_str(), info["vocab"].get<int>(),
               info["backend"].get<std::string>().c_str(), info["threads"].get<int>());
  if (!info["device_note"].get<std::string>().empty())
    std::fprintf(stderr, "%s\n", info["device_note"].get<std::string>().c_str());
}

void ProgressObserver::on_metrics(const nlohmann::json& rec) {
  if (rec.contains("val_loss")) last_eval = rec;
  if (quiet_ || !rec.contains("train_loss")) return;
  std::string line;
  appendf(line, "step %5ld  loss %.4f", rec.value("step", 0L), num(rec, "train_loss"));
  if (rec.contains("val_loss"))
    appendf(line, "  val %.4f (bpc %.3f, ppl %.2f)", num(rec, "val_loss"), num(rec, "val_bpc"), num(rec, "val_ppl"));
  if (rec.contains("accuracy")) appendf(line, "  acc %.3f", num(rec, "accuracy"));
  if (rec.contains("tokens_per_s")) appendf(line, "  %.0f tok/s", num(rec, "tokens_per_s"));
  if (bar_.interactive()) {
    // Only evaluations are kept on screen above the bar; other records just refresh it.
    if (rec.contains("val_loss")) {
      bar_.clear();
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    last_line_ = line;
  } else {
    std::fprintf(stdout, "%s\n", line.c_str());
    std::fflush(stdout);
  }
}

void ProgressObserver::on_progress(int step, int total, double) {
  if (start_step_ < 0) start_step_ = step - 1;  // a resumed run's ETA counts only its own steps
  if (quiet_) return;
  bar_.update(step - start_step_, total - start_step_, std::to_string(step) + "/" + std::to_string(total) + "  " + last_line_);
}

void ProgressObserver::on_status(const RunStatus& s) {
  if (s.state != "running" && s.state != "paused") bar_.clear();
}

}  // namespace udlab::cli

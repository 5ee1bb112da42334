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

void ProgressObserver::on_metrics(const MetricsRecord& rec) {
  const bool eval = rec.has(Metric::ValLoss);
  if (eval) last_eval = rec;
  if (quiet_ || !rec.has(Metric::TrainLoss)) return;
  std::string line;
  appendf(line, "step %5d  loss %.4f", rec.step, rec.get(Metric::TrainLoss));
  if (eval)
    appendf(line, "  val %.4f (bpc %.3f, ppl %.2f)", rec.get(Metric::ValLoss), rec.get(Metric::ValBpc), rec.get(Metric::ValPpl));
  if (rec.has(Metric::Accuracy)) appendf(line, "  acc %.3f", rec.get(Metric::Accuracy));
  if (rec.has(Metric::TokensPerS)) appendf(line, "  %.0f tok/s", rec.get(Metric::TokensPerS));
  if (bar_.interactive()) {
    // Only evaluations are kept on screen above the bar; other records just refresh it.
    if (eval) {
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

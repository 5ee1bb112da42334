#include "cli/progress_observer.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace udlab::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted = true; }

}  // namespace

ProgressObserver::ProgressObserver(RunControl& ctl, bool quiet)
    : ctl_(ctl), quiet_(quiet) {
  g_interrupted = false;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
}

ProgressObserver::~ProgressObserver() {
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
  char line[256];
  int n = std::snprintf(line, sizeof line, "step %5ld  loss %.4f", rec["step"].get<long>(),
                        rec["train_loss"].is_number() ? rec["train_loss"].get<double>() : NAN);
  if (rec.contains("val_loss") && rec["val_loss"].is_number())
    n += std::snprintf(line + n, sizeof line - n, "  val %.4f (bpc %.3f, ppl %.2f)", rec["val_loss"].get<double>(),
                       rec["val_bpc"].get<double>(), rec["val_ppl"].get<double>());
  if (rec.contains("accuracy")) n += std::snprintf(line + n, sizeof line - n, "  acc %.3f", rec["accuracy"].get<double>());
  if (rec.contains("tokens_per_s") && rec["tokens_per_s"].is_number())
    std::snprintf(line + n, sizeof line - n, "  %.0f tok/s", rec["tokens_per_s"].get<double>());
  if (bar_.interactive()) {
    // Only evaluations are kept on screen above the bar; other records just refresh it.
    if (rec.contains("val_loss")) {
      bar_.clear();
      std::fprintf(stderr, "%s\n", line);
    }
    last_line_ = line;
  } else {
    std::fprintf(stdout, "%s\n", line);
    std::fflush(stdout);
  }
}

void ProgressObserver::on_progress(int step, int total, double) {
  if (g_interrupted.exchange(false)) {
    if (!quiet_) std::fprintf(stderr, "\ninterrupted: saving a checkpoint and stopping\n");
    ctl_.request_cancel();
  }
  if (start_step_ < 0) start_step_ = step - 1;  // a resumed run's ETA counts only its own steps
  if (quiet_) return;
  bar_.update(step - start_step_, total - start_step_, std::to_string(step) + "/" + std::to_string(total) + "  " + last_line_);
}

void ProgressObserver::on_status(const RunStatus& s) {
  if (s.state != "running" && s.state != "paused") bar_.clear();
}

}  // namespace udlab::cli

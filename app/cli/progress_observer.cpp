#include "cli/progress_observer.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace udlab::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted = true; }

std::string fmt_time(double s) {
  char b[32];
  if (s < 0 || s > 1e7) return "--:--";
  int t = int(s + 0.5);
  if (t >= 3600) std::snprintf(b, sizeof b, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(b, sizeof b, "%02d:%02d", t / 60, t % 60);
  return b;
}
}  // namespace

ProgressObserver::ProgressObserver(RunControl& ctl, bool quiet)
    : ctl_(ctl), tty_(::isatty(STDERR_FILENO)), quiet_(quiet) {
  g_interrupted = false;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
}

ProgressObserver::~ProgressObserver() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

void ProgressObserver::on_start(const nlohmann::json& info) {
  start_ = std::chrono::steady_clock::now();
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
  if (tty_) {
    // Only evaluations are kept on screen above the bar; other records just refresh it.
    if (rec.contains("val_loss")) std::fprintf(stderr, "\r\033[K%s\n", line);
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
  if (start_step_ < 0) start_step_ = step - 1;
  if (!tty_ || quiet_) return;
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  int done = step - start_step_;
  double eta = done > 0 ? el / done * (total - step) : -1;
  const int width = 30;
  int filled = total > 0 ? int(double(step) / total * width) : width;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r\033[K[%s] %d/%d  %s elapsed, ETA %s  %s", bar.c_str(), step, total, fmt_time(el).c_str(),
               fmt_time(eta).c_str(), last_line_.c_str());
  std::fflush(stderr);
}

void ProgressObserver::on_status(const RunStatus& s) {
  if (tty_ && !quiet_ && s.state != "running" && s.state != "paused") std::fprintf(stderr, "\n");
}

}  // namespace udlab::cli

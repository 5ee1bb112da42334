#include "cli/progress_bar.h"

#include <unistd.h>

#include <cmath>

namespace udlab::cli {

ProgressBar::ProgressBar(std::string label, FILE* out)
    : label_(std::move(label)), out_(out), interactive_(isatty(fileno(out)) == 1),
      start_(std::chrono::steady_clock::now()) {}

std::string format_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  long t = std::lround(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

void ProgressBar::update(double done, double total, const std::string& detail) {
  if (!interactive_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && done < total) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  std::string bar, eta;
  if (total > 0) {
    double frac = std::min(1.0, std::max(0.0, done / total));
    int fill = int(frac * kWidth);
    bar = "[" + std::string(size_t(fill), '#') + std::string(size_t(kWidth - fill), '.') + "]";
    double elapsed = std::chrono::duration<double>(now - start_).count();
    if (frac > 0) eta = "  ETA " + format_duration(elapsed * (1 - frac) / frac);
    char pct[16];
    std::snprintf(pct, sizeof pct, " %3d%%", int(frac * 100));
    bar += pct;
  }
  // \r + clear-to-end-of-line keeps one line however the width changes.
  std::fprintf(out_, "\r\033[K%s %s  %s%s", label_.c_str(), bar.c_str(), detail.c_str(), eta.c_str());
  std::fflush(out_);
}

void ProgressBar::clear() {
  if (!interactive_ || !drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace udlab::cli

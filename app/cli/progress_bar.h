// A one-line progress display for udlab-cli: a redrawn bar with rate and ETA on a terminal, and only
// the final line when the output is a file or a pipe (logs stay readable).
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace udlab::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label, FILE* out = stderr);
  bool interactive() const { return interactive_; }
  // done/total in any unit (total <= 0: unknown); detail is shown after the bar, e.g. "512 KiB / 1 MiB".
  // Redraws at most 10 times a second.
  void update(double done, double total, const std::string& detail);
  // Erases the bar so that the caller's next line starts clean (on any stream).
  void clear();

 private:
  std::string label_;
  FILE* out_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

std::string format_duration(double seconds);

}  // namespace udlab::cli

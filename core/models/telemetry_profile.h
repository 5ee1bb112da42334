// Per-position statistics over the batch for Telemetry::profiles (e.g. ‖h_t‖ averaged over the batch,
// with its min–max band), shared by every model so that all profiles mean the same thing.
#pragma once
#include <algorithm>
#include <limits>
#include <vector>

namespace udlab {

// v holds one value per (sequence b, position t): at t·B + b when time_major, else at b·T + t.
// Returns the mean over b for each t; fills the per-t min and max when asked.
template <class S>
std::vector<double> batch_profile(const std::vector<S>& v, int B, int T, bool time_major, std::vector<double>* mn,
                                  std::vector<double>* mx) {
  std::vector<double> mean(T, 0.0);
  if (mn) mn->assign(T, std::numeric_limits<double>::infinity());
  if (mx) mx->assign(T, -std::numeric_limits<double>::infinity());
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      double x = double(v[time_major ? size_t(t) * B + b : size_t(b) * T + t]);
      mean[t] += x / B;
      if (mn) (*mn)[t] = std::min((*mn)[t], x);
      if (mx) (*mx)[t] = std::max((*mx)[t], x);
    }
  return mean;
}

}  // namespace udlab

// Linear warmup, then cosine decay to min_lr_frac * lr (or constant after warmup).
#pragma once
#include <algorithm>
#include <cmath>

#include "core/train/run_config.h"

namespace udlab {

// Learning rate for optimiser step `step` (0-based: the step about to be taken).
inline double learning_rate(const TrainConfig& t, int step) {
  if (t.warmup > 0 && step < t.warmup) return t.lr * double(step + 1) / double(t.warmup);
  if (t.schedule == "constant") return t.lr;
  int decay_steps = std::max(1, t.steps - t.warmup);
  double progress = std::clamp(double(step - t.warmup) / decay_steps, 0.0, 1.0);
  double floor = t.lr * t.min_lr_frac;
  return floor + 0.5 * (t.lr - floor) * (1.0 + std::cos(M_PI * progress));
}

}  // namespace udlab
